// Every endpoint family answers client mistakes with a 4xx and {"detail"} naming the problem:
// malformed JSON, wrong media types, wrong types, unknown ids, bad query values, oversized bodies.
import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createJobType, upload } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const POSTS = [
  '/scale/errors/', '/scale/workspaces/', '/scale/workspaces/validation/', '/scale/job-types/', '/scale/job-types/validation/', '/scale/queue/new-job/',
  '/scale/queue/requeue-jobs/', '/scale/recipe-types/', '/scale/recipe-types/validation/', '/scale/queue/new-recipe/', '/scale/recipes/',
  '/scale/recipes/1/reprocess/', '/scale/recipes/1/cancel/', '/scale/configuration/', '/scale/configuration/validation/',
];
const PATCHES = ['/scale/errors/1/', '/scale/workspaces/1/', '/scale/job-types/1/', '/scale/jobs/1/', '/scale/nodes/1/', '/scale/scheduler/', '/scale/recipe-types/1/'];

for (const kind of dbKinds()) {
  describe(`bad input on every endpoint family (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let jt: any;
    let rt: any;
    before(async () => {
      t = await startServer(kind, { SCALE_MAX_BODY_BYTES: '4096' });
      jt = await createJobType(t.app, {
        is_paused: true,
        interface: {
          command: '/bin/true', command_arguments: '${p} ${f} ${fs}',
          input_data: [{ name: 'p', type: 'property' }, { name: 'f', type: 'file' }, { name: 'fs', type: 'files', required: false }],
          output_data: [{ name: 'out', type: 'file' }],
        },
      });
      await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { input_data: [{ name: 'p', value: 'x' }, { name: 'f', file_id: (await upload(t.app, 'x', 'x.txt')).id }] } }).expect(201);
      rt = (await request(t.app).post('/scale/recipe-types/').send({
        name: 'bad-input-recipe',
        definition: {
          input_data: [{ name: 'image', type: 'file' }, { name: 'label', type: 'property', required: false }],
          jobs: [{ name: 'one', job_type: { name: jt.name, version: jt.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'f' }, { recipe_input: 'label', job_input: 'p' }] }],
        },
      }).expect(201)).body;
    });
    after(() => t?.close());

    const bodies = (): [string, string, unknown][] => [...POSTS.map((p) => ['post', p, {}] as [string, string, unknown]), ...PATCHES.map((p) => ['patch', p, {}] as [string, string, unknown])];

    it('malformed JSON is a 400 that says so', async () => {
      for (const [method, p] of bodies()) {
        const res = await (request(t.app) as any)[method](p).set('content-type', 'application/json').send('{"name": "x",');
        assert.equal(res.status, 400, `${method} ${p}`);
        assert.match(res.body.detail, /malformed JSON/, `${method} ${p}`);
      }
    });

    it('a body that is not a JSON object is a 400', async () => {
      for (const [method, p] of bodies()) {
        for (const raw of ['[1,2]', '"text"', 'null', '42']) {
          const res = await (request(t.app) as any)[method](p).set('content-type', 'application/json').send(raw);
          assert.equal(res.status, 400, `${method} ${p} ${raw}`);
          assert.ok(res.body.detail, `${method} ${p} ${raw}`);
        }
      }
    });

    it('a body in another media type is a 415', async () => {
      for (const [method, p] of bodies()) {
        const res = await (request(t.app) as any)[method](p).set('content-type', 'text/plain').send('name=x');
        assert.equal(res.status, 415, `${method} ${p}`);
        assert.match(res.body.detail, /application\/json/);
      }
    });

    it('a body over SCALE_MAX_BODY_BYTES is a 413', async () => {
      const big = { name: 'x'.repeat(10_000) };
      for (const [method, p] of bodies()) {
        const res = await (request(t.app) as any)[method](p).send(big);
        assert.equal(res.status, 413, `${method} ${p}`);
        assert.match(res.body.detail, /larger than the limit of 4096 bytes/);
      }
    });

    it('unknown fields and wrong types name the field', async () => {
      const cases: [string, string, unknown, string][] = [
        ['post', '/scale/errors/', { name: 'e', category: 'DATA', colour: 1 }, 'colour'],
        ['post', '/scale/workspaces/', { name: 'w', json_config: { broker: { type: 'host', host_path: '/tmp/w' } }, is_active: 'yes' }, 'is_active'],
        ['post', '/scale/job-types/', { name: 'n', version: '1', interface: { command: 'x', command_arguments: '' }, max_tries: 'many' }, 'max_tries'],
        ['post', '/scale/queue/new-job/', { job_type_id: 'one' }, 'job_type_id'],
        ['post', '/scale/queue/requeue-jobs/', { job_ids: 'all' }, 'job_ids'],
        ['post', '/scale/queue/requeue-jobs/', { status: 'RUNNING' }, 'status'],
        ['patch', '/scale/nodes/1/', { is_paused: 'no' }, 'is_paused'],
        ['patch', '/scale/nodes/1/', { cpus: 4 }, 'cpus'],
        ['patch', '/scale/scheduler/', { is_paused: 1 }, 'is_paused'],
        ['patch', '/scale/scheduler/', { queue_mode: 'RANDOM' }, 'queue_mode'],
        ['patch', '/scale/jobs/1/', { status: 'canceled' }, 'status'],
        ['patch', '/scale/errors/1/', { category: 'OTHER' }, 'category'],
        ['post', '/scale/recipe-types/', { name: 'r', definition: 'x' }, 'definition'],
        ['post', '/scale/recipe-types/', { name: 'r', definition: { jobs: [{ name: 'a' }] } }, 'definition.jobs[0].job_type'],
        ['post', '/scale/recipe-types/', { name: 'r', definition: { version: '7', input: { files: [], json: [] }, nodes: { a: { dependencies: [], input: {}, node_type: { node_type: 'job', job_type_name: 'x', job_type_version: 1, job_type_revision: 1 } } } } }, 'definition.nodes.a.node_type.job_type_version'],
        ['patch', '/scale/recipe-types/1/', { title: 5 }, 'title'],
        ['patch', '/scale/recipe-types/1/', { name: 'renamed' }, 'name'],
        ['post', '/scale/queue/new-recipe/', { recipe_type_id: 'one' }, 'recipe_type_id'],
        ['post', '/scale/recipes/1/reprocess/', { forced_nodes: { all: 'yes' } }, 'forced_nodes.all'],
        ['post', '/scale/recipes/1/reprocess/', { revision_num: 0 }, 'revision_num'],
        ['post', '/scale/configuration/', { import: { recipe_types: 'all' } }, 'import.recipe_types'],
      ];
      for (const [method, p, b, field] of cases) {
        const res = await (request(t.app) as any)[method](p).send(b);
        assert.equal(res.status, 400, `${method} ${p} ${JSON.stringify(b)}: ${JSON.stringify(res.body)}`);
        assert.ok(res.body.detail.includes(field), `${method} ${p}: ${res.body.detail} names ${field}`);
      }
      const empty = await request(t.app).patch('/scale/nodes/1/').send({}).expect(400);
      assert.match(empty.body.detail, /no fields/);
    });

    it('job data that does not fit the interface names the input', async () => {
      const file = await upload(t.app, 'y', 'y.txt');
      const cases: [unknown, RegExp][] = [
        [{ input_data: [{ name: 'f', file_id: file.id }] }, /job_data\.input_data: required input "p" is missing/],
        [{ input_data: [{ name: 'p', file_id: file.id }, { name: 'f', file_id: file.id }] }, /input_data\[0\]\.value: input "p" is a property/],
        [{ input_data: [{ name: 'p', value: 'x' }, { name: 'f', value: 'x' }] }, /input_data\[1\]\.file_id: input "f" is of type file/],
        [{ input_data: [{ name: 'p', value: 'x' }, { name: 'f', file_id: 987654 }] }, /input_data\[1\]\.file_id: file 987654 does not exist/],
        [{ input_data: [{ name: 'p', value: 'x' }, { name: 'f', file_ids: [file.id, file.id] }] }, /input_data\[1\]\.file_ids: input "f" takes exactly one file/],
        [{ input_data: [{ name: 'p', value: 'x' }, { name: 'f', file_id: file.id }, { name: 'zz', value: '1' }] }, /input_data\[2\]\.name: the job type has no input named "zz"/],
        [{ input_data: [{ name: 'p', value: 3 }, { name: 'f', file_id: file.id }] }, /input_data\[0\]\.value: must be of type string/],
        [{ input_data: [{ name: 'p', value: 'x' }, { name: 'f', file_id: file.id }], output_data: [{ name: 'out', workspace_id: 9999 }] }, /output_data\[0\]\.workspace_id: workspace 9999 does not exist/],
        [{ input_data: [{ name: 'p', value: 'x' }, { name: 'f', file_id: file.id }], output_data: [{ name: 'nope', workspace_id: 1 }] }, /output_data\[0\]\.name: the job type has no output named "nope"/],
        [{ version: '2.0' }, /job_data\.version/],
        [{ input_data: 'p=x' }, /job_data\.input_data: must be of type array/],
      ];
      for (const [data, re] of cases) {
        const res = await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: data });
        assert.equal(res.status, 400, JSON.stringify(data));
        assert.match(res.body.detail, re, JSON.stringify(data));
      }
      const unknownType = await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: 987654, job_data: {} }).expect(400);
      assert.equal(unknownType.body.field, 'job_type_id');
      const before = (await request(t.app).get('/scale/jobs/')).body.count;
      assert.equal(before, 1, 'rejected requests created no jobs');
    });

    it('recipe data that does not fit the definition names the input, and creates nothing', async () => {
      const file = await upload(t.app, 'z', 'z.txt');
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ recipe_data: { input_data: [] } }, /recipe_data\.input_data: required input "image" is missing/],
        [{ recipe_data: { input_data: [{ name: 'image', file_id: file.id }, { name: 'zz', value: '1' }] } }, /recipe_data\.input_data\[1\]\.name: the recipe has no input named "zz"/],
        [{ recipe_data: { input_data: [{ name: 'image', file_id: 987654 }] } }, /recipe_data\.input_data\[0\]\.file_id: file 987654 does not exist/],
        [{ recipe_data: { input_data: [{ name: 'image', value: 'x' }] } }, /recipe_data\.input_data\[0\]\.file_id: input "image" is of type file/],
        [{ recipe_data: { input_data: [{ name: 'image', file_id: file.id }], workspace_id: 9999 } }, /recipe_data\.workspace_id: workspace 9999 does not exist/],
        [{ recipe_data: { input_data: [{ name: 'image', file_id: 'one' }] } }, /recipe_data\.input_data\[0\]\.file_id: must be of type integer/],
        [{ recipe_data: { version: '3' } }, /recipe_data\.version/],
        [{ input: { files: { image: 'x' } } }, /input\.files\.image: must be a list of file ids/],
        [{ input: { files: { image: [file.id] } }, recipe_data: {} }, /not both/],
        [{ input: { files: { image: [file.id] } }, configuration: { priority: 'high' } }, /configuration\.priority/],
      ];
      for (const [b, re] of cases) {
        const res = await request(t.app).post('/scale/queue/new-recipe/').send({ recipe_type_id: rt.id, ...b });
        assert.equal(res.status, 400, JSON.stringify(b));
        assert.match(res.body.detail, re, JSON.stringify(b));
      }
      const unknownType = await request(t.app).post('/scale/queue/new-recipe/').send({ recipe_type_id: 987654, recipe_data: {} }).expect(400);
      assert.equal(unknownType.body.field, 'recipe_type_id');
      assert.equal((await request(t.app).get('/scale/recipes/')).body.count, 0, 'rejected requests created no recipes');
      await request(t.app).post('/scale/recipes/987654/reprocess/').send({}).expect(404);
      await request(t.app).post('/scale/recipes/987654/cancel/').send({}).expect(404);
    });

    it('unknown ids are 404 on every detail endpoint', async () => {
      for (const p of ['/scale/errors/', '/scale/workspaces/', '/scale/files/', '/scale/job-types/', '/scale/jobs/', '/scale/job-executions/', '/scale/nodes/', '/scale/recipe-types/', '/scale/recipes/']) {
        for (const id of ['987654', 'abc', '-1', '1.5', '99999999999999999999']) {
          const res = await request(t.app).get(`${p}${id}/`);
          assert.equal(res.status, 404, `${p}${id}/`);
          assert.ok(res.body.detail, `${p}${id}/`);
        }
      }
      await request(t.app).get('/scale/job-executions/987654/logs/stdout/').expect(404);
      await request(t.app).get('/scale/job-executions/987654/logs/').expect(404);
      await request(t.app).get('/scale/jobs/987654/executions/').expect(404);
      await request(t.app).get('/scale/no-such-thing/').expect(404);
    });

    it('bad query values are 400 naming the parameter on every list', async () => {
      const lists = [
        '/scale/errors/', '/scale/workspaces/', '/scale/files/', '/scale/job-types/', '/scale/jobs/', '/scale/jobs/updates/', '/scale/jobs/executions/', '/scale/job-executions/',
        '/scale/nodes/', '/scale/nodes/status/', '/scale/job-types/status/', '/scale/load/', '/scale/recipe-types/', '/scale/recipes/',
      ];
      for (const p of lists) {
        // An unreadable page_size is not refused: like Scale's paginator, it means the default (see below).
        for (const [qs, field] of [['page=-1', 'page'], ['started=2015-13-45', 'started'], ['started=P99999999999Y', 'started'], ['started=0000-01-01T00:00:00Z', 'started'], ['ended=tomorrow', 'ended'], ['started=2020-01-02T00:00:00Z&ended=2020-01-01T00:00:00Z', 'ended']]) {
          const res = await request(t.app).get(`${p}?${qs}`);
          assert.equal(res.status, 400, `${p}?${qs}: ${res.status}`);
          assert.equal(res.body.field, field, `${p}?${qs}`);
        }
        for (const qs of ['page_size=0', 'page_size=abc', 'page_size=null', 'page_size=5000']) await request(t.app).get(`${p}?${qs}`).expect(200);
      }
      for (const [p, qs, field] of [
        ['/scale/jobs/', 'status=DONE', 'status'], ['/scale/jobs/', 'job_type_id=x', 'job_type_id'], ['/scale/jobs/', 'order=-colour', 'order'],
        ['/scale/job-executions/', 'node_id=x', 'node_id'], ['/scale/nodes/', 'include_inactive=maybe', 'include_inactive'],
        ['/scale/files/', 'file_type=BINARY', 'file_type'], ['/scale/job-types/', 'is_active=2', 'is_active'],
        ['/scale/recipes/', 'recipe_type_id=x', 'recipe_type_id'], ['/scale/recipes/', 'is_completed=maybe', 'is_completed'], ['/scale/recipes/', 'order=colour', 'order'],
        ['/scale/recipe-types/', 'is_active=2', 'is_active'], ['/scale/configuration/', 'include=nodes', 'include'],
        // Names of Object.prototype's members are not fields to order by (they were 500s).
        ['/scale/jobs/', 'order=toString', 'order'], ['/scale/files/', 'order=-constructor', 'order'], ['/scale/v6/job-type-names/', 'order=__proto__', 'order'],
      ]) {
        const res = await request(t.app).get(`${p}?${qs}`).expect(400);
        assert.equal(res.body.field, field, `${p}?${qs}`);
      }
    });

    it('the versioned prefix /scale/v5/ serves the same API', async () => {
      const res = await request(t.app).get('/scale/v5/job-types/').expect(200);
      assert.deepEqual(res.body.results.map((r: any) => r.name).sort(), ['echo', jt.name].sort(), "this test's job type and the built-in echo");
      await request(t.app).post('/scale/v5/errors/').set('content-type', 'application/json').send('{').expect(400);
    });
  });
}
