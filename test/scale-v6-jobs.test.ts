// The v6 shapes of jobs, job executions and files (Scale 6.0.0's JobSerializerV6,
// JobDetailsSerializerV6, JobExecution(Details)SerializerV6, ScaleFile(Details)SerializerV6), which
// NGA's scale-ui reads, asserted as Scale's job/test/test_views.py does; v5 keeps its shapes.
import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { createRecipeType, newRecipe, stepJobType, waitForRecipe } from './helpers/recipes.ts';
import { startServer, type TestServer } from './helpers/server.ts';

for (const kind of dbKinds()) {
  describe(`Scale v6 jobs, executions and files (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let jt: any;
    let job: any;
    let inputFile: any;
    let recipeJobId: number;
    let recipeTypeName: string;
    let recipeId: number;
    const api = () => request(t.app);
    before(async () => {
      t = await startServer(kind);
      jt = await createJobType(t.app, {
        interface: {
          version: '1.0',
          command: `/bin/sh ${script('produce.sh')}`,
          command_arguments: '${message} ${input_file} ${job_output_dir}',
          input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file', media_types: ['text/plain'] }],
          output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'files', required: false }],
        },
      });
      inputFile = await upload(t.app, 'hello scale\n', 'in.txt');
      const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [{ name: 'message', value: 'two words' }, { name: 'input_file', file_id: inputFile.id }] });
      job = await waitForJob(t.app, queued.id);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));

      // A job of a recipe: its details name the recipe with its type (RecipeBaseSerializerV6).
      const step = await stepJobType(t.app, `v6-step-${process.pid}`, 'copy', 'stage-a');
      recipeTypeName = `v6-chain-${process.pid}`;
      const rt = await createRecipeType(t.app, {
        name: recipeTypeName, title: 'V6 chain',
        definition: { version: '1.0', input_data: [{ name: 'image', type: 'file' }], jobs: [{ name: 's1', job_type: { name: step.name, version: step.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] }] },
      });
      const r = await newRecipe(t.app, rt.id, { version: '1.0', input_data: [{ name: 'image', file_id: inputFile.id }] });
      recipeId = r.id;
      await waitForRecipe(t.app, r.id, (x) => x.jobs_completed === 1, 'its job completed');
      recipeJobId = (await api().get('/scale/v6/jobs/').query({ recipe_id: r.id }).expect(200)).body.results[0].id;
    });
    after(() => t?.close());

    it('lists jobs as JobSerializerV6 (test_views TestJobsViewV6)', async () => {
      const list = (await api().get('/scale/v6/jobs/').query({ job_id: job.id }).expect(200)).body;
      assert.equal(list.count, 1);
      const e = list.results[0];
      assert.equal(e.job_type.name, jt.name);
      assert.equal(e.job_type.is_published, false);
      assert.equal(e.job_type_rev.job_type.id, jt.id);
      assert.equal(e.is_superseded, false);
      for (const k of ['node', 'recipe', 'batch', 'event', 'ingest_event', 'superseded_job', 'error', 'num_exes', 'input_file_size', 'source_started', 'source_ended',
        'source_sensor_class', 'source_sensor', 'source_collection', 'source_task', 'created', 'queued', 'started', 'ended', 'last_status_change', 'superseded', 'last_modified']) {
        assert.ok(k in e, `a v6 job has ${k}`);
      }
      assert.equal(typeof e.node.id, 'number');
      assert.equal(typeof e.node.hostname, 'string');
      assert.ok(Math.abs(e.input_file_size - 12 / (1024 * 1024)) < 1e-9, 'input_file_size is the inputs\' MiB');
      assert.equal(e.recipe, null);
      assert.equal(e.batch, null);
      // Filters of JobsView._list_v6.
      assert.equal((await api().get('/scale/v6/jobs/').query({ job_id: job.id, error_id: 999999 }).expect(200)).body.count, 0);
      assert.equal((await api().get('/scale/v6/jobs/').query({ job_id: job.id, is_superseded: false }).expect(200)).body.count, 1);
      const inRecipe = (await api().get('/scale/v6/jobs/').query({ recipe_id: recipeId }).expect(200)).body.results[0];
      assert.equal(inRecipe.recipe.id, recipeId);
      assert.equal(inRecipe.recipe.recipe_type.name, recipeTypeName);
      // v5 keeps its shapes.
      const v5 = (await api().get('/scale/v5/jobs/').query({ job_id: job.id }).expect(200)).body.results[0];
      assert.ok(!('input_file_size' in v5) && !('node' in v5));
      assert.equal(v5.job_type.is_published, undefined);
    });

    it('shows a job as JobDetailsSerializerV6 (test_views TestJobDetailsViewV6)', async () => {
      const d = (await api().get(`/scale/v6/jobs/${job.id}/`).expect(200)).body;
      assert.equal(d.job_type.name, jt.name);
      assert.equal(d.job_type_rev.job_type.name, jt.name);
      assert.equal(d.job_type_rev.revision_num, 1);
      assert.equal(d.job_type_rev.manifest.command_arguments, '${message} ${input_file} ${job_output_dir}');
      // the latest execution in full
      assert.equal(d.execution.job.id, job.id);
      assert.equal(d.execution.job_type.id, jt.id);
      assert.equal(d.execution.exe_num, 1);
      assert.equal(d.execution.status, 'COMPLETED');
      assert.equal(typeof d.execution.node.hostname, 'string');
      for (const k of ['task_results', 'resources', 'configuration', 'output', 'timeout', 'input_file_size', 'cluster_id']) assert.ok(k in d.execution, `execution has ${k}`);
      assert.equal(d.execution.task_results.tasks.find((x: any) => x.type === 'main').exit_code, 0);
      // resources, input and output in v6 data
      assert.equal(d.resources.resources.cpus, 0.5);
      assert.equal(d.resources.resources.mem, 16);
      assert.equal(typeof d.resources.resources.disk, 'number');
      assert.deepEqual(d.input, { files: { input_file: [inputFile.id] }, json: { message: 'two words' } });
      const upper = job.results.output_data.find((o: any) => o.name === 'upper').file_id;
      assert.deepEqual(d.output.files.upper, [upper]);
      assert.equal(d.output.files.notes.length, 1);
      assert.equal(d.is_superseded, false);
      assert.equal(d.superseded_job, null);
      assert.equal(d.superseded_by_job, null);
      assert.equal(d.superseded, null);
      assert.equal(d.recipe, null);
      const inRecipe = (await api().get(`/scale/v6/jobs/${recipeJobId}/`).expect(200)).body;
      assert.equal(inRecipe.recipe.id, recipeId);
      assert.equal(inRecipe.recipe.recipe_type.name, recipeTypeName);
      assert.equal(typeof inRecipe.recipe.recipe_type_rev.id, 'number');
      // The v5 details are unchanged.
      const v5 = (await api().get(`/scale/v5/jobs/${job.id}/`).expect(200)).body;
      assert.ok(!('execution' in v5) && !('input' in v5));
      assert.deepEqual(v5.recipe, null);
      await api().get('/scale/v6/jobs/999999/').expect(404);
    });

    it('lists and shows executions as JobExecution(Details)SerializerV6 (test_views TestJobExecutions(Details)ViewV6)', async () => {
      const list = (await api().get(`/scale/v6/jobs/${job.id}/executions/`).expect(200)).body;
      assert.equal(list.count, 1);
      const x = list.results[0];
      assert.equal(x.exe_num, 1);
      assert.equal(x.job.id, job.id);
      assert.equal(x.job_type.name, jt.name);
      assert.equal(typeof x.node.hostname, 'string');
      assert.ok('timeout' in x && 'input_file_size' in x && 'cluster_id' in x);
      assert.deepEqual((await api().get('/scale/v6/jobs/999999999/executions/').expect(200)).body.results, []);
      assert.equal((await api().get(`/scale/v6/jobs/${job.id}/executions/`).query({ status: 'COMPLETED' }).expect(200)).body.count, 1);
      assert.equal((await api().get(`/scale/v6/jobs/${job.id}/executions/`).query({ node_id: x.node.id }).expect(200)).body.count, 1);
      assert.equal((await api().get(`/scale/v6/jobs/${job.id}/executions/`).query({ error_id: 999999 }).expect(200)).body.count, 0);
      assert.equal((await api().get(`/scale/v6/jobs/${job.id}/executions/`).query({ error_category: 'SYSTEM' }).expect(200)).body.count, 0);

      const d = (await api().get(`/scale/v6/jobs/${job.id}/executions/1/`).expect(200)).body;
      assert.equal(d.id, x.id);
      for (const k of ['task_results', 'resources', 'configuration', 'output']) assert.ok(k in d, `details have ${k}`);
      assert.equal(d.resources.resources.cpus, 0.5);
      assert.deepEqual(d.output.output_data.find((o: any) => o.name === 'upper'), job.results.output_data.find((o: any) => o.name === 'upper'));
      await api().get(`/scale/v6/jobs/${job.id}/executions/999999999/`).expect(404);
      // v5 keeps its execution shapes.
      const v5 = (await api().get(`/scale/v5/jobs/${job.id}/executions/1/`).expect(200)).body;
      assert.ok(!('task_results' in v5) && !('job_type' in v5));
    });

    it('shows files as ScaleFile(Details)SerializerV6', async () => {
      const upper = job.results.output_data.find((o: any) => o.name === 'upper').file_id;
      const d = (await api().get(`/scale/v6/files/${upper}/`).expect(200)).body;
      assert.equal(d.job.id, job.id);
      assert.equal(d.job_exe.id, job.job_exes[0].id);
      assert.equal(d.job_output, 'upper');
      assert.equal(d.job_type.name, jt.name);
      assert.equal(d.recipe, null);
      assert.equal(d.recipe_node, null);
      assert.equal(d.recipe_type, null);
      assert.equal(d.batch, null);
      assert.equal(d.is_superseded, false);
      assert.equal(d.superseded, null);
      for (const k of ['file_name', 'workspace', 'media_type', 'file_type', 'file_size', 'file_path', 'is_deleted', 'url', 'created', 'deleted', 'data_started', 'data_ended',
        'source_started', 'source_ended', 'source_sensor_class', 'source_sensor', 'source_collection', 'source_task', 'last_modified', 'geometry', 'center_point', 'countries', 'meta_data']) {
        assert.ok(k in d, `a v6 file has ${k}`);
      }
      // A product of a recipe's job names the recipe, its node and its type.
      const recipeJob = (await api().get(`/scale/jobs/${recipeJobId}/`).expect(200)).body;
      const product = recipeJob.results.output_data[0].file_id;
      const p = (await api().get(`/scale/v6/files/${product}/`).expect(200)).body;
      assert.equal(p.recipe.id, recipeId);
      assert.equal(p.recipe_node, 's1');
      assert.equal(p.recipe_type.name, recipeTypeName);
      const listed = (await api().get('/scale/v6/files/').query({ job_id: recipeJobId }).expect(200)).body;
      assert.equal(listed.results[0].recipe_node, 's1');
      // The source file names no job; v5 keeps its shape.
      const src = (await api().get(`/scale/v6/files/${inputFile.id}/`).expect(200)).body;
      assert.equal(src.job, null);
      assert.equal(src.recipe, null);
      const v5 = (await api().get(`/scale/v5/files/${upper}/`).expect(200)).body;
      assert.ok(!('recipe_node' in v5));
    });

    it('reads a job list page in one query while no job changes, and counts again as soon as one does', async () => {
      const query = t.db.query;
      const seen: string[] = [];
      t.db.query = ((sql: any, params?: unknown[]) => {
        seen.push(typeof sql === 'string' ? sql : sql.text);
        return query.call(t.db, sql, params);
      }) as typeof query;
      try {
        const ofJobs = () => seen.filter((s) => /\bFROM job\b/.test(s));
        for (const path of ['/scale/jobs/', '/scale/v6/jobs/']) {
          const first = (await api().get(path).query({ page_size: 1 }).expect(200)).body;
          seen.length = 0;
          const second = (await api().get(path).query({ page_size: 1, page: 2 }).expect(200)).body;
          assert.equal(second.count, first.count);
          assert.equal(second.results.length, 1);
          assert.equal(ofJobs().length, 1, `one query of the job table for a page whose count is known:\n${ofJobs().join('\n')}`);
        }
        // A new job: the very next page counts it (no wait for the count's time to live).
        const before = (await api().get('/scale/jobs/').query({ page_size: 1 }).expect(200)).body.count;
        await queueJob(t.app, jt.id, { version: '1.0', input_data: [{ name: 'message', value: 'again' }, { name: 'input_file', file_id: inputFile.id }] });
        assert.equal((await api().get('/scale/jobs/').query({ page_size: 1 }).expect(200)).body.count, before + 1);
      } finally {
        t.db.query = query;
      }
    });
  });
}
