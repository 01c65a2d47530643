// /scale/v6/ answers as NGA Scale 6.0.0 does (its views, serializers and test_views.py at tag 6.0.0):
// workspaces, job types, recipe types, errors, node and scheduler edits, the version of v6 data and
// definitions, and new jobs; the plain prefix keeps seed 002's shapes. Against a real server
// (PGlite and PostgreSQL).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { upload } from './helpers/scale.ts';
import { seedManifest } from './helpers/seed.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const IFACE = {
  command: '${INPUT_FILE} ${OUTPUT_DIR}',
  inputs: { files: [{ name: 'INPUT_FILE', mediaTypes: ['text/plain'] }] },
  outputs: { files: [{ name: 'OUTPUT_FILE', pattern: '*.out', mediaType: 'text/plain' }] },
};

/** A v6 recipe definition with no nodes, at a version. */
const emptyDefinition = (version?: string) => ({ ...(version === undefined ? {} : { version }), input: { files: [], json: [] }, nodes: {} });

for (const kind of dbKinds()) {
  describe(`Scale 6.0.0 shapes under /scale/v6/ (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let dir: string;
    const api = () => request(t.app);
    /** The absolute URL Scale's reverse(..., request=request) gives a path under /scale/v6. */
    const located = (res: request.Response, p: string) => assert.match(String(res.headers.location), new RegExp(`^http://[^/]+/scale/v6${p.replace(/[.]/g, '\\.')}$`), String(res.headers.location));
    before(async () => {
      // No Docker runtime here: SEED jobs stay QUEUED.
      t = await startServer(kind, { SCALE_EXECUTOR: 'local' });
      dir = path.join(t.dataDir, 'v6-workspaces');
      await fs.mkdir(path.join(dir, 'one'), { recursive: true });
      await fs.mkdir(path.join(dir, 'two'), { recursive: true });
    });
    after(() => t?.close());

    describe('workspaces', () => {
      let ws: any;
      before(async () => {
        // Made through the plain prefix, so each v6 answer below is tested on its own.
        ws = (await api().post('/scale/workspaces/').send({ name: 'shapes-base', title: 'Shapes base', json_config: { broker: { type: 'host', host_path: path.join(dir, 'one') } } }).expect(201)).body;
      });

      it('creates one from a title and a v6 configuration (201, absolute Location, the v6 details)', async () => {
        const res = await api()
          .post('/scale/v6/workspaces/')
          .send({ title: 'Workspace Title', description: 'Workspace description', base_url: 'http://host/my/path/', is_active: false, configuration: { broker: { type: 'host', host_path: path.join(dir, 'one') } } })
          .expect(201);
        const made = res.body;
        located(res, `/workspaces/${made.id}/`);
        assert.equal(made.name, 'workspace-title', 'named from the title (title_to_name)');
        assert.deepEqual(made.configuration, { broker: { type: 'host', host_path: path.join(dir, 'one') } });
        assert.equal(made.is_active, false);
        assert.deepEqual(Object.keys(made).sort(), ['base_url', 'configuration', 'created', 'deprecated', 'description', 'id', 'is_active', 'last_modified', 'name', 'title']);
        // Scale reads the fields it knows and ignores the rest; configuration is required and an object.
        assert.equal((await api().post('/scale/v6/workspaces/').send({ title: 'No config', description: 'x' }).expect(400)).body.field, 'configuration');
        assert.equal((await api().post('/scale/v6/workspaces/').send({ title: 'Bad type', json_config: 123 }).expect(400)).body.field, 'configuration');
        assert.equal((await api().post('/scale/v6/workspaces/').send({ title: 'Bad type', configuration: 123 }).expect(400)).body.field, 'configuration');
        assert.match((await api().post('/scale/v6/workspaces/').send({ title: 'Bad broker', configuration: { broker: 123 } }).expect(400)).body.field, /^configuration\.broker/);
        assert.equal((await api().post('/scale/v6/workspaces/').send({ configuration: { broker: { type: 'host', host_path: dir } } }).expect(400)).body.field, 'title');
        // is_active is read as parse_bool reads it.
        const active = (await api().post('/scale/v6/workspaces/').send({ title: 'Workspace Title', is_active: 'T', configuration: { version: '6', broker: { type: 'host', host_path: path.join(dir, 'two') } } }).expect(201)).body;
        assert.match(active.name, /^workspace-title-[0-9a-f]{19}$/, 'a taken name is made unique');
        assert.equal(active.is_active, true);
      });

      it('lists and shows them in the v6 shape (no sizes, deprecated)', async () => {
        const list = (await api().get('/scale/v6/workspaces/').expect(200)).body;
        assert.ok(list.count >= 2);
        for (const w of list.results) {
          assert.ok(!('used_size' in w) && !('total_size' in w) && !('json_config' in w) && !('configuration' in w), JSON.stringify(w));
          assert.ok('deprecated' in w && !('archived' in w));
        }
        assert.deepEqual(list.results.map((w: any) => w.name), [...list.results.map((w: any) => w.name)].sort(), 'by name');
        const named = (await api().get('/scale/v6/workspaces/').query({ name: 'shapes-base' }).expect(200)).body;
        assert.deepEqual(named.results.map((w: any) => w.id), [ws.id]);
        const d = (await api().get(`/scale/v6/workspaces/${ws.id}/`).expect(200)).body;
        assert.deepEqual(d.configuration, { broker: { type: 'host', host_path: path.join(dir, 'one') } });
        await api().get('/scale/v6/workspaces/999999/').expect(404);
        // The plain prefix keeps seed 002's shape.
        const v5 = (await api().get(`/scale/workspaces/${ws.id}/`).expect(200)).body;
        assert.ok('json_config' in v5 && 'used_size' in v5 && 'archived' in v5);
      });

      it('edits one with 204 and no body, and refuses a configuration of another version', async () => {
        const res = await api().patch(`/scale/v6/workspaces/${ws.id}/`).send({ title: 'Title EDIT', description: 'Description EDIT', is_active: true }).expect(204);
        assert.equal(res.text, '');
        const d = (await api().get(`/scale/v6/workspaces/${ws.id}/`).expect(200)).body;
        assert.deepEqual([d.title, d.description, d.is_active, d.name], ['Title EDIT', 'Description EDIT', true, 'shapes-base']);
        await api().patch(`/scale/v6/workspaces/${ws.id}/`).send({ configuration: { version: '6', broker: { type: 'host', host_path: path.join(dir, 'two') } } }).expect(204);
        assert.equal((await api().get(`/scale/v6/workspaces/${ws.id}/`).expect(200)).body.configuration.broker.host_path, path.join(dir, 'two'));
        const bad = await api().patch(`/scale/v6/workspaces/${ws.id}/`).send({ configuration: { version: 'BAD', broker: { type: 'host', host_path: dir } } }).expect(400);
        assert.equal(bad.body.field, 'configuration.version');
        await api().patch('/scale/v6/workspaces/999999/').send({ title: 'x' }).expect(404);
      });

      it('validates as Scale 6: {is_valid, errors, warnings}, 400 when invalid', async () => {
        const ok = await api()
          .post('/scale/v6/workspaces/validation/')
          .send({ title: 'Workspace Title', description: 'Workspace description', base_url: 'http://host/my/path/', is_active: false, configuration: { broker: { type: 'host', host_path: path.join(dir, 'one') } } })
          .expect(200);
        assert.deepEqual(ok.body, { is_valid: true, errors: [], warnings: [] });
        await api().post('/scale/v6/workspaces/validation/').send({ title: 'Workspace Title', description: 'x' }).expect(400);
        await api().post('/scale/v6/workspaces/validation/').send({ title: 'Workspace Title', configuration: 123 }).expect(400);
        const invalid = (await api().post('/scale/v6/workspaces/validation/').send({ title: 'Workspace Title', configuration: { broker: 123 } }).expect(400)).body;
        assert.equal(invalid.is_valid, false);
        assert.deepEqual(invalid.warnings, []);
        assert.ok(invalid.errors.length && invalid.errors.every((e: any) => Object.keys(e).sort().join() === 'description,name' && /^configuration/.test(e.name)), JSON.stringify(invalid));
        const warned = (await api().post('/scale/v6/workspaces/validation/').send({ name: 'ws-test', title: 'ws test', configuration: { broker: { type: 'host', host_path: path.join(dir, 'not-yet') } } }).expect(200)).body;
        assert.equal(warned.is_valid, true);
        assert.deepEqual(warned.warnings.map((w: any) => Object.keys(w).sort().join()), ['description,name']);
      });
    });

    describe('job types', () => {
      // A name no other seedManifest name starts with: the keyword filter matches substrings.
      const m = seedManifest({ name: `shape-test-${process.pid}`, title: 'Shape test', description: 'A v6 shapes job' }, IFACE);
      const at = () => `/scale/v6/job-types/${m.job.name}/1.0.0/`;
      before(async () => {
        // Made through the plain prefix, so each v6 answer below is tested on its own.
        const configuration = { output_workspaces: { default: 'default', outputs: {} } };
        await api().post('/scale/job-types/').send({ docker_image: `${m.job.name}-1.0.0-seed:1.0.0`, manifest: m, configuration }).expect(201);
      });

      it('creates one whose output_workspaces has no outputs (201, Location by name and version); a revision is 201 too', async () => {
        const m1 = seedManifest({}, IFACE);
        const res = await api().post('/scale/v6/job-types/').send({ docker_image: `${m1.job.name}-1.0.0-seed:1.0.0`, manifest: m1, configuration: { output_workspaces: { default: 'default' } } }).expect(201);
        located(res, `/job-types/${m1.job.name}/1.0.0/`);
        assert.deepEqual(res.body.configuration.output_workspaces, { default: 'default', outputs: {} }, 'JobConfigurationV6 fills outputs');
        assert.equal(res.body.is_active, true);
        assert.equal(res.body.icon_code, null, 'no icon given: null, as Scale stores it');
        assert.equal(res.body.deprecated, null);
        assert.ok(!('warnings' in res.body), 'JobTypeDetailsSerializerV6 has no warnings');
        const again = await api().post('/scale/v6/job-types/').send({ docker_image: `registry.local/${m1.job.name}-1.0.0-seed:1.0.0`, manifest: m1 }).expect(201);
        assert.equal(again.body.revision_num, 2);
        // JobConfigurationV6's schema takes an integer priority only.
        const m2 = seedManifest({}, IFACE);
        const prio = await api().post('/scale/v6/job-types/').send({ docker_image: `${m2.job.name}-1.0.0-seed:1.0.0`, manifest: m2, configuration: { priority: '1' } }).expect(400);
        assert.equal(prio.body.field, 'configuration.priority');
      });

      it('lists them filtered by keyword, is_system and is_active', async () => {
        const byName = (await api().get('/scale/v6/job-types/').query({ keyword: m.job.name }).expect(200)).body;
        assert.deepEqual(byName.results.map((x: any) => x.name), [m.job.name]);
        assert.ok('unmet_resources' in byName.results[0] && 'deprecated' in byName.results[0] && 'is_published' in byName.results[0]);
        // A keyword is looked for in the title and description too.
        assert.ok((await api().get('/scale/v6/job-types/').query({ keyword: 'v6 SHAPES job' }).expect(200)).body.results.some((x: any) => x.name === m.job.name));
        const both = (await api().get('/scale/v6/job-types/').query({ keyword: [m.job.name, 'no-such-thing'] }).expect(200)).body;
        assert.equal(both.count, 1);
        const system = (await api().get('/scale/v6/job-types/').query({ is_system: true }).expect(200)).body;
        assert.ok(system.count > 0 && system.results.every((x: any) => x.is_system));
        const user = (await api().get('/scale/v6/job-types/').query({ is_system: false }).expect(200)).body;
        assert.ok(user.results.every((x: any) => !x.is_system) && user.results.some((x: any) => x.name === m.job.name));
        const all = (await api().get('/scale/v6/job-types/').query({ page_size: 1000 }).expect(200)).body;
        assert.equal(all.count, system.count + user.count);
        assert.equal((await api().get('/scale/v6/job-types/').query({ keyword: m.job.name, is_active: false }).expect(200)).body.count, 0);
      });

      it('edits one with 204 and no body; a null icon_code leaves the icon as it is', async () => {
        const res = await api().patch(at()).send({ icon_code: 'f013', is_paused: true }).expect(204);
        assert.equal(res.text, '');
        await api().patch(at()).send({ icon_code: null }).expect(204);
        const d = (await api().get(at()).expect(200)).body;
        assert.equal(d.icon_code, 'f013');
        assert.equal(d.is_paused, true);
        // The plain prefix still answers the edit with its validation.
        const plain = (await api().patch(`/scale/job-types/${m.job.name}/1.0.0/`).send({ is_paused: false }).expect(200)).body;
        assert.deepEqual([plain.is_valid, plain.errors], [true, []]);
      });

      it('creates a job (POST /v6/jobs/): an unknown job type is 404, a bad input version 400 naming it', async () => {
        const jt = (await api().get(at()).expect(200)).body;
        await api().post('/scale/v6/jobs/').send({ job_type_id: 999999, input: {} }).expect(404);
        await api().post('/scale/v6/jobs/').send({ job_type_id: '999999' }).expect(404);
        const bad = await api().post('/scale/v6/jobs/').send({ job_type_id: jt.id, input: { version: 'BAD', files: {}, json: {} } }).expect(400);
        assert.equal(bad.body.field, 'input.version');
        // DataV6 is read before the job type is looked up.
        assert.equal((await api().post('/scale/v6/jobs/').send({ job_type_id: 999999, input: { version: 'BAD' } }).expect(400)).body.field, 'input.version');
        assert.equal((await api().post('/scale/v6/jobs/').send({ job_type_id: 'one' }).expect(400)).body.field, 'job_type_id');
        const file = await upload(t.app, 'text\n', 'in.txt', { media_type: 'text/plain' });
        const job = (await api().post('/scale/v6/jobs/').send({ job_type_id: String(jt.id), input: { version: '6', files: { INPUT_FILE: [file.id] }, json: {} } }).expect(201)).body;
        assert.equal(job.job_type.id, jt.id);
        // The plain prefix keeps naming the field.
        assert.equal((await api().post('/scale/queue/new-job/').send({ job_type_id: 999999, job_data: {} }).expect(400)).body.field, 'job_type_id');
      });
    });

    it('lists the executions of an unknown job as an empty page (v6), 404 elsewhere', async () => {
      assert.deepEqual((await api().get('/scale/v6/jobs/999999/executions/').expect(200)).body, { count: 0, next: null, previous: null, results: [] });
      await api().get('/scale/jobs/999999/executions/').expect(404);
    });

    describe('recipe types', () => {
      let rt: any;
      before(async () => {
        // Made through the plain prefix, so each v6 answer below is tested on its own.
        rt = (await api().post('/scale/recipe-types/').send({ name: 'shape-recipe', title: 'Shape Recipe', description: 'a v6 shapes recipe', definition: emptyDefinition('6') }).expect(201)).body;
      });

      it('creates one (Location by name), refuses a definition of another version naming it, and fills a missing one', async () => {
        const res = await api().post('/scale/v6/recipe-types/').send({ title: 'Other Recipe', definition: emptyDefinition('6') }).expect(201);
        located(res, `/recipe-types/${res.body.name}/`);
        assert.equal(res.body.name, 'other-recipe');
        assert.equal((await api().post('/scale/v6/recipe-types/').send({ title: 'Bad version', definition: emptyDefinition('BAD') }).expect(400)).body.field, 'definition.version');
        await api().post('/scale/v6/recipe-types/').send({ title: 'No version', definition: emptyDefinition() }).expect(201);
        const v = (await api().post('/scale/v6/recipe-types/validation/').send({ definition: emptyDefinition('BAD') }).expect(200)).body;
        assert.equal(v.is_valid, false);
        assert.deepEqual(v.errors.map((e: any) => e.name), ['definition.version']);
        assert.equal((await api().patch(`/scale/v6/recipe-types/${rt.name}/`).send({ definition: emptyDefinition('BAD') }).expect(400)).body.field, 'definition.version');
      });

      it('lists them filtered by keyword, is_system and is_active', async () => {
        const byWord = (await api().get('/scale/v6/recipe-types/').query({ keyword: 'V6 SHAPES' }).expect(200)).body;
        assert.deepEqual(byWord.results.map((x: any) => x.name), ['shape-recipe']);
        assert.equal((await api().get('/scale/v6/recipe-types/').query({ keyword: ['shape-recipe', 'no-such-thing'] }).expect(200)).body.count, 1);
        assert.equal((await api().get('/scale/v6/recipe-types/').query({ keyword: 'shape-recipe', is_system: true }).expect(200)).body.count, 0);
        assert.equal((await api().get('/scale/v6/recipe-types/').query({ keyword: 'shape-recipe', is_system: false }).expect(200)).body.count, 1);
        assert.equal((await api().get('/scale/v6/recipe-types/').query({ keyword: 'shape-recipe', is_active: false }).expect(200)).body.count, 0);
      });

      it('edits one with 204 and no body', async () => {
        const res = await api().patch(`/scale/v6/recipe-types/${rt.name}/`).send({ title: 'Shape Recipe EDIT' }).expect(204);
        assert.equal(res.text, '');
        assert.equal((await api().get(`/scale/v6/recipe-types/${rt.name}/`).expect(200)).body.title, 'Shape Recipe EDIT');
        assert.equal((await api().patch(`/scale/recipe-types/${rt.id}/`).send({ description: 'plain' }).expect(200)).body.description, 'plain');
      });

      it('creates a recipe (POST /v6/recipes/): an unknown recipe type is 404, a bad input version 400 naming it', async () => {
        await api().post('/scale/v6/recipes/').send({ recipe_type_id: 999999, input: {} }).expect(404);
        assert.equal((await api().post('/scale/v6/recipes/').send({ recipe_type_id: rt.id, input: { version: 'BAD' } }).expect(400)).body.field, 'input.version');
      });
    });

    describe('errors', () => {
      it('lists and shows them in ErrorSerializerV6\'s fields, filtered by time only', async () => {
        const list = (await api().get('/scale/v6/errors/').expect(200)).body;
        assert.deepEqual(Object.keys(list.results[0]).sort(), ['category', 'created', 'description', 'id', 'is_builtin', 'job_type_name', 'last_modified', 'name', 'title']);
        // ErrorsView._get_v6 reads no job_type_name, name or category filter.
        assert.equal((await api().get('/scale/v6/errors/').query({ job_type_name: 'no-such-type', category: 'DATA' }).expect(200)).body.count, list.count);
        const one = (await api().get(`/scale/v6/errors/${list.results[0].id}/`).expect(200)).body;
        assert.ok('job_type_name' in one && !('should_be_retried' in one));
      });

      it('has no create or edit under v6 (404, as Scale 6); the plain prefix keeps them', async () => {
        await api().post('/scale/v6/errors/').send({ name: 'v6-err', title: 'T', description: 'D', category: 'DATA' }).expect(404);
        await api().post('/scale/v6/errors/').send({ name: 'v6-err', category: 'DATA' }).expect(404);
        const e = (await api().post('/scale/errors/').send({ name: 'v5-err', title: 'T', description: 'D', category: 'DATA' }).expect(201)).body;
        await api().patch(`/scale/v6/errors/${e.id}/`).send({ title: 'x' }).expect(404);
        assert.equal((await api().get(`/scale/v6/errors/${e.id}/`).expect(200)).body.title, 'T');
      });
    });

    it('edits a node and the scheduler with 204 and no body; an empty or unknown field is 400', async () => {
      const node = (await api().get('/scale/v6/nodes/').expect(200)).body.results[0];
      const res = await api().patch(`/scale/v6/nodes/${node.id}/`).send({ is_paused: true, pause_reason: 'shapes' }).expect(204);
      assert.equal(res.text, '');
      assert.equal((await api().get(`/scale/v6/nodes/${node.id}/`).expect(200)).body.is_paused, true);
      assert.match((await api().patch(`/scale/v6/nodes/${node.id}/`).send({}).expect(400)).body.detail, /No fields/);
      assert.match((await api().patch(`/scale/v6/nodes/${node.id}/`).send({ hostname: 'x' }).expect(400)).body.detail, /Unexpected fields: hostname/);
      await api().patch('/scale/v6/nodes/999999/').send({ is_paused: false }).expect(404);
      assert.equal((await api().patch(`/scale/nodes/${node.id}/`).send({ is_paused: false }).expect(200)).body.is_paused, false);
      const s = await api().patch('/scale/v6/scheduler/').send({ is_paused: true }).expect(204);
      assert.equal(s.text, '');
      assert.equal((await api().get('/scale/v6/scheduler/').expect(200)).body.is_paused, true);
      await api().patch('/scale/v6/scheduler/').send({}).expect(400);
      assert.deepEqual((await api().patch('/scale/scheduler/').send({ is_paused: false }).expect(200)).body.is_paused, false);
    });
  });
}
