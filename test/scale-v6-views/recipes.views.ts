// Scale 6.0.0's own view tests, ported: recipe types and recipes (recipe/test/test_views.py
// TestRecipeTypesViewV6, TestCreateRecipeTypeViewV6, TestRecipeTypeDetailsViewV6,
// TestRecipeTypeRevisionsViewV6, TestRecipeTypeRevisionDetailsViewV6, TestRecipeTypesValidationViewV6,
// TestRecipesViewV6, TestRecipesPostViewV6, TestRecipeDetailsViewV6, TestRecipeReprocessViewV6,
// TestRecipeInputFilesViewV6). SEED jobs stay QUEUED here: no Docker runtime, so nothing runs.
import assert from 'node:assert/strict';
import request from 'supertest';
import { seedManifest } from '../helpers/seed.ts';
import { type TestServer } from '../helpers/server.ts';
import { insertBatch, insertFile, insertRecipe } from './rows.ts';

const P = `${process.pid}`;

/** The tests, against a server the caller started (see the *.test.ts files of this folder). */
export function recipesViews(server: () => TestServer): void {
  describe(`Scale 6.0.0 view tests: recipe types and recipes`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    let jt1: any;
    let jt2: any;
    let sub: any;
    let main: any;
    let ws: number;
    let source: number;
    /** recipe_test_utils.SUB_RECIPE_DEFINITION on a job type. */
    const subDefinition = (jt: any) => ({ version: '6', input: { files: [], json: [] }, nodes: { node_a: { dependencies: [], input: {}, node_type: { node_type: 'job', job_type_name: jt.name, job_type_version: jt.version, job_type_revision: jt.revision_num } } } });
    /** recipe_test_utils.RECIPE_DEFINITION: two jobs in a row, then a sub-recipe. */
    const mainDefinition = (jt: any, subType: any) => ({
      version: '6',
      input: { files: [{ name: 'INPUT_IMAGE', media_types: ['image/png'], required: true, multiple: false }], json: [{ name: 'bar', type: 'string', required: false }] },
      nodes: {
        node_a: { dependencies: [], input: { INPUT_IMAGE: { type: 'recipe', input: 'INPUT_IMAGE' } }, node_type: { node_type: 'job', job_type_name: jt.name, job_type_version: jt.version, job_type_revision: jt.revision_num } },
        node_b: { dependencies: [{ name: 'node_a', acceptance: true }], input: { INPUT_IMAGE: { type: 'dependency', node: 'node_a', output: 'OUTPUT_IMAGE' } }, node_type: { node_type: 'job', job_type_name: jt.name, job_type_version: jt.version, job_type_revision: jt.revision_num } },
        node_c: { dependencies: [{ name: 'node_b', acceptance: true }], input: {}, node_type: { node_type: 'recipe', recipe_type_name: subType.name, recipe_type_revision: subType.revision_num } },
      },
    });
    const seedType = async (name: string) => {
      const m = seedManifest({ name }, { inputs: { files: [{ name: 'INPUT_IMAGE', mediaTypes: ['image/png'], required: false }] }, outputs: { files: [{ name: 'OUTPUT_IMAGE', mediaType: 'image/png', pattern: '*.png' }] } });
      await api().post('/scale/v6/job-types/').send({ docker_image: `views/${name}:1.0.0`, manifest: m }).expect(201);
      return (await api().get(`/scale/v6/job-types/${name}/1.0.0/`).expect(200)).body;
    };
    const newType = async (title: string, definition: any, extra: Record<string, unknown> = {}) => {
      const res = await api().post('/scale/v6/recipe-types/').send({ title, description: `${title} description`, definition, ...extra });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return (await api().get(`/scale/v6/recipe-types/${res.body.name}/`).expect(200)).body;
    };
    before(async () => {
      t = server();
      await api().patch('/scale/scheduler/').send({ is_paused: true }).expect(200);
      ws = (await t.db.query<{ id: number }>("SELECT id FROM workspace ORDER BY id LIMIT 1")).rows[0].id;
      source = await insertFile(t.db, ws, { fileName: 'views-recipe.png', fileType: 'SOURCE', mediaType: 'image/png', sourceStarted: '2016-01-01T00:00:00Z', sourceEnded: '2016-01-02T00:00:00Z' });
      jt1 = await seedType(`views-rt-job-1-${P}`);
      jt2 = await seedType(`views-rt-job-2-${P}`);
      sub = await newType(`Views sub recipe ${P}`, subDefinition(jt1));
      await api().patch(`/scale/v6/recipe-types/${sub.name}/`).send({ is_active: false }).expect(204);
      main = await newType(`Views main recipe ${P}`, mainDefinition(jt2, sub));
      await t.db.query('UPDATE recipe_type SET is_system = true WHERE id = $1', [main.id]);
    });

    describe('recipe types', () => {
      const ours = async (q = '') => (await api().get(`/scale/v6/recipe-types/?${q}`).expect(200)).body.results.filter((r: any) => [sub.id, main.id].includes(r.id));

      it('lists them all, active or not, with deprecated (test_list_all)', async () => {
        const list = await ours();
        assert.equal(list.length, 2);
        assert.ok('deprecated' in list[0]);
      });

      it('filters by keyword, is_active and is_system (test_keyword, test_is_active, test_is_system)', async () => {
        assert.deepEqual((await ours(`keyword=${sub.name}`)).map((r: any) => r.name), [sub.name]);
        assert.equal((await ours('keyword=recipe')).length, 2);
        assert.equal((await ours('keyword=klj;lkj;sdi')).length, 0);
        assert.deepEqual((await ours('keyword=sub')).map((r: any) => r.name), [sub.name]);
        assert.deepEqual((await ours('keyword=main')).map((r: any) => r.name), [main.name]);
        assert.equal((await ours('keyword=main&keyword=sub')).length, 2);
        assert.deepEqual((await ours('is_active=false')).map((r: any) => r.name), [sub.name]);
        assert.deepEqual((await ours('is_active=true')).map((r: any) => r.name), [main.name]);
        assert.deepEqual((await ours('is_system=false')).map((r: any) => r.name), [sub.name]);
        assert.deepEqual((await ours('is_system=true')).map((r: any) => r.name), [main.name]);
      });

      it('creates one from a title, linked to its job types and sub-recipe types; a missing definition or an unknown job type is 400 (TestCreateRecipeTypeViewV6)', async () => {
        const res = await api().post('/scale/v6/recipe-types/').send({ title: 'Recipe Type Post Test', description: 'This is a test.', definition: mainDefinition(jt2, sub) }).expect(201);
        assert.equal(res.body.name, 'recipe-type-post-test');
        const d = (await api().get('/scale/v6/recipe-types/recipe-type-post-test/').expect(200)).body;
        assert.equal(res.body.id, d.id);
        assert.deepEqual(d.job_types.map((j: any) => j.id), [jt2.id]);
        assert.deepEqual(d.sub_recipe_types.map((s: any) => s.id), [sub.id]);
        await api().post('/scale/v6/recipe-types/').send({ name: 'recipe-type-post-test' }).expect(400);
        const bad = subDefinition({ name: 'my-job-type', version: '1.0.0', revision_num: 1 });
        await api().post('/scale/v6/recipe-types/').send({ title: 'Recipe Type Post Test', description: 'This is a test.', definition: bad }).expect(400);
      });

      it('shows one by name: its definition, job types, sub-recipe types and deprecated; 404 for an unknown one (TestRecipeTypeDetailsViewV6)', async () => {
        await api().get('/scale/v6/recipe-types/unknown/').expect(404);
        const d = (await api().get(`/scale/v6/recipe-types/${main.name}/`).expect(200)).body;
        assert.deepEqual([d.id, d.name], [main.id, main.name]);
        assert.deepEqual(d.job_types.map((j: any) => j.id), [jt2.id]);
        assert.deepEqual(d.sub_recipe_types.map((s: any) => s.id), [sub.id]);
        assert.ok('deprecated' in d);
        // Scale 6 renders the definition as given without its version; this server writes Scale 7's version "7".
        const { version: _v, ...versionless } = mainDefinition(jt2, sub);
        const { version: _w, ...shown } = d.definition;
        assert.deepEqual(shown, versionless);
      });

      it('edits one with 204: the basics, the definition (a new revision); a definition of a bad version is 400', async () => {
        await api().patch(`/scale/v6/recipe-types/${sub.name}/`).send({ title: 'Title EDIT', description: 'Description EDIT' }).expect(204);
        const def = subDefinition(jt1);
        def.input.json = [{ name: 'bar', type: 'string', required: false }] as any;
        await api().patch(`/scale/v6/recipe-types/${sub.name}/`).send({ definition: def }).expect(204);
        const d = (await api().get(`/scale/v6/recipe-types/${sub.name}/`).expect(200)).body;
        assert.equal(d.revision_num, 2);
        assert.equal(d.definition.input.json[0].name, 'bar');
        await api().patch(`/scale/v6/recipe-types/${sub.name}/`).send({ definition: { ...def, version: 'BAD' } }).expect(400);
      });

      it('lists its revisions and shows one without the type\'s definition; 404 for an unknown one', async () => {
        const list = (await api().get(`/scale/v6/recipe-types/${main.name}/revisions/`).expect(200)).body;
        assert.equal(typeof list, 'object');
        assert.equal(list.results.length, 1);
        assert.deepEqual([list.results[0].recipe_type.id, list.results[0].recipe_type.name, list.results[0].revision_num], [main.id, main.name, 1]);
        await api().get(`/scale/v6/recipe-types/${main.name}/revisions/9999/`).expect(404);
        const one = (await api().get(`/scale/v6/recipe-types/${main.name}/revisions/1/`).expect(200)).body;
        assert.deepEqual([one.recipe_type.id, one.recipe_type.name], [main.id, main.name]);
        assert.ok(!('definition' in one.recipe_type));
        assert.ok(one.definition);
      });

      it('validates a new recipe type (valid, no diff) and one naming an unknown job type (invalid); a missing definition is 400 (TestRecipeTypesValidationViewV6)', async () => {
        const ok = (await api().post('/scale/v6/recipe-types/validation/').send({ definition: mainDefinition(jt2, sub) }).expect(200)).body;
        assert.deepEqual(ok, { errors: [], is_valid: true, warnings: [], diff: {} });
        await api().post('/scale/v6/recipe-types/validation/').send({ title: 'Recipe Type Post Test' }).expect(400);
        const bad = (await api().post('/scale/v6/recipe-types/validation/').send({ definition: subDefinition({ name: 'my-job-type', version: '1.0.0', revision_num: 1 }) }).expect(200)).body;
        assert.equal(bad.is_valid, false);
        assert.equal(bad.errors.length, 1);
        assert.deepEqual([bad.warnings, bad.diff], [[], {}]);
      });

      it('validates an update of an existing one with its diff; one its recipes could not be reprocessed under is invalid (test_successful_update, test_reprocess_warning, test_recipe_not_found_warning)', async () => {
        const validate = async (b: any) => (await api().post('/scale/v6/recipe-types/validation/').send(b).expect(200)).body;
        const update = await validate({ name: sub.name, definition: subDefinition(jt2) });
        assert.deepEqual([update.is_valid, update.errors, update.warnings], [true, [], []]);
        assert.deepEqual([update.diff.can_be_reprocessed, update.diff.reasons], [true, []]);
        const a = update.diff.nodes.node_a;
        assert.deepEqual([a.status, a.reprocess_new_node, a.node_type.job_type_name, a.node_type.prev_job_type_name], ['CHANGED', true, jt2.name, jt1.name]);
        assert.deepEqual(a.changes.map((c: any) => c.name), ['JOB_TYPE_CHANGE']);
        const def = subDefinition(jt2);
        def.input.files = [{ name: 'INPUT_IMAGE', media_types: ['image/png'], required: true, multiple: false }] as any;
        const noReprocess = await validate({ name: sub.name, definition: def });
        assert.equal(noReprocess.is_valid, false);
        assert.deepEqual(noReprocess.warnings, [{ name: 'REPROCESS_WARNING', description: 'This recipe cannot be reprocessed after updating.' }]);
        assert.deepEqual([noReprocess.diff.can_be_reprocessed, noReprocess.diff.reasons.map((r: any) => r.name)], [false, ['INPUT_CHANGE']]);
        const unknown = await validate({ name: `not-a-name-${P}`, definition: subDefinition(jt2) });
        assert.deepEqual([unknown.is_valid, unknown.warnings.map((w: any) => w.name), unknown.diff], [true, ['RECIPE_TYPE_NOT_FOUND'], {}]);
      });
    });

    describe('recipes', () => {
      let r1: number;
      let r2: number;
      let r3: number;
      let extra: number[];
      before(async () => {
        // recipe1 and recipe2 made through the API (their jobs queued), recipe3 superseded.
        const made = await api().post('/scale/v6/recipes/').send({ recipe_type_id: main.id, input: { version: '6', files: { INPUT_IMAGE: [source] }, json: { bar: 'hello' } } }).expect(201);
        r1 = made.body.id;
        const single = await newType(`Views single ${P}`, { version: '6', input: { files: [{ name: 'INPUT_IMAGE', media_types: ['image/png'], required: true, multiple: false }], json: [] }, nodes: { node_a: { dependencies: [], input: { INPUT_IMAGE: { type: 'recipe', input: 'INPUT_IMAGE' } }, node_type: { node_type: 'job', job_type_name: jt1.name, job_type_version: jt1.version, job_type_revision: jt1.revision_num } } } });
        r2 = (await api().post('/scale/v6/recipes/').send({ recipe_type_id: single.id, input: { version: '1.0', input_data: [{ name: 'INPUT_IMAGE', file_id: source }] } }).expect(201)).body.id;
        r3 = await insertRecipe(t.db, single.id, { isSuperseded: true });
        extra = (await t.db.query<{ id: number }>('SELECT id FROM recipe WHERE id <> ALL($1::bigint[])', [[r1, r2, r3]])).rows.map((r) => Number(r.id));
      });
      const ids = (body: any) => body.results.map((r: any) => r.id).filter((id: number) => !extra.includes(id)).sort((a: number, b: number) => a - b);

      it('lists recipes with their batch, input size, source times and job counts (test_successful_all)', async () => {
        const list = (await api().get('/scale/v6/recipes/').expect(200)).body;
        assert.deepEqual(ids(list), [r1, r2, r3]);
        const e = list.results.find((r: any) => r.id === r1);
        for (const k of ['recipe', 'batch', 'input_file_size', 'source_started', 'source_ended', 'source_sensor_class', 'source_sensor', 'source_collection', 'source_task']) assert.ok(k in e, k);
        assert.equal(new Date(e.source_started).toISOString(), '2016-01-01T00:00:00.000Z');
        assert.equal(new Date(e.source_ended).toISOString(), '2016-01-02T00:00:00.000Z');
        // Scale's test makes both jobs queued; here node_a's job is queued and node_b's made PENDING behind it.
        assert.deepEqual([e.jobs_total, e.jobs_pending, e.jobs_blocked, e.jobs_queued, e.jobs_running, e.jobs_failed, e.jobs_completed, e.jobs_canceled], [2, 1, 0, 1, 0, 0, 0, 0]);
        assert.deepEqual([e.sub_recipes_total, e.sub_recipes_completed, e.is_completed], [0, 0, false]);
        assert.ok(!('root_superseded_recipe' in e) && !('superseded_by_recipe' in e));
      });

      it('filters by creation time, id, recipe type id and name, batch, superseded and completed', async () => {
        const day = 86_400_000;
        const today = new Date(Math.floor(Date.now() / day) * day);
        const iso = (d: Date) => d.toISOString();
        assert.deepEqual(ids((await api().get(`/scale/v6/recipes/?started=${iso(today)}&ended=${iso(new Date(today.getTime() + day))}`).expect(200)).body), [r1, r2, r3]);
        assert.deepEqual(ids((await api().get(`/scale/v6/recipes/?started=${iso(new Date(today.getTime() - day))}&ended=${iso(new Date(today.getTime() - 1000))}`).expect(200)).body), []);
        assert.deepEqual(ids((await api().get(`/scale/v6/recipes/?recipe_id=${r1}`).expect(200)).body), [r1]);
        const byType = (await api().get(`/scale/v6/recipes/?recipe_type_id=${main.id}`).expect(200)).body;
        assert.deepEqual(byType.results.map((r: any) => r.recipe_type.id), [main.id]);
        const byName = (await api().get(`/scale/v6/recipes/?recipe_type_name=${main.name}`).expect(200)).body;
        assert.deepEqual(byName.results.map((r: any) => r.recipe_type.name), [main.name]);
        const batch = await insertBatch(t.db, main.id);
        await t.db.query('UPDATE recipe SET batch_id = $2 WHERE id = $1', [r1, batch]);
        const byBatch = (await api().get(`/scale/v6/recipes/?batch_id=${batch}`).expect(200)).body;
        assert.deepEqual(byBatch.results.map((r: any) => r.recipe_type.id), [main.id]);
        assert.deepEqual(ids((await api().get('/scale/v6/recipes/?is_superseded=true').expect(200)).body), [r3]);
        assert.deepEqual(ids((await api().get('/scale/v6/recipes/?is_superseded=false').expect(200)).body), [r1, r2]);
        assert.deepEqual(ids((await api().get('/scale/v6/recipes/?is_completed=true').expect(200)).body), []);
        assert.deepEqual(ids((await api().get('/scale/v6/recipes/?is_completed=false').expect(200)).body), [r1, r2, r3]);
      });

      it('makes recipes from 1.0 and v6 data and a configuration (201, no data field, Location under /v6/recipes/); bad data or configuration is 400', async () => {
        const v1 = await api().post('/scale/v6/recipes/').send({ recipe_type_id: main.id, input: { version: '1.0', input_data: [{ name: 'INPUT_IMAGE', file_id: source }] } }).expect(201);
        assert.ok(!('data' in v1.body));
        assert.match(String(v1.headers.location), /\/v6\/recipes\//);
        const data = { version: '6', files: { INPUT_IMAGE: [source] }, json: {} };
        const v6 = await api().post('/scale/v6/recipes/').send({ recipe_type_id: main.id, input: data }).expect(201);
        assert.ok(!('data' in v6.body));
        const configured = await api().post('/scale/v6/recipes/').send({ recipe_type_id: main.id, input: data, configuration: { version: '6', output_workspaces: { default: 'default' } } });
        assert.equal(configured.status, 201, JSON.stringify(configured.body));
        assert.match(String(configured.headers.location), /\/v6\/recipes\//);
        await api().post('/scale/v6/recipes/').send({ recipe_type_id: main.id, input: { ...data, version: 'bad' } }).expect(400);
        await api().post('/scale/v6/recipes/').send({ recipe_type_id: main.id, input: data, configuration: { version: 'bad' } }).expect(400);
        extra.push(v1.body.id, v6.body.id, configured.body.id);
      });

      it('shows a recipe with its type, revision, v6 input, node details, job types and sub-recipe types; 404 for an unknown one (TestRecipeDetailsViewV6)', async () => {
        const d = (await api().get(`/scale/v6/recipes/${r1}/`).expect(200)).body;
        assert.equal(d.id, r1);
        assert.equal(d.recipe_type.id, main.id);
        assert.equal(d.recipe_type_rev.recipe_type.id, main.id);
        for (const k of ['source_sensor_class', 'source_sensor', 'source_collection', 'source_task']) assert.ok(k in d, k);
        assert.ok(!('inputs' in d));
        assert.ok(!('definition' in d.recipe_type));
        assert.deepEqual(d.input, { files: { INPUT_IMAGE: [source] }, json: { bar: 'hello' } });
        // Scale's instance JSON has the nodes that exist (is_real_node): node_c's sub-recipe waits for node_b.
        assert.deepEqual(Object.keys(d.details.nodes).sort(), ['node_a', 'node_b']);
        assert.deepEqual(d.job_types.map((j: any) => j.id), [jt2.id]);
        assert.deepEqual(d.sub_recipe_types.map((s: any) => s.id), [sub.id]);
        await api().get('/scale/v6/recipes/9999999/').expect(404);
      });

      it('links a superseded recipe and its successor both ways (test_superseded)', async () => {
        const newer = await insertRecipe(t.db, main.id);
        await t.db.query('UPDATE recipe SET superseded_recipe_id = $2, root_superseded_recipe_id = $2 WHERE id = $1', [newer, r2]);
        await t.db.query('UPDATE recipe SET is_superseded = true, superseded = now() WHERE id = $1', [r2]);
        extra.push(newer);
        const old = (await api().get(`/scale/v6/recipes/${r2}/`).expect(200)).body;
        assert.equal(old.is_superseded, true);
        assert.equal(old.superseded_by_recipe.id, newer);
        assert.ok(old.superseded);
        const d = (await api().get(`/scale/v6/recipes/${newer}/`).expect(200)).body;
        assert.equal(d.is_superseded, false);
        assert.equal(d.superseded_recipe.id, r2);
        assert.equal(d.superseded, null);
      });

      it('reprocesses a recipe (202): all nodes, some, a sub-recipe\'s; unknown nodes, bad JSON or a superseded recipe are 400 (TestRecipeReprocessViewV6)', async () => {
        const fresh = async () => {
          const id = (await api().post('/scale/v6/recipes/').send({ recipe_type_id: main.id, input: { version: '6', files: { INPUT_IMAGE: [source] }, json: {} } }).expect(201)).body.id;
          extra.push(id);
          return id;
        };
        await api().post(`/scale/v6/recipes/${await fresh()}/reprocess/`).send({ forced_nodes: { all: true } }).expect(202);
        await api().post(`/scale/v6/recipes/${await fresh()}/reprocess/`).send({ forced_nodes: { all: false, nodes: ['node_a'] } }).expect(202);
        await api().post(`/scale/v6/recipes/${await fresh()}/reprocess/`).send({ forced_nodes: { all: false, nodes: ['node_a', 'node_b'], sub_recipes: { node_c: { all: false, nodes: ['node_a'] } } } }).expect(202);
        const id = await fresh();
        await api().post(`/scale/v6/recipes/${id}/reprocess/`).send({ forced_nodes: { all: false, nodes: ['does-not-exist'] } }).expect(400);
        await api().post(`/scale/v6/recipes/${id}/reprocess/`).send({ forced_nodes: { all: false, nodes: ['node_a'], sub_recipes: { 'does-not-exist': { all: false, nodes: ['node_a'] } } } }).expect(400);
        await api().post(`/scale/v6/recipes/${id}/reprocess/`).send({ forced_nodes: {} }).expect(400);
        await api().post(`/scale/v6/recipes/${r3}/reprocess/`).send({ forced_nodes: { all: true } }).expect(400);
      });

      it('lists a recipe\'s input files in the v6 shape, filtered by recipe input and file name (TestRecipeInputFilesViewV6)', async () => {
        const list = (await api().get(`/scale/v6/recipes/${r1}/input_files/`).expect(200)).body.results;
        assert.deepEqual(list.map((f: any) => f.id), [source]);
        for (const k of ['file_name', 'workspace', 'media_type', 'job_type', 'job', 'recipe', 'recipe_node', 'batch', 'superseded']) assert.ok(k in list[0], k);
        assert.deepEqual((await api().get(`/scale/v6/recipes/${r1}/input_files/?recipe_input=INPUT_IMAGE`).expect(200)).body.results.map((f: any) => f.id), [source]);
        assert.equal((await api().get(`/scale/v6/recipes/${r1}/input_files/?recipe_input=bar`).expect(200)).body.results.length, 0);
        assert.equal((await api().get(`/scale/v6/recipes/${r1}/input_files/?file_name=not_a.file`).expect(200)).body.results.length, 0);
        assert.equal((await api().get(`/scale/v6/recipes/${r1}/input_files/?started=2016-01-01T00:00:00Z&ended=2016-01-03T00:00:00Z&time_field=source`).expect(200)).body.results.length, 1);
      });
    });
  });
}
