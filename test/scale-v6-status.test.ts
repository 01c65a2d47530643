// What NGA's scale-ui (v0.17.0) reads from /scale/v6/, in Scale 6.0.0's shapes: /status/ (the
// scheduler status JSON), /queue/status/ (a page of job types on the queue), lenient page_size on
// every list, and bulk cancel and requeue that ignore fields Scale does not read. /scale/ and
// /scale/v5/ keep their shapes. Against a real server (PGlite and PostgreSQL), plus the pure parts.
import assert from 'node:assert/strict';
import request from 'supertest';
import type { Node } from '../src/core/nodes/service.ts';
import { pageSizeOf } from '../src/scale-api/paging.ts';
import { jobExecutions, nodeResources, nodeState } from '../src/scale-api/status-v6.ts';
import { dbKinds } from './helpers/db.ts';
import { createJobType, queueJob, script, waitForJob } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const AMOUNTS = ['offered', 'total', 'running', 'free', 'unavailable'];
const RESOURCES = ['cpus', 'mem', 'disk', 'gpus'];
const STATE = ['name', 'title', 'description'];
// Scale 6.0.0's JobTypeBaseSerializerV5, which its v6 queue status uses.
const JOB_TYPE_BASE = ['id', 'name', 'version', 'title', 'description', 'category', 'author_name', 'author_url', 'is_system', 'is_long_running', 'is_active', 'is_operational', 'is_paused', 'is_published', 'icon_code'];

const keys = (o: object) => Object.keys(o).sort();

function assertResources(r: any, where: string) {
  assert.deepEqual(keys(r), [...RESOURCES].sort(), where);
  for (const k of RESOURCES) assert.deepEqual(keys(r[k]), [...AMOUNTS].sort(), `${where}.${k}`);
}

describe('v6 status shaping (pure)', () => {
  const node = (over: Partial<Node> = {}) => ({ isActive: true, isPaused: false, ...over }) as Node;

  it('decides a node\'s state in Scale\'s order', () => {
    assert.equal(nodeState(node({ isActive: false, isPaused: true }), false, true).name, 'DEPRECATED');
    assert.equal(nodeState(node({ isPaused: true }), false, true).name, 'OFFLINE');
    assert.equal(nodeState(node({ isPaused: true }), true, true).name, 'PAUSED');
    assert.equal(nodeState(node(), true, true).name, 'SCHEDULER_STOPPED');
    assert.deepEqual(nodeState(node(), true, false), { name: 'READY', title: 'Ready', description: 'Node is ready to run new jobs.' });
  });

  it('breaks a node\'s resources down: free when online, unavailable when not, rounded to two decimals', () => {
    const total = { cpus: 4, mem: 1024.456, disk: 100, gpus: 1 };
    const running = { cpus: 1.5, mem: 24, disk: 0 };
    assert.deepEqual(nodeResources(total, running, true), {
      cpus: { offered: 0, total: 4, running: 1.5, free: 2.5, unavailable: 0 },
      mem: { offered: 0, total: 1024.46, running: 24, free: 1000.46, unavailable: 0 },
      disk: { offered: 0, total: 100, running: 0, free: 100, unavailable: 0 },
      gpus: { offered: 0, total: 1, running: 0, free: 1, unavailable: 0 },
    });
    assert.deepEqual(nodeResources(total, running, false).cpus, { offered: 0, total: 4, running: 1.5, free: 0, unavailable: 2.5 });
  });

  it('counts executions by job type: running, completed, and failed by error category only', () => {
    const x = jobExecutions([
      { nodeId: 1, status: 'RUNNING', category: null, jobTypeId: 7, count: 2 },
      { nodeId: 1, status: 'COMPLETED', category: null, jobTypeId: 7, count: 3 },
      { nodeId: 1, status: 'COMPLETED', category: null, jobTypeId: 8, count: 1 },
      { nodeId: 1, status: 'FAILED', category: 'ALGORITHM', jobTypeId: 8, count: 4 },
      { nodeId: 1, status: 'FAILED', category: 'SYSTEM', jobTypeId: 7, count: 1 },
    ]);
    assert.deepEqual(x, {
      running: { total: 2, by_job_type: [{ job_type_id: 7, count: 2 }] },
      completed: { total: 4, by_job_type: [{ job_type_id: 7, count: 3 }, { job_type_id: 8, count: 1 }] },
      failed: {
        total: 5,
        algorithm: { total: 4, by_job_type: [{ job_type_id: 8, count: 4 }] },
        data: { total: 0, by_job_type: [] },
        system: { total: 1, by_job_type: [{ job_type_id: 7, count: 1 }] },
      },
    });
  });

  it('reads page_size as Django REST framework does: default 100 for anything but a positive integer, at most 1000', () => {
    for (const v of [undefined, 'null', 'abc', '', '0', '-5', '-0', '2.5', '1e3', ['x'], { a: '1' }]) assert.equal(pageSizeOf(v), 100, JSON.stringify(v));
    assert.equal(pageSizeOf('25'), 25);
    assert.equal(pageSizeOf(' +7 '), 7);
    assert.equal(pageSizeOf('1001'), 1000);
    assert.equal(pageSizeOf('9'.repeat(40)), 1000);
    assert.equal(pageSizeOf(['5', '7']), 7, 'the last value given');
  });
});

for (const kind of dbKinds()) {
  describe(`Scale v6 status, queue status, paging and bulk bodies (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let node: any;
    let done: any;
    let failed: any;
    const api = () => request(t.app);
    before(async () => {
      t = await startServer(kind, { SCALE_EXECUTOR: 'local', SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '1024', SCALE_NODE_DISK: '10000' });
      node = (await api().get('/scale/nodes/').expect(200)).body.results[0];
      done = await createJobType(t.app, { title: 'Done', icon_code: 'f186', interface: { command: '/bin/true', command_arguments: '' } });
      failed = await createJobType(t.app, { interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '1' } });
      assert.equal((await waitForJob(t.app, (await queueJob(t.app, done.id)).id)).status, 'COMPLETED');
      assert.equal((await waitForJob(t.app, (await queueJob(t.app, failed.id)).id)).status, 'FAILED');
    });
    after(() => t?.close());

    it('answers GET /v6/status/ in Scale 6\'s shape, from the nodes, executions and job types', async () => {
      const s = (await api().get('/scale/v6/status/').expect(200)).body;
      assert.deepEqual(keys(s), ['dependencies', 'job_types', 'nodes', 'num_offers', 'resources', 'scheduler', 'system', 'timestamp', 'vault']);
      // Later Scale releases' dependencies (scale-ui's System Status lists them): the database, and the nodes judged as Scale judges them.
      assert.deepEqual(s.dependencies, {
        database: { OK: true, detail: { msg: 'Database alive and well' }, errors: [], warnings: [] },
        nodes: { OK: true, detail: { msg: 'Enough nodes are online to function.' }, errors: [], warnings: [] },
      });
      assert.ok(Math.abs(Date.parse(s.timestamp) - Date.now()) < 60_000);
      assert.deepEqual(keys(s.scheduler), ['hostname', 'mesos', 'metrics', 'state', 'warnings']);
      assert.deepEqual(s.scheduler.state, { name: 'READY', title: 'Ready', description: 'Scheduler is ready to run new jobs.' });
      assert.deepEqual(keys(s.scheduler.metrics), ['jobs_finished_per_sec', 'jobs_launched_per_sec', 'new_offers_per_sec', 'offers_launched_per_sec', 'task_updates_per_sec', 'tasks_finished_per_sec', 'tasks_launched_per_sec']);
      assert.ok(s.scheduler.metrics.jobs_finished_per_sec > 0, 'two executions ended within the last minute');
      assert.deepEqual(s.system, { database_update: { is_completed: true }, services: [] });
      assert.equal(s.num_offers, 0);
      assertResources(s.resources, 'resources');
      assert.deepEqual(s.resources.cpus, { offered: 0, total: 2, running: 0, free: 2, unavailable: 0 });
      assert.equal(s.resources.mem.total, 1024);

      const jt = s.job_types.find((j: any) => j.id === done.id);
      assert.deepEqual(jt, { id: done.id, name: done.name, version: '1.0', title: 'Done', description: null, is_system: false, icon_code: 'f186' });

      assert.equal(s.nodes.length, 1);
      const n = s.nodes[0];
      assert.deepEqual(keys(n), ['agent_id', 'errors', 'hostname', 'id', 'is_active', 'job_executions', 'node_tasks', 'num_offers', 'resources', 'state', 'system_tasks', 'warnings']);
      assert.deepEqual([n.id, n.hostname, n.agent_id, n.is_active], [node.id, node.hostname, node.slave_id, true]);
      assert.deepEqual(keys(n.state), [...STATE].sort());
      assert.equal(n.state.name, 'READY');
      assertResources(n.resources, 'nodes[0].resources');
      assert.deepEqual(n.job_executions.running, { total: 0, by_job_type: [] });
      assert.deepEqual(n.job_executions.completed.by_job_type.find((x: any) => x.job_type_id === done.id), { job_type_id: done.id, count: 1 });
      assert.deepEqual(n.job_executions.failed.algorithm.by_job_type, [{ job_type_id: failed.id, count: 1 }]);
      assert.equal(n.job_executions.failed.total, 1);
      assert.deepEqual(n.job_executions.failed.data, { total: 0, by_job_type: [] });
      // Every type the UI must name is listed.
      for (const x of n.job_executions.completed.by_job_type) assert.ok(s.job_types.some((j: any) => j.id === x.job_type_id));

      // /scale/ and /scale/v5/ keep the earlier shape.
      for (const prefix of ['/scale', '/scale/v5']) {
        const old = (await api().get(`${prefix}/status/`).expect(200)).body;
        assert.deepEqual(keys(old), ['master', 'nodes', 'queue_depth', 'resources', 'scheduler']);
      }
    });

    it('shows running executions and their resources, and the scheduler\'s and the node\'s pauses', async () => {
      const slow = await createJobType(t.app, { cpus_required: 1, mem_required: 100, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30' } });
      const job = await queueJob(t.app, slow.id);
      await waitForJob(t.app, job.id, ['RUNNING']);
      const s = await waitFor(async () => {
        const b = (await api().get('/scale/v6/status/').expect(200)).body;
        return b.nodes[0].job_executions.running.total === 1 ? b : null;
      }, { what: 'the running execution in the status' });
      assert.deepEqual(s.nodes[0].job_executions.running.by_job_type, [{ job_type_id: slow.id, count: 1 }]);
      assert.deepEqual(s.nodes[0].resources.cpus, { offered: 0, total: 2, running: 1, free: 1, unavailable: 0 });
      assert.deepEqual(s.resources.cpus, s.nodes[0].resources.cpus, 'the cluster is the one node');
      assert.equal(s.resources.mem.running, 100);

      await api().patch('/scale/scheduler/').send({ is_paused: true }).expect(200);
      let p = (await api().get('/scale/v6/status/').expect(200)).body;
      assert.equal(p.scheduler.state.name, 'PAUSED');
      assert.equal(p.nodes[0].state.name, 'SCHEDULER_STOPPED');
      await api().patch('/scale/scheduler/').send({ is_paused: false }).expect(200);
      await api().patch(`/scale/nodes/${node.id}/`).send({ is_paused: true }).expect(200);
      p = (await api().get('/scale/v6/status/').expect(200)).body;
      assert.deepEqual([p.scheduler.state.name, p.nodes[0].state.name], ['READY', 'PAUSED']);
      await api().patch(`/scale/nodes/${node.id}/`).send({ is_paused: false }).expect(200);

      await api().patch(`/scale/jobs/${job.id}/`).send({ status: 'CANCELED' }).expect(200);
      await waitFor(async () => (await api().get('/scale/v6/status/').expect(200)).body.nodes[0].job_executions.running.total === 0, { what: 'the canceled execution to stop' });
    });

    it('answers GET /v6/queue/status/ as a page of job types on the queue, paused ones last', async () => {
      // Nothing holds 64 cpus here, so these wait on the queue.
      const big = await createJobType(t.app, { cpus_required: 64, priority: 5, interface: { command: '/bin/true', command_arguments: '' } });
      const held = await createJobType(t.app, { cpus_required: 64, priority: 1, is_paused: true, interface: { command: '/bin/true', command_arguments: '' } });
      const jobs = [await queueJob(t.app, big.id), await queueJob(t.app, big.id, {}, { priority: 3 }), await queueJob(t.app, held.id)];
      try {
        const q = (await api().get('/scale/v6/queue/status/').expect(200)).body;
        assert.deepEqual(keys(q), ['count', 'next', 'previous', 'results']);
        assert.equal(q.count, 2);
        assert.deepEqual([q.next, q.previous], [null, null]);
        const [first, second] = q.results;
        assert.deepEqual(keys(first), ['count', 'highest_priority', 'job_type', 'longest_queued']);
        assert.deepEqual(keys(first.job_type), [...JOB_TYPE_BASE].sort());
        assert.deepEqual([first.job_type.id, first.count, first.highest_priority], [big.id, 2, 3]);
        assert.equal(first.longest_queued, (await api().get(`/scale/jobs/${jobs[0].id}/`)).body.queued);
        assert.deepEqual([first.job_type.name, first.job_type.version, first.job_type.is_paused, first.job_type.is_published], [big.name, '1.0', false, false]);
        assert.deepEqual([second.job_type.id, second.job_type.is_paused, second.highest_priority], [held.id, true, 1], 'a paused type comes last though its priority is higher');

        const one = (await api().get('/scale/v6/queue/status/?page_size=1&page=2').expect(200)).body;
        assert.deepEqual([one.count, one.results.length, one.results[0].job_type.id, one.next], [2, 1, held.id, null]);
        assert.match(one.previous, /page=1/);

        // The earlier shape stays under /scale/ and /scale/v5/.
        for (const prefix of ['/scale', '/scale/v5']) {
          const old = (await api().get(`${prefix}/queue/status/`).expect(200)).body;
          assert.deepEqual(keys(old), ['queue_status']);
          assert.equal(old.queue_status.find((r: any) => r.job_type_name === big.name).count, 2);
        }
      } finally {
        await api().post('/scale/v6/jobs/cancel/').send({ job_ids: jobs.map((j) => j.id) }).expect(202);
      }
      assert.equal((await api().get('/scale/v6/queue/status/').expect(200)).body.count, 0);
    });

    it('reads an unreadable page_size as the default and a large one as the maximum, on every version', async () => {
      for (const prefix of ['/scale', '/scale/v5', '/scale/v6']) {
        for (const size of ['null', 'abc', '0', '-3', '', '5000']) {
          const res = (await api().get(`${prefix}/job-types/?page_size=${size}`).expect(200)).body;
          assert.ok(res.count >= 4 && res.results.length === res.count, `${prefix} page_size=${size}: ${res.results.length} of ${res.count}`);
          assert.equal(res.next, null);
        }
      }
      const two = (await api().get('/scale/v6/job-types/?page_size=2&page_size=null').expect(200)).body;
      assert.equal(two.results.length, two.count, 'the last page_size given counts');
      assert.equal((await api().get('/scale/v6/job-types/?page_size=2').expect(200)).body.results.length, 2);
      // A bad page is still refused, naming it.
      assert.equal((await api().get('/scale/v6/job-types/?page=abc').expect(400)).body.field, 'page');
    });

    it('ignores fields v6 bulk cancel and requeue do not read (scale-ui sends url), and checks the rest', async () => {
      const big = await createJobType(t.app, { cpus_required: 64, interface: { command: '/bin/true', command_arguments: '' } });
      const job = await queueJob(t.app, big.id);
      const status = async () => (await api().get(`/scale/jobs/${job.id}/`).expect(200)).body.status;
      // Still refused where a field is read and has the wrong type, or belongs to the other body; nothing changes.
      assert.equal((await api().post('/scale/v6/jobs/cancel/').send({ job_ids: ['x'], url: '/api/v6/jobs/cancel/' }).expect(400)).body.field, 'job_ids[0]');
      assert.equal((await api().post('/scale/v6/jobs/requeue/').send({ job_ids: [job.id], priority: 'high', url: '/api/v6/jobs/requeue/' }).expect(400)).body.field, 'priority');
      assert.equal((await api().post('/scale/v6/jobs/cancel/').send({ job_ids: [job.id], priority: 1, url: '/api/v6/jobs/cancel/' }).expect(400)).body.field, 'priority');
      // Outside v6 the body stays strict.
      await api().post('/scale/jobs/cancel/').send({ job_ids: [job.id], url: '/api/jobs/cancel/' }).expect(400);
      await api().post('/scale/v5/jobs/cancel/').send({ job_ids: [job.id], url: '/api/v5/jobs/cancel/' }).expect(400);
      // A filter that only narrows is honoured: this one matches nothing.
      await api().post('/scale/v6/jobs/cancel/').send({ job_ids: [job.id], job_type_categories: ['no-such-category'], url: '/api/v6/jobs/cancel/' }).expect(202);
      assert.equal(await status(), 'QUEUED');

      await api().post('/scale/v6/jobs/cancel/')
        .send({ job_ids: [job.id], url: '/api/v6/jobs/cancel/', job_types: [{ name: big.name, version: '1.0', id: big.id, title: 'ignored' }] })
        .expect(202);
      assert.equal(await status(), 'CANCELED');
      await api().post('/scale/v6/jobs/requeue/').send({ job_ids: [job.id], url: '/api/v6/jobs/requeue/', priority: 9 }).expect(202);
      assert.equal(await status(), 'QUEUED');
      assert.equal((await api().get(`/scale/jobs/${job.id}/`).expect(200)).body.priority, 9);
      await api().post('/scale/v6/jobs/cancel/').send({ job_ids: [job.id], url: '/api/v6/jobs/cancel/' }).expect(202);
      assert.equal(await status(), 'CANCELED');
    });
  });
}

describe('Scale v6 status with no scheduler reporting', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    t = await startServer('pglite', { SCALE_SCHEDULER: 'off' });
  });
  after(() => t?.close());

  it('answers 204 No Content, as Scale does when its scheduler is offline; /scale/status/ still answers', async () => {
    const res = await request(t.app).get('/scale/v6/status/').expect(204);
    assert.equal(res.text, '');
    assert.equal((await request(t.app).get('/scale/status/').expect(200)).body.scheduler.is_online, false);
  });
});
