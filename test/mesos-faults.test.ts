// Faults on the Mesos side (issue 10, point 8): a master that refuses the framework (400, 401, 403),
// malformed RecordIO, unknown event types, malformed offers and offers with unknown resources are
// logged and survived; the server keeps serving its API and jobs still run once the master behaves.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loadConfig } from '../src/config.ts';
import type { Logger } from '../src/log.ts';
import { buildServer, type Server } from '../src/server.ts';
import { freshDatabase, type TestDatabase } from './helpers/db.ts';
import { startMesosMaster, type MesosMaster } from './helpers/mesos-master.ts';
import { createJobType, queueJob, waitForJob } from './helpers/scale.ts';
import { tempDir, waitFor } from './helpers/server.ts';

/** A logger that keeps what it is told, so the tests can check that faults were reported. */
function recordingLogger(lines: { level: string; msg: string; fields: Record<string, unknown> }[], base: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields: { ...base, ...fields } });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => recordingLogger(lines, { ...base, ...f }) };
}

describe('Mesos faults are logged and survived', function () {
  this.timeout(60_000);
  let dataDir: string;
  let database: TestDatabase;
  const servers: Server[] = [];
  before(async () => {
    dataDir = await tempDir();
    database = await freshDatabase('pglite');
  });
  after(async () => {
    for (const s of servers) await s.close();
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  async function server(masterUrl: string, lines: Parameters<typeof recordingLogger>[0], env: Record<string, string> = {}) {
    const db = await database.open();
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', SCALE_DATA_DIR: dataDir, SCALE_SCHEDULER_INTERVAL_MS: '100', SCALE_HEARTBEAT_SECONDS: '1',
      SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: masterUrl, MESOS_LOG_POLL_MS: '100', ...env,
    });
    const s = await buildServer(config, { db, log: recordingLogger(lines), listen: false, mesosTuning: { minBackoffMs: 50 } });
    const close = s.close;
    servers.push({ ...s, close: async () => (await close(), await db.close()) });
    return s;
  }

  it('a master answering 400, 401 and 403 to SUBSCRIBE: each logged, subscription retried, the API still serves', async () => {
    const codes = [400, 401, 403];
    let attempts = 0;
    const fake = http.createServer((req, res) => {
      req.resume();
      const code = codes[attempts++ % codes.length];
      res.writeHead(code, code === 401 ? { 'WWW-Authenticate': 'Basic realm="mesos"' } : {});
      res.end(code === 400 ? 'Failed to validate scheduler::Call: Expecting \'subscribe\' to be present' : code === 401 ? 'Unauthorized' : 'Forbidden');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const lines: Parameters<typeof recordingLogger>[0] = [];
    try {
      const s = await server(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`, lines);
      // Each refusal is logged once its answer has been read (after the request counted here).
      await waitFor(async () => codes.every((code) => lines.some((l) => l.level === 'error' && l.fields.status === code)), { what: 'each refusal logged' });
      assert.ok(attempts >= 3, 'subscribed again after each refusal');
      await request(s.app).get('/scale/status/').expect(200);
      await request(s.app).get('/scale/nodes/').expect(200);
    } finally {
      await new Promise<void>((r) => { fake.close(() => r()); fake.closeAllConnections(); });
    }
  });

  it('authenticates to the master with MESOS_PRINCIPAL and MESOS_SECRET; a wrong secret is refused (401), logged and retried', async () => {
    const master = await startMesosMaster({ agents: [{ hostname: 'agent-auth', resources: { cpus: 1, mem: 1024, disk: 1000 } }], offerIntervalMs: 100, credentials: { principal: 'scale', secret: 'right' } });
    try {
      const lines: Parameters<typeof recordingLogger>[0] = [];
      const wrong = await server(master.url, lines, { MESOS_PRINCIPAL: 'scale', MESOS_SECRET: 'wrong' });
      await waitFor(async () => master.calls.filter((c) => c.status === 401).length >= 2, { what: 'refused subscriptions' });
      assert.ok(lines.some((l) => l.level === 'error' && l.fields.status === 401));
      await request(wrong.app).get('/scale/status/').expect(200);
      await servers.pop()!.close();
      const s = await server(master.url, [], { MESOS_PRINCIPAL: 'scale', MESOS_SECRET: 'right' });
      const jt = await createJobType(s.app, { interface: { command: '/bin/echo', command_arguments: 'authenticated', input_data: [] } });
      const job = await waitForJob(s.app, (await queueJob(s.app, jt.id, { version: '1.0', input_data: [] })).id);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      const sub = master.calls.find((c) => c.type === 'SUBSCRIBE' && c.status === 200)!;
      assert.equal(sub.body.subscribe.framework_info.principal, 'scale');
      await servers.pop()!.close();
    } finally {
      await master.close();
    }
  });

  describe('against the master double', () => {
    let master: MesosMaster;
    let s: Server;
    const lines: Parameters<typeof recordingLogger>[0] = [];
    before(async () => {
      master = await startMesosMaster({ agents: [{ hostname: 'agent-f', resources: { cpus: 2, mem: 2048, disk: 10_000 } }], offerIntervalMs: 100, heartbeatIntervalSeconds: 1, ackTimeoutMs: 500 });
      s = await server(master.url, lines);
      await waitFor(async () => master.frameworks.size === 1 && [...master.frameworks.values()][0].connected, { what: 'the subscription' });
    });
    after(() => master?.close());

    const runOne = async () => {
      const jt = await createJobType(s.app, { interface: { command: '/bin/echo', command_arguments: 'fine', input_data: [] } });
      const job = await waitForJob(s.app, (await queueJob(s.app, jt.id, { version: '1.0', input_data: [] })).id);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
    };

    it('unknown event types, malformed offers, offers with unknown resources and junk updates', async () => {
      master.inject({ type: 'SOMETHING_NEW', something_new: { x: 1 } });
      master.inject({ type: 'OFFERS', offers: { offers: [{ no: 'id' }, 'not an offer', null] } });
      master.inject({
        type: 'OFFERS',
        offers: {
          offers: [{
            id: { value: 'injected-O1' }, framework_id: { value: [...master.frameworks.keys()][0] }, agent_id: { value: 'injected-S1' }, hostname: 'odd-agent',
            resources: [
              { name: 'fpgas', type: 'SCALAR', scalar: { value: 2 } },
              { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
              { name: 'zones', type: 'SET', set: { item: ['a'] } },
              { name: 'weird', type: 'NOPE' },
              'not a resource',
            ],
          }],
        },
      });
      master.inject({ type: 'UPDATE', update: { status: { state: 'TASK_RUNNING' } } });
      master.inject({ type: 'UPDATE', update: { status: { task_id: { value: 'not-ours' }, state: 'TASK_RUNNING', agent_id: { value: 'x' } } } });
      master.inject({ type: 'RESCIND', rescind: {} });
      master.inject({ type: 'FAILURE', failure: {} });
      await runOne();
      assert.ok(lines.some((l) => l.level === 'warn' && /unknown event type/.test(l.msg) && l.fields.type === 'SOMETHING_NEW'));
      assert.ok(lines.some((l) => l.level === 'warn' && /malformed Mesos offer/.test(l.msg)));
      assert.ok(lines.some((l) => /not scalars are not used/.test(l.msg) && (l.fields.resources as string[]).includes('weird')));
      assert.ok(lines.some((l) => l.level === 'warn' && /without a task id or state/.test(l.msg)));
    });

    it('a malformed RecordIO frame: logged, the framework subscribes again and work goes on', async () => {
      const subs = master.calls.filter((c) => c.type === 'SUBSCRIBE').length;
      master.inject({ raw: 'not-a-length\n{}' });
      await waitFor(async () => master.calls.filter((c) => c.type === 'SUBSCRIBE').length > subs, { what: 'a new subscription' });
      assert.ok(lines.some((l) => l.level === 'error' && /malformed RecordIO/.test(l.msg)));
      await runOne();
    });
  });
});
