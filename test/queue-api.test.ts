// The queue, the scheduler and the nodes through the Scale API, on a real server.
import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

for (const kind of dbKinds()) {
  describe(`queue, scheduler and nodes (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let node: any;
    before(async () => {
      // A small node (2 cpus) makes resource limits easy to reach.
      t = await startServer(kind, { SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '1024', SCALE_NODE_DISK: '10000' });
      node = (await request(t.app).get('/scale/nodes/').expect(200)).body.results[0];
    });
    after(() => t?.close());

    it('registers the local node with its resources', async () => {
      assert.equal(node.is_active, true);
      const details = (await request(t.app).get(`/scale/nodes/${node.id}/`).expect(200)).body;
      assert.deepEqual(details.resources.total, { cpus: 2, mem: 1024, disk: 10000 });
      assert.equal(details.is_online, true);
      const status = (await request(t.app).get('/scale/status/').expect(200)).body;
      assert.equal(status.scheduler.is_online, true);
      assert.equal(status.resources.total.cpus, 2);
    });

    it('does not let a job no node can hold block the jobs behind it, and says why it waits', async () => {
      const huge = await createJobType(t.app, { cpus_required: 64, priority: 1, interface: { command: '/bin/true', command_arguments: '' } });
      const small = await createJobType(t.app, { priority: 200, interface: { command: '/bin/true', command_arguments: '' } });
      const big = await queueJob(t.app, huge.id);
      const jobs = await Promise.all([1, 2, 3].map(() => queueJob(t.app, small.id)));
      for (const j of jobs) assert.equal((await waitForJob(t.app, j.id)).status, 'COMPLETED');
      const waiting = (await request(t.app).get(`/scale/jobs/${big.id}/`).expect(200)).body;
      assert.equal(waiting.status, 'QUEUED');
      assert.equal(waiting.queue_reason.reason, 'INSUFFICIENT_RESOURCES');
      assert.match(waiting.queue_reason.details, /cpus 64.*largest node offers cpus 2/);
      await request(t.app).patch(`/scale/jobs/${big.id}/`).send({ status: 'CANCELED' }).expect(200);
      assert.equal((await request(t.app).get('/scale/queue/status/').expect(200)).body.queue_status.find((r: any) => r.job_type_name === huge.name), undefined);
    });

    it('runs higher priority first and holds jobs while the scheduler or the node is paused', async () => {
      const jt = await createJobType(t.app, { cpus_required: 2, interface: { command: '/bin/true', command_arguments: '' } });
      await request(t.app).patch('/scale/scheduler/').send({ is_paused: true }).expect(200);
      assert.equal((await request(t.app).get('/scale/scheduler/').expect(200)).body.is_paused, true);
      const low = await queueJob(t.app, jt.id, {}, { priority: 300 });
      const high = await queueJob(t.app, jt.id, {}, { priority: 10 });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await request(t.app).get(`/scale/jobs/${low.id}/`)).body.queue_reason.reason, 'SCHEDULER_PAUSED');
      await request(t.app).patch('/scale/scheduler/').send({ is_paused: false }).expect(200);
      const [l, h] = [await waitForJob(t.app, low.id), await waitForJob(t.app, high.id)];
      assert.ok(new Date(h.started) <= new Date(l.started), 'the priority 10 job started first');
      assert.ok(h.job_exes[0].id < l.job_exes[0].id);

      const paused = await request(t.app).patch(`/scale/nodes/${node.id}/`).send({ is_paused: true, pause_reason: 'maintenance' }).expect(200);
      assert.equal(paused.body.is_paused, true);
      assert.equal(paused.body.pause_reason, 'maintenance');
      const held = await queueJob(t.app, jt.id);
      await new Promise((r) => setTimeout(r, 300));
      const reason = (await request(t.app).get(`/scale/jobs/${held.id}/`)).body.queue_reason;
      assert.equal(reason.reason, 'NO_NODES');
      const resumed = await request(t.app).patch(`/scale/nodes/${node.id}/`).send({ is_paused: false }).expect(200);
      assert.equal(resumed.body.pause_reason, null);
      assert.equal((await waitForJob(t.app, held.id)).status, 'COMPLETED');
    });

    it('keeps at most max_scheduled jobs of a type running and fills the node by resources', async () => {
      const limited = await createJobType(t.app, { cpus_required: 0.25, max_scheduled: 1, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '0.3' } });
      const jobs = await Promise.all([1, 2, 3].map(() => queueJob(t.app, limited.id)));
      let maxRunning = 0;
      for (;;) {
        const running = (await request(t.app).get(`/scale/jobs/?job_type_id=${limited.id}&status=RUNNING`)).body.count;
        maxRunning = Math.max(maxRunning, running);
        const done = (await request(t.app).get(`/scale/jobs/?job_type_id=${limited.id}&status=COMPLETED`)).body.count;
        if (done === 3) break;
        await new Promise((r) => setTimeout(r, 30));
      }
      assert.equal(maxRunning, 1);
      const wide = await createJobType(t.app, { cpus_required: 1, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30' } });
      const three = await Promise.all([1, 2, 3].map(() => queueJob(t.app, wide.id)));
      const statuses = async () => (await request(t.app).get(`/scale/jobs/?job_type_id=${wide.id}`)).body.results.map((j: any) => j.status).sort();
      await waitFor(async () => (await statuses()).filter((s: string) => s === 'RUNNING').length === 2, { what: 'two jobs to run' });
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await statuses(), ['QUEUED', 'RUNNING', 'RUNNING'], 'two 1-cpu jobs fill the 2-cpu node; the third waits');
      const details = (await request(t.app).get(`/scale/nodes/${node.id}/`).expect(200)).body;
      assert.equal(details.resources.scheduled.cpus, 2);
      assert.equal(details.job_exes_running.length, 2);
      const nodeStatus = (await request(t.app).get('/scale/nodes/status/').expect(200)).body.results[0];
      assert.equal(nodeStatus.is_online, true);
      assert.equal(nodeStatus.job_exes_running.length, 2);
      for (const j of three) await request(t.app).patch(`/scale/jobs/${j.id}/`).send({ status: 'CANCELED' }).expect(200);
      for (const j of three) await waitFor(async () => (await request(t.app).get(`/scale/jobs/${j.id}/`)).body.job_exes.every((x: any) => x.status !== 'RUNNING'));
      for (const j of jobs) assert.equal((await waitForJob(t.app, j.id)).status, 'COMPLETED');
    });

    it('lists and filters jobs and executions the Scale way', async () => {
      const a = await createJobType(t.app, { category: 'cat-a', interface: { command: '/bin/true', command_arguments: '${f}', input_data: [{ name: 'f', type: 'files' }] } });
      const b = await createJobType(t.app, { category: 'cat-b', interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '1' } });
      const f1 = await upload(t.app, 'one', 'one.txt');
      const f2 = await upload(t.app, 'two', 'two.txt');
      const ja = await queueJob(t.app, a.id, { input_data: [{ name: 'f', file_ids: [f1.id, f2.id] }] });
      const jb = await queueJob(t.app, b.id);
      await waitForJob(t.app, ja.id);
      await waitForJob(t.app, jb.id);
      const byName = (await request(t.app).get(`/scale/jobs/?job_type_name=${a.name}&job_type_name=${b.name}&order=id`).expect(200)).body;
      assert.deepEqual(byName.results.map((j: any) => j.id), [ja.id, jb.id]);
      assert.equal(byName.results[0].job_type.name, a.name);
      assert.equal(byName.results[0].job_type_rev.revision_num, 1);
      assert.equal((await request(t.app).get('/scale/jobs/?job_type_category=cat-b').expect(200)).body.results[0].id, jb.id);
      const failed = (await request(t.app).get(`/scale/jobs/?status=FAILED&job_type_id=${b.id}`).expect(200)).body;
      assert.equal(failed.count, 1);
      assert.equal(failed.results[0].error.name, 'algorithm-unknown');
      assert.equal((await request(t.app).get(`/scale/jobs/?job_id=${ja.id}`).expect(200)).body.count, 1);
      const recent = (await request(t.app).get('/scale/jobs/?started=PT10M&order=-last_modified&page_size=2').expect(200)).body;
      assert.equal(recent.results.length, 2);
      assert.ok(recent.next);
      assert.ok(new Date(recent.results[0].last_modified) >= new Date(recent.results[1].last_modified));
      assert.equal((await request(t.app).get('/scale/jobs/?ended=2000-01-01T00:00:00Z').expect(200)).body.count, 0);
      const updates = (await request(t.app).get(`/scale/jobs/updates/?job_id=${ja.id}`).expect(200)).body;
      assert.deepEqual(updates.results[0].input_files.map((f: any) => f.id), [f1.id, f2.id]);
      const withExe = (await request(t.app).get(`/scale/jobs/executions/?job_id=${jb.id}`).expect(200)).body;
      assert.equal(withExe.results[0].latest_job_exe.status, 'FAILED');
      assert.equal(withExe.results[0].latest_job_exe.error.name, 'algorithm-unknown');
      const exes = (await request(t.app).get(`/scale/job-executions/?job_type_id=${b.id}&node_id=${node.id}`).expect(200)).body;
      assert.equal(exes.count, 1);
      assert.equal(exes.results[0].job.id, jb.id);
      assert.equal((await request(t.app).get('/scale/job-executions/?status=FAILED').expect(200)).body.results.every((x: any) => x.status === 'FAILED'), true);
      const perJob = (await request(t.app).get(`/scale/jobs/${jb.id}/executions/`).expect(200)).body;
      assert.equal(perJob.results[0].exe_num, 1);
      const one = (await request(t.app).get(`/scale/jobs/${jb.id}/executions/1/`).expect(200)).body;
      assert.equal(one.id, perJob.results[0].id);
      await request(t.app).get(`/scale/jobs/${jb.id}/executions/9/`).expect(404);
      const inputs = (await request(t.app).get(`/scale/jobs/${ja.id}/input_files/`).expect(200)).body;
      assert.deepEqual(inputs.results.map((f: any) => f.file_name), ['one.txt', 'two.txt']);
      const details = (await request(t.app).get(`/scale/jobs/${ja.id}/`).expect(200)).body;
      assert.equal(details.inputs[0].type, 'files');
      assert.equal(details.inputs[0].value.length, 2);
      assert.ok(details.disk_in_required > 0);
    });

    it('deprecates a node: it takes no new jobs and leaves the active list until re-activated', async () => {
      const jt = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' } });
      const off = await request(t.app).patch(`/scale/nodes/${node.id}/`).send({ is_active: false }).expect(200);
      assert.equal(off.body.is_active, false);
      assert.ok(off.body.archived);
      assert.equal((await request(t.app).get('/scale/nodes/').expect(200)).body.count, 0);
      assert.equal((await request(t.app).get('/scale/nodes/?include_inactive=true').expect(200)).body.count, 1);
      const held = await queueJob(t.app, jt.id);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await request(t.app).get(`/scale/jobs/${held.id}/`)).body.queue_reason.reason, 'NO_NODES');
      const on = await request(t.app).patch(`/scale/nodes/${node.id}/`).send({ is_active: true }).expect(200);
      assert.equal(on.body.archived, null);
      assert.equal((await waitForJob(t.app, held.id)).status, 'COMPLETED');
    });

    it('records job load and serves /load/', async () => {
      const jt = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' }, is_paused: true });
      await queueJob(t.app, jt.id);
      await t.core.queue.recordLoad();
      const load = (await request(t.app).get(`/scale/load/?started=PT1H&job_type_id=${jt.id}`).expect(200)).body;
      assert.equal(load.count, 1);
      assert.equal(load.results[0].queued_count, 1);
      assert.equal(load.results[0].pending_count, 0);
      await request(t.app).get('/scale/load/?started=P60D').expect(400);
      assert.ok((await request(t.app).get('/scale/status/').expect(200)).body.queue_depth >= 1);
    });
  });
}
