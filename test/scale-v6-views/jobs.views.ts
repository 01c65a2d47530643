// Scale 6.0.0's own view tests, ported: jobs and job executions (job/test/test_views.py
// TestJobsViewV6, TestJobsPostViewV6, TestJobDetailsViewV6, TestJobExecutionsViewV6,
// TestJobExecutionDetailsViewV6, TestJobExecutionSpecificLogViewV6, TestJobInputFilesViewV6,
// TestCancelJobsViewV6, TestRequeueJobsViewV6). The jobs are rows, as job_test_utils makes them:
// nothing runs.
import assert from 'node:assert/strict';
import request from 'supertest';
import { createJobType } from '../helpers/scale.ts';
import { createRecipeType } from '../helpers/recipes.ts';
import { seedManifest } from '../helpers/seed.ts';
import { type TestServer } from '../helpers/server.ts';
import { insertBatch, insertExe, insertFile, insertJob, insertRecipe, insertRecipeNode } from './rows.ts';

const IFACE = {
  version: '1.0', command: 'test_cmd', command_arguments: 'test_arg',
  input_data: [{ type: 'property', name: 'input_field', required: false }, { type: 'file', name: 'input_file', required: false }, { type: 'files', name: 'input_files', required: false }],
  output_data: [{ type: 'file', name: 'output_file', required: false }, { type: 'files', name: 'output_files', required: false }],
};

/** The tests, against a server the caller started (see the *.test.ts files of this folder). */
export function jobsViews(server: () => TestServer): void {
  describe(`Scale 6.0.0 view tests: jobs and job executions`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    let ws: number;
    before(async () => {
      // The scheduler is paused: jobs made through the API stay QUEUED.
      t = server();
      await api().patch('/scale/scheduler/').send({ is_paused: true }).expect(200);
      ws = (await api().get('/scale/workspaces/?name=default').expect(200)).body.results[0]?.id;
      if (!ws) ws = (await t.db.query<{ id: number }>('SELECT id FROM workspace ORDER BY id LIMIT 1')).rows[0].id;
    });

    describe('job list (TestJobsViewV6)', () => {
      let jt1: any;
      let jt2: any;
      let job1: number;
      let job2: number;
      let job3: number;
      const ids = (body: any) => body.results.map((j: any) => j.id).sort((a: number, b: number) => a - b);
      before(async () => {
        jt1 = await createJobType(t.app, { name: `scale-batch-creator-${process.pid}`, version: '1.0', interface: IFACE });
        jt2 = await createJobType(t.app, { name: `test2-${process.pid}`, version: '1.0', interface: IFACE });
        job1 = await insertJob(t.db, jt1.id, { status: 'RUNNING' });
        job2 = await insertJob(t.db, jt2.id, { status: 'PENDING', numExes: 0 });
        job3 = await insertJob(t.db, jt2.id, { status: 'COMPLETED', isSuperseded: true });
      });

      it('lists jobs with their job type, revision and superseded flag (test_successful)', async () => {
        const list = (await api().get('/scale/v6/jobs/').expect(200)).body;
        assert.deepEqual(ids(list), [job1, job2, job3]);
        for (const e of list.results) {
          const type = e.id === job1 ? jt1 : jt2;
          assert.equal(e.job_type.name, type.name);
          assert.equal(e.job_type_rev.job_type.id, type.id);
          assert.equal(e.is_superseded, e.id === job3);
        }
      });

      it('filters by status, job id, job type id and name, superseded (test_status … test_superseded)', async () => {
        const running = (await api().get('/scale/v6/jobs/?status=RUNNING').expect(200)).body;
        assert.deepEqual(running.results.map((j: any) => j.job_type.id), [jt1.id]);
        assert.deepEqual(ids((await api().get(`/scale/v6/jobs/?job_id=${job1}`).expect(200)).body), [job1]);
        const byType = (await api().get(`/scale/v6/jobs/?job_type_id=${jt1.id}`).expect(200)).body;
        assert.deepEqual(byType.results.map((j: any) => j.job_type.id), [jt1.id]);
        const byName = (await api().get(`/scale/v6/jobs/?job_type_name=${jt1.name}`).expect(200)).body;
        assert.deepEqual(byName.results.map((j: any) => j.job_type.name), [jt1.name]);
        assert.deepEqual(ids((await api().get('/scale/v6/jobs/?is_superseded=true').expect(200)).body), [job3]);
      });

      it('filters by error category and error id, showing the error (test_error_category, test_error_id)', async () => {
        const error = (await api().post('/scale/errors/').send({ name: `views-data-${process.pid}`, title: 'Data', description: 'd', category: 'DATA' }).expect(201)).body;
        const failed = await insertJob(t.db, jt2.id, { status: 'FAILED', errorId: error.id });
        const byCategory = (await api().get('/scale/v6/jobs/?error_category=DATA').expect(200)).body;
        assert.deepEqual(byCategory.results.map((j: any) => [j.id, j.error.category]), [[failed, 'DATA']]);
        const byId = (await api().get(`/scale/v6/jobs/?error_id=${error.id}`).expect(200)).body;
        assert.deepEqual(byId.results.map((j: any) => [j.id, j.error.id]), [[failed, error.id]]);
        await t.db.query('DELETE FROM job WHERE id = $1', [failed]);
      });

      it('filters by batch and by recipe (test_batch, test_recipe)', async () => {
        const rt = await createRecipeType(t.app, { name: `views-jobs-rt-${process.pid}`, title: 'Jobs', definition: { version: '6', input: { files: [], json: [] }, nodes: {} } }, '/scale/v6');
        const rtId = rt.id ?? (await api().get(`/scale/v6/recipe-types/${rt.name}/`).expect(200)).body.id;
        const batch = await insertBatch(t.db, rtId);
        const recipe = await insertRecipe(t.db, rtId);
        await t.db.query('UPDATE job SET batch_id = $2 WHERE id = $1', [job1, batch]);
        await insertRecipeNode(t.db, recipe, 'node-1', job1);
        assert.deepEqual(ids((await api().get(`/scale/v6/jobs/?batch_id=${batch}`).expect(200)).body), [job1]);
        assert.deepEqual(ids((await api().get(`/scale/v6/jobs/?recipe_id=${recipe}`).expect(200)).body), [job1]);
        await t.db.query('DELETE FROM recipe_node WHERE job_id = $1', [job1]);
        await t.db.query('UPDATE job SET batch_id = NULL, recipe_id = NULL WHERE id = $1', [job1]);
      });

      it('orders by job type name, then version descending (test_order_by)', async () => {
        const b = await createJobType(t.app, { name: jt1.name, version: '2.0', interface: IFACE });
        const c = await createJobType(t.app, { name: jt1.name, version: '3.0', interface: IFACE });
        const jb = await insertJob(t.db, b.id, { status: 'RUNNING' });
        const jc = await insertJob(t.db, c.id, { status: 'RUNNING' });
        const list = (await api().get('/scale/v6/jobs/?is_superseded=false&order=job_type__name&order=-job_type__version').expect(200)).body;
        assert.deepEqual(list.results.map((j: any) => j.job_type.id), [c.id, b.id, jt1.id, jt2.id]);
        await t.db.query('DELETE FROM job WHERE id = ANY($1::bigint[])', [[jb, jc]]);
      });
    });

    describe('new jobs (TestJobsPostViewV6)', () => {
      let type: any;
      let source: number;
      const configuration = { version: '6', output_workspaces: { default: 'default' }, priority: 999 };
      before(async () => {
        const m = seedManifest({ name: `views-post-${process.pid}`, timeout: 10 }, { inputs: { files: [{ name: 'input_a' }] }, outputs: { files: [{ name: 'output_a', multiple: true, pattern: '*.png' }] } });
        type = (await api().post('/scale/v6/job-types/').send({ docker_image: 'views/test:1.0', manifest: m, configuration: { output_workspaces: { default: 'default' } } }).expect(201)).body;
        type = (await api().get(`/scale/v6/job-types/${m.job.name}/1.0.0/`).expect(200)).body;
        source = await insertFile(t.db, ws, { fileName: 'views-post.txt', fileType: 'SOURCE' });
      });

      it('queues a job (201: the v6 details with no execution yet, Location under /v6/jobs/), with a configuration too', async () => {
        const input = { version: '6', files: { input_a: [source] }, json: {} };
        const res = await api().post('/scale/v6/jobs/').send({ input, job_type_id: type.id }).expect(201);
        assert.equal(res.body.execution, null);
        assert.match(String(res.headers.location), /\/v6\/jobs\//);
        const withConfig = await api().post('/scale/v6/jobs/').send({ input, job_type_id: type.id, configuration });
        assert.equal(withConfig.status, 201, JSON.stringify(withConfig.body));
        assert.equal(withConfig.body.execution, null);
        assert.match(String(withConfig.headers.location), /\/v6\/jobs\//);
      });

      it('refuses input data or a configuration of a bad version (test_invalid_data, test_invalid_configuration)', async () => {
        await api().post('/scale/v6/jobs/').send({ input: { version: 'BAD', files: { input_a: [source] }, json: {} }, job_type_id: type.id, configuration }).expect(400);
        await api().post('/scale/v6/jobs/').send({ input: { version: '6', files: { input_a: [source] }, json: {} }, job_type_id: type.id, configuration: { ...configuration, version: 'BAD' } }).expect(400);
      });
    });

    describe('job details (TestJobDetailsViewV6)', () => {
      let jt: any;
      let job: number;
      let exe: number;
      let rtName: string;
      before(async () => {
        jt = await createJobType(t.app, { name: `views-details-${process.pid}`, version: '1.0', cpus_required: 1, mem_required: 64, interface: IFACE });
        job = await insertJob(t.db, jt.id, { status: 'RUNNING', input: { version: '1.0', input_data: [] } });
        exe = await insertExe(t.db, job, { status: 'RUNNING' });
        rtName = `views-details-rt-${process.pid}`;
        const rt = await createRecipeType(t.app, { name: rtName, title: 'Details', definition: { version: '6', input: { files: [], json: [] }, nodes: {} } }, '/scale/v6');
        const rtId = rt.id ?? (await api().get(`/scale/v6/recipe-types/${rtName}/`).expect(200)).body.id;
        await insertRecipeNode(t.db, await insertRecipe(t.db, rtId), 'Job 1', job);
      });

      it('shows the job type, the revision\'s job type and the recipe with its type (test_successful_empty)', async () => {
        const d = (await api().get(`/scale/v6/jobs/${job}/`).expect(200)).body;
        assert.equal(d.job_type.name, jt.name);
        assert.equal(d.job_type_rev.job_type.name, jt.name);
        assert.equal(d.recipe.recipe_type.name, rtName);
      });

      it('shows the latest execution with its job, job type and number (test_successful_execution)', async () => {
        const d = (await api().get(`/scale/v6/jobs/${job}/`).expect(200)).body;
        assert.equal(d.execution.id, exe);
        assert.equal(d.execution.job.id, job);
        assert.equal(d.execution.job_type.id, jt.id);
        assert.equal(d.execution.exe_num, 1);
      });

      it('shows the resources the job asks for (test_successful_resources)', async () => {
        const r = (await api().get(`/scale/v6/jobs/${job}/`).expect(200)).body.resources.resources;
        assert.equal(r.cpus, 1);
        assert.equal(r.mem, 64);
        assert.ok('disk' in r);
      });

      it('links a superseded job and the job that superseded it both ways (test_superseded)', async () => {
        const newJob = await insertJob(t.db, jt.id, { status: 'PENDING', numExes: 0 });
        await t.db.query('UPDATE job SET superseded_job_id = $2, root_superseded_job_id = $2 WHERE id = $1', [newJob, job]);
        await t.db.query('UPDATE job SET is_superseded = true, superseded = now() WHERE id = $1', [job]);
        const old = (await api().get(`/scale/v6/jobs/${job}/`).expect(200)).body;
        assert.equal(old.is_superseded, true);
        assert.equal(old.superseded_by_job.id, newJob);
        assert.ok(old.superseded);
        const d = (await api().get(`/scale/v6/jobs/${newJob}/`).expect(200)).body;
        assert.equal(d.is_superseded, false);
        assert.equal(d.superseded_job.id, job);
        assert.equal(d.superseded, null);
      });

      it('has no PATCH under v6 (test_remove_v6_patch)', async () => {
        await api().patch(`/scale/v6/jobs/${job}/`).send({ status: 'CANCELED' }).expect(404);
      });
    });

    describe('job executions (TestJobExecutionsViewV6, TestJobExecutionDetailsViewV6)', () => {
      let job: number;
      let node1: number;
      let error: any;
      before(async () => {
        const jt = await createJobType(t.app, { name: `views-exes-${process.pid}`, version: '1.0', interface: IFACE });
        error = (await api().post('/scale/errors/').send({ name: `views-exe-error-${process.pid}`, title: 'E', description: 'e', category: 'ALGORITHM' }).expect(201)).body;
        job = await insertJob(t.db, jt.id, { status: 'COMPLETED', errorId: error.id, numExes: 4 });
        const nodes = await t.db.query<{ id: number }>(`INSERT INTO node (hostname, slave_id, executor) VALUES ('exe-host-1', 'exe-agent-1-${t.kind}', 'mesos'), ('exe-host-2', 'exe-agent-2-${t.kind}', 'mesos') RETURNING id`);
        node1 = nodes.rows[0].id;
        const node2 = nodes.rows[1].id;
        await insertExe(t.db, job, { exeNum: 1, status: 'FAILED', nodeId: node1, errorId: error.id, started: new Date('2017-01-02T00:00:00Z'), ended: new Date('2017-01-02T01:00:00Z') });
        await insertExe(t.db, job, { exeNum: 2, status: 'COMPLETED', nodeId: node2, started: new Date('2017-01-01T00:00:00Z'), ended: new Date('2017-01-01T01:00:00Z') });
        await insertExe(t.db, job, { exeNum: 3, status: 'COMPLETED', nodeId: node2, started: new Date('2017-01-01T00:00:00Z'), ended: new Date('2017-01-01T01:00:00Z') });
        await insertExe(t.db, job, { exeNum: 4, status: 'RUNNING', nodeId: node2, started: new Date('2017-01-03T00:00:00Z'), ended: new Date('2017-01-03T01:00:00Z') });
      });

      it('lists the four executions, the latest first; an unknown job has none', async () => {
        const list = (await api().get(`/scale/v6/jobs/${job}/executions/`).expect(200)).body;
        assert.equal(list.count, 4);
        assert.equal(list.results[0].exe_num, 4);
        assert.deepEqual((await api().get('/scale/v6/jobs/999999999/executions/').expect(200)).body.results, []);
      });

      it('filters them by node, status, error and error category', async () => {
        assert.equal((await api().get(`/scale/v6/jobs/${job}/executions/?node_id=${node1}`).expect(200)).body.count, 1);
        assert.equal((await api().get(`/scale/v6/jobs/${job}/executions/?status=COMPLETED`).expect(200)).body.count, 2);
        assert.equal((await api().get(`/scale/v6/jobs/${job}/executions/?error_id=${error.id}`).expect(200)).body.count, 1);
        assert.equal((await api().get(`/scale/v6/jobs/${job}/executions/?error_category=ALGORITHM`).expect(200)).body.count, 1);
      });

      it('shows one by its number with task results, resources, configuration and output; 404 for an unknown number', async () => {
        const jt = await createJobType(t.app, { name: `views-exe-9999-${process.pid}`, version: '1.0', interface: IFACE });
        const j = await insertJob(t.db, jt.id, { status: 'COMPLETED' });
        const e = await insertExe(t.db, j, { exeNum: 9999, status: 'COMPLETED' });
        const d = (await api().get(`/scale/v6/jobs/${j}/executions/9999/`).expect(200)).body;
        assert.equal(d.id, e);
        for (const k of ['task_results', 'resources', 'configuration', 'output']) assert.ok(k in d, k);
        await api().get(`/scale/v6/jobs/${j}/executions/999999999/`).expect(404);
      });

      it('answers 404 for the logs of an unknown execution (TestJobExecutionSpecificLogViewV6.test_bad_job_exe_id)', async () => {
        await api().get('/scale/v6/job-executions/999999/logs/combined/').expect(404);
      });
    });

    describe('job input files (TestJobInputFilesViewV6)', () => {
      let job: number;
      let f3: number;
      let f4: number;
      before(async () => {
        const jt = await createJobType(t.app, { name: `views-inputs-${process.pid}`, version: '1.0', interface: IFACE });
        f3 = await insertFile(t.db, ws, { fileName: 'foo.bar', fileType: 'SOURCE', sourceStarted: '2016-01-10T00:00:00Z', sourceEnded: '2016-01-11T00:00:00Z' });
        f4 = await insertFile(t.db, ws, { fileName: 'qaz.bar', fileType: 'SOURCE', sourceStarted: '2016-01-11T00:00:00Z', sourceEnded: '2016-01-12T00:00:00Z' });
        job = await insertJob(t.db, jt.id, { input: { version: '1.0', input_data: [{ name: 'input_file', file_id: f3 }, { name: 'input_files', file_ids: [f4] }] } });
      });

      it('lists the input files in the v6 file shape', async () => {
        const list = (await api().get(`/scale/v6/jobs/${job}/input_files/`).expect(200)).body;
        assert.deepEqual(list.results.map((f: any) => f.id).sort(), [f3, f4].sort());
        for (const f of list.results) {
          for (const k of ['file_name', 'workspace', 'media_type', 'file_type', 'file_size', 'file_path', 'is_deleted', 'url', 'created', 'deleted', 'data_started', 'data_ended',
            'source_started', 'source_ended', 'last_modified', 'geometry', 'center_point', 'countries', 'job_type', 'job', 'job_exe', 'job_output', 'recipe_type', 'recipe',
            'recipe_node', 'batch', 'superseded']) assert.ok(k in f, k);
          assert.equal(f.is_superseded, false);
        }
      });

      it('filters them by job input, file name and source time (test_filter_job_input, test_file_name_successful, test_bad_file_name, test_time_successful)', async () => {
        assert.deepEqual((await api().get(`/scale/v6/jobs/${job}/input_files/?job_input=input_files`).expect(200)).body.results.map((f: any) => f.id), [f4]);
        const byName = (await api().get(`/scale/v6/jobs/${job}/input_files/?file_name=foo.bar`).expect(200)).body.results;
        assert.deepEqual(byName.map((f: any) => [f.id, f.file_name]), [[f3, 'foo.bar']]);
        assert.equal(new Date(byName[0].source_started).toISOString(), '2016-01-10T00:00:00.000Z');
        assert.equal((await api().get(`/scale/v6/jobs/${job}/input_files/?file_name=not_a.file`).expect(200)).body.results.length, 0);
        const timed = (await api().get(`/scale/v6/jobs/${job}/input_files/?started=2016-01-10T00:00:00Z&ended=2016-01-13T00:00:00Z&time_field=source`).expect(200)).body.results;
        assert.deepEqual(timed.map((f: any) => f.id).sort(), [f3, f4].sort());
        assert.equal((await api().get(`/scale/v6/jobs/${job}/input_files/?started=2016-01-10T12:00:00Z&time_field=source`).expect(200)).body.results.length, 1);
      });
    });

    describe('bulk cancel and requeue (TestCancelJobsViewV6, TestRequeueJobsViewV6)', () => {
      let m: any;
      before(async () => {
        m = seedManifest({ name: `my-job-type-${process.pid}` });
        await api().post('/scale/v6/job-types/').send({ docker_image: 'views/my:1.0.0', manifest: m }).expect(201);
        const m2 = structuredClone(m);
        m2.job.jobVersion = '1.0.1';
        await api().post('/scale/v6/job-types/').send({ docker_image: 'views/my:1.0.1', manifest: m2 }).expect(201);
      });
      const body = () => {
        const started = new Date();
        return {
          started: started.toISOString(), ended: new Date(started.getTime() + 60_000).toISOString(), status: 'FAILED',
          job_ids: [3, 4], job_type_ids: [5, 6], job_types: [{ name: m.job.name, version: '1.0.0' }, { name: m.job.name, version: '1.0.1' }],
          job_type_names: ['name'], batch_ids: [7, 8], recipe_ids: [9, 10], error_categories: ['SYSTEM'], error_ids: [1, 2], is_superseded: false,
        };
      };

      it('cancels by every filter Scale reads (202); an unknown job type is 400', async () => {
        await api().post('/scale/v6/jobs/cancel/').send(body()).expect(202);
        await api().post('/scale/v6/jobs/cancel/').send({ job_types: [{ name: 'bad', version: '1.0.0' }] }).expect(400);
      });

      it('requeues by every filter Scale reads, with a priority (202); an unknown job type is 400', async () => {
        await api().post('/scale/v6/jobs/requeue/').send({ ...body(), priority: 101 }).expect(202);
        await api().post('/scale/v6/jobs/requeue/').send({ job_types: [{ name: 'bad', version: '1.0.0' }] }).expect(400);
      });
    });
  });
}
