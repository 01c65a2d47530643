// Strikes and Scans as Scale 6.0.0 shows them (ingest/views.py, serializers.py, models.py, and the
// assertions of ingest/test/test_views.py): each Strike run and each Scan sweep is a job of the system
// job types scale-strike and scale-scan, RUNNING while it works, never queued for a node, with its
// log; a cancel or requeue of that job through the jobs API stops or restarts the Strike, or sweeps
// the Scan again. Then the Scan process and edit rules (dry runs again and again, one ingesting run,
// 409 after it, v6 200 / v5 201), lists with name filter and order, ingests by file name and of a
// source file, and POST /v6/files/purge-source/ removing a source file with everything made from it.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createRecipeType, newRecipe, stepJobType, waitForRecipe } from './helpers/recipes.ts';
import { createJobType, queueJob, script, waitForJob } from './helpers/scale.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

for (const kind of dbKinds()) {
  describe(`Strikes and Scans with their jobs, ingests and source purges (${kind})`, function () {
    this.timeout(90_000);
    let t: TestServer;
    const api = () => request(t.app);
    const tick = () => t.core.strikes.tick(30);
    const hostWs = async (name: string) => {
      const dir = await tempDir(`${name}-`);
      await api().post('/scale/workspaces/').send({ name, json_config: { broker: { type: 'host', host_path: dir } } }).expect(201);
      return dir;
    };
    const job = async (id: number) => (await api().get(`/scale/jobs/${id}/`).expect(200)).body;
    const queueRows = async (jobId: number) => Number((await t.db.query('SELECT count(*)::int AS n FROM queue WHERE job_id = $1', [jobId])).rows[0].n);
    const stdout = async (exeId: number) => (await api().get(`/scale/job-executions/${exeId}/logs/stdout/`)).text ?? '';

    before(async () => {
      t = await startServer(kind, { SCALE_STRIKE_POLL_MS: '3600000' });
    });
    after(async () => t?.close());

    describe('a Strike and its scale-strike job', () => {
      let landing: string;
      let strike: any;

      before(async () => {
        landing = await hostWs('strike-landing');
        const res = await api().post('/scale/v6/strikes/').send({
          title: 'My Strike Process', description: 'Watches the landing',
          configuration: { workspace: 'strike-landing', monitor: { type: 'dir-watcher', transfer_suffix: '_tmp' }, files_to_ingest: [{ filename_regex: '\\.txt$', data_types: ['text'] }] },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        strike = res.body;
      });

      it('shows its job as Scale v6 does (JobBaseSerializerV6: id, job_type, status), RUNNING, of the system job type scale-strike', async () => {
        assert.deepEqual(Object.keys(strike.job).sort(), ['id', 'job_type', 'status']);
        assert.equal(strike.job.status, 'RUNNING');
        const jt = strike.job.job_type;
        assert.deepEqual(
          { name: jt.name, version: jt.version, title: jt.title, description: jt.description, icon_code: jt.icon_code, is_published: jt.is_published },
          { name: 'scale-strike', version: '1.0', title: 'Scale Strike', description: 'Monitors a directory for incoming source files to ingest', icon_code: 'f0e7', is_published: false },
        );
        const listed = (await api().get('/scale/v6/strikes/').expect(200)).body;
        assert.equal(listed.count, 1);
        assert.deepEqual(listed.results[0].job, strike.job);
        assert.equal(listed.results[0].configuration, undefined, 'the list has no configuration (StrikeSerializerV6)');
        // v5 (and the unversioned paths) use JobBaseSerializerV5.
        const v5 = (await api().get(`/scale/v5/strikes/${strike.id}/`).expect(200)).body.job;
        assert.equal(v5.id, strike.job.id);
        assert.equal(v5.job_type.name, 'scale-strike');
        assert.equal(v5.job_type.is_system, true);
        assert.equal(v5.job_type.is_long_running, true);
        assert.deepEqual({ status: v5.status, num_exes: v5.num_exes, priority: v5.priority, node: v5.node, error: v5.error }, { status: 'RUNNING', num_exes: 1, priority: 5, node: null, error: null });
        assert.ok(v5.job_type_rev.id);
      });

      it('is a job of the jobs API (is_system job type, Strike ID input), never queued for a node', async () => {
        const details = await job(strike.job.id);
        assert.equal(details.status, 'RUNNING');
        assert.equal(details.job_type.is_system, true);
        assert.equal(details.job_type.category, 'system');
        assert.deepEqual(details.inputs, [{ name: 'Strike ID', type: 'property', value: String(strike.id) }]);
        assert.equal(details.job_exes.length, 1);
        assert.equal(details.job_exes[0].status, 'RUNNING');
        assert.equal(details.job_exes[0].node, null, 'no node runs it');
        assert.equal(await queueRows(strike.job.id), 0);
        const listed = (await api().get('/scale/v6/jobs/').query({ job_type_name: 'scale-strike' }).expect(200)).body;
        assert.deepEqual(listed.results.map((j: any) => j.id), [strike.job.id]);
        // The scheduler (polling every 100 ms) leaves it alone.
        await new Promise((r) => setTimeout(r, 500));
        const later = await job(strike.job.id);
        assert.deepEqual({ status: later.status, num_exes: later.num_exes }, { status: 'RUNNING', num_exes: 1 });
        // Not a process of the OGC door, and no job of it can be made through the jobs API.
        const processes = (await api().get('/processes').set('Accept', 'application/json').expect(200)).body.processes.map((p: any) => p.id);
        assert.ok(!processes.includes('scale-strike') && !processes.includes('scale-scan'), processes.join(', '));
        const refused = await api().post('/scale/queue/new-job/').send({ job_type_id: details.job_type.id, job_data: { version: '1.0', input_data: [{ name: 'Strike ID', value: String(strike.id) }] } }).expect(400);
        assert.equal(refused.body.field, 'job_type_id');
      });

      it("writes what each sweep did to its job's execution log", async () => {
        await fs.writeFile(path.join(landing, 'a.txt'), 'hello');
        await fs.writeFile(path.join(landing, 'b.tif'), 'not text');
        await tick();
        const exe = (await job(strike.job.id)).job_exes[0];
        const log = await stdout(exe.id);
        assert.match(log, /Strike my-strike-process \(id \d+\) started: watching workspace strike-landing \(dir-watcher, transfer suffix "_tmp"\)/);
        assert.match(log, /a\.txt: goes to strike-landing:\d{4}\/\d{2}\/\d{2}\/a\.txt/);
        assert.match(log, /b\.tif: DEFERRED/);
        assert.match(log, /2 file\(s\): 1 ingested, 1 deferred, 0 duplicate\(s\), 0 errored/);
        assert.equal((await api().get(`/scale/job-executions/${exe.id}/logs/`).expect(200)).body.is_finished, false);
      });

      it('stops (v6 PATCH answers 204): its job is CANCELED; started again (v5 PATCH answers the details): a new RUNNING job', async () => {
        const first = strike.job.id;
        await api().patch(`/scale/v6/strikes/${strike.id}/`).send({ is_active: false }).expect(204);
        const stopped = (await api().get(`/scale/v6/strikes/${strike.id}/`).expect(200)).body;
        assert.equal(stopped.is_active, false);
        assert.deepEqual({ id: stopped.job.id, status: stopped.job.status }, { id: first, status: 'CANCELED' });
        const ended = await job(first);
        assert.equal(ended.job_exes[0].status, 'CANCELED');
        assert.match(await stdout(ended.job_exes[0].id), /stopped \(is_active set to false\)/);
        const again = (await api().patch(`/scale/v5/strikes/${strike.id}/`).send({ is_active: true }).expect(200)).body;
        assert.equal(again.is_active, true);
        assert.notEqual(again.job.id, first);
        assert.equal(again.job.status, 'RUNNING');
        strike = again;
      });

      it('stops when its job is canceled through the jobs API, and starts again when that job is requeued (PENDING, not QUEUED)', async () => {
        const id = strike.job.id;
        await api().patch(`/scale/jobs/${id}/`).send({ status: 'CANCELED' }).expect(200);
        await tick();
        const stopped = (await api().get(`/scale/strikes/${strike.id}/`).expect(200)).body;
        assert.deepEqual({ active: stopped.is_active, status: stopped.job.status }, { active: false, status: 'CANCELED' });
        assert.equal((await job(id)).job_exes[0].status, 'CANCELED', 'its execution ends with it');

        await api().post('/scale/queue/requeue-jobs/').send({ job_ids: [id] }).expect(200);
        const requeued = await job(id);
        assert.equal(requeued.status, 'PENDING', 'handed back to the Strike, not to the queue');
        assert.equal(await queueRows(id), 0);
        await tick();
        const restarted = (await api().get(`/scale/strikes/${strike.id}/`).expect(200)).body;
        assert.deepEqual({ active: restarted.is_active, id: restarted.job.id, status: restarted.job.status }, { active: true, id, status: 'RUNNING' });
        const details = await job(id);
        assert.equal(details.num_exes, 2);
        assert.deepEqual(details.job_exes.map((x: any) => x.status).sort(), ['CANCELED', 'RUNNING']);
        const current = details.job_exes.find((x: any) => x.status === 'RUNNING');
        assert.match(await stdout(current.id), /started again: its job was requeued/);
        // A Strike made before Strikes had jobs gets one on the next sweep.
        await t.db.query('UPDATE strike SET job_id = NULL WHERE id = $1', [strike.id]);
        await tick();
        const adopted = (await api().get(`/scale/strikes/${strike.id}/`).expect(200)).body;
        assert.equal(adopted.job.status, 'RUNNING');
        assert.notEqual(adopted.job.id, id);
      });
    });

    describe('a Scan and its scale-scan jobs (ScansProcessView, ScansDetailsView)', () => {
      let dir: string;
      const config = { workspace: 'scanned', scanner: { type: 'dir' }, recursive: true, files_to_ingest: [{ filename_regex: '\\.csv$', data_types: ['table'] }] };
      const newScan = async (title: string) => (await api().post('/scale/v6/scans/').send({ title, description: 'A Scan', configuration: config }).expect(201)).body;

      before(async () => {
        dir = await hostWs('scanned');
        await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
        await fs.writeFile(path.join(dir, 'x1.csv'), '1');
        await fs.writeFile(path.join(dir, 'sub', 'x2.csv'), '22');
        await fs.writeFile(path.join(dir, 'notes.md'), 'n');
      });

      it('shows a new Scan with no file_count, job or dry_run_job (test_successful)', async () => {
        const scan = await newScan('Scan One');
        const got = (await api().get(`/scale/v6/scans/${scan.id}/`).expect(200)).body;
        assert.deepEqual({ id: got.id, name: got.name, file_count: got.file_count, job: got.job, dry_run_job: got.dry_run_job }, { id: scan.id, name: 'scan-one', file_count: null, job: null, dry_run_job: null });
        assert.ok(got.configuration);
        await api().get('/scale/v6/scans/100000/').expect(404);
      });

      it('runs dry runs as scale-scan jobs, again and again (v6: 200, v5: 201 with a Location), then ingests once; after that 409', async () => {
        const scan = await newScan('Scan Two');
        await api().post('/scale/v6/scans/100000/process/').send({ ingest: false }).expect(404);
        const dry = (await api().post(`/scale/v6/scans/${scan.id}/process/`).send({ ingest: false }).expect(200)).body;
        assert.ok(dry.dry_run_job);
        assert.equal(dry.job, null);
        assert.deepEqual(Object.keys(dry.dry_run_job).sort(), ['id', 'job_type', 'status']);
        assert.deepEqual({ name: dry.dry_run_job.job_type.name, icon: dry.dry_run_job.job_type.icon_code, status: dry.dry_run_job.status }, { name: 'scale-scan', icon: 'f02a', status: 'COMPLETED' });
        assert.equal(dry.file_count, 2);
        assert.equal((await api().get('/scale/ingests/').query({ scan_id: scan.id }).expect(200)).body.count, 0, 'a dry run records nothing');
        const details = await job(dry.dry_run_job.id);
        assert.deepEqual(details.inputs.map((i: any) => [i.name, i.value]), [['Scan ID', String(scan.id)], ['Dry Run', 'True']]);
        assert.equal(details.job_type.is_system, true);
        const log = await stdout(details.job_exes[0].id);
        assert.match(log, /x1\.csv: would go to scanned:x1\.csv/);
        assert.match(log, /notes\.md: would be DEFERRED/);
        assert.match(log, /dry run: nothing was changed/);

        // test_dry_run_process_reprocess: a second dry run is a new job. No body at all is a dry run too (ingest defaults to false).
        const v5 = await api().post(`/scale/v5/scans/${scan.id}/process/`).send({}).expect(201);
        assert.equal(v5.headers.location, `/scale/v5/scans/${scan.id}/`);
        assert.ok(v5.body.dry_run_job);
        assert.notEqual(v5.body.dry_run_job.id, dry.dry_run_job.id);
        assert.equal(v5.body.dry_run_job.job_type.is_system, true, 'v5 shows JobBaseSerializerV5');
        assert.equal(v5.body.dry_run_job.num_exes, 1);

        // test_ingest_after_dry_run
        const run = (await api().post(`/scale/v6/scans/${scan.id}/process/`).send({ ingest: true }).expect(200)).body;
        assert.ok(run.job);
        assert.equal(run.job.status, 'COMPLETED');
        assert.equal(run.dry_run_job.id, v5.body.dry_run_job.id);
        assert.equal(run.ingested, 2);
        assert.equal((await api().get('/scale/ingests/').query({ scan_id: scan.id, status: 'INGESTED' }).expect(200)).body.count, 2);

        // test_dry_run_process_conflict, test_ingest_process_conflict, test_edit_config_conflict
        await api().post(`/scale/v6/scans/${scan.id}/process/`).send({ ingest: false }).expect(409);
        await api().post(`/scale/v5/scans/${scan.id}/process/`).send({ ingest: true }).expect(409);
        const conflict = await api().patch(`/scale/v6/scans/${scan.id}/`).send({ title: 'Title EDIT' }).expect(409);
        assert.equal(conflict.body.detail, 'Ingest Scan already launched');
        for (const id of [dry.dry_run_job.id, run.job.id]) assert.equal(await queueRows(id), 0);
      });

      it('edits a Scan not yet launched (v6 PATCH: 204; v5: the details) and lists Scans by name and in order', async () => {
        const scan = await newScan('Scan Three');
        await api().patch(`/scale/v6/scans/${scan.id}/`).send({ title: 'Title EDIT', description: 'Description EDIT' }).expect(204);
        const v5 = (await api().patch(`/scale/v5/scans/${scan.id}/`).send({ description: 'Again' }).expect(200)).body;
        assert.deepEqual({ title: v5.title, description: v5.description }, { title: 'Title EDIT', description: 'Again' });
        assert.equal((await api().patch(`/scale/v6/scans/100000/`).send({ title: 'x' })).status, 404);
        const one = (await api().get('/scale/v6/scans/').query({ name: 'scan-one' }).expect(200)).body;
        assert.deepEqual(one.results.map((s: any) => s.name), ['scan-one']);
        const names = (order: string) => api().get('/scale/v6/scans/').query({ order }).expect(200).then((r) => r.body.results.map((s: any) => s.name));
        assert.deepEqual(await names('name'), ['scan-one', 'scan-three', 'scan-two']);
        assert.deepEqual(await names('-name'), ['scan-two', 'scan-three', 'scan-one']);
        const withJobs = (await api().get('/scale/v6/scans/').query({ name: 'scan-two' }).expect(200)).body.results[0];
        assert.equal(withJobs.job.job_type.name, 'scale-scan');
        assert.equal(withJobs.dry_run_job.status, 'COMPLETED');
      });

      it('sweeps again when a Scan job is requeued, and fails a job whose server stopped mid-sweep', async () => {
        const scan = await newScan('Scan Four');
        const dry = (await api().post(`/scale/v6/scans/${scan.id}/process/`).send({}).expect(200)).body.dry_run_job;
        await api().post('/scale/v6/jobs/cancel/').send({ job_ids: [dry.id] }).expect(202);
        assert.equal((await job(dry.id)).status, 'COMPLETED', 'a completed job is not canceled');
        await t.db.query(`UPDATE job SET status = 'FAILED' WHERE id = $1`, [dry.id]);
        await api().post('/scale/v6/jobs/requeue/').send({ job_ids: [dry.id] }).expect(202);
        assert.equal((await job(dry.id)).status, 'PENDING');
        assert.equal(await queueRows(dry.id), 0);
        await t.core.scans.tick();
        const again = await waitForJob(t.app, dry.id, ['COMPLETED', 'FAILED']);
        assert.deepEqual({ status: again.status, num_exes: again.num_exes }, { status: 'COMPLETED', num_exes: 2 });
        assert.match(await stdout(again.job_exes.find((x: any) => x.exe_num === 2).id), /requeued: sweeping again/);

        // A sweep whose execution has been silent for long (its server died) is failed.
        await t.db.query(`UPDATE job SET status = 'RUNNING' WHERE id = $1`, [dry.id]);
        await t.db.query(`UPDATE job_exe SET status = 'RUNNING', last_modified = now() - interval '1 hour' WHERE job_id = $1 AND exe_num = 2`, [dry.id]);
        await t.core.scans.tick();
        const lost = await job(dry.id);
        assert.equal(lost.status, 'FAILED');
        assert.match(lost.error_message, /stopped before it was done/);
        assert.equal(lost.job_exes.find((x: any) => x.exe_num === 2).status, 'FAILED');
      });
    });

    describe('ingests by file name and of a source file (IngestDetailsView, SourceIngestsView)', () => {
      it('finds the newest ingest of a file name, and lists a source file\'s ingests with filters', async () => {
        const recs = (await api().get('/scale/ingests/').query({ file_name: 'x1.csv', status: 'INGESTED' }).expect(200)).body.results;
        assert.equal(recs.length, 1);
        const byName = (await api().get('/scale/v5/ingests/x1.csv/').expect(200)).body;
        assert.deepEqual({ id: byName.id, file_name: byName.file_name, status: byName.status }, { id: recs[0].id, file_name: 'x1.csv', status: 'INGESTED' });
        await api().get('/scale/ingests/no-such-file.csv/').expect(404);
        await api().get('/scale/v6/ingests/99999999/').expect(404);
        const source = recs[0].source_file.id;
        const ingests = (await api().get(`/scale/v6/sources/${source}/ingests/`).expect(200)).body;
        assert.deepEqual({ count: ingests.count, id: ingests.results[0].id }, { count: 1, id: recs[0].id });
        assert.equal((await api().get(`/scale/sources/${source}/ingests/`).query({ status: 'INGESTED' }).expect(200)).body.count, 1);
        assert.equal((await api().get(`/scale/sources/${source}/ingests/`).query({ status: 'ERRORED' }).expect(200)).body.count, 0);
        assert.equal((await api().get(`/scale/sources/${source}/ingests/`).query({ strike_id: 99999 }).expect(200)).body.count, 0);
        await api().get('/scale/v6/sources/12345678/ingests/').expect(404);
        await api().get(`/scale/sources/${source}/ingests/`).query({ status: 'LOST' }).expect(400);
      });
    });

    describe('POST /v6/files/purge-source/', () => {
      it('refuses v5, a missing or bad file_id, and a file that is no SOURCE file (400, as Scale)', async () => {
        await api().post('/scale/v5/files/purge-source/').send({ file_id: 1 }).expect(400);
        assert.equal((await api().post('/scale/v6/files/purge-source/').send({}).expect(400)).body.field, 'file_id');
        assert.equal((await api().post('/scale/v6/files/purge-source/').send({ file_id: 'one' }).expect(400)).body.field, 'file_id');
        assert.equal((await api().post('/scale/v6/files/purge-source/').send({ file_id: 99999999 }).expect(400)).body.field, 'file_id');
      });

      it('removes a source file, its ingests, the jobs and recipes made from it and their products (deleted from their workspace)', async () => {
        const dir = await hostWs('purged');
        await fs.writeFile(path.join(dir, 'doomed.txt'), 'doomed\n');
        await fs.writeFile(path.join(dir, 'kept.txt'), 'kept\n');
        const scan = (await api().post('/scale/v6/scans/').send({ title: 'Purge Scan', configuration: { workspace: 'purged', scanner: { type: 'dir' }, files_to_ingest: [{ filename_regex: '\\.txt$' }] } }).expect(201)).body;
        await api().post(`/scale/v6/scans/${scan.id}/process/`).send({ ingest: true }).expect(200);
        const sourceOf = async (name: string) => (await api().get('/scale/ingests/').query({ file_name: name, scan_id: scan.id }).expect(200)).body.results[0];
        const doomed = await sourceOf('doomed.txt');
        const kept = await sourceOf('kept.txt');
        const S = doomed.source_file.id;

        const copy = await stepJobType(t.app, `purge-copy-${kind}`, 'copy', 'copied');
        const run = async (fileId: number) => waitForJob(t.app, (await queueJob(t.app, copy.id, { version: '1.0', input_data: [{ name: 'input', file_id: fileId }] })).id);
        const direct = await run(S);
        const product = direct.outputs[0].value;
        const downstream = await run(product.id);
        const other = await run(kept.source_file.id);
        assert.deepEqual([direct.status, downstream.status, other.status], ['COMPLETED', 'COMPLETED', 'COMPLETED']);
        const rt = await createRecipeType(t.app, {
          name: `purge-chain-${kind}`,
          definition: {
            version: '1.0', input_data: [{ name: 'image', type: 'file' }],
            jobs: [
              { name: 's1', job_type: { name: copy.name, version: copy.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] },
              { name: 's2', job_type: { name: copy.name, version: copy.version }, dependencies: [{ name: 's1', connections: [{ output: 'result', input: 'input' }] }] },
            ],
          },
        });
        const made = await newRecipe(t.app, rt.id, { version: '1.0', input_data: [{ name: 'image', file_id: S }] });
        const recipe = await waitForRecipe(t.app, made.id, (r) => r.is_completed, 'completed');
        const recipeJobs = (await t.db.query('SELECT job_id FROM recipe_node WHERE recipe_id = $1', [recipe.id])).rows.map((r) => Number(r.job_id));
        const products = (await t.db.query<{ id: string; workspace_id: number; file_path: string }>(
          'SELECT id, workspace_id, file_path FROM scale_file WHERE job_id = ANY($1::bigint[])', [[direct.id, downstream.id, ...recipeJobs]],
        )).rows;
        assert.equal(products.length, 4);
        const paths = await Promise.all(products.map(async (p) => t.core.workspaces.broker(await t.core.workspaces.get(p.workspace_id)).localPath(p.file_path)));
        for (const p of paths) assert.ok(await fs.stat(p));
        await api().post('/scale/v6/files/purge-source/').send({ file_id: products[0].id }).expect(400);

        await api().post('/scale/v6/files/purge-source/').send({ file_id: S }).expect(204);
        await api().get(`/scale/files/${S}/`).expect(404);
        await api().get(`/scale/ingests/${doomed.id}/`).expect(404);
        for (const id of [direct.id, downstream.id, ...recipeJobs]) await api().get(`/scale/jobs/${id}/`).expect(404);
        await api().get(`/scale/recipes/${recipe.id}/`).expect(404);
        for (const p of products) await api().get(`/scale/files/${p.id}/`).expect(404);
        for (const p of paths) await assert.rejects(fs.stat(p), `${p} is deleted from its workspace`);
        assert.equal(await fs.readFile(path.join(dir, 'doomed.txt'), 'utf8'), 'doomed\n', 'as in Scale, the source file itself stays in its workspace');
        // What was not made from it stays.
        await api().get(`/scale/files/${kept.source_file.id}/`).expect(200);
        assert.equal((await job(other.id)).status, 'COMPLETED');
        await api().get(`/scale/files/${other.outputs[0].value.id}/content`).expect(200);
        await api().get(`/scale/ingests/${kept.id}/`).expect(200);
        // Purged again: there is no such file any more.
        await api().post('/scale/v6/files/purge-source/').send({ file_id: S }).expect(400);
      });

      it('cancels the jobs made from the file that still run, and refuses (409) until they have stopped', async () => {
        const sleepy = await createJobType(t.app, {
          interface: { version: '1.0', command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30 ${input}', input_data: [{ name: 'input', type: 'file' }], output_data: [] },
        });
        const source = (await api().get('/scale/ingests/').query({ file_name: 'kept.txt', status: 'INGESTED' }).expect(200)).body.results[0].source_file.id;
        const queued = await queueJob(t.app, sleepy.id, { version: '1.0', input_data: [{ name: 'input', file_id: source }] });
        await waitForJob(t.app, queued.id, ['RUNNING']);
        const refused = await api().post('/scale/v6/files/purge-source/').send({ file_id: source }).expect(409);
        assert.match(refused.body.detail, new RegExp(`still running \\(.*${queued.id}.*\\); they are canceled`));
        const canceled = await waitForJob(t.app, queued.id, ['CANCELED']);
        await waitFor(async () => (await job(canceled.id)).job_exes.every((x: any) => x.status !== 'RUNNING'), { what: 'the execution to stop' });
        await api().post('/scale/v6/files/purge-source/').send({ file_id: source }).expect(204);
        await api().get(`/scale/jobs/${queued.id}/`).expect(404);
        // The OGC door lists the Strike and Scan jobs left (a job is a job, whichever door asks).
        await api().get('/jobs').set('Accept', 'application/json').expect(200);
      });
    });
  });
}
