// Idempotency keys: a request that makes a job or a recipe (Scale queue/new-job, v6 /jobs/,
// new-recipe, v6 /recipes/, OGC execute of a process or a workflow) sent again with the same
// Idempotency-Key gets what the first one made — also when the copies arrive at once — never a
// second; another request under a used key is a 409; keys are per caller; a bad key is a 400 naming
// the header. (The crash-recovery test sends every request with a key and counts anything made twice.)
import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createRecipeType, stepJobType } from './helpers/recipes.ts';
import { createJobType, upload } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const ADMIN_A = 'idempotency-admin-a-0123456789';
const ADMIN_B = 'idempotency-admin-b-0123456789';

for (const kind of dbKinds()) {
  describe(`Idempotency-Key (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let jt: { id: number };
    const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query(sql, params)).rows[0].n);
    const post = (path: string, body: unknown, key?: string, token = ADMIN_A) => {
      const r = request(t.app).post(path).set('Authorization', `Bearer ${token}`);
      return (key === undefined ? r : r.set('Idempotency-Key', key)).send(body as object);
    };

    before(async () => {
      // Two token holders, and anonymous callers allowed everything (the helpers post without a token).
      // Paused: the jobs stay queued, so the test reads them as they were made.
      t = await startServer(kind, { SCALE_AUTH_TOKENS: `${ADMIN_A}:admin,${ADMIN_B}:admin`, SCALE_ANONYMOUS_SCOPES: 'admin' });
      await request(t.app).patch('/scale/scheduler/').send({ is_paused: true }).expect(200);
      jt = await createJobType(t.app, { interface: { version: '1.0', command: '/bin/true', command_arguments: '', input_data: [] } });
    });
    after(() => t?.close());

    it('a Scale job request sent again with its key gets the same job (201, Idempotent-Replayed), on new-job and v6 /jobs/ alike', async () => {
      const body = { job_type_id: jt.id, job_data: { version: '1.0', input_data: [] } };
      const before = await count('SELECT count(*) AS n FROM job WHERE job_type_id = $1', [jt.id]);
      const first = await post('/scale/queue/new-job/', body, 'job-key-1').expect(201);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const again = await post('/scale/queue/new-job/', body, 'job-key-1').expect(201);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.headers.location, first.headers.location);
      // A structured-field string is the same key as its bare value.
      assert.equal((await post('/scale/queue/new-job/', body, '"job-key-1"').expect(201)).body.id, first.body.id);
      const v6 = { job_type_id: jt.id, input: { files: {}, json: {} } };
      const a = await post('/scale/v6/jobs/', v6, 'job-key-2').expect(201);
      assert.equal((await post('/scale/v6/jobs/', v6, 'job-key-2').expect(201)).body.id, a.body.id);
      assert.equal(await count('SELECT count(*) AS n FROM job WHERE job_type_id = $1', [jt.id]), before + 2);
      // Without a key every request makes its own job, as before.
      const x = await post('/scale/queue/new-job/', body).expect(201);
      const y = await post('/scale/queue/new-job/', body).expect(201);
      assert.notEqual(x.body.id, y.body.id);
    });

    it('copies sent at once make one job; all of them answer with it', async () => {
      const body = { job_type_id: jt.id, job_data: { version: '1.0', input_data: [] } };
      const before = await count('SELECT count(*) AS n FROM job WHERE job_type_id = $1', [jt.id]);
      const answers = await Promise.all(Array.from({ length: 12 }, () => post('/scale/queue/new-job/', body, 'burst-key')));
      assert.deepEqual([...new Set(answers.map((r) => r.status))], [201], answers.map((r) => `${r.status} ${JSON.stringify(r.body)}`).join('\n'));
      assert.equal(new Set(answers.map((r) => r.body.id)).size, 1);
      assert.equal(await count('SELECT count(*) AS n FROM job WHERE job_type_id = $1', [jt.id]), before + 1);
      assert.equal(await count('SELECT count(*) AS n FROM queue WHERE job_id = $1', [answers[0].body.id]), 1);
    });

    it('another request under a used key is a 409 and makes nothing; keys are per caller; a bad key is a 400 naming the header', async () => {
      const body = { job_type_id: jt.id, job_data: { version: '1.0', input_data: [] } };
      const first = await post('/scale/queue/new-job/', body, 'reused-key').expect(201);
      const before = await count('SELECT count(*) AS n FROM job');
      const clash = await post('/scale/queue/new-job/', { ...body, priority: 7 }, 'reused-key').expect(409);
      assert.match(clash.body.detail, /Idempotency-Key.*different request/);
      await post('/scale/v6/jobs/', body, 'reused-key').expect(409); // another route is another request
      assert.equal(await count('SELECT count(*) AS n FROM job'), before);
      const other = await post('/scale/queue/new-job/', body, 'reused-key', ADMIN_B).expect(201);
      assert.notEqual(other.body.id, first.body.id, "another caller's key of the same name is another key");
      for (const bad of ['', '   ', 'clé', 'k'.repeat(256)]) {
        const res = await post('/scale/queue/new-job/', body, bad).expect(400);
        assert.match(res.body.detail, /Idempotency-Key/, bad);
      }
      assert.equal(await count('SELECT count(*) AS n FROM job'), before + 1);
    });

    it('a recipe request sent again with its key gets the same recipe; its jobs are made once', async () => {
      const step = await stepJobType(t.app, `idem-step-${kind}`, 'copy', 'a', { input: 'file' });
      const rt = await createRecipeType(t.app, {
        name: `idem-recipe-${kind}`,
        definition: { version: '1.0', input_data: [{ name: 'in', type: 'file' }], jobs: [{ name: 's', job_type: { name: step.name, version: step.version }, recipe_inputs: [{ recipe_input: 'in', job_input: 'input' }] }] },
      });
      const f = await upload(t.app, 'abc', 'in.txt');
      const body = { recipe_type_id: rt.id, recipe_data: { version: '1.0', input_data: [{ name: 'in', file_id: f.id }], workspace_id: f.workspace.id } };
      const a = await post('/scale/queue/new-recipe/', body, 'recipe-key').expect(201);
      const b = await post('/scale/queue/new-recipe/', body, 'recipe-key').expect(201);
      assert.equal(b.body.id, a.body.id);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      assert.equal(await count('SELECT count(*) AS n FROM recipe WHERE recipe_type_id = $1', [rt.id]), 1);
      assert.equal(await count('SELECT count(*) AS n FROM job WHERE recipe_id = $1', [a.body.id]), 1);
    });

    it('an OGC execute sent again with its key gets the same job, and stores its inline inputs once', async () => {
      const files = () => count('SELECT count(*) AS n FROM scale_file');
      const body = { inputs: { message: 'once', complex: { value: '<a>inline</a>', mediaType: 'text/xml' } } };
      const ex = (key: string) => request(t.app).post('/processes/echo/execution').set('Authorization', `Bearer ${ADMIN_A}`).set('Prefer', 'respond-async').set('Idempotency-Key', key).send(body);
      const stored = await files();
      const a = await ex('ogc-key').expect(201);
      const afterFirst = await files();
      const b = await ex('ogc-key').expect(201);
      assert.equal(new URL(b.headers.location).pathname, new URL(a.headers.location).pathname);
      assert.equal(b.body.jobID, a.body.jobID);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      assert.equal(await files(), afterFirst, 'the copy stored nothing');
      assert.ok(afterFirst >= stored);
      assert.equal(await count('SELECT count(*) AS n FROM run WHERE job_id = $1', [Number(a.body.jobID)]), 1);
      const other = await request(t.app).post('/processes/echo/execution').set('Authorization', `Bearer ${ADMIN_A}`).set('Prefer', 'respond-async').set('Idempotency-Key', 'ogc-key').send({ inputs: { message: 'twice' } }).expect(409);
      assert.match(other.body.detail, /Idempotency-Key/);
    });
  });
}
