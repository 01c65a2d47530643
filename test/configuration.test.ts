// Configuration import/export 1.0: a setup exported from one server imports into an empty one and
// exports again as the same document; an import with one bad item changes nothing.
import assert from 'node:assert/strict';
import request from 'supertest';
import { check } from '../src/schemas.ts';
import { dbKinds } from './helpers/db.ts';
import { createRecipeType, stepJobType } from './helpers/recipes.ts';
import { seedManifest } from './helpers/seed.ts';
import { startServer, type TestServer } from './helpers/server.ts';

for (const kind of dbKinds()) {
  describe(`configuration import/export (${kind})`, function () {
    this.timeout(60_000);
    let from: TestServer;
    let to: TestServer;
    let exported: any;

    before(async () => {
      [from, to] = await Promise.all([startServer(kind, { SCALE_SCHEDULER: 'off' }), startServer(kind, { SCALE_SCHEDULER: 'off' })]);
      await request(from.app).post('/scale/errors/').send({ name: 'cloudy', title: 'Too cloudy', description: 'The scene is under cloud', category: 'DATA' }).expect(201);
      const a = await stepJobType(from.app, 'exp-a', 'copy', 'a');
      await request(from.app).patch(`/scale/job-types/${a.id}/`).send({ error_mapping: { version: '1.0', exit_codes: { '3': 'cloudy' } }, category: 'test' }).expect(200);
      const split = await stepJobType(from.app, 'exp-split', 'split', '2');
      const seed = await request(from.app).post('/scale/job-types/').send({
        docker_image: 'exp-seed-1.0.0-seed:1.0.0',
        manifest: seedManifest({ name: 'exp-seed' }, { inputs: { files: [{ name: 'input', mediaTypes: ['text/plain'] }] }, outputs: { files: [{ name: 'out', pattern: '*.txt' }] } }),
        configuration: { output_workspaces: { default: 'default', outputs: {} }, settings: {} },
      });
      assert.equal(seed.status, 201, JSON.stringify(seed.body));
      await createRecipeType(from.app, {
        name: 'exp-chain', title: 'Chain', description: 'two steps, fanned out',
        definition: {
          version: '1.0', input_data: [{ name: 'image', type: 'file', media_types: ['text/plain'] }],
          jobs: [
            { name: 'split', job_type: { name: split.name, version: split.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] },
            { name: 'each', job_type: { name: a.name, version: a.version }, dependencies: [{ name: 'split', connections: [{ output: 'parts', input: 'input', fan_out: true }] }] },
          ],
        },
      });
      const node = (jt: any) => ({ dependencies: [], input: { input: { type: 'recipe', input: 'image' } }, node_type: { node_type: 'job', job_type_name: jt.name, job_type_version: jt.version, job_type_revision: jt.revision_num } });
      const iface = { files: [{ name: 'image', media_types: [], required: true, multiple: false }], json: [] };
      // Listed before the recipe type it nests: the import must order them itself.
      await createRecipeType(from.app, { name: 'exp-inner', definition: { version: '7', input: iface, nodes: { only: node(seed.body) } } });
      await createRecipeType(from.app, {
        name: 'exp-outer',
        definition: {
          version: '7', input: iface,
          nodes: {
            check: {
              dependencies: [], input: { image: { type: 'recipe', input: 'image' } },
              node_type: { node_type: 'condition', interface: iface, data_filter: { filters: [{ name: 'image', type: 'media-type', condition: '==', values: ['text/plain'] }] } },
            },
            inner: { dependencies: [{ name: 'check', acceptance: true }], input: { image: { type: 'dependency', node: 'check', output: 'image' } }, node_type: { node_type: 'recipe', recipe_type_name: 'exp-inner', recipe_type_revision: 1 } },
          },
        },
      });
    });
    after(() => Promise.all([from?.close(), to?.close()]));

    it('exports errors, job types (Scale 1.0 and SEED) and recipe types as one configuration 1.0 document', async () => {
      exported = (await request(from.app).get('/scale/configuration/').expect(200)).body;
      assert.equal(exported.version, '1.0');
      assert.deepEqual(check('scale/configuration-1.0', exported), []);
      assert.deepEqual(exported.errors, [{ name: 'cloudy', title: 'Too cloudy', description: 'The scene is under cloud', category: 'DATA', should_be_retried: false }]);
      assert.deepEqual(exported.job_types.map((j: any) => j.name), ['exp-a', 'exp-seed', 'exp-split']);
      const a = exported.job_types[0];
      assert.deepEqual(a.error_mapping, { version: '1.0', exit_codes: { '3': 'cloudy' } });
      assert.equal(a.uses_docker, false);
      assert.equal(exported.job_types[1].manifest.job.name, 'exp-seed');
      assert.deepEqual(exported.recipe_types.map((r: any) => r.name), ['exp-chain', 'exp-inner', 'exp-outer']);
      const only = (await request(from.app).get('/scale/configuration/').query({ include: 'errors' }).expect(200)).body;
      assert.deepEqual(Object.keys(only).sort(), ['errors', 'version']);
      const one = (await request(from.app).get('/scale/configuration/').query({ job_type_name: 'exp-split', include: 'job_types' }).expect(200)).body;
      assert.deepEqual(one.job_types.map((j: any) => j.name), ['exp-split']);
      await request(from.app).get('/scale/configuration/').query({ include: 'nodes' }).expect(400);
    });

    it('validates an import without changing anything', async () => {
      const res = await request(to.app).post('/scale/configuration/validation/').send({ import: exported });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.is_valid, true);
      const after = (await request(to.app).get('/scale/configuration/').expect(200)).body;
      assert.deepEqual(after, { version: '1.0', recipe_types: [], job_types: [], errors: [] });
    });

    it('imports into an empty server, which then exports exactly the same document', async () => {
      const res = await request(to.app).post('/scale/configuration/').send({ import: exported });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(Array.isArray(res.body.warnings));
      const again = (await request(to.app).get('/scale/configuration/').expect(200)).body;
      assert.deepEqual(again, exported);
      const chain = (await request(to.app).get('/scale/recipe-types/exp-chain/').expect(200)).body;
      assert.equal(chain.definition.jobs[1].dependencies[0].connections[0].fan_out, true);
    });

    it('downloads the export as a file and imports it back by upload, changing nothing', async () => {
      const file = await request(from.app).get('/scale/configuration/download/').expect(200);
      assert.match(file.headers['content-disposition'], /^attachment; filename="?scale-configuration-[\d-]+\.json"?$/);
      assert.deepEqual(JSON.parse(file.text), exported);
      const up = await request(to.app).post('/scale/configuration/upload/').attach('import', Buffer.from(file.text), 'config.json');
      assert.equal(up.status, 200, JSON.stringify(up.body));
      const raw = await request(to.app).post('/scale/configuration/upload/').set('X-File-Name', 'config.json').set('Content-Type', 'application/octet-stream').send(file.text);
      assert.equal(raw.status, 200, JSON.stringify(raw.body));
      assert.deepEqual((await request(to.app).get('/scale/configuration/').expect(200)).body, exported);
      const outer = (await request(to.app).get('/scale/recipe-types/exp-outer/').expect(200)).body;
      assert.equal(outer.revision_num, 1, 'importing the same definition again makes no new revision');
    });

    it('refuses a whole import when one item is bad, naming it, and changes nothing', async () => {
      const bad = structuredClone(exported);
      bad.errors.push({ name: 'hazy', title: 'Hazy', category: 'DATA' });
      bad.job_types[0].title = 'Renamed';
      bad.recipe_types.push({ name: 'exp-broken', version: '1.0.0', definition: { jobs: [{ name: 'x', job_type: { name: 'nope', version: '1' } }] } });
      const res = await request(to.app).post('/scale/configuration/').send({ import: bad });
      assert.equal(res.status, 400);
      assert.equal(res.body.field, 'import.recipe_types[3].definition.jobs[0].job_type');
      assert.match(res.body.detail, /job type nope version 1 does not exist/);
      const now = (await request(to.app).get('/scale/configuration/').expect(200)).body;
      assert.deepEqual(now, exported, 'nothing of the refused import landed');
      const v = await request(to.app).post('/scale/configuration/validation/').send({ import: bad });
      assert.equal(v.status, 400);
      assert.equal(v.body.is_valid, false);
      assert.equal(v.body.errors[0].name, 'import.recipe_types[3].definition.jobs[0].job_type');
    });

    it('answers malformed documents with 400s that name the problem', async () => {
      await request(to.app).post('/scale/configuration/').send({}).expect(400);
      const notList = await request(to.app).post('/scale/configuration/').send({ import: { job_types: {} } });
      assert.equal(notList.status, 400);
      assert.equal(notList.body.field, 'import.job_types');
      const wrongVersion = await request(to.app).post('/scale/configuration/').send({ import: { version: '2.0' } });
      assert.equal(wrongVersion.body.field, 'import.version');
      const badItem = await request(to.app).post('/scale/configuration/').send({ import: { errors: [{ name: 'x y', category: 'SYSTEM' }] } });
      assert.equal(badItem.status, 400);
      assert.ok(badItem.body.errors.some((e: any) => e.field === 'import.errors[0].name'), JSON.stringify(badItem.body));
      const junk = await request(to.app).post('/scale/configuration/upload/').attach('import', Buffer.from('{"version": '), 'c.json');
      assert.equal(junk.status, 400);
      assert.match(junk.body.detail, /not a JSON document/);
      const none = await request(to.app).post('/scale/configuration/upload/').field('other', 'x');
      assert.equal(none.status, 400);
      const huge = await request(to.app).post('/scale/configuration/upload/').set('Content-Type', 'application/octet-stream').send(Buffer.alloc(to.config.maxBodyBytes + 10, 32));
      assert.equal(huge.status, 413);
    });

    it('moves revision pins another server does not have to its current revisions, with a warning', async () => {
      const doc = structuredClone(exported);
      const inner = doc.recipe_types.find((r: any) => r.name === 'exp-inner');
      inner.definition.nodes.only.node_type.job_type_revision = 7;
      const res = await request(to.app).post('/scale/configuration/validation/').send({ import: doc });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.warnings.some((w: any) => w.id === 'revision' && /no revision 7 here; using revision 1/.test(w.details)), JSON.stringify(res.body.warnings));
    });
  });
}
