// Prometheus metrics at GET /metrics (issue 11, point 2): the text exposition format, with queue
// depth per priority and job type, jobs by status, executions by status and error category,
// scheduler pass durations, executor launch latency, HTTP durations per route and status, and the
// database pool — checked against what the server really did.
import assert from 'node:assert/strict';
import request from 'supertest';
import { createJobType, queueJob, script, waitForJob } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

/** Parses the text format: every sample line, by name and labels; fails on any malformed line. */
function parse(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) {
      if (line) assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

describe('Prometheus metrics', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    t = await startServer('pglite');
  });
  after(() => t?.close());

  it('exposes the work done in the text format, with the figures the database and the process hold', async () => {
    await request(t.app).post('/scale/errors/').send({ name: 'prom-bad-data', title: 'Bad data', category: 'DATA' }).expect(201);
    const ok = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '', input_data: [] } });
    const failing = await createJobType(t.app, {
      interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '3', input_data: [] },
      error_mapping: { version: '1.0', exit_codes: { '3': 'prom-bad-data' } },
    });
    const paused = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '', input_data: [] } });
    await request(t.app).patch(`/scale/job-types/${paused.id}/`).send({ is_paused: true }).expect(200);
    assert.equal((await waitForJob(t.app, (await queueJob(t.app, ok.id, { version: '1.0', input_data: [] })).id)).status, 'COMPLETED');
    const failed = await waitForJob(t.app, (await queueJob(t.app, failing.id, { version: '1.0', input_data: [] })).id);
    assert.equal(failed.status, 'FAILED');
    await queueJob(t.app, paused.id, { version: '1.0', input_data: [] }, { priority: 7 });
    await queueJob(t.app, paused.id, { version: '1.0', input_data: [] }, { priority: 7 });
    await request(t.app).get(`/scale/jobs/${failed.id}/`).expect(200);
    await request(t.app).get('/scale/no-such-thing/').expect(404);

    const res = await request(t.app).get('/metrics').expect(200);
    assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    const samples = parse(res.text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
    assert.equal(value('scale_queue_depth', { priority: '7', job_type: `${paused.name}:1.0` }), 2);
    assert.equal(value('scale_jobs', { status: 'QUEUED' }), 2);
    assert.ok(value('scale_jobs', { status: 'COMPLETED' }) >= 1);
    assert.equal(value('scale_jobs', { status: 'FAILED' }), 1);
    assert.equal(value('scale_job_executions_total', { status: 'FAILED', error_category: 'DATA' }), 1);
    assert.ok(value('scale_job_executions_total', { status: 'COMPLETED' }) >= 1);
    assert.ok(value('scale_scheduler_pass_duration_seconds_count') >= 2);
    assert.ok(value('scale_executor_launch_latency_seconds_count', { runtime: 'process' }) >= 2);
    assert.ok(value('scale_executor_launch_latency_seconds_sum', { runtime: 'process' }) > 0);
    assert.equal(value('scale_http_request_duration_seconds_count', { method: 'GET', route: '/scale/jobs/:id/', status: '200' }) >= 1, true);
    assert.ok(value('scale_http_request_duration_seconds_count', { method: 'POST', route: '/scale/queue/new-job/', status: '201' }) >= 4);
    assert.ok(value('scale_http_request_duration_seconds_count', { route: '(unmatched)', status: '404' }) >= 1);
    assert.ok(!samples.some((s) => s.labels.route?.includes('no-such-thing')), 'unknown paths do not become labels');
    assert.equal(value('scale_db_pool_connections', { state: 'total' }), 1);
    assert.ok(samples.some((s) => s.name === 'process_resident_memory_bytes'), 'the process metrics too');
  });
});
