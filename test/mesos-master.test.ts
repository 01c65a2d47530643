// The Mesos master double (test/helpers/mesos-master.ts) driven by a raw v1 scheduler HTTP API client:
// node http plus the RecordIO decoder, nothing from src/, so the double is checked against the wire format alone.
import assert from 'node:assert/strict';
import http from 'node:http';
import { startMesosMaster, type MesosMaster, type MesosMasterOptions } from './helpers/mesos-master.ts';
import { RecordIODecoder } from './helpers/recordio.ts';

interface Reply { status: number; headers: http.IncomingHttpHeaders; text: string }

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(`${url}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(raw);
  });
}

function get(url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    }).on('error', reject);
  });
}

/** A subscriber stream: events in arrival order, waiters by predicate, optional auto-ACK of uuid updates. */
class Subscription {
  events: any[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  streamId = '';
  frameworkId = '';
  ended = false;
  autoAck = false;
  req: http.ClientRequest | null = null;
  private waiters: Array<{ pred: (e: any) => boolean; from: number; resolve: (e: any) => void }> = [];

  constructor(readonly url: string) {}

  open(body: any): Promise<void> {
    return new Promise((resolve, reject) => {
      const dec = new RecordIODecoder();
      this.req = http.request(`${this.url}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }, (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        this.streamId = String(res.headers['mesos-stream-id'] ?? '');
        res.on('data', (c: Buffer) => { for (const r of dec.push(c)) this.onEvent(JSON.parse(r)); });
        res.on('end', () => { this.ended = true; });
        res.on('error', () => { this.ended = true; });
        resolve();
      });
      this.req.on('error', reject);
      this.req.end(JSON.stringify(body));
    });
  }

  private onEvent(e: any): void {
    this.events.push(e);
    if (e.type === 'SUBSCRIBED') this.frameworkId = e.subscribed.framework_id.value;
    if (this.autoAck && e.type === 'UPDATE' && e.update.status.uuid) void this.ack(e.update.status);
    const idx = this.events.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (idx >= w.from && w.pred(e)) { w.resolve(e); return false; }
      return true;
    });
  }

  /** The first event (at index >= from) matching pred, already received or still to come. */
  waitFor(pred: (e: any) => boolean, what: string, timeoutMs = 4000, from = 0): Promise<any> {
    const found = this.events.slice(from).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.type === 'UPDATE' ? `${e.update.status.task_id.value}:${e.update.status.state}` : e.type))}`)), timeoutMs);
      this.waiters.push({ pred, from, resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
  }

  update(taskId: string, state: string, from = 0): Promise<any> {
    return this.waitFor((e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId && e.update.status.state === state, `${taskId} ${state}`, 4000, from).then((e) => e.update.status);
  }

  call(body: any): Promise<Reply> {
    return post(this.url, { framework_id: { value: this.frameworkId }, ...body }, { 'Mesos-Stream-Id': this.streamId });
  }

  ack(status: any): Promise<Reply> {
    return this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
  }

  close(): void {
    this.req?.destroy();
  }
}

const subscribeBody = (extra: Record<string, unknown> = {}) => ({
  type: 'SUBSCRIBE',
  subscribe: { framework_info: { user: 'root', name: 'test-fw', failover_timeout: 60, capabilities: [{ type: 'GPU_RESOURCES' }], ...extra } },
});

const FAST: MesosMasterOptions = { heartbeatIntervalSeconds: 0.2, offerIntervalMs: 100, ackTimeoutMs: 300, killGraceMs: 500 };
const AGENTS = [
  { hostname: 'agent1', resources: { cpus: 2, mem: 1024, disk: 2048 }, attributes: { os: 'linux' } },
  { hostname: 'agent2', resources: { cpus: 4, mem: 4096, disk: 8192, gpus: 1 } },
];

const scalar = (o: any, name: string) => o.resources.find((r: any) => r.name === name)?.scalar.value;
const task = (id: string, agentId: string, command: any, res: Record<string, number> = { cpus: 0.5, mem: 64 }) => ({
  name: `task ${id}`, task_id: { value: id }, agent_id: { value: agentId }, command,
  resources: Object.entries(res).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value } })),
});
const launch = (offerIds: string[], infos: any[], refuse = 0) => ({
  type: 'ACCEPT', accept: { offer_ids: offerIds.map((value) => ({ value })), operations: [{ type: 'LAUNCH', launch: { task_infos: infos } }], filters: { refuse_seconds: refuse } },
});

describe('Mesos master double (v1 scheduler HTTP API)', function () {
  this.timeout(15000);
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f(); });

  async function setup(opts: MesosMasterOptions = {}): Promise<{ m: MesosMaster; s: Subscription; offers: any[] }> {
    const m = await startMesosMaster({ ...FAST, agents: AGENTS, ...opts });
    cleanup.push(() => m.close());
    const s = new Subscription(m.url);
    cleanup.push(() => s.close());
    await s.open(subscribeBody());
    const ev = await s.waitFor((e) => e.type === 'OFFERS', 'OFFERS');
    return { m, s, offers: ev.offers.offers };
  }
  const offerOn = (offers: any[], host: string) => offers.find((o) => o.hostname === host);

  it('SUBSCRIBE streams RecordIO: SUBSCRIBED, HEARTBEATs at the interval, then OFFERS of every agent', async () => {
    const { m, s, offers } = await setup();
    assert.equal(s.status, 200);
    assert.equal(s.headers['content-type'], 'application/json');
    assert.equal(s.headers['transfer-encoding'], 'chunked');
    assert.match(s.streamId, /^[0-9a-f-]{36}$/);
    const [first, second] = s.events;
    assert.equal(first.type, 'SUBSCRIBED');
    assert.equal(first.subscribed.framework_id.value, `${m.masterId}-0000`);
    assert.equal(first.subscribed.heartbeat_interval_seconds, 0.2);
    assert.equal(first.subscribed.master_info.id, m.masterId);
    assert.equal(second.type, 'HEARTBEAT', 'a HEARTBEAT follows SUBSCRIBED at once');
    assert.equal(offers.length, 2);
    const o1 = offerOn(offers, 'agent1');
    assert.match(o1.id.value, new RegExp(`^${m.masterId}-O\\d+$`));
    assert.equal(o1.agent_id.value, `${m.masterId}-S0`);
    assert.equal(o1.framework_id.value, s.frameworkId);
    assert.deepEqual(o1.resources.find((r: any) => r.name === 'cpus'), { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*', allocation_info: { role: '*' } });
    assert.equal(scalar(o1, 'mem'), 1024);
    assert.equal(scalar(o1, 'disk'), 2048);
    assert.deepEqual(o1.attributes, [{ name: 'os', type: 'TEXT', text: { value: 'linux' } }]);
    assert.equal(scalar(offerOn(offers, 'agent2'), 'gpus'), 1);
    const hb0 = s.events.filter((e) => e.type === 'HEARTBEAT').length;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(s.events.filter((e) => e.type === 'HEARTBEAT').length >= hb0 + 1, 'heartbeats keep coming');
    // Resubscribing with the framework id keeps it and gets a new stream id; the old stream is closed.
    const s2 = new Subscription(m.url);
    cleanup.push(() => s2.close());
    await s2.open({ ...subscribeBody({ id: { value: s.frameworkId } }), framework_id: { value: s.frameworkId } });
    await s2.waitFor((e) => e.type === 'SUBSCRIBED', 'resubscribed');
    assert.equal(s2.frameworkId, s.frameworkId);
    assert.notEqual(s2.streamId, s.streamId);
    await s.waitFor((e) => e.type === 'ERROR', 'failover ERROR on the old stream');
    assert.equal((await s.call({ type: 'REVIVE' })).status, 400, 'the old stream id is no longer valid');
    assert.equal((await s2.call({ type: 'REVIVE' })).status, 202);
  });

  it('runs a command task on an offer: STARTING, RUNNING, FINISHED, each acknowledged; logs readable; resources return', async () => {
    const { m, s, offers } = await setup();
    const o1 = offerOn(offers, 'agent1');
    const from = s.events.length;
    const r = await s.call(launch([o1.id.value], [task('t1', o1.agent_id.value, { value: "echo hi; echo oops >&2; exit 0" })]));
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
    const seen: string[] = [];
    for (const state of ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']) {
      const st = await s.update('t1', state, from);
      seen.push(st.state);
      assert.equal(st.source, 'SOURCE_EXECUTOR');
      assert.equal(Buffer.from(st.uuid, 'base64').length, 16);
      assert.equal(st.agent_id.value, o1.agent_id.value);
      assert.equal(st.executor_id.value, 't1');
      assert.equal(typeof st.timestamp, 'number');
      if (state === 'TASK_FINISHED') assert.equal(st.message, 'Command exited with status 0');
      assert.equal((await s.ack(st)).status, 202);
    }
    assert.deepEqual(seen, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const t = m.tasks.get(`${s.frameworkId}/t1`)!;
    await waitUntil(() => t.removed, 'task forgotten after the terminal ACK');
    assert.equal(m.agents[0].used.scalars.cpus, 0, 'resources returned to the agent');
    // The sandbox files, absolute or through the virtual "latest" path, as the agent's /files/read serves them.
    const out = JSON.parse((await get(`${m.url}/files/read?path=${encodeURIComponent(t.sandbox + '/stdout')}&offset=0`)).text);
    assert.deepEqual(out, { data: 'hi\n', offset: 0 });
    const virt = `/slaves/${o1.agent_id.value}/frameworks/${s.frameworkId}/executors/t1/runs/latest/stderr`;
    assert.deepEqual(JSON.parse((await get(`${m.url}/files/read?path=${encodeURIComponent(virt)}&offset=1&length=3`)).text), { data: 'ops', offset: 1 });
    assert.deepEqual(JSON.parse((await get(`${m.url}/files/read?path=${encodeURIComponent(virt)}`)).text), { data: '', offset: 5 }, 'no offset: the size');
    assert.equal((await get(`${m.url}/files/read?path=/etc/passwd&offset=0`)).status, 404);
    // A failing task: TASK_FAILED with the exit status; argv mode with environment.
    const o2 = await s.waitFor((e) => e.type === 'OFFERS' && e.offers.offers.some((o: any) => o.hostname === 'agent1'), 'agent1 re-offered', 4000, from);
    const oa = offerOn(o2.offers.offers, 'agent1');
    s.autoAck = true;
    await s.call(launch([oa.id.value], [task('t2', oa.agent_id.value, { shell: false, value: '/bin/sh', arguments: ['sh', '-c', 'echo "$GREETING"; exit 3'], environment: { variables: [{ name: 'GREETING', value: 'hello env' }] } })]));
    const failed = await s.update('t2', 'TASK_FAILED', from);
    assert.equal(failed.message, 'Command exited with status 3');
    const sb2 = m.sandboxOf('t2')!;
    assert.equal(JSON.parse((await get(`${m.url}/files/read?path=${encodeURIComponent(sb2 + '/stdout')}&offset=0`)).text).data, 'hello env\n');
  });

  it('resends an unacknowledged update (same uuid) and holds the next one until the ACK', async () => {
    const { s, offers } = await setup();
    const o1 = offerOn(offers, 'agent1');
    const from = s.events.length;
    await s.call(launch([o1.id.value], [task('t1', o1.agent_id.value, { value: 'exit 0' })]));
    const first = await s.update('t1', 'TASK_STARTING', from);
    const idx = s.events.findIndex((e) => e.type === 'UPDATE' && e.update.status.uuid === first.uuid);
    const again = await s.waitFor((e) => e.type === 'UPDATE' && e.update.status.uuid === first.uuid, 'resent STARTING', 4000, idx + 1);
    assert.equal(again.update.status.state, 'TASK_STARTING');
    assert.ok(!s.events.some((e) => e.type === 'UPDATE' && e.update.status.state !== 'TASK_STARTING'), 'RUNNING waits for the ACK of STARTING');
    await s.ack(first);
    s.autoAck = true;
    await s.update('t1', 'TASK_RUNNING', from);
    await s.update('t1', 'TASK_FINISHED', from);
  });

  it('refuses bad calls as the real master: no/wrong stream id, bad JSON, missing fields, unknown framework', async () => {
    const { m, s } = await setup();
    const noId = await post(m.url, { type: 'REVIVE', framework_id: { value: s.frameworkId } });
    assert.equal(noId.status, 400);
    assert.match(noId.text, /Mesos-Stream-Id/);
    assert.equal((await post(m.url, { type: 'REVIVE', framework_id: { value: s.frameworkId } }, { 'Mesos-Stream-Id': 'nope' })).status, 400);
    const bad = await post(m.url, '{"type":', { 'Mesos-Stream-Id': s.streamId });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Failed to parse body into JSON/);
    assert.match((await s.call({ type: 'ACCEPT' })).text, /Expecting 'accept' to be present/);
    assert.match((await post(m.url, { type: 'REVIVE' }, { 'Mesos-Stream-Id': s.streamId })).text, /Expecting 'framework_id' to be present/);
    assert.match((await s.call({ type: 'KILL', kill: {} })).text, /Missing required fields: kill.task_id/);
    assert.equal((await post(m.url, { type: 'REVIVE', framework_id: { value: 'x' } }, { 'Mesos-Stream-Id': s.streamId })).text, 'Framework cannot be found');
    assert.equal((await post(m.url, { ...subscribeBody() }, { 'Mesos-Stream-Id': s.streamId })).status, 400, 'SUBSCRIBE with a stream id');
    assert.match((await post(m.url, { type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'x' } } })).text, /Missing required fields: subscribe.framework_info.user/);
    assert.equal((await post(m.url, { type: 'REVIVE' }, { 'Content-Type': 'text/plain' })).status, 415);
    assert.equal((await s.call({ type: 'SUPPRESS' })).status, 202);
    // Every call is logged.
    assert.ok(m.calls.some((c) => c.type === 'SUPPRESS' && c.status === 202));
    assert.ok(m.calls.some((c) => c.status === 400 && /Failed to parse body/.test(c.error ?? '')));
  });

  it('rejects over-launch (TASK_ERROR) and used offers (TASK_LOST), without uuids', async () => {
    const { m, s, offers } = await setup();
    const o1 = offerOn(offers, 'agent1');
    const from = s.events.length;
    await s.call(launch([o1.id.value], [
      task('big', o1.agent_id.value, { value: 'exit 0' }, { cpus: 3, mem: 64 }),
      task('ok', o1.agent_id.value, { value: 'sleep 5' }, { cpus: 1.5, mem: 512 }),
      task('toomuch', o1.agent_id.value, { value: 'exit 0' }, { cpus: 1, mem: 64 }),
    ]));
    const big = await s.update('big', 'TASK_ERROR', from);
    assert.equal(big.reason, 'REASON_TASK_INVALID');
    assert.equal(big.source, 'SOURCE_MASTER');
    assert.equal(big.uuid, undefined);
    // As Mesos stringifies Resources: each with the role it is allocated to (and its reservations, if any).
    assert.match(big.message, /^Total resources cpus\(allocated: \*\):3; mem\(allocated: \*\):64 required by task and its executor is more than available/);
    const tooMuch = await s.update('toomuch', 'TASK_ERROR', from);
    assert.match(tooMuch.message, /more than available cpus\(allocated: \*\):0.5; mem\(allocated: \*\):512; disk\(allocated: \*\):2048/, 'accounting runs across the tasks of one ACCEPT');
    await s.update('ok', 'TASK_STARTING', from);
    assert.equal(m.agents[0].used.scalars.cpus, 1.5);
    // The same offer again: invalid offers, every task LOST (no PARTITION_AWARE).
    await s.call(launch([o1.id.value], [task('again', o1.agent_id.value, { value: 'exit 0' })]));
    const lost = await s.update('again', 'TASK_LOST', from);
    assert.equal(lost.reason, 'REASON_INVALID_OFFERS');
    assert.equal(lost.uuid, undefined);
    assert.equal(lost.message, `Task launched with invalid offers: Offer ${o1.id.value} is no longer valid`);
  });

  it('answers explicit and implicit RECONCILE with the latest state (no uuid); unknown tasks TASK_LOST; KILL gives TASK_KILLED', async () => {
    const { m, s, offers } = await setup();
    s.autoAck = true;
    const o1 = offerOn(offers, 'agent1');
    const from = s.events.length;
    await s.call(launch([o1.id.value], [task('sleeper', o1.agent_id.value, { value: 'sleep 30' })]));
    await s.update('sleeper', 'TASK_RUNNING', from);
    await waitUntil(() => m.tasks.get(`${s.frameworkId}/sleeper`)!.queue.length === 0, 'RUNNING acknowledged');
    const mark = s.events.length;
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'sleeper' }, agent_id: o1.agent_id }, { task_id: { value: 'ghost' }, agent_id: o1.agent_id }, { task_id: { value: 'nowhere' } }] } });
    const known = await s.update('sleeper', 'TASK_RUNNING', mark);
    assert.equal(known.reason, 'REASON_RECONCILIATION');
    assert.equal(known.source, 'SOURCE_MASTER');
    assert.equal(known.message, 'Reconciliation: Latest task state');
    assert.equal(known.uuid, undefined);
    const ghost = await s.update('ghost', 'TASK_LOST', mark);
    assert.equal(ghost.message, 'Reconciliation: Task is unknown to the agent');
    assert.equal(ghost.reason, 'REASON_RECONCILIATION');
    await s.update('nowhere', 'TASK_LOST', mark);
    const mark2 = s.events.length;
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
    assert.equal((await s.update('sleeper', 'TASK_RUNNING', mark2)).reason, 'REASON_RECONCILIATION');
    await s.call({ type: 'KILL', kill: { task_id: { value: 'sleeper' }, agent_id: o1.agent_id } });
    const killed = await s.update('sleeper', 'TASK_KILLED', from);
    assert.equal(killed.message, 'Command terminated with signal Terminated');
    assert.ok(killed.uuid);
  });

  it('DECLINE filters an agent for refuse_seconds; REVIVE clears it; expired offers are RESCINDed', async () => {
    const { s, offers } = await setup({ offerTimeoutMs: 400 });
    const o1 = offerOn(offers, 'agent1');
    const o2 = offerOn(offers, 'agent2');
    await s.call({ type: 'DECLINE', decline: { offer_ids: [o1.id], filters: { refuse_seconds: 60 } } });
    await s.waitFor((e) => e.type === 'RESCIND' && e.rescind.offer_id.value === o2.id.value, 'RESCIND of the unanswered offer');
    const mark = s.events.length;
    await s.waitFor((e) => e.type === 'OFFERS' && e.offers.offers.some((o: any) => o.hostname === 'agent2'), 'agent2 re-offered', 4000, mark);
    assert.ok(!s.events.slice(mark).some((e) => e.type === 'OFFERS' && e.offers.offers.some((o: any) => o.hostname === 'agent1')), 'agent1 filtered');
    const mark2 = s.events.length;
    await s.call({ type: 'REVIVE' });
    await s.waitFor((e) => e.type === 'OFFERS' && e.offers.offers.some((o: any) => o.hostname === 'agent1'), 'agent1 offered after REVIVE', 4000, mark2);
  });

  it('a non-leader answers 307 with a protocol-relative Location to the leader', async () => {
    const leader = await startMesosMaster({ ...FAST, agents: AGENTS });
    cleanup.push(() => leader.close());
    const follower = await startMesosMaster({ ...FAST, redirectTo: leader.url });
    cleanup.push(() => follower.close());
    const r = await post(follower.url, subscribeBody());
    assert.equal(r.status, 307);
    const port = new URL(leader.url).port;
    assert.equal(r.headers.location, `//127.0.0.1:${port}/api/v1/scheduler`);
    // Following it (as python-mesos-http does) subscribes at the leader.
    const s = new Subscription(`http:${r.headers.location!.replace('/api/v1/scheduler', '')}`);
    cleanup.push(() => s.close());
    await s.open(subscribeBody());
    assert.equal((await s.waitFor((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED at the leader')).type, 'SUBSCRIBED');
  });

  it('loseAgent: its tasks become TASK_LOST (REASON_AGENT_REMOVED), then FAILURE{agent_id}', async () => {
    const { m, s, offers } = await setup();
    s.autoAck = true;
    const o2 = offerOn(offers, 'agent2');
    const from = s.events.length;
    await s.call(launch([o2.id.value], [task('doomed', o2.agent_id.value, { value: 'sleep 30' })]));
    await s.update('doomed', 'TASK_RUNNING', from);
    m.loseAgent(o2.agent_id.value);
    const lost = await s.update('doomed', 'TASK_LOST', from);
    assert.equal(lost.reason, 'REASON_AGENT_REMOVED');
    assert.equal(lost.source, 'SOURCE_MASTER');
    assert.equal(lost.uuid, undefined);
    const fail = await s.waitFor((e) => e.type === 'FAILURE', 'FAILURE');
    assert.deepEqual(fail.failure, { agent_id: { value: o2.agent_id.value } });
    assert.ok(s.events.indexOf(fail) > s.events.findIndex((e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_LOST'));
    const mark = s.events.length;
    await s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'doomed' }, agent_id: o2.agent_id }] } });
    await s.update('doomed', 'TASK_LOST', mark);
    // dropStream: the stream ends; calls are 403 until the framework resubscribes.
    m.dropStream();
    await waitUntil(() => s.ended || !m.frameworks.get(s.frameworkId)!.connected, 'stream dropped');
    assert.equal((await s.call({ type: 'REVIVE' })).status, 403);
  });
});

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
