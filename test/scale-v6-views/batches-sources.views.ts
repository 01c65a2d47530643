// Scale 6.0.0's own view tests, ported: batches (batch/test/test_views.py TestBatchesViewV6,
// TestBatchDetailsViewV6, TestBatchesComparisonViewV6, TestBatchesValidationViewV6) and sources and
// products (product/test/test_views.py TestProductsViewsV6; source/views.py serves only the source
// details under v6). The batches are rows, as batch_test_utils.create_batch makes them: each one
// supersedes a batch before it, so a chain of two per call.
import assert from 'node:assert/strict';
import request from 'supertest';
import { type TestServer } from '../helpers/server.ts';
import { insertBatch, insertFile, insertRecipe } from './rows.ts';

const P = `${process.pid}`;

/** The tests, against a server the caller started (see the *.test.ts files of this folder). */
export function batchesSourcesViews(server: () => TestServer): void {
  describe(`Scale 6.0.0 view tests: batches, sources and products`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    let rt1: any;
    let rt2: any;
    let b1: { id: number; prev: number };
    let b2: { id: number; prev: number };
    /** batch_test_utils.create_batch: a batch superseding an earlier one of its chain. */
    const chain = async (recipeTypeId: number, isCreationDone: boolean) => {
      const prev = await insertBatch(t.db, recipeTypeId, { isCreationDone: true, isSuperseded: true });
      const id = await insertBatch(t.db, recipeTypeId, { isCreationDone, rootBatchId: prev, supersededBatchId: prev });
      return { id, prev };
    };
    const newType = async (title: string) => {
      const res = await api().post('/scale/v6/recipe-types/').send({ title, description: `${title} description`, definition: { version: '6', input: { files: [], json: [] }, nodes: {} } }).expect(201);
      return (await api().get(`/scale/v6/recipe-types/${res.body.name}/`).expect(200)).body;
    };
    before(async () => {
      t = server();
      rt1 = await newType(`Views batch type one ${P}`);
      rt2 = await newType(`Views batch type two ${P}`);
      b1 = await chain(rt1.id, false);
      b2 = await chain(rt2.id, true);
    });

    describe('batches', () => {
      const ids = (body: any) => body.results.map((b: any) => b.id);

      it('answers 404 under an API version Scale does not serve (test_invalid_version)', async () => {
        await api().get('/scale/v1/batches/').expect(404);
        await api().post('/scale/v1/batches/').send({ title: 'batch-title-test', recipe_type_id: rt1.id, definition: {} }).expect(404);
        await api().get(`/scale/v1/batches/${b1.id}/`).expect(404);
        await api().post('/scale/v1/batches/validation/').send({ recipe_type_id: rt1.id, definition: {} }).expect(404);
      });

      it('lists every batch, filtered by recipe type, creation done, root batch and superseded, ordered by id', async () => {
        assert.equal((await api().get('/scale/v6/batches/').expect(200)).body.results.length, 4);
        const byType = (await api().get(`/scale/v6/batches/?recipe_type_id=${rt1.id}`).expect(200)).body;
        assert.equal(byType.results.length, 2);
        assert.equal(byType.results[0].recipe_type.id, rt1.id);
        assert.deepEqual(ids((await api().get('/scale/v6/batches/?is_creation_done=false').expect(200)).body), [b1.id]);
        assert.deepEqual(ids((await api().get(`/scale/v6/batches/?root_batch_id=${b2.prev}&is_superseded=True`).expect(200)).body), [b2.prev]);
        assert.deepEqual(ids((await api().get(`/scale/v6/batches/?root_batch_id=${b2.prev}&order=id`).expect(200)).body), [b2.prev, b2.id]);
        assert.deepEqual(ids((await api().get('/scale/v6/batches/?order=-id').expect(200)).body), [b2.id, b2.prev, b1.id, b1.prev]);
      });

      it('shows a batch with its recipe type, definition and configuration; 404 for an unknown one (TestBatchDetailsViewV6)', async () => {
        await api().get('/scale/v6/batches/100000/').expect(404);
        const d = (await api().get(`/scale/v6/batches/${b2.id}/`).expect(200)).body;
        const row = (await t.db.query('SELECT title, description FROM batch WHERE id = $1', [b2.id])).rows[0];
        assert.deepEqual([d.id, d.title, d.description, d.recipe_type.id], [b2.id, row.title, row.description, rt2.id]);
        assert.equal(typeof d.definition, 'object');
        assert.deepEqual(d.configuration, { priority: 100 });
      });

      it('refuses a batch of an unknown recipe type, a bad definition or a bad configuration (400), at creation and in validation', async () => {
        await t.db.query('UPDATE batch SET is_creation_done = true WHERE id = $1', [b1.id]);
        const base = { title: 'batch-title-test', description: 'batch-description-test', recipe_type_id: rt1.id, definition: { previous_batch: { root_batch_id: b1.prev } } };
        for (const path of ['/scale/v6/batches/', '/scale/v6/batches/validation/']) {
          await api().post(path).send({ ...base, recipe_type_id: 999999 }).expect(400);
          await api().post(path).send({ ...base, definition: { previous_batch: { bad_definition: 'foo' } } }).expect(400);
          await api().post(path).send({ ...base, configuration: { 'bad-config': 'foo' } }).expect(400);
        }
      });

      it('validates a batch: an unknown previous batch PREV_BATCH_NOT_FOUND, another recipe type MISMATCHED_RECIPE_TYPE, else valid with the previous batch\'s diff', async () => {
        // Scale's test sets the previous batch's recipes_total to 777; here the estimate counts its recipes: one.
        await insertRecipe(t.db, rt1.id, { batchId: b1.id });
        const expectedType = { id: rt2.id, name: rt2.name, title: rt2.title, description: rt2.description, revision_num: rt2.revision_num };
        const missing = (await api().post('/scale/v6/batches/validation/').send({ recipe_type_id: rt2.id, definition: { previous_batch: { root_batch_id: 9999 } }, configuration: { priority: 100 } }).expect(200)).body;
        assert.equal(missing.is_valid, false);
        assert.deepEqual(missing.errors.map((e: any) => e.name), ['PREV_BATCH_NOT_FOUND']);
        assert.deepEqual(missing.warnings, []);
        assert.equal(missing.recipes_estimated, 0);
        assert.deepEqual(missing.recipe_type, expectedType);
        assert.ok(!('prev_batch' in missing));
        const mismatched = (await api().post('/scale/v6/batches/validation/').send({ recipe_type_id: rt2.id, definition: { previous_batch: { root_batch_id: b1.prev } }, configuration: { priority: 100 } }).expect(200)).body;
        assert.equal(mismatched.is_valid, false);
        assert.deepEqual(mismatched.errors.map((e: any) => e.name), ['MISMATCHED_RECIPE_TYPE']);
        assert.deepEqual(mismatched.recipe_type, expectedType);
        assert.equal(mismatched.prev_batch.recipe_type_rev.recipe_type.id, rt1.id);
        assert.ok(!('diff' in mismatched.prev_batch));
        const ok = (await api().post('/scale/v6/batches/validation/').send({ recipe_type_id: rt1.id, definition: { previous_batch: { root_batch_id: b1.prev } }, configuration: { priority: 100 } }).expect(200)).body;
        assert.equal(ok.is_valid, true, JSON.stringify(ok));
        assert.deepEqual([ok.errors, ok.warnings], [[], []]);
        assert.ok(ok.prev_batch.diff);
        assert.equal(ok.recipes_estimated, 1);
        // scale-ui 0.17 sends Scale 7's shape: `supersedes` is not read (as by Scale's view), forced
        // nodes beside a previous batch are its forced nodes, and a dataset is refused by name.
        const ui = { title: 'ui', description: '', recipe_type_id: rt1.id, supersedes: true, configuration: { priority: 100 } };
        const forced = (await api().post('/scale/v6/batches/validation/').send({ ...ui, definition: { previous_batch: { root_batch_id: b1.prev }, forced_nodes: { all: true } } }).expect(200)).body;
        assert.equal(forced.is_valid, true, JSON.stringify(forced));
        const badForced = await api().post('/scale/v6/batches/validation/').send({ ...ui, definition: { previous_batch: { root_batch_id: b1.prev }, forced_nodes: { all: 'yes' } } }).expect(400);
        assert.match(badForced.body.detail, /definition\.previous_batch\.forced_nodes/);
        for (const path of ['/scale/v6/batches/', '/scale/v6/batches/validation/']) {
          const dataset = await api().post(path).send({ ...ui, definition: { forced_nodes: { all: false, nodes: [] }, dataset: 1 } }).expect(400);
          assert.match(dataset.body.detail, /definition\.dataset/);
        }
      });

      it('creates a batch re-processing the previous one (201, Location, its root batch) (test_create_successful)', async () => {
        const res = await api().post('/scale/v6/batches/').send({
          title: 'batch-title-test', description: 'batch-description-test', recipe_type_id: rt1.id,
          definition: { previous_batch: { root_batch_id: b1.prev } }, configuration: { priority: 100 },
        }).expect(201);
        assert.ok(String(res.headers.location).includes(`/v6/batches/${res.body.id}/`));
        assert.equal(res.body.root_batch.id, b1.prev);
        assert.equal(res.body.recipes_estimated, 1);
      });

      it('compares the batches of a chain; an unknown chain has none (TestBatchesComparisonViewV6)', async () => {
        const none = (await api().get('/scale/v6/batches/comparison/100000/').expect(200)).body;
        assert.deepEqual(none.batches, []);
        const cmp = (await api().get(`/scale/v6/batches/comparison/${b2.prev}/`).expect(200)).body;
        assert.deepEqual(cmp.batches.map((b: any) => b.id), [b2.prev, b2.id]);
      });
    });

    describe('sources and products', () => {
      it('serves no product view under v6 (TestProductsViewsV6.test_v6_products)', async () => {
        await api().get('/scale/v6/products/').expect(404);
        await api().get('/scale/v6/products/12345/').expect(404);
        await api().get('/scale/v6/products/updates/?started=hello').expect(404);
        await api().get('/scale/v6/products/1/sources/').expect(404);
      });

      it('serves only the source details under v6 (source/views.py: the rest are v5 only)', async () => {
        const ws = (await t.db.query<{ id: number }>('SELECT id FROM workspace ORDER BY id LIMIT 1')).rows[0].id;
        const source = await insertFile(t.db, ws, { fileName: 'views-source.txt', fileType: 'SOURCE' });
        for (const path of ['/sources/', '/sources/updates/', `/sources/${source}/jobs/`, `/sources/${source}/products/`]) {
          await api().get(`/scale/v6${path}`).expect(404);
          await api().get(`/scale/v5${path}`).expect(200);
        }
        assert.equal((await api().get(`/scale/v6/sources/${source}/`).expect(200)).body.id, source);
        await api().get('/scale/v6/sources/12345678/').expect(404);
      });
    });
  });
}
