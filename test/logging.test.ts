// Structured logs (issue 11, point 3): JSON lines by default, pretty on request; every line written
// while a request is served carries its request id, core lines included; execution logs stay out of
// the server log and are served by the job-execution logs endpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { buildServer, type Server } from '../src/server.ts';
import { freshDatabase, type TestDatabase } from './helpers/db.ts';
import { createJobType, waitForJob } from './helpers/scale.ts';
import { tempDir } from './helpers/server.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c) => (text += c));
  return { stream, lines: () => text.split('\n').filter(Boolean), json: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('structured logs', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let dataDir: string;
  let server: Server;
  const out = capture();
  before(async () => {
    dataDir = await tempDir();
    database = await freshDatabase('pglite');
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SCALE_DATA_DIR: dataDir, SCALE_SCHEDULER_INTERVAL_MS: '100', SCALE_EXECUTOR: 'local' });
    server = await buildServer(config, { db: await database.open(), listen: false, log: createLogger({ service: 'scale-ades' }, 'info', { destination: out.stream, format: 'json' }) });
  });
  after(async () => {
    await server?.close();
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('writes one JSON object per line with level, time, message and fields; errors with their stack', () => {
    const sink = capture();
    const log = createLogger({ service: 's' }, 'debug', { destination: sink.stream, format: 'json' }).child({ component: 'c' });
    log.debug('detail', { n: 1 });
    log.error('broke', { err: new Error('boom') });
    const [a, b] = sink.json();
    assert.deepEqual({ level: a.level, msg: a.msg, service: a.service, component: a.component, n: a.n }, { level: 'debug', msg: 'detail', service: 's', component: 'c', n: 1 });
    assert.ok(!Number.isNaN(Date.parse(a.time)));
    assert.equal(b.err.message, 'boom');
    assert.match(b.err.stack, /Error: boom/);
    const quiet = capture();
    createLogger({}, 'warn', { destination: quiet.stream, format: 'json' }).info('not shown');
    assert.equal(quiet.lines().length, 0);
  });

  it('writes readable lines when asked for pretty output', async () => {
    const sink = capture();
    createLogger({}, 'info', { destination: sink.stream, format: 'pretty' }).info('hello there', { job: 7 });
    await new Promise((r) => setImmediate(r));
    const [line] = sink.lines();
    assert.throws(() => JSON.parse(line));
    assert.match(line, /INFO.*hello there/);
  });

  it('gives every request an id, echoes it, and logs the response with it', async () => {
    const res = await request(server.app).get('/scale/status/').set('X-Request-Id', 'ops-trace-1').expect(200);
    assert.equal(res.headers['x-request-id'], 'ops-trace-1');
    const line = out.json().find((l) => l.msg === 'request' && l.requestId === 'ops-trace-1');
    assert.ok(line, out.lines().join('\n'));
    assert.deepEqual({ method: line.method, path: line.path, status: line.status }, { method: 'GET', path: '/scale/status/', status: 200 });
    assert.equal(typeof line.ms, 'number');
    // An id that is not a plain token (header injection, log forging) is replaced by a fresh one.
    const odd = await request(server.app).get('/scale/status/').set('X-Request-Id', 'x"} {"level":"error').expect(200);
    assert.match(odd.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  });

  it('carries the request id into lines the core writes on its behalf; execution output stays out of the server log', async () => {
    const jt = await createJobType(server.app, { interface: { command: '/bin/echo', command_arguments: 'only-in-the-execution-log', input_data: [] } });
    const res = await request(server.app).post('/scale/queue/new-job/').set('X-Request-Id', 'queue-it').send({ job_type_id: jt.id, job_data: { version: '1.0', input_data: [] } }).expect(201);
    const core = out.json().find((l) => l.component === 'core' && l.msg === 'jobs queued' && l.requestId === 'queue-it');
    assert.ok(core, 'the core logged the queueing with the request id');
    const job = await waitForJob(server.app, res.body.id);
    assert.equal(job.status, 'COMPLETED');
    const stdout = (await request(server.app).get(`/scale/job-executions/${job.job_exes[0].id}/logs/stdout/`).expect(200)).text;
    assert.equal(stdout, 'only-in-the-execution-log\n');
    assert.ok(!out.lines().some((l) => l.includes('only-in-the-execution-log')), 'the job output is not in the server log');
  });

  it('a server alone never says its executions were ended by another process, however often it looks', async () => {
    const jt = await createJobType(server.app, { interface: { command: '/bin/true', command_arguments: '', input_data: [] } });
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await request(server.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { version: '1.0', input_data: [] } }).expect(201)).body.id);
    // Looks as often as it can while they end: an outcome this process writes is its own.
    let looking = true;
    const look = (async () => {
      while (looking) {
        await server.scheduler!.pollCancels();
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      for (const id of ids) assert.equal((await waitForJob(server.app, id)).status, 'COMPLETED');
    } finally {
      looking = false;
      await look;
    }
    assert.deepEqual(out.json().filter((l) => /ended by another process/.test(l.msg)), []);
  });
});
