// Batches (Scale 6.0.0's batch app) end to end: a v5 batch re-processes a recipe type's recipes
// (their old jobs superseded and hidden from v5 job lists, the new ones naming the batch), a v6
// batch re-processes that batch after the recipe type changed, and the cases of Scale's own
// batch/test/test_views.py: lists and their filters, create, details, edit, validation, comparison.
import assert from 'node:assert/strict';
import request from 'supertest';
import { check } from '../src/schemas.ts';
import { dbKinds } from './helpers/db.ts';
import { createRecipeType, newRecipe, stepJobType, waitForRecipe } from './helpers/recipes.ts';
import { upload } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const V6 = '/scale/v6';
const V5 = '/scale/v5';

for (const kind of dbKinds()) {
  describe(`batches (${kind})`, function () {
    this.timeout(120_000);
    let t: TestServer;
    const tag = `${kind}-${process.pid}`;
    let a: any, b: any, c: any;
    let rt: any; // the recipe type batches re-process
    let other: any; // a recipe type with a batch of its own and no recipes
    const oldRecipes: any[] = [];
    let first: any; // v5 batch over rt's recipes
    let second: any; // v6 batch re-processing `first`
    let otherBatch: any;

    const api = () => request(t.app);
    const chain = (types: any[]) => ({
      version: '1.0',
      input_data: [{ name: 'image', type: 'file', media_types: ['text/plain'] }],
      jobs: types.map((jt, i) => ({
        name: `s${i + 1}`,
        job_type: { name: jt.name, version: jt.version },
        ...(i === 0 ? { recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] } : { dependencies: [{ name: `s${i}`, connections: [{ output: 'result', input: 'input' }] }] }),
      })),
    });
    /** The batch once its recipes are all made and have all completed. */
    const settled = async (id: number) => {
      let last: any;
      return waitFor(async () => {
        const d = (last = (await api().get(`${V6}/batches/${id}/`).expect(200)).body);
        return d.is_creation_done && d.recipes_total > 0 && d.recipes_completed === d.recipes_total && d.jobs_completed === d.jobs_total ? d : null;
      }, { timeoutMs: 60_000, what: `batch ${id} to settle` }).catch((err) => {
        throw new Error(`${err.message}: ${JSON.stringify(last)}`);
      });
    };
    const created = (id: number) =>
      waitFor(async () => {
        const d = (await api().get(`${V6}/batches/${id}/`).expect(200)).body;
        return d.is_creation_done ? d : null;
      }, { timeoutMs: 30_000, what: `batch ${id} to make its recipes` });

    before(async () => {
      t = await startServer(kind);
      a = await stepJobType(t.app, `batch-a-${tag}`, 'copy', 'stage-a', { mediaTypes: ['text/plain'] });
      b = await stepJobType(t.app, `batch-b-${tag}`, 'copy', 'stage-b');
      c = await stepJobType(t.app, `batch-c-${tag}`, 'copy', 'stage-c');
      rt = await createRecipeType(t.app, { name: `batched-${tag}`, title: 'Batched', description: 'Batched recipes', definition: chain([a, b]) });
      other = await createRecipeType(t.app, { name: `other-${tag}`, title: 'Other', definition: chain([a]) });
      for (const text of ['one\n', 'two\n']) {
        const file = await upload(t.app, text, 'in.txt', { media_type: 'text/plain' });
        oldRecipes.push(await newRecipe(t.app, rt.id, { version: '1.0', input_data: [{ name: 'image', file_id: file.id }] }));
      }
      for (const r of oldRecipes) await waitForRecipe(t.app, r.id, (x) => x.is_completed, 'completed');
    });
    after(() => t?.close());

    describe('a v5 batch re-processes the recipe type\'s recipes', () => {
      it('validates a 1.0 definition: recipes it would re-process, files it would start recipes for', async () => {
        const all = (await api().post(`${V5}/batches/validation/`).send({ recipe_type_id: rt.id, title: 't', description: 'd', definition: { version: '1.0', all_jobs: true } }).expect(200)).body;
        assert.deepEqual(all, { recipe_count: 2, file_count: 0, warnings: [] });
        // Nothing forced: only recipes on an older revision would change, and there are none.
        assert.equal((await api().post(`${V5}/batches/validation/`).send({ recipe_type_id: rt.id, definition: {} }).expect(200)).body.recipe_count, 0);
        const future = (await api().post(`${V5}/batches/validation/`).send({ recipe_type_id: rt.id, definition: { all_jobs: true, date_range: { started: '2999-01-01T00:00:00Z' } } }).expect(200)).body;
        assert.equal(future.recipe_count, 0, 'created before the range');
        // A trigger rule counts every file no recipe of the type was given (Scale: get_matched_files).
        await upload(t.app, 'loose\n', 'loose.txt', { media_type: 'text/plain' });
        const files = (await api().post(`${V5}/batches/validation/`).send({
          recipe_type_id: rt.id, definition: { trigger_rule: { condition: { media_type: 'text/custom', data_types: ['test'] }, data: { input_data_name: 'image', workspace_name: 'default' } } },
        }).expect(200)).body;
        assert.equal(files.recipe_count, 0);
        assert.ok(files.file_count >= 1, JSON.stringify(files));
        // Scale's TestBatchesValidationViewV5: missing fields, a bad type, a bad definition.
        assert.equal((await api().post(`${V5}/batches/validation/`).send({ title: 'batch-test' }).expect(400)).body.field, 'recipe_type_id');
        assert.equal((await api().post(`${V5}/batches/validation/`).send({ recipe_type_id: 'BAD', definition: { all_jobs: true } }).expect(400)).body.field, 'recipe_type_id');
        const bad = (await api().post(`${V5}/batches/validation/`).send({ recipe_type_id: rt.id, definition: { version: '1.0', date_range: { type: 'BAD' } } }).expect(400)).body;
        assert.match(bad.field, /^definition\.date_range/);
      });

      it('creates the batch (201), re-processes every recipe into it, and supersedes the jobs it runs again', async () => {
        const res = await api().post(`${V5}/batches/`).send({ recipe_type_id: rt.id, title: 'batch-title-test', description: 'batch-description-test', definition: { version: '1.0', all_jobs: true } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.match(res.headers.location, new RegExp(`/scale/v5/batches/${res.body.id}/$`));
        assert.equal(res.body.title, 'batch-title-test');
        assert.equal(res.body.description, 'batch-description-test');
        assert.equal(res.body.recipe_type.id, rt.id);
        assert.equal(res.body.event.type, 'USER');
        assert.deepEqual(res.body.event.description, { user: 'Anonymous' });
        assert.deepEqual(res.body.definition, { version: '1.0', all_jobs: true, job_names: null });
        assert.ok(['SUBMITTED', 'CREATED'].includes(res.body.status));
        first = await settled(res.body.id);
        assert.equal(first.recipes_total, 2);
        assert.equal(first.recipes_estimated, 2);
        assert.equal(first.jobs_total, 4);
        assert.equal(first.jobs_completed, 4);
        assert.deepEqual(first.root_batch, { id: first.id, title: first.title, description: first.description, created: first.created }, 'a batch that supersedes none is its own root');
        assert.equal(first.superseded_batch, null);
        assert.deepEqual(Object.keys(first.job_metrics), ['s1', 's2']);
        assert.equal(first.job_metrics.s1.jobs_total, 2);
        assert.equal(first.job_metrics.s1.jobs_completed, 2);
        assert.match(first.job_metrics.s1.avg_job_duration, /^P(\d+D)?T(\d+H)?(\d+M)?\d+S$/);
        assert.match(first.job_metrics.s1.max_seed_duration, /^PT/);

        const v5 = (await api().get(`${V5}/batches/${first.id}/`).expect(200)).body;
        assert.equal(v5.status, 'CREATED');
        assert.equal(v5.created_count, 2);
        assert.equal(v5.total_count, 2);
        assert.equal(v5.completed_job_count, 4);
        assert.equal(v5.completed_recipe_count, 2);
        assert.equal(v5.recipe_type.id, rt.id);
        assert.equal(v5.recipe_type.definition.version, '1.0');
        assert.equal(v5.creator_job, null, 'batches here make their recipes without a creator job');
        await api().get(`${V5}/batches/100000/`).expect(404);
      });

      it('links the new recipes and jobs to the batch; the old jobs are superseded and hidden from v5 job lists', async () => {
        const recipes = (await api().get(`${V6}/recipes/`).query({ batch_id: first.id }).expect(200)).body;
        assert.equal(recipes.count, 2);
        const summary = { id: first.id, title: first.title, description: first.description, created: first.created };
        for (const r of recipes.results) {
          assert.deepEqual(r.batch, summary);
          assert.ok(oldRecipes.some((o) => o.id === r.superseded_recipe.id));
        }
        const jobs = (await api().get(`${V6}/jobs/`).query({ batch_id: first.id }).expect(200)).body;
        assert.equal(jobs.count, 4);
        const oldJobIds = new Set<number>();
        for (const j of jobs.results) {
          assert.deepEqual(j.batch, summary);
          assert.equal(j.is_superseded, false);
          assert.ok(j.superseded_job?.id, 'each new job names the job it replaces');
          oldJobIds.add(j.superseded_job.id);
        }
        const old = (await api().get(`${V6}/jobs/${[...oldJobIds][0]}/`).expect(200)).body;
        assert.equal(old.is_superseded, true);
        assert.ok(old.superseded);
        assert.equal(old.batch, null);
        assert.equal(old.superseded_by_job.status, 'COMPLETED');
        assert.ok(jobs.results.some((j: any) => j.id === old.superseded_by_job.id));
        const replacement = (await api().get(`${V6}/jobs/${old.superseded_by_job.id}/`).expect(200)).body;
        assert.deepEqual(replacement.superseded_job, { id: old.id, job_type: replacement.superseded_job.job_type, status: 'COMPLETED' });
        assert.equal(replacement.superseded_job.job_type.id, old.job_type.id);
        // Its products are published no more once the job that replaced it completed (ProductFile.objects.publish_products).
        const filesOf = async (jobId: number) => (await api().get(`${V6}/files/`).query({ job_id: jobId }).expect(200)).body.results;
        const oldFiles = await filesOf(old.id);
        assert.ok(oldFiles.length > 0);
        for (const f of oldFiles) assert.deepEqual([f.is_published, typeof f.unpublished], [false, 'string']);
        for (const f of await filesOf(replacement.id)) assert.deepEqual([f.is_published, f.unpublished], [true, null]);

        // v5 (and the unversioned paths) leave superseded jobs out unless asked; v6 lists them all unless asked.
        const ids = (body: any) => new Set<number>(body.results.map((j: any) => j.id));
        const all = [...oldJobIds, ...jobs.results.map((j: any) => j.id)];
        const v5 = ids((await api().get(`${V5}/jobs/`).query({ job_id: all }).expect(200)).body);
        assert.deepEqual([...oldJobIds].filter((id) => v5.has(id)), []);
        assert.equal(v5.size, 4);
        assert.equal(ids((await api().get('/scale/jobs/').query({ job_id: all }).expect(200)).body).size, 4);
        assert.equal(ids((await api().get(`${V5}/jobs/`).query({ job_id: all, include_superseded: 'true' }).expect(200)).body).size, 8);
        assert.equal(ids((await api().get(`${V6}/jobs/`).query({ job_id: all }).expect(200)).body).size, 8);
        assert.deepEqual(ids((await api().get(`${V6}/jobs/`).query({ job_id: all, is_superseded: 'true' }).expect(200)).body), oldJobIds);
        // Recipes the same way (Scale 6.0.0's v5 RecipesView: include_superseded, false by default).
        const oldRecipeIds = new Set<number>(recipes.results.map((r: any) => r.superseded_recipe.id));
        const allRecipes = [...oldRecipeIds, ...recipes.results.map((r: any) => r.id)];
        const v5Recipes = ids((await api().get(`${V5}/recipes/`).query({ recipe_id: allRecipes }).expect(200)).body);
        assert.deepEqual([...oldRecipeIds].filter((id) => v5Recipes.has(id)), []);
        assert.equal(v5Recipes.size, 2);
        assert.equal(ids((await api().get(`${V5}/recipes/`).query({ recipe_id: allRecipes, include_superseded: 'true' }).expect(200)).body).size, 4);
        assert.equal(ids((await api().get(`${V6}/recipes/`).query({ recipe_id: allRecipes }).expect(200)).body).size, 4);
        // Bulk cancel and requeue select by batch and by superseded too.
        await api().post(`${V6}/jobs/cancel/`).send({ batch_ids: [first.id], status: 'QUEUED' }).expect(202);
        assert.equal((await api().get(`${V6}/jobs/`).query({ batch_id: first.id, status: 'COMPLETED' }).expect(200)).body.count, 4);
      });
    });

    describe('a v6 batch re-processes the previous batch after the recipe type changed', () => {
      before(async () => {
        const res = await api().post(`${V5}/batches/`).send({ recipe_type_id: other.id, title: 'empty', definition: { all_jobs: true } }).expect(201);
        otherBatch = await created(res.body.id);
        // s2 now runs another job type: a new revision.
        await api().patch(`/scale/recipe-types/${rt.id}/`).send({ definition: chain([a, c]) }).expect(200);
      });

      it('validates against the previous batch: the recipes it would make and the diff of the recipe type (Scale: test_create_successful)', async () => {
        const v = (await api().post(`${V6}/batches/validation/`).send({
          recipe_type_id: rt.id, definition: { previous_batch: { root_batch_id: first.root_batch.id } }, configuration: { priority: 100 },
        }).expect(200)).body;
        assert.equal(v.is_valid, true, JSON.stringify(v));
        assert.deepEqual(v.errors, []);
        assert.deepEqual(v.warnings, []);
        assert.equal(v.recipes_estimated, 2);
        assert.deepEqual(v.recipe_type, { id: rt.id, name: rt.name, title: 'Batched', description: 'Batched recipes', revision_num: 2 });
        assert.deepEqual(v.prev_batch.recipe_type_rev, { id: first.recipe_type_rev.id, recipe_type: { id: rt.id }, revision_num: 1 });
        const d = v.prev_batch.diff;
        assert.equal(d.can_be_reprocessed, true);
        assert.deepEqual(d.reasons, []);
        assert.equal(d.nodes.s1.status, 'UNCHANGED');
        assert.equal(d.nodes.s1.reprocess_new_node, false);
        assert.equal(d.nodes.s2.status, 'CHANGED');
        assert.equal(d.nodes.s2.reprocess_new_node, true);
        assert.deepEqual(d.nodes.s2.changes.map((x: any) => x.name), ['JOB_TYPE_CHANGE']);
        assert.equal(d.nodes.s2.node_type.job_type_name, c.name);
        assert.equal(d.nodes.s2.node_type.prev_job_type_name, b.name);
        assert.deepEqual(d.nodes.s2.dependencies, [{ name: 's1' }]);
        const forced = (await api().post(`${V6}/batches/validation/`).send({
          recipe_type_id: rt.id, definition: { previous_batch: { root_batch_id: first.root_batch.id, forced_nodes: { all: false, nodes: ['s1'] } } },
        }).expect(200)).body;
        assert.equal(forced.prev_batch.diff.nodes.s1.force_reprocess, true);
        assert.equal(forced.prev_batch.diff.nodes.s2.force_reprocess, true, 'forcing a node forces what follows it');
      });

      it('reports why a batch cannot be made: no such chain, another recipe type, still creating, no recipes (Scale: TestBatchesValidationViewV6)', async () => {
        const notFound = (await api().post(`${V6}/batches/validation/`).send({ recipe_type_id: other.id, definition: { previous_batch: { root_batch_id: 9999 } }, configuration: { priority: 100 } }).expect(200)).body;
        assert.deepEqual(notFound, {
          is_valid: false, errors: [{ name: 'PREV_BATCH_NOT_FOUND', description: 'No batch with that root ID exists' }], warnings: [], recipes_estimated: 0,
          recipe_type: { id: other.id, name: other.name, title: 'Other', description: null, revision_num: 1 },
        });
        const mismatched = (await api().post(`${V6}/batches/validation/`).send({ recipe_type_id: other.id, definition: { previous_batch: { root_batch_id: first.root_batch.id } } }).expect(200)).body;
        assert.equal(mismatched.is_valid, false);
        assert.deepEqual(mismatched.errors.map((e: any) => e.name), ['MISMATCHED_RECIPE_TYPE']);
        assert.equal(mismatched.recipes_estimated, 0);
        assert.deepEqual(mismatched.prev_batch, { recipe_type_rev: { id: first.recipe_type_rev.id, recipe_type: { id: rt.id }, revision_num: 1 } }, 'no diff');
        const empty = (await api().post(`${V6}/batches/validation/`).send({ recipe_type_id: other.id, definition: { previous_batch: { root_batch_id: otherBatch.id } } }).expect(200)).body;
        assert.deepEqual(empty.errors.map((e: any) => e.name), ['NO_RECIPES']);
        assert.ok(empty.prev_batch.diff);
        assert.deepEqual((await api().post(`${V6}/batches/validation/`).send({ recipe_type_id: rt.id, definition: {} }).expect(200)).body.errors.map((e: any) => e.name), ['NO_RECIPES']);
        await t.db.query('UPDATE batch SET is_creation_done = false WHERE id = $1', [otherBatch.id]);
        try {
          const creating = (await api().post(`${V6}/batches/validation/`).send({ recipe_type_id: other.id, definition: { previous_batch: { root_batch_id: otherBatch.id } } }).expect(200)).body;
          assert.deepEqual(creating.errors.map((e: any) => e.name), ['PREV_BATCH_STILL_CREATING']);
        } finally {
          await t.db.query('UPDATE batch SET is_creation_done = true WHERE id = $1', [otherBatch.id]);
        }
        // Bad input is a 400 naming the field, on validation and create alike.
        for (const path of ['/batches/validation/', '/batches/']) {
          const base = { title: 'batch-title-test', recipe_type_id: rt.id, definition: { previous_batch: { root_batch_id: first.root_batch.id } } };
          assert.equal((await api().post(V6 + path).send({ ...base, recipe_type_id: 999999 }).expect(400)).body.field, 'recipe_type_id');
          assert.equal((await api().post(V6 + path).send({ ...base, definition: { previous_batch: { bad_definition: 'foo' } } }).expect(400)).body.field, 'definition.previous_batch.root_batch_id');
          assert.equal((await api().post(V6 + path).send({ ...base, configuration: { 'bad-config': 'foo' } }).expect(400)).body.field, 'configuration.bad-config');
          assert.equal((await api().post(V6 + path).send({ ...base, definition: { version: '1.0' } }).expect(400)).body.field, 'definition.version');
          assert.equal((await api().post(V6 + path).send({ title: 'batch-test' }).expect(400)).body.field, 'recipe_type_id');
          assert.equal((await api().post(V6 + path).send({ ...base, definition: { previous_batch: { root_batch_id: 1, forced_nodes: { nodes: ['s1'] } } } }).expect(400)).body.field, 'definition.previous_batch.forced_nodes.all');
        }
        // Refused, not created: the message says why.
        const refused = (await api().post(`${V6}/batches/`).send({ recipe_type_id: other.id, definition: { previous_batch: { root_batch_id: 9999 } } }).expect(400)).body;
        assert.equal(refused.field, 'definition');
        assert.match(refused.detail, /No batch with that root ID exists/);
        await api().post('/scale/v1/batches/').send({ recipe_type_id: rt.id, definition: {} }).expect(404);
        await api().post('/scale/v1/batches/validation/').send({ recipe_type_id: rt.id, definition: {} }).expect(404);
      });

      it('creates the batch (201): it supersedes the previous one, shares its root, and re-runs only what changed', async () => {
        const res = await api().post(`${V6}/batches/`).send({
          title: 'batch-title-test', description: 'batch-description-test', recipe_type_id: rt.id,
          definition: { previous_batch: { root_batch_id: first.root_batch.id } }, configuration: { priority: 100 },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.ok(res.headers.location.endsWith(`/v6/batches/${res.body.id}/`));
        assert.equal(res.body.root_batch.id, first.root_batch.id);
        assert.equal(res.body.superseded_batch.id, first.id);
        assert.equal(res.body.recipes_estimated, 2);
        assert.deepEqual(res.body.definition, { previous_batch: { root_batch_id: first.root_batch.id } });
        assert.deepEqual(res.body.configuration, { priority: 100 });
        assert.equal(res.body.recipe_type_rev.revision_num, 2);
        assert.equal(res.body.recipe_type_rev.recipe_type.name, rt.name);
        assert.deepEqual(Object.keys(res.body.event).sort(), ['description', 'id', 'occurred', 'type']);
        const prev = (await api().get(`${V6}/batches/${first.id}/`).expect(200)).body;
        assert.equal(prev.is_superseded, true);
        assert.ok(prev.superseded);
        // The chain's batch was superseded: a second batch on the same previous one finds the new one.
        second = await settled(res.body.id);
        assert.equal(second.recipes_total, 2);
        assert.equal(second.jobs_total, 4, 's1 taken over, s2 run again, in each recipe');
        assert.equal(second.job_metrics.s2.jobs_completed, 2);
        const jobs = (await api().get(`${V6}/jobs/`).query({ batch_id: second.id }).expect(200)).body;
        assert.equal(jobs.count, 2, 'only the new s2 jobs are the batch\'s own');
        for (const j of jobs.results) {
          assert.equal(j.job_type.id, c.id);
          assert.equal(j.priority, 100, 'the batch configuration\'s priority');
          assert.equal(j.batch.id, second.id);
          const replaced = (await api().get(`${V6}/jobs/${j.superseded_job.id}/`).expect(200)).body;
          assert.equal(replaced.job_type.id, b.id);
          assert.equal(replaced.is_superseded, true);
          assert.equal(replaced.batch.id, first.id);
        }
        const firstS1 = (await api().get(`${V6}/jobs/`).query({ batch_id: first.id, job_type_id: a.id }).expect(200)).body;
        assert.ok(firstS1.results.every((j: any) => !j.is_superseded), 'taken-over jobs are not superseded');
      });

      it('compares the batches of a chain (Scale: TestBatchesComparisonViewV6)', async () => {
        const none = (await api().get(`${V6}/batches/comparison/100000/`).expect(200)).body;
        assert.deepEqual(none, {
          batches: [], metrics: {
            jobs_total: [], jobs_pending: [], jobs_blocked: [], jobs_queued: [], jobs_running: [], jobs_failed: [], jobs_completed: [], jobs_canceled: [],
            recipes_estimated: [], recipes_total: [], recipes_completed: [], job_metrics: {},
          },
        });
        const cmp = (await api().get(`${V6}/batches/comparison/${first.root_batch.id}/`).expect(200)).body;
        assert.deepEqual(cmp.batches, [first, second].map((x) => ({ id: x.id, title: x.title, description: x.description, created: x.created })));
        assert.deepEqual(cmp.metrics.jobs_total, [4, 4]);
        assert.deepEqual(cmp.metrics.recipes_estimated, [2, 2]);
        assert.deepEqual(cmp.metrics.recipes_completed, [2, 2]);
        assert.deepEqual(Object.keys(cmp.metrics.job_metrics).sort(), ['s1', 's2']);
        assert.deepEqual(cmp.metrics.job_metrics.s2.jobs_total, [2, 2]);
        assert.equal(cmp.metrics.job_metrics.s2.min_job_duration.length, 2);
        await api().get(`${V5}/batches/comparison/${first.root_batch.id}/`).expect(404);
      });

      it('lists batches with Scale\'s filters and orders (Scale: TestBatchesViewV6)', async () => {
        const list = async (q: Record<string, unknown>) => (await api().get(`${V6}/batches/`).query(q).expect(200)).body;
        const ids = (body: any) => body.results.map((x: any) => x.id);
        assert.deepEqual(ids(await list({ order: '-id' })), [second.id, otherBatch.id, first.id]);
        assert.deepEqual(ids(await list({ recipe_type_id: rt.id, order: 'id' })), [first.id, second.id]);
        assert.deepEqual(ids(await list({ root_batch_id: first.root_batch.id, order: 'id' })), [first.id, second.id]);
        assert.deepEqual(ids(await list({ root_batch_id: first.root_batch.id, is_superseded: 'True' })), [first.id]);
        assert.deepEqual(ids(await list({ is_superseded: 'false', order: 'id' })), [otherBatch.id, second.id]);
        assert.equal((await list({ is_creation_done: 'false' })).count, 0);
        assert.deepEqual(ids(await list({ order: '-jobs_total', recipe_type_id: [rt.id, other.id] })).slice(-1), [otherBatch.id]);
        assert.equal((await list({ started: '2999-01-01T00:00:00Z' })).count, 0);
        const item = (await list({ root_batch_id: first.root_batch.id, order: 'id' })).results[1];
        assert.deepEqual(Object.keys(item).sort(), [
          'created', 'description', 'event', 'id', 'is_creation_done', 'is_superseded', 'jobs_blocked', 'jobs_canceled', 'jobs_completed', 'jobs_failed', 'jobs_pending',
          'jobs_queued', 'jobs_running', 'jobs_total', 'last_modified', 'recipe_type', 'recipe_type_rev', 'recipes_completed', 'recipes_estimated', 'recipes_total', 'root_batch',
          'superseded', 'superseded_batch', 'title',
        ]);
        assert.deepEqual(Object.keys(item.event).sort(), ['id', 'occurred', 'type']);
        assert.deepEqual(item.recipe_type_rev, { id: second.recipe_type_rev.id, recipe_type: { id: rt.id }, revision_num: 2 });
        assert.equal((await api().get(`${V6}/batches/`).query({ order: 'nope' }).expect(400)).body.field, 'order');
        assert.equal((await api().get(`${V6}/batches/`).query({ recipe_type_id: 'x' }).expect(400)).body.field, 'recipe_type_id');
        const v5 = (await api().get(`${V5}/batches/`).query({ status: 'CREATED', recipe_type_name: rt.name, order: 'id' }).expect(200)).body;
        assert.deepEqual(ids(v5), [first.id, second.id]);
        assert.equal(v5.results[0].created_count, 2);
        assert.equal((await api().get(`${V5}/batches/`).query({ status: 'SUBMITTED' }).expect(200)).body.count, 0);
      });

      it('shows and edits a batch (Scale: TestBatchDetailsViewV6)', async () => {
        await api().get(`${V6}/batches/100000/`).expect(404);
        await api().get(`${V6}/batches/abc/`).expect(404);
        await api().patch(`${V6}/batches/999999/`).send({ title: 'New Title', configuration: { priority: 200 } }).expect(404);
        const bad = (await api().patch(`${V6}/batches/${second.id}/`).send({ title: 'New Title', configuration: { bad: 'foo' } }).expect(400)).body;
        assert.equal(bad.field, 'configuration.bad');
        await api().patch(`${V6}/batches/${second.id}/`).send({ title: 'New Title', description: 'New Description', configuration: { priority: 267 } }).expect(204);
        const d = (await api().get(`${V6}/batches/${second.id}/`).expect(200)).body;
        assert.equal(d.title, 'New Title');
        assert.equal(d.description, 'New Description');
        assert.deepEqual(d.configuration, { priority: 267 });
        assert.equal((await api().put(`${V6}/batches/${second.id}/`).send({ title: 'x' }).expect(405)).body.detail, 'Method "PUT" not allowed.');
        await api().patch(`${V5}/batches/${second.id}/`).send({ title: 'x' }).expect(404);
        // A v5 batch seen through v6 has no v6 definition; a v6 batch through v5 shows its forced nodes as 1.0 job names.
        const old = (await api().get(`${V6}/batches/${first.id}/`).expect(200)).body;
        assert.deepEqual(old.definition, {});
        assert.deepEqual(old.configuration, {});
        assert.deepEqual((await api().get(`${V5}/batches/${second.id}/`).expect(200)).body.definition, { version: '1.0' });
      });

      it('a forced node runs again although nothing changed, and v5 details show it as job names', async () => {
        const res = await api().post(`${V6}/batches/`).send({
          recipe_type_id: rt.id, definition: { previous_batch: { root_batch_id: first.root_batch.id, forced_nodes: { all: false, nodes: ['s2'] } } },
        }).expect(201);
        assert.deepEqual(res.body.definition.previous_batch.forced_nodes, { version: '6', all: false, nodes: ['s2'] });
        assert.deepEqual((await api().get(`${V5}/batches/${res.body.id}/`).expect(200)).body.definition, { version: '1.0', job_names: ['s2'], all_jobs: false });
        const third = await settled(res.body.id);
        assert.equal(third.superseded_batch.id, second.id);
        assert.equal(third.job_metrics.s2.jobs_completed, 2);
        assert.equal((await api().get(`${V6}/jobs/`).query({ batch_id: third.id }).expect(200)).body.count, 2);
        const cmp = (await api().get(`${V6}/batches/comparison/${first.root_batch.id}/`).expect(200)).body;
        assert.deepEqual(cmp.batches.map((x: any) => x.id), [first.id, second.id, third.id]);
      });

      it('a v5 batch with a trigger rule starts a recipe for each unprocessed file that meets its condition', async () => {
        const fresh = await createRecipeType(t.app, { name: `fresh-${tag}`, definition: chain([a]) });
        const tagged = await upload(t.app, 'tagged\n', 'tagged.txt', { media_type: 'text/plain', data_type: `batch-me-${tag}` });
        await upload(t.app, 'untagged\n', 'untagged.txt', { media_type: 'text/plain' });
        const rule = { condition: { media_type: 'text/plain', data_types: [`batch-me-${tag}`] }, data: { input_data_name: 'image', workspace_name: 'default' } };
        const unknown = (await api().post(`${V5}/batches/`).send({ recipe_type_id: fresh.id, definition: { trigger_rule: { ...rule, data: { ...rule.data, workspace_name: 'nowhere' } } } }).expect(400)).body;
        assert.equal(unknown.field, 'definition.trigger_rule.data.workspace_name');
        assert.equal((await api().post(`${V5}/batches/`).send({ recipe_type_id: fresh.id, definition: { trigger_rule: { condition: {}, data: {} } } }).expect(400)).body.field, 'definition.trigger_rule.data.input_data_name');
        const res = await api().post(`${V5}/batches/`).send({ recipe_type_id: fresh.id, title: 'files', definition: { trigger_rule: rule } }).expect(201);
        const done = await settled(res.body.id);
        assert.equal(done.recipes_total, 1, 'only the tagged file meets the condition');
        const made = (await api().get(`${V6}/recipes/`).query({ batch_id: done.id }).expect(200)).body.results[0];
        assert.ok(made.event.id, 'made by an event of its own (Scale: a BATCH event per file)');
        const detail = (await api().get(`/scale/recipes/${made.id}/`).expect(200)).body;
        assert.deepEqual(detail.input_files.map((f: any) => f.id), [tagged.id]);
        assert.equal((await api().get(`${V5}/batches/${done.id}/`).expect(200)).body.failed_count, 0);
      });

      it('checks its definitions and configurations against the shipped schemas', () => {
        assert.deepEqual(check('scale/batch-definition-6', { version: '6', previous_batch: { root_batch_id: 1 } }), []);
        assert.deepEqual(check('scale/batch-configuration-6', { version: '6', priority: 1 }), []);
        assert.notDeepEqual(check('scale/batch-configuration-6', { version: '6', priority: 0 }), [], 'jobs run at priority 1 or more');
      });
    });
  });
}
