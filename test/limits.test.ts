// Limits (issue 12, point 6): each is a documented setting and answers with the right status —
// per-caller request rate (429 with Retry-After), inputs per job, recipe and execution on every door
// (413), executions at once per node and per job type (they wait in the queue). Body, upload and
// href size limits are tested with their doors (bad-input, files, ogc-processes, wps tests).
import assert from 'node:assert/strict';
import request from 'supertest';
import { createRecipeType, stepJobType } from './helpers/recipes.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { record } from './reliability/report.ts';

const TOKEN_A = 'limits-token-a-0123456789';
const TOKEN_B = 'limits-token-b-0123456789';

describe('limits', function () {
  this.timeout(60_000);

  describe('request rate per caller', () => {
    let t: TestServer;
    before(async () => {
      t = await startServer('pglite', { SCALE_AUTH_TOKENS: `${TOKEN_A}:read,${TOKEN_B}:read`, SCALE_RATE_LIMIT: '60', SCALE_RATE_LIMIT_BURST: '5' });
    });
    after(() => t?.close());

    it('answers 429 with Retry-After past the burst, per token and per address, and refills with time', async () => {
      const get = (token?: string) => {
        const r = request(t.app).get('/scale/status/');
        return token ? r.set('Authorization', `Bearer ${token}`) : r;
      };
      for (let i = 0; i < 5; i++) await get(TOKEN_A).expect(200);
      const limited = await get(TOKEN_A).expect(429);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      assert.match(limited.body.detail, /more than 60 requests a minute \(bursts of 5\)/);
      await get(TOKEN_B).expect(200); // another token has its own bucket
      for (let i = 0; i < 5; i++) await get().expect(200);
      await get().expect(429); // anonymous callers by address
      await new Promise((r) => setTimeout(r, 1100)); // one request a second comes back
      await get(TOKEN_A).expect(200);
      await get(TOKEN_A).expect(429);
      await request(t.app).get('/ui/').expect(200); // the dashboard's files are not counted
      record({ area: 'limits', what: 'per-token and per-address rate limit (429 + Retry-After)', tried: 20, held: true });
    });
  });

  describe('inputs per request, executions at once', () => {
    let t: TestServer;
    before(async () => {
      t = await startServer('pglite', { SCALE_EXECUTOR: 'local', SCALE_MAX_INPUTS: '3', SCALE_NODE_MAX_EXECUTIONS: '2', SCALE_NODE_CPUS: '8', SCALE_NODE_MEM: '8192' });
    });
    after(() => t?.close());

    it('refuses more than SCALE_MAX_INPUTS inputs with 413 on the Scale API, OGC API and WPS, before storing anything', async () => {
      const jt = await createJobType(t.app, { interface: { version: '1.0', command: '/bin/true', command_arguments: '', input_data: [{ name: 'files', type: 'files' }] } });
      const f = await upload(t.app, 'x', 'x.txt');
      const tooMany = await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { version: '1.0', input_data: [{ name: 'files', file_ids: [f.id, f.id, f.id, f.id] }] } }).expect(413);
      assert.match(tooMany.body.detail, /4 inputs were given; at most 3 are taken \(SCALE_MAX_INPUTS\)/);
      await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { version: '1.0', input_data: [{ name: 'files', file_ids: [f.id, f.id] }] } }).expect(201);
      const a = await stepJobType(t.app, `limits-a-${process.pid}`, 'copy', 'a', { input: 'files' });
      const rt = await createRecipeType(t.app, { name: `limits-r-${process.pid}`, definition: { version: '1.0', input_data: [{ name: 'in', type: 'files' }], jobs: [{ name: 's', job_type: { name: a.name, version: a.version }, recipe_inputs: [{ recipe_input: 'in', job_input: 'input' }] }] } });
      await request(t.app).post('/scale/queue/new-recipe/').send({ recipe_type_id: rt.id, recipe_data: { version: '1.0', input_data: [{ name: 'in', file_ids: [f.id, f.id, f.id, f.id, f.id] }] } }).expect(413);
      const before = (await t.db.query('SELECT count(*)::int AS n FROM scale_file')).rows[0].n;
      const ogc = await request(t.app).post(`/processes/${jt.name}/execution`).send({ inputs: { files: ['a', 'b', 'c', 'd'].map((x) => ({ value: x, mediaType: 'text/plain' })) } });
      assert.equal(ogc.status, 413, ogc.text);
      assert.equal((await t.db.query('SELECT count(*)::int AS n FROM scale_file')).rows[0].n, before, 'nothing stored for a refused execution');
      const xml = `<wps:Execute xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0" service="WPS" version="2.0.0" response="document" mode="sync"><ows:Identifier>${jt.name}</ows:Identifier>${
        ['a', 'b', 'c', 'd'].map((x) => `<wps:Input id="files"><wps:Data mimeType="text/plain">${x}</wps:Data></wps:Input>`).join('')}</wps:Execute>`;
      const wps = await request(t.app).post('/wps').set('Content-Type', 'text/xml').send(xml);
      assert.equal(wps.status, 413, wps.text);
      assert.match(wps.text, /exceptionCode="TooManyInputs"/);
      record({ area: 'limits', what: 'inputs per job, recipe, OGC and WPS execution (413)', tried: 4, held: true });
    });

    it('runs at most SCALE_NODE_MAX_EXECUTIONS executions at once on the node, and at most max_scheduled of a job type', async () => {
      const sleep = await createJobType(t.app, { interface: { version: '1.0', command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '0.6', input_data: [] } });
      const capped = await createJobType(t.app, { max_scheduled: 1, interface: { version: '1.0', command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '0.6', input_data: [] } });
      const jobs = [];
      for (let i = 0; i < 5; i++) jobs.push(await queueJob(t.app, sleep.id, { version: '1.0', input_data: [] }));
      for (let i = 0; i < 3; i++) jobs.push(await queueJob(t.app, capped.id, { version: '1.0', input_data: [] }));
      let most = 0;
      let mostCapped = 0;
      const sampler = setInterval(async () => {
        const r = await t.db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE job_type_id = $1)::int AS c FROM job_exe WHERE status = 'RUNNING'`, [capped.id]);
        most = Math.max(most, r.rows[0].n);
        mostCapped = Math.max(mostCapped, r.rows[0].c);
      }, 25);
      try {
        for (const j of jobs) assert.equal((await waitForJob(t.app, j.id, undefined, 30_000)).status, 'COMPLETED');
      } finally {
        clearInterval(sampler);
      }
      assert.ok(most >= 2 && most <= 2, `at most 2 at once (saw ${most})`);
      assert.equal(mostCapped, 1, 'the job type with max_scheduled 1 never ran two');
      record({ area: 'limits', what: 'executions at once per node and per job type', tried: jobs.length, held: true, figures: { most_at_once: most } });
    });
  });
});
