// Scale 6.0.0's own view tests, ported: ingests, Strikes and Scans (ingest/test/test_views.py
// TestIngestsViewV6, TestIngestDetailsViewV6, TestIngestStatusViewV6, TestStrikesViewV6,
// TestStrikeCreateViewV6, TestStrikeDetailsViewV6, TestStrikesValidationViewV6, TestScansViewV6,
// TestScanCreateViewV6, TestScanDetailsViewV6, TestScansValidationViewV6, TestScansProcessViewV6).
// Scale 6's 1.0 Strike configurations (mount, transfer_suffix) name NFS mounts, which this server
// does not take; the 2.0 ones (workspace, monitor) are used.
import assert from 'node:assert/strict';
import request from 'supertest';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestServer } from '../helpers/server.ts';
import { insertFile } from './rows.ts';

/** The tests, against a server the caller started (see the *.test.ts files of this folder). */
export function ingestViews(server: () => TestServer): void {
  describe(`Scale 6.0.0 view tests: ingests, Strikes and Scans`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    let raw: any;
    let strikeN = 0;
    /** ingest_test_utils.create_strike: a Strike watching a workspace. */
    const newStrike = async (title = `Test Strike ${++strikeN}`, description = 'Test description') => {
      const res = await api().post('/scale/v6/strikes/').send({ title, description, configuration: { workspace: 'raw', monitor: { type: 'dir-watcher', transfer_suffix: '_tmp' }, files_to_ingest: [{ filename_regex: '.*txt', new_workspace: 'raw', new_file_path: 'wksp/path' }] } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    /** ingest_test_utils.create_ingest: an ingest of a Strike with its source file. */
    const newIngest = async (strikeId: number, fileName: string, status: string, f: { dataStarted?: string; dataEnded?: string; ingestEnded?: Date; size?: number } = {}) => {
      const source = await insertFile(t.db, raw.id, { fileName, fileType: 'SOURCE', fileSize: f.size ?? 10, dataStarted: f.dataStarted, dataEnded: f.dataEnded });
      const ended = status === 'INGESTED' ? (f.ingestEnded ?? new Date()) : null;
      const res = await t.db.query<{ id: number }>(
        `INSERT INTO ingest (file_name, strike_id, status, file_size, bytes_transferred, media_type, transfer_started, ingest_started, ingest_ended, workspace_id, source_file_id)
         VALUES ($1, $2, $3, $4, $4, 'text/plain', now(), $5, $5, $6, $7) RETURNING id`,
        [fileName, strikeId, status, f.size ?? 10, ended, raw.id, source],
      );
      return Number(res.rows[0].id);
    };
    before(async () => {
      // The Strike monitors stay idle: nothing lands in their workspace.
      t = server();
      const dir = path.join(t.dataDir, 'views-raw');
      await fs.mkdir(dir, { recursive: true });
      raw = (await api().post('/scale/workspaces/').send({ name: 'raw', json_config: { broker: { type: 'host', host_path: dir } } }).expect(201)).body;
    });

    describe('ingests', () => {
      let s1: any;
      let s2: any;
      let i1: number;
      let i2: number;
      before(async () => {
        s1 = await newStrike();
        s2 = await newStrike();
        // As Scale's test: an ingest waiting for its ingest job is QUEUED.
        i1 = await newIngest(s1.id, 'test1.txt', 'QUEUED');
        i2 = await newIngest(s2.id, 'test2.txt', 'INGESTED');
      });

      it('lists ingests with file name and status; filters by status, Strike and file name (TestIngestsViewV6)', async () => {
        const list = (await api().get('/scale/v6/ingests/').expect(200)).body;
        assert.deepEqual(list.results.map((e: any) => [e.id, e.file_name, e.status]).sort(), [[i1, 'test1.txt', 'QUEUED'], [i2, 'test2.txt', 'INGESTED']]);
        const byStatus = (await api().get('/scale/v6/ingests/?status=QUEUED').expect(200)).body;
        assert.deepEqual(byStatus.results.map((e: any) => [e.id, e.status]), [[i1, 'QUEUED']]);
        const byStrike = (await api().get(`/scale/v6/ingests/?strike_id=${s1.id}`).expect(200)).body;
        assert.equal(byStrike.results.length, 1);
        assert.equal(byStrike.results[0].strike.id, s1.id);
        const byName = (await api().get('/scale/v6/ingests/?file_name=test1.txt').expect(200)).body;
        assert.deepEqual(byName.results.map((e: any) => e.file_name), ['test1.txt']);
      });

      it('shows an ingest, 404 for an unknown one (TestIngestDetailsViewV6)', async () => {
        const d = (await api().get(`/scale/v6/ingests/${i1}/`).expect(200)).body;
        assert.deepEqual([d.id, d.file_name, d.status], [i1, 'test1.txt', 'QUEUED']);
        await api().get('/scale/v6/ingests/12345/').expect(404);
      });
    });

    describe('ingest status', () => {
      let strike: any;
      let others: number[];
      const day4 = new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10);
      const day5 = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
      before(async () => {
        strike = await newStrike('Status Strike');
        await t.db.query("DELETE FROM ingest WHERE status = 'INGESTED'");
        // test2 and test3 have data of today; test4's data started nine days ago (before the default
        // week), ingested on 2015-02-01. (Scale's test puts test4's data in 2015 and counts from then
        // to today: some 100,000 hourly slots per Strike. Nine days keep the same meaning.)
        const today = new Date().toISOString().slice(0, 10);
        await newIngest(strike.id, 'test1.txt', 'QUEUED');
        await newIngest(strike.id, 'test2.txt', 'INGESTED', { dataStarted: `${today}T01:00:00Z`, dataEnded: `${today}T01:30:00Z`, size: 20 });
        await newIngest(strike.id, 'test3.txt', 'INGESTED', { dataStarted: `${today}T02:00:00Z`, dataEnded: `${today}T02:30:00Z`, size: 30 });
        await newIngest(strike.id, 'test4.txt', 'INGESTED', { dataStarted: `${day4}T00:00:00Z`, dataEnded: `${day4}T01:00:00Z`, ingestEnded: new Date('2015-02-01T00:00:00Z'), size: 40 });
        others = (await api().get('/scale/v6/strikes/').expect(200)).body.results.map((s: any) => s.id).filter((id: number) => id !== strike.id);
      });
      const mine = async (query: string) => {
        const r = (await api().get(`/scale/v6/ingests/status/${query}`).expect(200)).body.results;
        assert.deepEqual(r.map((e: any) => e.strike.id).sort((a: number, b: number) => a - b), [...others, strike.id].sort((a, b) => a - b), 'every Strike, with ingests or not');
        return r.find((e: any) => e.strike.id === strike.id);
      };

      it('counts the ingested files of the last week by their data time (test_successful)', async () => {
        const e = await mine('');
        assert.ok(e.most_recent);
        assert.equal(e.files, 2);
        assert.equal(e.size, 50);
        assert.equal(e.values.length, 8 * 24);
      });

      it('counts from a start time (test_time_range)', async () => {
        const e = await mine(`?started=${day5}T00:00:00Z`);
        assert.ok(e.most_recent);
        assert.equal(e.files, 3);
        assert.equal(e.size, 90);
      });

      it('counts by ingest time (test_use_ingest_time)', async () => {
        const e = await mine('?started=2015-02-01T00:00:00Z&ended=2015-03-01T00:00:00Z&use_ingest_time=true');
        assert.equal(new Date(e.most_recent).toISOString(), '2015-02-01T00:00:00.000Z');
        assert.equal(e.files, 1);
        assert.equal(e.size, 40);
      });

      it('fills every hour of the range with zeros where nothing was ingested (test_fill_empty_slots)', async () => {
        const e = await mine(`?started=${day4}T00:00:00Z&ended=${day4}T10:00:00Z`);
        assert.ok(e.most_recent);
        assert.equal(e.files, 1);
        assert.equal(e.size, 40);
        assert.equal(e.values.length, 24);
        assert.deepEqual(e.values.filter((v: any) => v.files).map((v: any) => [new Date(v.time).toISOString(), v.files, v.size]), [[`${day4}T00:00:00.000Z`, 1, 40]]);
        const empty = (await api().get(`/scale/v6/ingests/status/?started=${day4}T00:00:00Z&ended=${day4}T10:00:00Z`).expect(200)).body.results.find((x: any) => x.strike.id !== strike.id);
        assert.deepEqual([empty.files, empty.size, empty.most_recent, empty.values.length], [0, 0, null, 24]);
      });
    });

    describe('Strikes', () => {
      it('lists Strikes with name and title, by name, in description order either way (TestStrikesViewV6)', async () => {
        const a = await newStrike('Strike Order A', 'test A');
        const z = await newStrike('Strike Order Z', 'test Z');
        const list = (await api().get('/scale/v6/strikes/').expect(200)).body.results;
        for (const s of [a, z]) {
          const e = list.find((x: any) => x.id === s.id);
          assert.deepEqual([e.name, e.title], [s.name, s.title]);
        }
        const named = (await api().get(`/scale/v6/strikes/?name=${a.name}`).expect(200)).body.results;
        assert.deepEqual(named.map((s: any) => s.name), [a.name]);
        const order = async (o: string) => (await api().get(`/scale/v6/strikes/?order=${o}`).expect(200)).body.results.map((s: any) => s.id).filter((id: number) => [a.id, z.id].includes(id));
        assert.deepEqual(await order('description'), [a.id, z.id]);
        assert.deepEqual(await order('-description'), [z.id, a.id]);
      });

      it('refuses a create without configuration or with one of the wrong type or shape (400)', async () => {
        await api().post('/scale/v6/strikes/').send({ name: 'strike-name', title: 'Strike Title', description: 'Strike description' }).expect(400);
        await api().post('/scale/v6/strikes/').send({ title: 'Strike Title', description: 'Strike description', configuration: 123 }).expect(400);
        await api().post('/scale/v6/strikes/').send({ title: 'Strike Title', description: 'Strike description', configuration: { mount: 'host:/my/path', transfer_suffix: '_tmp', files_to_ingest: [{ filename_regex: '.*txt', workspace_path: 'my/path', workspace_name: 'BAD' }] } }).expect(400);
      });

      it('creates one from a title with a recipe to start (test_successful_v6)', async () => {
        const rt = (await api().post('/scale/v6/recipe-types/').send({ title: 'Strike Recipe', description: 'd', definition: { version: '6', input: { files: [{ name: 'INPUT_FILE', media_types: ['text/plain'], required: true, multiple: false }], json: [] }, nodes: {} } }).expect(201)).body;
        const res = await api().post('/scale/v6/strikes/').send({
          title: 'Strike Title', description: 'Strike description',
          configuration: { version: '2.0', workspace: 'raw', monitor: { type: 'dir-watcher', transfer_suffix: '_tmp' }, files_to_ingest: [{ filename_regex: '.*txt', data_types: ['one', 'two'], new_file_path: 'my/path', new_workspace: 'raw' }], recipe: { name: rt.name, revision_num: rt.revision_num } },
        }).expect(201);
        const made = res.body;
        assert.equal(made.name, 'strike-title');
        assert.equal((await api().get('/scale/v6/strikes/?name=strike-title').expect(200)).body.results.length, 1);
        assert.deepEqual([made.title, made.description], ['Strike Title', 'Strike description']);
        assert.deepEqual(made.configuration, (await api().get(`/scale/v6/strikes/${made.id}/`).expect(200)).body.configuration);
        assert.deepEqual(made.configuration.recipe, { name: rt.name, revision_num: rt.revision_num });
      });

      it('shows a Strike with its job and configuration, 404 for an unknown one (TestStrikeDetailsViewV6)', async () => {
        const s = await newStrike();
        await api().get('/scale/v6/strikes/100000/').expect(404);
        const d = (await api().get(`/scale/v6/strikes/${s.id}/`).expect(200)).body;
        assert.deepEqual([d.id, d.name], [s.id, s.name]);
        assert.ok(d.job);
        assert.ok(d.configuration);
      });

      it('edits the basics and the configuration with 204; a bad version or an unknown recipe is 400, an unknown Strike 404', async () => {
        const s = await newStrike();
        await api().patch(`/scale/v6/strikes/${s.id}/`).send({ title: 'Title EDIT', description: 'Description EDIT' }).expect(204);
        await api().patch('/scale/v6/strikes/100000/').send({ title: 'Title EDIT' }).expect(404);
        const config = { workspace: 'raw', monitor: { type: 'dir-watcher', transfer_suffix: '_tmp' }, files_to_ingest: [{ filename_regex: '.*txt', data_types: ['one', 'two'], new_file_path: 'my/path', new_workspace: 'raw' }] };
        await api().patch(`/scale/v6/strikes/${s.id}/`).send({ configuration: config }).expect(204);
        assert.deepEqual((await api().get(`/scale/v6/strikes/${s.id}/`).expect(200)).body.configuration.files_to_ingest[0].data_types, ['one', 'two']);
        await api().patch(`/scale/v6/strikes/${s.id}/`).send({ configuration: { ...config, version: 'BAD' } }).expect(400);
        await api().patch(`/scale/v6/strikes/${s.id}/`).send({ configuration: { ...config, recipe: { name: 'test-recipe', revision_num: '1' } } }).expect(400);
      });

      it('validates a Strike: valid, and 400 without a configuration, with one of the wrong type or naming an unknown workspace (TestStrikesValidationViewV6)', async () => {
        const configuration = { workspace: 'raw', monitor: { type: 'dir-watcher', transfer_suffix: '_tmp' }, files_to_ingest: [{ filename_regex: '.*txt' }] };
        assert.deepEqual((await api().post('/scale/v6/strikes/validation/').send({ title: 'Strike Title', description: 'Strike description', configuration }).expect(200)).body, { is_valid: true, errors: [], warnings: [] });
        await api().post('/scale/v6/strikes/validation/').send({ title: 'Strike Title', description: 'Strike description' }).expect(400);
        await api().post('/scale/v6/strikes/validation/').send({ title: 'Strike Title', configuration: 123 }).expect(400);
        await api().post('/scale/v6/strikes/validation/').send({ title: 'Strike Title', configuration: { mount: 'host:/my/path', transfer_suffix: '_tmp', files_to_ingest: [{ filename_regex: '.*txt', workspace_path: 'my/path', workspace_name: 'BAD' }] } }).expect(400);
      });
    });

    describe('Scans', () => {
      const config = { version: '1.0', workspace: 'raw', scanner: { type: 'dir', transfer_suffix: '_tmp' }, files_to_ingest: [{ filename_regex: '.*txt', new_file_path: 'my_path', new_workspace: 'raw' }] };
      const newScan = async (title: string, description = 'A Scan') => (await api().post('/scale/v6/scans/').send({ title, description, configuration: config }).expect(201)).body;

      it('lists Scans with name and title, by name, in description order either way (TestScansViewV6)', async () => {
        const a = await newScan('Scan Order A', 'test A');
        const z = await newScan('Scan Order Z', 'test Z');
        const list = (await api().get('/scale/v6/scans/').expect(200)).body.results;
        for (const s of [a, z]) {
          const e = list.find((x: any) => x.id === s.id);
          assert.deepEqual([e.name, e.title], [s.name, s.title]);
        }
        assert.deepEqual((await api().get(`/scale/v6/scans/?name=${a.name}`).expect(200)).body.results.map((s: any) => s.name), [a.name]);
        const order = async (o: string) => (await api().get(`/scale/v6/scans/?order=${o}`).expect(200)).body.results.map((s: any) => s.id).filter((id: number) => [a.id, z.id].includes(id));
        assert.deepEqual(await order('description'), [a.id, z.id]);
        assert.deepEqual(await order('-description'), [z.id, a.id]);
      });

      it('refuses a create without configuration, with one of the wrong type or naming an unknown workspace (400)', async () => {
        await api().post('/scale/v6/scans/').send({ title: 'Scan Title', description: 'Scan description' }).expect(400);
        await api().post('/scale/v6/scans/').send({ title: 'Scan Title', description: 'Scan description', configuration: 123 }).expect(400);
        await api().post('/scale/v6/scans/').send({ title: 'Scan Title', description: 'Scan description', configuration: { ...config, files_to_ingest: [{ filename_regex: '.*txt', workspace_path: 'my/path', workspace_name: 'BAD' }] } }).expect(400);
      });

      it('creates one from a title, with a recipe too (test_successful, test_successful_v6)', async () => {
        const made = (await api().post('/scale/v6/scans/').send({ title: 'Scan Title', description: 'Scan description', configuration: config }).expect(201)).body;
        assert.equal(made.name, 'scan-title');
        assert.equal((await api().get('/scale/v6/scans/?name=scan-title').expect(200)).body.results.length, 1);
        assert.deepEqual([made.title, made.description], ['Scan Title', 'Scan description']);
        assert.deepEqual(made.configuration, (await api().get(`/scale/v6/scans/${made.id}/`).expect(200)).body.configuration);
        const rt = (await api().post('/scale/v6/recipe-types/').send({ title: 'Scan Recipe', description: 'd', definition: { version: '6', input: { files: [{ name: 'INPUT_FILE', media_types: ['text/plain'], required: true, multiple: false }], json: [] }, nodes: {} } }).expect(201)).body;
        const withRecipe = (await api().post('/scale/v6/scans/').send({ title: 'Scan Title', description: 'Scan description', configuration: { ...config, recipe: { name: rt.name, revision_num: rt.revision_num } } }).expect(201)).body;
        assert.deepEqual(withRecipe.configuration.recipe, { name: rt.name, revision_num: rt.revision_num });
      });

      it('shows a new Scan with no file count, job or dry-run job, 404 for an unknown one (TestScanDetailsViewV6)', async () => {
        const s = await newScan('Scan Details');
        await api().get('/scale/v6/scans/100000/').expect(404);
        const d = (await api().get(`/scale/v6/scans/${s.id}/`).expect(200)).body;
        assert.deepEqual([d.id, d.name, d.file_count, d.job, d.dry_run_job], [s.id, s.name, null, null, null]);
        assert.ok(d.configuration);
      });

      it('edits a Scan with 204; a bad version or an unknown recipe is 400, an unknown Scan 404, a launched one 409', async () => {
        const s = await newScan('Scan Edit');
        await api().patch(`/scale/v6/scans/${s.id}/`).send({ title: 'Title EDIT', description: 'Description EDIT' }).expect(204);
        await api().patch('/scale/v6/scans/100000/').send({ title: 'Title EDIT', description: 'Description EDIT' }).expect(404);
        await api().patch(`/scale/v6/scans/${s.id}/`).send({ configuration: { ...config, files_to_ingest: [{ data_types: ['test'], filename_regex: '.*txt', new_file_path: 'my_path', new_workspace: 'raw' }] } }).expect(204);
        const { version: _v, ...unversioned } = config;
        await api().patch(`/scale/v6/scans/${s.id}/`).send({ configuration: { ...unversioned, recipe: { name: 'test-recipe', revision_num: '1' } } }).expect(400);
        await api().patch(`/scale/v6/scans/${s.id}/`).send({ configuration: { version: 'BAD', mount: 'host:/my/path', transfer_suffix: '_tmp', files_to_ingest: [{ filename_regex: '.*txt', new_file_path: 'my_path', new_workspace: 'raw' }] } }).expect(400);
        await api().post(`/scale/v6/scans/${s.id}/process/`).send({ ingest: true }).expect(200);
        const conflict = await api().patch(`/scale/v6/scans/${s.id}/`).send({ configuration: {} }).expect(409);
        assert.equal(conflict.body.detail, 'Ingest Scan already launched');
      });

      it('validates a Scan: valid, with a recipe too; 400 without a configuration, of the wrong type or naming an unknown workspace (TestScansValidationViewV6)', async () => {
        const ok = { title: 'Scan Title', description: 'Scan description', configuration: { version: '1.0', workspace: 'raw', scanner: { type: 'dir' }, files_to_ingest: [{ filename_regex: '.*txt' }] } };
        assert.deepEqual((await api().post('/scale/v6/scans/validation/').send(ok).expect(200)).body, { is_valid: true, errors: [], warnings: [] });
        await api().post('/scale/v6/scans/validation/').send({ title: 'Scan Title', description: 'Scan description' }).expect(400);
        await api().post('/scale/v6/scans/validation/').send({ title: 'Scan Title', description: 'Scan description', configuration: 123 }).expect(400);
        await api().post('/scale/v6/scans/validation/').send({ title: 'Scan Title', description: 'Scan description', configuration: { workspace: 'raw', scanner: { type: 'dir', transfer_suffix: null }, files_to_ingest: [{ filename_regex: '.*txt', new_file_path: 'my_path', new_workspace: 'BAD' }] } }).expect(400);
      });

      it('processes a Scan (Scale tests it under v5: 201): 404 for an unknown one; dry runs again and again, then ingests; then 409', async () => {
        const s = await newScan('Scan Process');
        await api().post('/scale/v5/scans/100/process/').send({ ingest: false }).expect(404);
        const dry = (await api().post(`/scale/v5/scans/${s.id}/process/`).send({ ingest: false }).expect(201)).body;
        assert.ok(dry.dry_run_job);
        const again = (await api().post(`/scale/v5/scans/${s.id}/process/`).send({ ingest: false }).expect(201)).body;
        assert.notEqual(again.dry_run_job.id, dry.dry_run_job.id);
        const run = (await api().post(`/scale/v5/scans/${s.id}/process/`).send({ ingest: true }).expect(201)).body;
        assert.ok(run.job);
        await api().post(`/scale/v5/scans/${s.id}/process/`).send({ ingest: false }).expect(409);
        await api().post(`/scale/v5/scans/${s.id}/process/`).send({ ingest: true }).expect(409);
      });
    });
  });
}
