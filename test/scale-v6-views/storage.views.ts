// Scale 6.0.0's own view tests, ported: workspaces and files (storage/test/test_views.py
// TestWorkspacesViewV6, TestWorkspaceCreateViewV6, TestWorkspaceDetailsViewV6, TestFilesViewV6,
// TestFileDetailsViewV6).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createJobType } from '../helpers/scale.ts';
import { createRecipeType } from '../helpers/recipes.ts';
import { type TestServer } from '../helpers/server.ts';
import { insertBatch, insertExe, insertFile, insertJob, insertRecipe, insertRecipeNode } from './rows.ts';

/** The tests, against a server the caller started (see the *.test.ts files of this folder). */
export function storageViews(server: () => TestServer): void {
  describe(`Scale 6.0.0 view tests: workspaces and files`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    let ws1: any;
    let ws2: any;
    before(async () => {
      t = server();
      const dir = path.join(t.dataDir, 'views-ws');
      await fs.mkdir(dir, { recursive: true });
      const make = async (name: string) => (await api().post('/scale/workspaces/').send({ name, title: `Title ${name}`, json_config: { broker: { type: 'host', host_path: dir } } }).expect(201)).body;
      ws1 = await make('views-ws1');
      ws2 = await make('views-ws2');
    });

    describe('workspaces', () => {
      const mine = (list: any) => list.results.filter((w: any) => [ws1.id, ws2.id].includes(w.id));

      it('lists workspaces with name and title, without sizes (test_successful)', async () => {
        const list = mine((await api().get('/scale/v6/workspaces/').expect(200)).body);
        assert.equal(list.length, 2);
        for (const e of list) {
          const expected = e.id === ws1.id ? ws1 : ws2;
          assert.equal(e.name, expected.name);
          assert.equal(e.title, expected.title);
          assert.ok(!('total_size' in e) && !('used_size' in e));
        }
      });

      it('filters by name and orders by name either way (test_name, test_sorting, test_reverse_sorting)', async () => {
        const named = (await api().get(`/scale/v6/workspaces/?name=${ws1.name}`).expect(200)).body;
        assert.equal(named.results.length, 1);
        assert.equal(named.results[0].name, ws1.name);
        const up = mine((await api().get('/scale/v6/workspaces/?order=name').expect(200)).body);
        assert.deepEqual(up.map((w: any) => w.name), [ws1.name, ws2.name]);
        assert.ok(!('total_size' in up[0]));
        const down = mine((await api().get('/scale/v6/workspaces/?order=-name').expect(200)).body);
        assert.deepEqual(down.map((w: any) => [w.name, w.title]), [[ws2.name, ws2.title], [ws1.name, ws1.title]]);
      });

      it('refuses a create without configuration, or with a json_config or broker of the wrong type (400)', async () => {
        await api().post('/scale/v6/workspaces/').send({ title: 'Workspace Title', description: 'Workspace description' }).expect(400);
        await api().post('/scale/v6/workspaces/').send({ title: 'Workspace Title', description: 'Workspace description', json_config: 123 }).expect(400);
        await api().post('/scale/v6/workspaces/').send({ title: 'Workspace Title', description: 'Workspace description', json_config: { broker: 123 } }).expect(400);
      });

      it('creates one from a title: named from it, inactive as asked (TestWorkspaceCreateViewV6.test_successful)', async () => {
        const res = await api().post('/scale/v6/workspaces/').send({
          title: 'Workspace Title', description: 'Workspace description', base_url: 'http://host/my/path/', is_active: false,
          configuration: { broker: { type: 'host', host_path: '/host/path' } },
        }).expect(201);
        const made = res.body;
        assert.equal(made.name, 'workspace-title');
        const named = (await api().get('/scale/v6/workspaces/?name=workspace-title').expect(200)).body.results;
        assert.equal(named.length, 1);
        assert.deepEqual([made.title, made.description, made.base_url, made.is_active], ['Workspace Title', 'Workspace description', 'http://host/my/path/', false]);
        assert.deepEqual(made.configuration, (await api().get(`/scale/v6/workspaces/${made.id}/`).expect(200)).body.configuration);
        assert.equal(made.configuration.broker.host_path, '/host/path');
      });

      it('shows one with deprecated, 404 for an unknown one (TestWorkspaceDetailsViewV6)', async () => {
        await api().get('/scale/v6/workspaces/999999/').expect(404);
        const d = (await api().get(`/scale/v6/workspaces/${ws1.id}/`).expect(200)).body;
        assert.equal(typeof d, 'object');
        assert.deepEqual([d.id, d.name, d.title], [ws1.id, ws1.name, ws1.title]);
        assert.ok('deprecated' in d);
      });

      it('edits the basics and the configuration with 204; a configuration of a bad version is 400', async () => {
        await api().patch(`/scale/v6/workspaces/${ws2.id}/`).send({ title: 'Title EDIT', description: 'Description EDIT', is_active: false }).expect(204);
        const d = (await api().get(`/scale/v6/workspaces/${ws2.id}/`).expect(200)).body;
        assert.deepEqual([d.title, d.description, d.is_active], ['Title EDIT', 'Description EDIT', false]);
        await api().patch(`/scale/v6/workspaces/${ws2.id}/`).send({ configuration: { version: '6', broker: { type: 'host', host_path: '/other/path' } } }).expect(204);
        assert.equal((await api().get(`/scale/v6/workspaces/${ws2.id}/`).expect(200)).body.configuration.broker.host_path, '/other/path');
        await api().patch(`/scale/v6/workspaces/${ws2.id}/`).send({ configuration: { version: 'BAD', broker: { type: 'nfs', host_path: 'host:/dir' } } }).expect(400);
      });
    });

    describe('files', () => {
      let jt1: any;
      let jt2: any;
      let job1: number;
      let exe1: number;
      let file1: number;
      let file2: number;
      let source: number;
      let recipeTypeId: number;
      let recipeId: number;
      let batchId: number;
      before(async () => {
        const cmd = { interface: { command: '/bin/true', command_arguments: '' } };
        jt1 = await createJobType(t.app, { name: `views-files-1-${process.pid}`, ...cmd });
        jt2 = await createJobType(t.app, { name: `views-files-2-${process.pid}`, ...cmd });
        const rt = await createRecipeType(t.app, { name: `views-files-rt-${process.pid}`, title: 'Files', definition: { version: '6', input: { files: [], json: [] }, nodes: {} } }, '/scale/v6');
        recipeTypeId = (await api().get(`/scale/v6/recipe-types/${rt.name ?? `views-files-rt-${process.pid}`}/`).expect(200)).body.id;
        batchId = await insertBatch(t.db, recipeTypeId, { title: 'Files batch' });
        recipeId = await insertRecipe(t.db, recipeTypeId, { batchId });
        job1 = await insertJob(t.db, jt1.id, { batchId });
        await insertRecipeNode(t.db, recipeId, 'test-recipe-node', job1);
        exe1 = await insertExe(t.db, job1);
        file1 = await insertFile(t.db, ws1.id, {
          fileName: 'test.txt', jobId: job1, jobExeId: exe1, jobTypeId: jt1.id, jobOutput: 'out_name', countries: ['TCY'],
          sourceStarted: '2016-01-01T00:00:00Z', sourceEnded: '2016-01-02T00:00:00Z', dataStarted: '2017-01-01T00:00:00Z', dataEnded: '2017-01-01T00:00:00Z',
        });
        const job2 = await insertJob(t.db, jt2.id);
        const exe2 = await insertExe(t.db, job2);
        file2 = await insertFile(t.db, ws1.id, { jobId: job2, jobExeId: exe2, jobTypeId: jt2.id, countries: ['TCY'], sourceStarted: '2016-01-02T00:00:00Z', sourceEnded: '2016-01-03T00:00:00Z' });
        source = await insertFile(t.db, ws2.id, { fileName: 'views-source.png', fileType: 'SOURCE', mediaType: 'image/png', fileSize: 1000 });
      });
      const ids = (body: any) => body.results.map((f: any) => f.id).sort((a: number, b: number) => a - b);

      it('refuses bad time ranges: not a time, no time zone, ended before started (400)', async () => {
        await api().get('/scale/v6/files/?data_started=hello').expect(400);
        await api().get('/scale/v6/files/?data_started=1970-01-01T00:00:00').expect(400);
        await api().get('/scale/v6/files/?started=1970-01-01T00:00:00Z&data_ended=hello').expect(400);
        await api().get('/scale/v6/files/?data_started=1970-01-01T00:00:00Z&data_ended=1970-01-02T00:00:00').expect(400);
        await api().get('/scale/v6/files/?data_started=1970-01-02T00:00:00Z&data_ended=1970-01-01T00:00:00Z').expect(400);
      });

      it('filters by source time (test_source_time_successful)', async () => {
        const r = (await api().get('/scale/v6/files/?source_started=2016-01-01T00:00:00Z&source_ended=2016-01-03T00:00:00Z').expect(200)).body;
        assert.deepEqual(ids(r), [file1, file2]);
        const d = (await api().get('/scale/v6/files/?data_started=2016-12-31T00:00:00Z&data_ended=2017-01-02T00:00:00Z').expect(200)).body;
        assert.deepEqual(ids(d), [file1]);
      });

      it('filters by job type id and name, file name, job output and recipe node', async () => {
        const byType = (await api().get(`/scale/v6/files/?job_type_id=${jt1.id}`).expect(200)).body;
        assert.equal(byType.results.length, 1);
        assert.equal(byType.results[0].job_type.id, jt1.id);
        const byName = (await api().get(`/scale/v6/files/?job_type_name=${jt1.name}`).expect(200)).body;
        assert.equal(byName.results.length, 1);
        assert.equal(byName.results[0].job_type.name, jt1.name);
        const byFile = (await api().get('/scale/v6/files/?file_name=test.txt').expect(200)).body;
        assert.equal(byFile.results.length, 1);
        assert.equal(byFile.results[0].file_name, 'test.txt');
        const byOutput = (await api().get('/scale/v6/files/?job_output=out_name').expect(200)).body;
        assert.equal(byOutput.results.length, 1);
        assert.equal(byOutput.results[0].job_output, 'out_name');
        const byNode = (await api().get('/scale/v6/files/?recipe_node=test-recipe-node').expect(200)).body;
        assert.equal(byNode.results.length, 1);
        assert.equal(byNode.results[0].recipe_node, 'test-recipe-node');
        assert.deepEqual(ids((await api().get(`/scale/v6/files/?recipe_id=${recipeId}`).expect(200)).body), [file1]);
        assert.deepEqual(ids((await api().get(`/scale/v6/files/?batch_id=${batchId}`).expect(200)).body), [file1]);
      });

      it('lists files with their countries (test_successful)', async () => {
        // (Other families share the server: only this family's workspaces are looked at.)
        const list = (await api().get('/scale/v6/files/').expect(200)).body;
        const mine = { results: list.results.filter((f: any) => [ws1.id, ws2.id].includes(f.workspace.id)) };
        assert.deepEqual(ids(mine), [file1, file2, source]);
        for (const e of mine.results.filter((f: any) => f.id !== source)) assert.equal(e.countries[0], 'TCY');
      });

      it('shows a file with its job, execution, recipe, recipe type and batch; no lineage; 404 for an unknown one (TestFileDetailsViewV6)', async () => {
        const d = (await api().get(`/scale/v6/files/${file1}/`).expect(200)).body;
        for (const k of ['ancestors', 'descendants', 'sources']) assert.ok(!(k in d), k);
        assert.deepEqual([d.id, d.file_name, d.file_type, d.media_type, d.file_size, d.workspace.id, d.is_deleted], [file1, 'test.txt', 'PRODUCT', 'text/plain', 100, ws1.id, false]);
        assert.ok(typeof d.file_path === 'string' && d.file_path.length > 0);
        // Scale's DRF renders '2017-01-01T00:00:00Z'; this server keeps milliseconds ('…00.000Z'): the same instant.
        assert.deepEqual([d.data_started, d.data_ended, d.source_started, d.source_ended].map((x) => new Date(x).toISOString().replace('.000Z', 'Z')), ['2017-01-01T00:00:00Z', '2017-01-01T00:00:00Z', '2016-01-01T00:00:00Z', '2016-01-02T00:00:00Z']);
        assert.equal(d.countries[0], 'TCY');
        assert.equal(d.job.id, job1);
        assert.equal(d.job_exe.id, exe1);
        assert.equal(d.job_output, 'out_name');
        assert.equal(d.recipe.id, recipeId);
        assert.equal(d.recipe_node, 'test-recipe-node');
        assert.equal(d.recipe_type.id, recipeTypeId);
        assert.equal(d.batch.title, 'Files batch');
        assert.equal(d.is_superseded, false);
        const s = (await api().get(`/scale/v6/files/${source}/`).expect(200)).body;
        assert.deepEqual([s.file_type, s.media_type, s.file_size, s.workspace.id], ['SOURCE', 'image/png', 1000, ws2.id]);
        await api().get('/scale/v6/files/12345/').expect(404);
      });

      it('keeps source metadata: a product takes its side-car\'s, else its job\'s input files\'; jobs and recipes show and filter by it (ProductFile.objects.upload_files)', async () => {
        const sensor = `sensor-${process.pid}`;
        const product = (jobId: number, exeId: number, name: string, metaData: Record<string, unknown> | null) => ({
          workspaceId: ws1.id, fileName: name, filePath: `views-source-meta/${exeId}/${name}`, mediaType: 'text/plain', fileSize: 1, checksum: 'x',
          jobId, jobExeId: exeId, jobTypeId: jt1.id, jobOutput: 'out', metaData,
        });
        const j1 = await insertJob(t.db, jt1.id);
        const e1 = await insertExe(t.db, j1);
        const [p1] = await t.core.files.insertProducts(t.db, [product(j1, e1, 'meta-1.txt', {
          sourceSensorClass: 'classA', sourceSensor: sensor, sourceCollection: 'col1', sourceTask: 'task1', sourceStarted: '2015-01-01T00:00:00Z',
        })]);
        const j2 = await insertJob(t.db, jt1.id, { input: { version: '6', files: { INPUT: [p1] }, json: {} } });
        const e2 = await insertExe(t.db, j2);
        const [p2] = await t.core.files.insertProducts(t.db, [product(j2, e2, 'meta-2.txt', null)]);
        const meta = (x: any) => [x.source_sensor_class, x.source_sensor, x.source_collection, x.source_task];
        for (const id of [p1, p2]) {
          const f = (await api().get(`/scale/v6/files/${id}/`).expect(200)).body;
          assert.deepEqual(meta(f), ['classA', sensor, 'col1', 'task1'], `file ${id}`);
          assert.equal(new Date(f.source_started).toISOString(), '2015-01-01T00:00:00.000Z');
        }
        assert.deepEqual(meta((await api().get(`/scale/v6/jobs/${j2}/`).expect(200)).body), ['classA', sensor, 'col1', 'task1']);
        assert.deepEqual(meta((await api().get(`/scale/v6/jobs/${j1}/`).expect(200)).body), [null, null, null, null]);
        const listed = (await api().get(`/scale/v6/jobs/?source_sensor=${sensor}&source_sensor_class=classA`).expect(200)).body;
        assert.deepEqual(listed.results.map((j: any) => j.id), [j2]);
        assert.equal((await api().get(`/scale/v6/jobs/?source_sensor=${sensor}&source_task=other`).expect(200)).body.count, 0);
        assert.equal((await api().get(`/scale/v6/recipes/?source_sensor=${sensor}`).expect(200)).body.count, 0);
        // source_started__gte / source_ended__lte (Job.objects.filter_jobs): p1 started 2015-01-01 and has no end.
        const bySource = async (qs: string) => (await api().get(`/scale/v6/jobs/?source_sensor=${sensor}&${qs}`).expect(200)).body.results.map((j: any) => j.id);
        assert.deepEqual(await bySource('source_started=2014-12-31T00:00:00Z'), [j2]);
        assert.deepEqual(await bySource('source_started=2015-01-02T00:00:00Z'), []);
        assert.deepEqual(await bySource('source_ended=2020-01-01T00:00:00Z'), []);
        const bad = (await api().get('/scale/v6/jobs/?source_started=2015-01-02T00:00:00Z&source_ended=2015-01-01T00:00:00Z').expect(400)).body;
        assert.match(JSON.stringify(bad), /source_ended/);
      });
    });
  });
}
