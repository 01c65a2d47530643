// Mesos as a real master behaves (issue 23, point 2), against the master double, which checks every call
// against Apache Mesos's scheduler.proto and mesos.proto (schemas/mesos, 1.11.0) and answers as the master
// code does (apache/mesos src/master/master.cpp, validation.cpp, src/common/resources_utils.cpp):
// - task resources carry the role and reservation of the offered resources they come from: static,
//   dynamic with its principal and labels, and unreserved allocated to the role (else TASK_ERROR);
// - OFFERS and a RESCIND of the same offer in one chunk: the offer is neither used nor declined;
// - a framework the master removed (or a SUBSCRIBE refused as unknown) is forgotten: the server
//   subscribes as a new one and the job's execution ends lost and is retried;
// - a call that gets no answer times out and is treated like a cut connection.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { MesosSchedulerClient } from '../src/executors/mesos/client.ts';
import { loadConfig } from '../src/config.ts';
import type { Logger } from '../src/log.ts';
import { buildServer, type Server } from '../src/server.ts';
import { freshDatabase, type TestDatabase } from './helpers/db.ts';
import { checkMessage } from './helpers/mesos-proto.ts';
import { startMesosMaster, type MesosMaster } from './helpers/mesos-master.ts';
import { createJobType, queueJob, waitForJob } from './helpers/scale.ts';
import { tempDir, waitFor } from './helpers/server.ts';

type Line = { level: string; msg: string; fields: Record<string, unknown> };
function recordingLogger(lines: Line[], base: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields: { ...base, ...fields } });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => recordingLogger(lines, { ...base, ...f }) };
}

describe('Mesos as a real master behaves (master double checking calls against mesos.proto)', function () {
  this.timeout(90_000);
  let dataDir: string;
  let database: TestDatabase;
  const servers: Server[] = [];
  const masters: MesosMaster[] = [];
  before(async () => {
    dataDir = await tempDir();
    database = await freshDatabase('pglite');
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const m of masters.splice(0)) await m.close();
  });
  after(async () => {
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  async function master(opts: Parameters<typeof startMesosMaster>[0]) {
    const m = await startMesosMaster({ offerIntervalMs: 100, heartbeatIntervalSeconds: 1, ackTimeoutMs: 500, ...opts });
    masters.push(m);
    return m;
  }

  async function server(masterUrl: string, lines: Line[], env: Record<string, string> = {}, tuning: Record<string, number> = {}) {
    const db = await database.open();
    // Each test is a new framework of its own master: the stored framework id of the previous one goes.
    await db.query('DELETE FROM mesos_framework');
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', SCALE_DATA_DIR: dataDir, SCALE_SCHEDULER_INTERVAL_MS: '100', SCALE_HEARTBEAT_SECONDS: '1',
      SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: masterUrl, MESOS_LOG_POLL_MS: '100', MESOS_RECONCILE_SECONDS: '1', MESOS_REFUSE_SECONDS: '1', ...env,
    });
    const s = await buildServer(config, { db, log: recordingLogger(lines), listen: false, mesosTuning: { minBackoffMs: 50, reconcileGraceMs: 300, ...tuning } });
    const close = s.close;
    const wrapped = { ...s, close: async () => (await close(), await db.close()) };
    servers.push(wrapped);
    return wrapped;
  }

  it('the master double refuses calls that do not parse against mesos.proto (unknown fields too), as a real master answers 400', async () => {
    assert.deepEqual(checkMessage({ type: 'DECLINE', framework_id: { value: 'F' }, decline: { offer_ids: [{ value: 'O' }], filters: { refuse_seconds: 1 } } }), { unknown: [], invalid: [], missing: [] });
    const p = checkMessage({ type: 'ACCEPT', framework_id: { value: 'F' }, accept: { offer_ids: [{}], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 'a' }, agent_id: { value: 'b' }, resources: [{ name: 'cpus', type: 'SCALER', scalar: { value: 1 }, roles: 'x' }] }] } }] } });
    assert.deepEqual(p.missing, ['accept.offer_ids[0].value']);
    assert.deepEqual(p.unknown, ['accept.operations[0].launch.task_infos[0].resources[0].roles']);
    assert.match(p.invalid.join(), /resources\[0\]\.type: Failed to find enum for 'SCALER'/);
    const m = await master({ agents: [] });
    const res = await fetch(`${m.url}/api/v1/scheduler`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', failover_timeout_seconds: 5 } } }),
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /unknown fields .*subscribe\.framework_info\.failover_timeout_seconds/);
  });

  it('the master double checks task resources against the offer as Master::accept does: role, reservation and allocation must match', async () => {
    const m = await master({ agents: [{ hostname: 'mix', resources: { cpus: 1, mem: 256, disk: 0 }, reserved: [{ role: 'gis', resources: { cpus: 1, mem: 256 } }] }] });
    const c = new MesosSchedulerClient(m.url, { user: 'root', name: 'fw', roles: ['gis'], checkpoint: false, failoverTimeoutSeconds: 0 }, { load: async () => null, save: async () => {} }, undefined, { minBackoffMs: 50 });
    const statuses = new Map<string, any>();
    let offer: any = null;
    c.on('event', (e) => {
      if (e.type === 'OFFERS' && !offer) offer = e.offers.offers[0];
      if (e.type === 'UPDATE' && !statuses.has(e.update.status.task_id.value)) statuses.set(e.update.status.task_id.value, e.update.status);
    });
    try {
      await c.start();
      await waitFor(async () => offer, { what: 'an offer' });
      const cpus = (value: number, deco: Record<string, unknown>) => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, ...deco });
      const task = (id: string, resources: any[]) => ({ name: id, task_id: { value: id }, agent_id: offer.agent_id, resources, command: { shell: true, value: 'true' } });
      const status = await c.call('ACCEPT', {
        accept: {
          offer_ids: [offer.id],
          operations: [{ type: 'LAUNCH', launch: { task_infos: [
            // What this server sent before: the role "dynamically reserved" by its principal, which no offer holds.
            task('claims-dynamic', [cpus(0.5, { role: 'gis', reservation: { principal: 'scale' } })]),
            // Static for the role (allocation_info injected by the master) and unreserved: as offered.
            task('as-offered', [cpus(0.5, { role: 'gis' }), { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: '*', allocation_info: { role: 'gis' } }]),
            task('star-reserved', [cpus(0.1, { role: '*', reservation: { principal: 'x' } })]),
            task('other-allocation', [cpus(0.1, { role: '*', allocation_info: { role: 'elsewhere' } })]),
          ] } }],
          filters: { refuse_seconds: 1 },
        },
      });
      assert.equal(status, 202);
      await waitFor(async () => statuses.size === 4, { what: 'an update for each task' });
      const of = (id: string) => `${statuses.get(id).state} ${statuses.get(id).reason ?? ''} ${statuses.get(id).message ?? ''}`;
      assert.match(of('claims-dynamic'), /^TASK_ERROR REASON_TASK_INVALID Total resources cpus\(allocated: gis\)\(reservations: \[\(DYNAMIC,gis,scale\)\]\):0.5 .* more than available/);
      assert.match(of('as-offered'), /^TASK_STARTING/);
      assert.match(of('star-reserved'), /^TASK_ERROR REASON_TASK_INVALID Invalid reservation: role "\*" cannot be dynamically reserved/);
      assert.match(of('other-allocation'), /^TASK_ERROR REASON_TASK_INVALID Total resources cpus\(allocated: elsewhere\):0.1 .* more than available/);
    } finally {
      c.stop();
    }
  });

  it('a SUBSCRIBE refused because the master does not know the framework id: the id is forgotten and a new framework subscribes', async () => {
    const bodies: any[] = [];
    const fake = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const call = JSON.parse(raw);
        bodies.push(call);
        if (call.framework_id) return void res.writeHead(400).end('Framework cannot be found');
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 'S1' });
        const ev = JSON.stringify({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'F-new' }, heartbeat_interval_seconds: 15 } });
        res.write(`${Buffer.byteLength(ev)}\n${ev}`);
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const stored: string[] = ['F-old'];
    const store = { load: async () => stored[0] ?? null, save: async (id: string) => void stored.splice(0, 1, id), forget: async (id: string) => void (stored[0] === id && stored.splice(0, 1)) };
    const c = new MesosSchedulerClient(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`, { user: 'root', name: 'fw', roles: ['*'], checkpoint: true, failoverTimeoutSeconds: 60 }, store, undefined, { minBackoffMs: 50 });
    const removed: string[] = [];
    c.on('removed', (r) => removed.push(r.frameworkId));
    try {
      await c.start();
      await waitFor(async () => c.id === 'F-new' && c.connected, { what: 'a new framework' });
      assert.deepEqual(removed, ['F-old']);
      assert.equal(bodies[0].framework_id.value, 'F-old');
      assert.equal(bodies[1].framework_id, undefined);
      assert.equal(bodies[1].subscribe.framework_info.id, undefined);
      await waitFor(async () => stored.join() === 'F-new', { what: 'the new id stored, the old one forgotten' });
    } finally {
      c.stop();
      await new Promise<void>((r) => { fake.close(() => r()); fake.closeAllConnections(); });
    }
  });

  describe('one server, one master: role "gis" with static, dynamic and unreserved resources on three agents', () => {
    let m: MesosMaster;
    let s: Awaited<ReturnType<typeof server>>;
    const lines: Line[] = [];
    const res = { cpus: 1, mem: 256, disk: 100 };
    const none = { cpus: 0, mem: 0, disk: 0 };
    before(async () => {
      m = await master({
        agents: [
          { hostname: 'static', resources: none, reserved: [{ role: 'gis', resources: res }] },
          { hostname: 'dynamic', resources: none, reserved: [{ role: 'gis', type: 'DYNAMIC', principal: 'ops', labels: { team: 'geo' }, resources: res }] },
          { hostname: 'unreserved', resources: res },
          // Reserved for another role: never offered to this framework.
          { hostname: 'other', resources: none, reserved: [{ role: 'elsewhere', resources: { cpus: 8, mem: 8192, disk: 1000 } }] },
        ],
      });
      masters.pop(); // kept for the whole block
      s = await server(m.url, lines, { MESOS_ROLE: 'gis', MESOS_PRINCIPAL: 'scale' }, { callTimeoutMs: 3000 });
      servers.pop();
      await waitFor(async () => [...m.frameworks.values()].some((f) => f.connected), { what: 'the subscription' });
    });
    after(async () => {
      await s?.close();
      await m?.close();
    });
    /** Tasks the master refused (TASK_ERROR) or lost (TASK_LOST, TASK_DROPPED) since a time. */
    const refusedSince = (t0: number) => [...m.frameworks.values()].flatMap((f) => f.events)
      .filter((e) => e.type === 'UPDATE' && ['TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED'].includes(e.update.status.state) && e.update.status.timestamp * 1000 >= t0)
      .map((e) => `${e.update.status.state}: ${e.update.status.message}`);

    it('takes task resources from the offer as offered: static and dynamic reservations (principal, labels), unreserved allocated to the role', async () => {
      const from = Date.now();
      // Each job fills an agent for a while: the three run on the three agents at once.
      const jt = await createJobType(s.app, { cpus_required: 1, mem_required: 128, interface: { command: '/bin/sleep', command_arguments: '2', input_data: [] } });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await queueJob(s.app, jt.id, { version: '1.0', input_data: [] })).id);
      for (const id of ids) {
        const job = await waitForJob(s.app, id, undefined, 40_000);
        assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
        assert.equal(job.num_exes, 1, 'no launch was refused');
      }
      assert.deepEqual(refusedSince(from), [], 'the master refused no task (no TASK_ERROR "more than available")');
      const alloc = { allocation_info: { role: 'gis' } };
      const byHost = new Map(m.agents.map((a) => [a.id, a.hostname]));
      const seen = new Map<string, any[]>();
      for (const c of m.calls.filter((x) => x.type === 'ACCEPT' && x.status === 202)) {
        for (const t of c.body.accept.operations[0].launch.task_infos) seen.set(byHost.get(t.agent_id.value)!, t.resources);
      }
      const deco = (rs: any[] | undefined) => (rs ?? []).map(({ name, type, scalar, ...rest }) => ({ name, ...rest }));
      assert.deepEqual(deco(seen.get('static')), ['cpus', 'mem', 'disk'].map((name) => ({ name, role: 'gis', ...alloc })), 'static: the role, no reservation');
      const labels = { labels: [{ key: 'team', value: 'geo' }] };
      assert.deepEqual(deco(seen.get('dynamic')), ['cpus', 'mem', 'disk'].map((name) => ({ name, role: 'gis', reservation: { principal: 'ops', labels }, ...alloc })), "dynamic: the reservation's principal and labels (not the framework's principal)");
      assert.deepEqual(deco(seen.get('unreserved')), ['cpus', 'mem', 'disk'].map((name) => ({ name, role: '*', ...alloc })), 'unreserved: "*" allocated to the role');
      assert.ok(!seen.has('other'));
    });

    it('OFFERS and a RESCIND of that offer in one chunk: the offer is neither launched on nor declined', async () => {
      const from = Date.now();
      // Bigger than any agent so far: it waits for the next one.
      const jt = await createJobType(s.app, { cpus_required: 2, mem_required: 128, interface: { command: '/bin/echo', command_arguments: 'after a rescind', input_data: [] } });
      const queued = await queueJob(s.app, jt.id, { version: '1.0', input_data: [] });
      await waitFor(async () => {
        const j = (await request(s.app).get(`/scale/jobs/${queued.id}/`).expect(200)).body;
        return j.queue_reason?.reason === 'INSUFFICIENT_RESOURCES';
      }, { what: 'the job to wait for a node big enough' });
      const rescinded: string[] = [];
      // A new agent is offered and the offer rescinded at once (say another framework's reservation took it).
      m.batch(() => {
        const agent = m.addAgent({ hostname: 'brief', resources: { cpus: 2, mem: 1024, disk: 1000 } });
        m.offerCycle();
        for (const o of [...m.offers.values()]) if (o.agentId === agent.id) (rescinded.push(o.id), m.rescind(o.id));
      });
      assert.equal(rescinded.length, 1, 'the offer was made and rescinded');
      const job = await waitForJob(s.app, queued.id, undefined, 40_000);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      assert.equal(job.num_exes, 1, 'the job lost no try to an invalid offer');
      const used = m.calls.filter((c) => (c.type === 'ACCEPT' || c.type === 'DECLINE') && JSON.stringify(c.body).includes(`"${rescinded[0]}"`));
      assert.deepEqual(used.map((c) => c.type), [], 'no ACCEPT or DECLINE names the rescinded offer');
      assert.deepEqual(refusedSince(from), []);
    });

    it('a framework the master removed: forgotten, the server subscribes as a new framework, the running execution is lost and retried', async () => {
      const jt = await createJobType(s.app, { max_tries: 3, interface: { command: '/bin/sleep', command_arguments: '2', input_data: [] } });
      const queued = await queueJob(s.app, jt.id, { version: '1.0', input_data: [] });
      const running = await waitFor(async () => [...m.tasks.values()].find((t) => t.state === 'TASK_RUNNING' && t.info.task_id.value.includes(`_${queued.id}x1_`)) ?? null, { timeoutMs: 30_000, what: 'the task to run' });
      const oldId = running.frameworkId;
      const removedAt = Date.now();
      // The operator tears the framework down (or its failover timeout passed while the server was away).
      m.removeFramework(oldId);
      const job = await waitForJob(s.app, queued.id, undefined, 40_000);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      assert.equal(job.num_exes, 2, 'the execution under the removed framework was lost and the job retried');
      const lost = job.job_exes.find((x: any) => x.exe_num === 1);
      assert.equal(lost.status, 'FAILED');
      assert.equal(lost.error?.name, 'node-lost', JSON.stringify(lost.error));
      // The re-subscription with the old id was refused (200, ERROR, closed), then a SUBSCRIBE without an id made a new framework.
      const subs = m.calls.filter((c) => c.type === 'SUBSCRIBE');
      const refused = subs.find((c) => c.body.framework_id?.value === oldId && c.at >= removedAt && c.status === 200);
      assert.ok(refused, 'subscribed again with the removed id');
      assert.ok(subs.some((c) => c.body.framework_id === undefined && c.at >= refused.at), 'then subscribed without it');
      const newId = [...m.frameworks.keys()].find((id) => id !== oldId);
      assert.ok(newId && newId !== oldId);
      const stored = (await s.db.query<{ framework_id: string }>('SELECT framework_id FROM mesos_framework')).rows.map((r) => r.framework_id);
      assert.deepEqual(stored, [newId], 'the new id is stored, the removed one forgotten');
      assert.ok(lines.some((l) => l.level === 'error' && l.msg === 'the Mesos master sent an error' && l.fields.message === 'Framework has been removed'), 'the ERROR is logged with its message');
    });

    it('a call that gets no answer times out and is treated like a cut connection (an ACCEPT: its task is reconciled)', async () => {
      const seenLines = lines.length;
      // The master takes the ACCEPT and launches the task, but its answer never comes.
      m.hangNext('ACCEPT', { process: true });
      const jt = await createJobType(s.app, { interface: { command: '/bin/echo', command_arguments: 'hung accept', input_data: [] } });
      const job = await waitForJob(s.app, (await queueJob(s.app, jt.id, { version: '1.0', input_data: [] })).id, undefined, 40_000);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      assert.equal(job.num_exes, 1, 'not launched twice');
      assert.ok(m.calls.some((c) => c.type === 'ACCEPT' && c.error === 'no answer (test hook)'));
      const mine = lines.slice(seenLines);
      assert.ok(mine.some((l) => l.level === 'warn' && /timed out/.test(l.msg) && l.fields.type === 'ACCEPT'), 'the time-out is logged');
      assert.ok(mine.some((l) => /ACCEPT got no answer; its tasks are reconciled/.test(l.msg)), 'handled as a cut connection');
      // Any other call that hangs is cut and sent again (an acknowledgement the master never answered).
      m.hangNext('ACKNOWLEDGE', { process: false });
      const again = await waitForJob(s.app, (await queueJob(s.app, jt.id, { version: '1.0', input_data: [] })).id, undefined, 40_000);
      assert.equal(again.status, 'COMPLETED', JSON.stringify(again.error));
      const hung = m.calls.find((c) => c.type === 'ACKNOWLEDGE' && c.error === 'no answer (test hook)')!;
      assert.ok(hung, 'an ACKNOWLEDGE hung');
      await waitFor(async () => m.calls.some((c) => c.at > hung.at && c.status === 202 && JSON.stringify(c.body) === JSON.stringify(hung.body)), { what: 'the hung ACKNOWLEDGE sent again and taken' });
    });
  });
});
