// Scale v6 endpoints that name job types by name and version (/job-type-names/, /job-types/{name}/,
// /job-types/{name}/{version}/ and its revisions), the pending job types, the system version, and
// the bulk /jobs/cancel/ and /jobs/requeue/, against a real server (PGlite and PostgreSQL).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createJobType, queueJob, upload, waitForJob } from './helpers/scale.ts';
import { seedManifest } from './helpers/seed.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

const IFACE = {
  command: '${INPUT_FILE} ${OUTPUT_DIR}',
  inputs: { files: [{ name: 'INPUT_FILE', mediaTypes: ['text/plain'] }] },
  outputs: { files: [{ name: 'OUTPUT_FILE', pattern: '*.out', mediaType: 'text/plain' }] },
};

for (const kind of dbKinds()) {
  describe(`Scale v6 job types by name and version, bulk cancel and requeue (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    let m: any;
    let v1: any;
    let recipeId: number;
    const api = () => request(t.app);
    before(async () => {
      // No Docker runtime here: SEED jobs stay QUEUED, and jobs behind them PENDING.
      t = await startServer(kind, { SCALE_EXECUTOR: 'local' });
      m = seedManifest({}, IFACE);
      v1 = (await api().post('/scale/v6/job-types/').send({ docker_image: `${m.job.name}-1.0.0-seed:1.0.0`, manifest: m }).expect(201)).body;
      const m2 = structuredClone(m);
      m2.job.jobVersion = '2.0.0';
      m2.job.title = 'Version two';
      await api().post('/scale/v6/job-types/').send({ docker_image: `${m.job.name}-2.0.0-seed:1.0.0`, manifest: m2 }).expect(201);
    });
    after(() => t?.close());

    it('lists job type names with their versions, and a name\'s versions', async () => {
      const names = (await api().get('/scale/v6/job-type-names/').query({ keyword: m.job.name.slice(0, -1) }).expect(200)).body;
      assert.equal(names.count, 1);
      assert.deepEqual(names.results[0], { name: m.job.name, title: 'Version two', description: 'A job for the tests', icon_code: null, is_published: false, versions: ['1.0.0', '2.0.0'], latest_version: '2.0.0' });
      assert.equal((await api().get('/scale/v6/job-type-names/').query({ id: v1.id }).expect(200)).body.results[0].name, m.job.name);
      assert.equal((await api().get('/scale/v6/job-type-names/').query({ keyword: 'no-such-thing' }).expect(200)).body.count, 0);
      const desc = (await api().get('/scale/v6/job-type-names/').query({ order: '-name', page_size: 1 }).expect(200)).body;
      assert.equal(desc.results.length, 1);
      assert.ok(desc.next, 'paged');
      const versions = (await api().get(`/scale/v6/job-types/${m.job.name}/`).expect(200)).body;
      assert.equal(versions.count, 2);
      assert.deepEqual(versions.results.map((v: any) => v.version), ['1.0.0', '2.0.0']);
      for (const k of ['id', 'name', 'version', 'title', 'description', 'icon_code', 'is_published', 'is_active', 'is_paused', 'is_system', 'max_scheduled', 'revision_num', 'docker_image', 'unmet_resources', 'created', 'deprecated', 'paused', 'last_modified']) {
        assert.ok(k in versions.results[0], `a version has ${k}`);
      }
      assert.equal((await api().get(`/scale/v6/job-types/${m.job.name}/`).query({ is_active: false }).expect(200)).body.count, 0);
      await api().get('/scale/v6/job-types/no-such-job-type/').expect(404);
      // The id routes and the fixed ones are still theirs.
      assert.equal((await api().get(`/scale/v6/job-types/${v1.id}/`).expect(200)).body.name, m.job.name);
      await api().get('/scale/v6/job-types/status/').expect(200);
    });

    it('shows one version, edits it (204 with no body, as Scale 6), and keeps its revisions', async () => {
      const path = `/scale/v6/job-types/${m.job.name}/1.0.0/`;
      const d = (await api().get(path).expect(200)).body;
      assert.equal(d.id, v1.id);
      assert.equal(d.manifest.job.name, m.job.name);
      assert.deepEqual(d.recipe_types, []);
      assert.equal(d.deprecated, null);
      assert.ok('configuration' in d && 'max_tries' in d);
      const edited = await api().patch(path).send({ is_paused: true, max_scheduled: 2, icon_code: 'f013' }).expect(204);
      assert.equal(edited.text, '');
      const after = (await api().get(path).expect(200)).body;
      assert.equal(after.is_paused, true);
      assert.equal(after.max_scheduled, 2);
      assert.equal(after.icon_code, 'f013');
      assert.equal(after.revision_num, 1, 'flags are not a revision');
      await api().patch(path).send({ is_paused: false, docker_image: `${m.job.name}-1.0.0-seed:1.0.1` }).expect(204);
      const revisions = (await api().get(`${path}revisions/`).expect(200)).body;
      assert.equal(revisions.count, 2);
      assert.deepEqual(revisions.results.map((r: any) => [r.revision_num, r.docker_image]), [[2, `${m.job.name}-1.0.0-seed:1.0.1`], [1, `${m.job.name}-1.0.0-seed:1.0.0`]]);
      assert.equal(revisions.results[0].job_type.name, m.job.name);
      const r1 = (await api().get(`${path}revisions/1/`).expect(200)).body;
      assert.equal(r1.revision_num, 1);
      assert.equal(r1.manifest.job.jobVersion, '1.0.0');
      assert.equal(r1.docker_image, `${m.job.name}-1.0.0-seed:1.0.0`);
      // Bad input: unknown versions and revisions, bad fields, another job's manifest.
      await api().get(`/scale/v6/job-types/${m.job.name}/9.9.9/`).expect(404);
      assert.match((await api().get(`${path}revisions/99/`).expect(404)).body.detail, /no revision "99"/);
      await api().get(`${path}revisions/abc/`).expect(404);
      assert.equal((await api().patch(path).send({ is_paused: 'yes' }).expect(400)).body.field, 'is_paused');
      assert.equal((await api().patch(path).send({ no_such_field: 1 }).expect(400)).body.field, 'no_such_field');
      assert.equal((await api().patch(path).send({ manifest: seedManifest({}, IFACE) }).expect(400)).body.field, 'manifest.job');
      await api().patch(`/scale/v6/job-types/${m.job.name}/9.9.9/`).send({ is_paused: true }).expect(404);
    });

    it('names the recipe types a version belongs to, and lists job types with pending jobs', async () => {
      const node = (deps: unknown[], input: Record<string, unknown>) => ({ dependencies: deps, input, node_type: { node_type: 'job', job_type_name: m.job.name, job_type_version: '1.0.0', job_type_revision: 2 } });
      const recipeType = {
        title: 'Two steps & more', description: 'a then b',
        definition: {
          version: '7',
          input: { files: [{ name: 'IN', media_types: ['text/plain'], required: true, multiple: false }], json: [] },
          nodes: {
            a: node([], { INPUT_FILE: { type: 'recipe', input: 'IN' } }),
            b: node([{ name: 'a', acceptance: true }], { INPUT_FILE: { type: 'dependency', node: 'a', output: 'OUTPUT_FILE' } }),
          },
        },
      };
      // v6 gives no name: it is made from the title as Scale makes it, and made unique.
      const rt = (await api().post('/scale/v6/recipe-types/').send(recipeType).expect(201)).body;
      assert.equal(rt.name, 'two-steps-more');
      const d = (await api().get(`/scale/v6/job-types/${m.job.name}/1.0.0/`).expect(200)).body;
      assert.deepEqual(d.recipe_types.map((x: any) => x.name), [rt.name]);
      assert.deepEqual((await api().get(`/scale/v6/job-types/${m.job.name}/2.0.0/`).expect(200)).body.recipe_types, []);
      assert.match((await api().post('/scale/v6/recipe-types/').send({ ...recipeType, is_active: false }).expect(201)).body.name, /^two-steps-more-[0-9a-f]{19}$/);
      assert.equal((await api().post('/scale/v6/recipe-types/').send({ ...recipeType, title: '!!!' }).expect(400)).body.field, 'name');
      const file = await upload(t.app, 'text\n', 'in.txt', { media_type: 'text/plain' });
      recipeId = (await api().post('/scale/v6/recipes/').send({ recipe_type_id: rt.id, input: { files: { IN: [file.id] }, json: {} } }).expect(201)).body.id;
      const jobs = await recipeJobs();
      assert.deepEqual(jobs.map((j) => j.status), ['QUEUED', 'PENDING']);
      const pending = (await api().get('/scale/v6/job-types/pending/').expect(200)).body;
      assert.equal(pending.count, 1);
      assert.equal(pending.results[0].job_type.id, v1.id);
      assert.equal(pending.results[0].count, 1);
      assert.ok(pending.results[0].longest_pending);
    });

    async function recipeJobs(): Promise<{ id: number; status: string }[]> {
      const res = await t.db.query<{ id: number; status: string }>('SELECT j.id, j.status FROM recipe_node n JOIN job j ON j.id = n.job_id WHERE n.recipe_id = $1 ORDER BY n.node_name', [recipeId]);
      return res.rows.map((r) => ({ id: Number(r.id), status: r.status }));
    }

    it('cancels and requeues jobs by filter (202), and refuses bad filters naming the field, changing nothing', async () => {
      // Filters that match nothing change nothing: batches (there are none), superseded jobs (never), another error.
      for (const b of [{ recipe_ids: [recipeId], batch_ids: [1] }, { recipe_ids: [recipeId], is_superseded: true }, { recipe_ids: [recipeId], error_categories: ['SYSTEM'] }]) {
        await api().post('/scale/v6/jobs/cancel/').send(b).expect(202);
      }
      assert.deepEqual((await recipeJobs()).map((j) => j.status), ['QUEUED', 'PENDING']);
      for (const [b, field] of [[{ priority: 5 }, 'priority'], [{ status: 'COMPLETED' }, 'status'], [{ started: 'soon' }, 'started'], [{ job_types: [{ name: 'x' }] }, 'job_types[0].version'], [{ recipe_ids: ['one'] }, 'recipe_ids[0]']] as const) {
        const res = await api().post('/scale/v6/jobs/cancel/').send(b).expect(400);
        assert.equal(res.body.field, field, JSON.stringify(res.body));
      }
      assert.equal((await api().post('/scale/v6/jobs/requeue/').send({ status: 'RUNNING' }).expect(400)).body.field, 'status');
      assert.deepEqual((await recipeJobs()).map((j) => j.status), ['QUEUED', 'PENDING']);

      await api().post('/scale/v6/jobs/cancel/').send({ recipe_ids: [recipeId], job_types: [{ name: m.job.name, version: '1.0.0' }] }).expect(202);
      assert.deepEqual((await recipeJobs()).map((j) => j.status), ['CANCELED', 'CANCELED']);
      assert.equal((await t.db.query('SELECT count(*)::int AS n FROM queue WHERE job_id = ANY($1::bigint[])', [(await recipeJobs()).map((j) => j.id)])).rows[0].n, 0, 'off the queue');
      // v5's requeue now honours error_categories: canceled jobs have no error, so none is requeued.
      assert.equal((await api().post('/scale/queue/requeue-jobs/').send({ job_ids: (await recipeJobs()).map((j) => j.id), error_categories: ['SYSTEM'] }).expect(200)).body.count, 0);
      await api().post('/scale/v6/jobs/requeue/').send({ recipe_ids: [recipeId], status: 'CANCELED', priority: 7 }).expect(202);
      const [a, b] = await recipeJobs();
      assert.equal(a.status, 'QUEUED', 'a job with its input goes back on the queue');
      assert.equal(b.status, 'PENDING', 'a job still waiting for its parent goes back to PENDING');
      assert.equal((await api().get(`/scale/v6/jobs/${a.id}/`).expect(200)).body.priority, 7);
    });

    it('sums what waiting and running jobs ask of the cluster (queued-resources)', async () => {
      const q = (await api().get('/scale/v6/scheduler/queued-resources/').expect(200)).body;
      const db = (await t.db.query(`SELECT status, count(*)::int AS n, sum(cpus_required)::float8 AS cpus, sum(mem_required)::float8 AS mem FROM job WHERE status IN ('PENDING', 'QUEUED', 'RUNNING') GROUP BY status`)).rows;
      const want = (s: string) => db.find((r) => r.status === s);
      assert.deepEqual(q.queue_lengths, { PENDING: want('PENDING')?.n ?? 0, QUEUED: want('QUEUED')?.n ?? 0, RUNNING: want('RUNNING')?.n ?? 0 });
      assert.ok(q.queue_lengths.QUEUED >= 1 && q.queue_lengths.PENDING >= 1, JSON.stringify(q));
      assert.equal(q.total_resources.QUEUED.cpus, want('QUEUED')!.cpus);
      assert.equal(q.total_resources.QUEUED.mem, want('QUEUED')!.mem);
      assert.deepEqual(q.total_resources.RUNNING, want('RUNNING') ? q.total_resources.RUNNING : {}, 'a status with no job asks for nothing');
      const node = (await api().get('/scale/v6/nodes/').expect(200)).body.results[0];
      const details = (await api().get(`/scale/v6/nodes/${node.id}/`).expect(200)).body;
      assert.equal(q.cluster_resources.cpus, details.resources.total.cpus, 'the one node is the cluster');
      assert.equal(q.cluster_resources.gpus, 0);
    });

    it('creates Strikes and Scans from a title (the name made from it) and validates them without creating', async () => {
      const dir = await tempDir('v6-landing-');
      // Scale 6 names a v6 workspace after its title.
      assert.equal((await api().post('/scale/v6/workspaces/').send({ title: 'v6 landing', configuration: { broker: { type: 'host', host_path: dir } } }).expect(201)).body.name, 'v6-landing');
      const strike = { title: 'My Strike Process', description: 'Watches the landing', configuration: { workspace: 'v6-landing', monitor: { type: 'dir-watcher', transfer_suffix: '_tmp' }, files_to_ingest: [{ filename_regex: '.*txt' }] } };
      const scan = { title: 'My Scan Process', configuration: { workspace: 'v6-landing', scanner: { type: 'dir' }, recursive: true, files_to_ingest: [{ filename_regex: '.*txt' }] } };
      for (const [kind, body] of [['strikes', strike], ['scans', scan]] as const) {
        assert.deepEqual((await api().post(`/scale/v6/${kind}/validation/`).send(body).expect(200)).body, { is_valid: true, errors: [], warnings: [] });
        // Scale 6 answers an invalid configuration with 400 and the same body, and reads nothing but the configuration.
        const bad = (await api().post(`/scale/v6/${kind}/validation/`).send({ ...body, configuration: { ...body.configuration, workspace: 'nowhere' } }).expect(400)).body;
        assert.equal(bad.is_valid, false);
        assert.deepEqual(bad.errors.map((e: any) => e.name), ['configuration.workspace']);
        assert.equal((await api().post(`/scale/v6/${kind}/validation/`).send({ configuration: body.configuration }).expect(200)).body.is_valid, true);
        assert.equal((await api().get(`/scale/v6/${kind}/`).expect(200)).body.count, 0, 'validation creates nothing');
        const created = (await api().post(`/scale/v6/${kind}/`).send(body).expect(201)).body;
        assert.equal(created.name, body.title.toLowerCase().replaceAll(' ', '-'));
        assert.match((await api().post(`/scale/v6/${kind}/`).send(body).expect(201)).body.name, new RegExp(`^${created.name}-[0-9a-f]{19}$`), 'a taken name is made unique');
      }
    });

    it('counts jobs started and recipes created per day (timelines)', async () => {
      const jt = await createJobType(t.app, { interface: { version: '1.0', command: '/bin/true', command_arguments: '', input_data: [], output_data: [] } });
      const ran: any[] = [];
      for (let i = 0; i < 2; i++) ran.push(await waitForJob(t.app, (await queueJob(t.app, jt.id, { version: '1.0', input_data: [] })).id));
      assert.deepEqual(ran.map((j) => j.status), ['COMPLETED', 'COMPLETED']);
      const dayOf = (at: string) => `${at.slice(0, 10)}T00:00:00.000Z`;
      const today = dayOf(ran[0].started);
      assert.equal(dayOf(ran[1].started), today, 'both started on one UTC day');
      const jobs = (await api().get('/scale/v6/timeline/job-types/').query({ started: 'PT1H', id: jt.id }).expect(200)).body;
      assert.deepEqual(jobs, { count: 1, results: [{ job_type_id: jt.id, name: jt.name, version: '1.0', title: jt.title, revision_num: 1, results: [{ date: today, count: 2 }] }] });
      assert.equal((await api().get('/scale/v6/timeline/job-types').query({ started: 'PT1H', name: jt.name, version: '9.9' }).expect(200)).body.count, 0);
      assert.equal((await api().get('/scale/v6/timeline/job-types/').query({ started: '2000-01-01T00:00:00Z', ended: '2000-01-02T00:00:00Z', id: jt.id }).expect(200)).body.count, 0);
      const recipes = (await api().get('/scale/v6/timeline/recipe-types/').query({ started: 'P1D', name: 'two-steps-more' }).expect(200)).body;
      const recipe = (await api().get(`/scale/v6/recipes/${recipeId}/`).expect(200)).body;
      assert.deepEqual(recipes.results.map((r: any) => [r.name, r.revision_num, r.results]), [['two-steps-more', 1, [{ date: dayOf(recipe.created), count: 1 }]]]);
      assert.equal((await api().get('/scale/v6/timeline/recipe-types/').query({ started: 'P1D', name: 'two-steps-more', rev: 2 }).expect(200)).body.count, 0);
      assert.equal((await api().get('/scale/v6/timeline/job-types/').expect(400)).body.field, 'started');
      assert.equal((await api().get('/scale/v6/timeline/recipe-types/').query({ started: 'yesterday' }).expect(400)).body.field, 'started');
      assert.equal((await api().get('/scale/v6/timeline/job-types/').query({ started: 'PT1H', id: 'x' }).expect(400)).body.field, 'id');
    });

    it('answers the paths v6 documents besides its usual ones (POST /job/, /recipe-types/{name}/{num}/, POST /workspaces/{id}/)', async () => {
      const jt = await createJobType(t.app, { interface: { version: '1.0', command: '/bin/true', command_arguments: '', input_data: [], output_data: [] } });
      const job = (await api().post('/scale/v6/job/').send({ job_type_id: jt.id, input: { files: {}, json: {} } }).expect(201)).body;
      assert.equal(job.job_type.id, jt.id);
      const byRevisions = (await api().get('/scale/v6/recipe-types/two-steps-more/revisions/1/').expect(200)).body;
      assert.deepEqual((await api().get('/scale/v6/recipe-types/two-steps-more/1/').expect(200)).body, byRevisions);
      await api().get('/scale/v6/recipe-types/two-steps-more/7/').expect(404);
      const ws = (await api().get('/scale/v6/workspaces/').expect(200)).body.results.find((w: any) => w.name === 'v6-landing');
      await api().post(`/scale/v6/workspaces/${ws.id}/`).send({ title: 'Landing zone' }).expect(204);
      assert.equal((await api().get(`/scale/v6/workspaces/${ws.id}/`).expect(200)).body.title, 'Landing zone');
      assert.equal((await api().post(`/scale/v6/workspaces/${ws.id}/`).send({ title: 7 }).expect(400)).body.field, 'title');
    });

    it('queues diagnostic jobs and casino recipes (202), as system job types kept off the OGC process list', async () => {
      const jobsOf = async (name: string) => (await t.db.query<{ id: number; status: string }>('SELECT j.id, j.status FROM job j JOIN job_type jt ON jt.id = j.job_type_id WHERE jt.name = $1 ORDER BY j.id', [name])).rows;
      const ended = (name: string, n: number) => waitFor(async () => {
        const js = await jobsOf(name);
        return js.length === n && js.every((j) => ['COMPLETED', 'FAILED', 'CANCELED'].includes(j.status)) ? js : null;
      }, { timeoutMs: 60_000, what: `${n} ${name} jobs to end` });
      await api().post('/scale/v6/diagnostics/job/hello/').send({ num: 3 }).expect(202);
      assert.deepEqual((await ended('scale-hello', 3)).map((j) => j.status), ['COMPLETED', 'COMPLETED', 'COMPLETED']);
      const hello = (await api().get('/scale/v6/job-types/scale-hello/1.0.0/').expect(200)).body;
      assert.equal(hello.is_system, true);
      assert.ok(!(await request(t.url!).get('/processes?limit=1000').expect(200)).body.processes.some((p: any) => p.id === 'scale-hello'), 'not an OGC process');
      // Roulette: each execution completes or loses (exit 1, its own error); a lost job is retried.
      await api().post('/scale/v6/diagnostics/job/roulette/').send({ num: 16 }).expect(202);
      const roulette = await ended('scale-roulette', 16);
      const exes = (await t.db.query(`SELECT x.status, e.name FROM job_exe x LEFT JOIN error e ON e.id = x.error_id WHERE x.job_id = ANY($1::bigint[])`, [roulette.map((j) => j.id)])).rows;
      assert.ok(exes.some((x) => x.status === 'COMPLETED') && exes.some((x) => x.status === 'FAILED'), 'both outcomes happen');
      assert.deepEqual([...new Set(exes.filter((x) => x.status === 'FAILED').map((x) => x.name))], ['roulette-lost']);
      // Bake runs for a while: it is running until canceled.
      await api().post('/scale/v6/diagnostics/job/bake/').send({ num: 1 }).expect(202);
      const [bake] = await waitFor(async () => ((await jobsOf('scale-bake'))[0]?.status === 'RUNNING' ? jobsOf('scale-bake') : null), { timeoutMs: 30_000, what: 'the bake job to run' });
      await api().post('/scale/v6/jobs/cancel/').send({ job_ids: [bake.id] }).expect(202);
      assert.equal((await ended('scale-bake', 1))[0].status, 'CANCELED');
      // Casino: recipes of three roulette jobs, one after another.
      await api().post('/scale/v6/diagnostics/recipe/casino/').send({ num: 2 }).expect(202);
      const casinos = (await api().get('/scale/v6/recipes/').query({ recipe_type_name: 'scale-casino' }).expect(200)).body;
      assert.equal(casinos.count, 2);
      const rt = (await api().get('/scale/v6/recipe-types/scale-casino/').expect(200)).body;
      assert.equal(rt.is_system, true);
      assert.deepEqual(Object.keys(rt.definition?.nodes ?? rt.revision?.definition?.nodes ?? {}).sort(), ['roulette-1', 'roulette-2', 'roulette-3']);
      for (const [b, status] of [[{ num: 0 }, 400], [{}, 400], [{ num: 10_001 }, 400], [{ num: 'many' }, 400], [{ num: 1, extra: true }, 400]] as const) {
        const res = await api().post('/scale/v6/diagnostics/job/hello/').send(b).expect(status);
        assert.ok(['num', 'extra'].includes(res.body.field), JSON.stringify(res.body));
      }
    });

    it('tells the system version', async () => {
      const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
      assert.deepEqual((await api().get('/scale/v6/version/').expect(200)).body, { version });
    });
  });
}
