// Ingest over real directories and a real S3 server (s3rver): Strike dir-watchers (transfer suffix,
// rules in order, date layout, deferred and duplicate files), Strike 1.0, an S3 Strike polling its
// bucket, Scans with a dry run, the ingest records and their API, bad configurations, files that
// vanish, and restart safety. Monitors are swept by calling tick() so the tests do not wait on timers.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import request from 'supertest';
import { s3Client } from '../src/storage/s3-broker.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';

const today = () => {
  const d = new Date();
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
};

describe('ingest: Strike, Scan and ingest records', function () {
  this.timeout(60_000);
  let t: TestServer;
  let root: string;
  const api = () => request(t.app);
  const tick = () => t.core.strikes.tick(30);
  const hostWs = async (name: string) => {
    const dir = path.join(root, name);
    const res = await api().post('/scale/workspaces/').send({ name, json_config: { broker: { type: 'host', host_path: dir } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return dir;
  };
  const ingests = async (q = '') => (await api().get(`/scale/ingests/?page_size=1000${q}`).expect(200)).body.results;

  before(async () => {
    t = await startServer('pglite', { SCALE_STRIKE_POLL_MS: '3600000' });
    root = await tempDir('ingest-');
  });
  after(async () => t?.close());

  describe('a dir-watcher Strike (2.0)', () => {
    let landing: string;
    let archive: string;
    let strike: any;

    before(async () => {
      landing = await hostWs('landing');
      archive = await hostWs('archive');
      const res = await api().post('/scale/strike/create/').send({
        name: 'landing-strike', title: 'Landing', configuration: {
          version: '2.0', workspace: 'landing', monitor: { type: 'dir-watcher', transfer_suffix: '_tmp' },
          files_to_ingest: [
            { filename_regex: '^keep-.*\\.txt$', data_types: ['kept'] },
            { filename_regex: '\\.txt$', data_types: ['text', 'landing'], new_workspace: 'archive', new_file_path: 'texts' },
          ],
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      strike = res.body;
    });

    it('tracks a file still being copied (transfer suffix), then ingests it when renamed, under new_file_path/YYYY/MM/DD', async () => {
      await fs.writeFile(path.join(landing, 'a.txt_tmp'), 'hello');
      await tick();
      const [moving] = await ingests(`&strike_id=${strike.id}&status=TRANSFERRING`);
      assert.equal(moving.file_name, 'a.txt');
      assert.equal(moving.bytes_transferred, 5);
      await fs.appendFile(path.join(landing, 'a.txt_tmp'), ' world');
      await tick();
      assert.equal((await api().get(`/scale/ingests/${moving.id}/`).expect(200)).body.bytes_transferred, 11, 'the size is tracked while it grows');
      await fs.rename(path.join(landing, 'a.txt_tmp'), path.join(landing, 'a.txt'));
      await tick();
      const done = (await api().get(`/scale/ingests/${moving.id}/`).expect(200)).body;
      assert.equal(done.status, 'INGESTED', JSON.stringify(done));
      assert.equal(done.new_file_path, `texts/${today()}/a.txt`);
      assert.ok(done.transfer_ended, 'the transfer was closed (TRANSFERRED) before the ingest');
      assert.deepEqual(done.data_type, ['text', 'landing']);
      assert.equal(await fs.readFile(path.join(archive, 'texts', today(), 'a.txt'), 'utf8'), 'hello world');
      await assert.rejects(fs.stat(path.join(landing, 'a.txt')), 'moved out of the watched directory');
      const file = (await api().get(`/scale/files/${done.source_file.id}/`).expect(200)).body;
      assert.equal(file.file_type, 'SOURCE');
      assert.equal(file.workspace.name, 'archive');
      assert.equal((await api().get(`/scale/files/${done.source_file.id}/content`).expect(200)).text, 'hello world');
    });

    it('applies the first matching rule, defers files no rule matches, and sets duplicates (same name and size) aside', async () => {
      await fs.writeFile(path.join(landing, 'keep-1.txt'), 'stays in landing');
      await fs.writeFile(path.join(landing, 'image.tif'), 'not text');
      await tick();
      const all = await ingests(`&strike_id=${strike.id}`);
      const kept = all.find((i: any) => i.file_name === 'keep-1.txt');
      assert.equal(kept.status, 'INGESTED');
      assert.equal(kept.new_workspace.id, kept.workspace.id, 'no new_workspace: it stays in the Strike workspace');
      assert.deepEqual(kept.data_type, ['kept']);
      const deferred = all.find((i: any) => i.file_name === 'image.tif');
      assert.equal(deferred.status, 'DEFERRED');
      assert.equal(await fs.readFile(path.join(landing, 'deferred', 'image.tif'), 'utf8'), 'not text');
      await fs.writeFile(path.join(landing, 'a.txt'), 'hello world');
      await tick();
      const dup = (await ingests(`&strike_id=${strike.id}&status=DUPLICATE`))[0];
      assert.equal(dup.file_name, 'a.txt');
      assert.ok(await fs.stat(path.join(landing, 'duplicate', 'a.txt')), 'set aside, not lost');
      await tick();
      assert.equal((await ingests(`&strike_id=${strike.id}&status=DEFERRED`)).length, 1, 'a set-aside file is not seen again');
    });

    it("reads a file's .metadata.json side-car into its geometry, times and data types; the side-car is not a file of its own", async () => {
      const feature = { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }, properties: { dataStarted: '2021-05-01T00:00:00Z', dataEnded: '2021-05-01T01:00:00Z', dataTypes: ['satellite'] } };
      await fs.writeFile(path.join(landing, 'scene.txt.metadata.json'), JSON.stringify(feature));
      await tick();
      assert.ok(await fs.stat(path.join(landing, 'scene.txt.metadata.json')), 'a side-car waits for its file');
      await fs.writeFile(path.join(landing, 'scene.txt'), 'pixels');
      await tick();
      const rec = (await ingests('&file_name=scene.txt'))[0];
      assert.equal(rec.status, 'INGESTED');
      const file = (await api().get(`/scale/files/${rec.source_file.id}/`).expect(200)).body;
      assert.deepEqual(file.geometry, feature.geometry);
      assert.equal(file.data_started, '2021-05-01T00:00:00.000Z');
      assert.deepEqual(file.data_type.sort(), ['landing', 'satellite', 'text']);
      assert.equal((await ingests('&file_name=scene.txt.metadata.json')).length, 0);
      await assert.rejects(fs.stat(path.join(landing, 'scene.txt.metadata.json')), 'the side-car is consumed');
    });

    it('lists ingests with filters and counts them per Strike (ingests/status)', async () => {
      const ingested = await ingests(`&status=INGESTED&strike_id=${strike.id}`);
      assert.equal(ingested.length, 3);
      assert.equal((await ingests('&file_name=image.tif'))[0].status, 'DEFERRED');
      const status = (await api().get('/scale/ingests/status/?use_ingest_time=true').expect(200)).body.results;
      const mine = status.find((s: any) => s.strike.id === strike.id);
      assert.equal(mine.files, 3);
      assert.equal(mine.size, 11 + 'stays in landing'.length + 'pixels'.length);
      // Scale fills every hour of every day from started (a week ago by default) to today.
      assert.equal(mine.values.length, 8 * 24);
      assert.equal(mine.values.filter((v: any) => v.files > 0).length, 1);
      const strikes = (await api().get('/scale/strikes/').expect(200)).body.results;
      assert.ok(strikes.some((s: any) => s.name === 'landing-strike'));
      const edited = await api().patch(`/scale/strikes/${strike.id}/`).send({ title: 'Landing zone', is_active: false }).expect(200);
      assert.equal(edited.body.is_active, false);
      await fs.writeFile(path.join(landing, 'late.txt'), 'x');
      await tick();
      assert.ok(await fs.stat(path.join(landing, 'late.txt')), 'an inactive Strike ingests nothing');
      await api().patch(`/scale/strikes/${strike.id}/`).send({ is_active: true }).expect(200);
    });

    it("takes its node's dead predecessor's lease at once, and waits out another node's", async () => {
      const owner = async () => (await t.db.query('SELECT monitor_owner FROM strike WHERE id = $1', [strike.id])).rows[0].monitor_owner as string;
      await tick();
      const me = await owner();
      const node = me.split('@')[1];
      assert.ok(node, `the lease holder names its node: ${me}`);
      // A process of this node killed with the lease: the next one takes it without waiting.
      await t.db.query(`UPDATE strike SET monitor_owner = $2, monitor_lease = now() + interval '1 hour' WHERE id = $1`, [strike.id, `strike-1-dead0000@${node}`]);
      await fs.writeFile(path.join(landing, 'after-crash.txt'), 'after a crash');
      await tick();
      assert.equal(await owner(), me);
      assert.ok((await ingests('&file_name=after-crash.txt')).length === 1, 'ingested at the first sweep');
      // Another node's live lease is left alone until it runs out.
      await t.db.query(`UPDATE strike SET monitor_owner = 'strike-2-beef0000@elsewhere', monitor_lease = now() + interval '1 hour' WHERE id = $1`, [strike.id]);
      await fs.writeFile(path.join(landing, 'not-mine.txt'), 'not mine');
      await tick();
      assert.equal(await owner(), 'strike-2-beef0000@elsewhere');
      assert.equal((await ingests('&file_name=not-mine.txt')).length, 0);
      await t.db.query(`UPDATE strike SET monitor_lease = now() - interval '1 second' WHERE id = $1`, [strike.id]);
      await tick();
      assert.equal(await owner(), me);
      assert.equal((await ingests('&file_name=not-mine.txt')).length, 1);
    });
  });

  it('runs a Strike 1.0 configuration (mount, workspace_name, workspace_path)', async () => {
    const mount = path.join(root, 'nfs-mount');
    await fs.mkdir(mount, { recursive: true });
    const target = await hostWs('v1-target');
    await api().post('/scale/strike/create/').send({ name: 'v1', configuration: { version: '1.0', mount: `host:${mount}`, transfer_suffix: '_copying', files_to_ingest: [{ filename_regex: '.*', workspace_name: 'v1-target', workspace_path: 'in' }] } }).expect(201);
    await fs.writeFile(path.join(mount, 'one.bin'), 'v1 file');
    await tick();
    assert.equal(await fs.readFile(path.join(target, 'in', today(), 'one.bin'), 'utf8'), 'v1 file');
  });

  it('refuses bad configurations with 400 naming the field', async () => {
    await hostWs('cfgws');
    const cases: [unknown, RegExp][] = [
      [{ version: '2.0', workspace: 'cfgws', monitor: { type: 'dir-watcher' } }, /files_to_ingest/],
      [{ version: '2.0', workspace: 'cfgws', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '(' }] }, /files_to_ingest\[0\]\.filename_regex/],
      [{ version: '2.0', workspace: 'nowhere', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '.*' }] }, /configuration\.workspace/],
      [{ version: '2.0', workspace: 'cfgws', monitor: { type: 'ftp' }, files_to_ingest: [{ filename_regex: '.*' }] }, /monitor\.type/],
      [{ version: '2.0', workspace: 'cfgws', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '.*', new_file_path: '../../etc' }] }, /new_file_path/],
      [{ version: '2.0', workspace: 'cfgws', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '.*', new_workspace: 'ghost' }] }, /new_workspace/],
      [{ version: '1.0', mount: 'relative/dir', transfer_suffix: '_t', files_to_ingest: [{ filename_regex: '.*', workspace_name: 'cfgws', workspace_path: 'x' }] }, /mount/],
    ];
    for (const [configuration, re] of cases) {
      const res = await api().post('/scale/strike/create/').send({ name: `bad-${Math.random().toString(36).slice(2, 8)}`, configuration });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(JSON.stringify(res.body), re, JSON.stringify(res.body));
    }
    await api().post('/scale/strike/create/').set('Content-Type', 'application/json').send('{"name": ').expect(400);
    await api().get('/scale/strikes/99999/').expect(404);
    await api().get('/scale/ingests/99999/').expect(404);
  });

  it('records a file that vanishes before it is moved as ERRORED with the reason', async () => {
    const dir = await hostWs('vanish');
    const cfg = t.core.ingester;
    const { readStrikeConfig } = await import('../src/core/ingest/config.ts');
    const c = readStrikeConfig({ version: '2.0', workspace: 'vanish', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '.*' }] });
    const ws = await t.core.workspaces.byName('vanish');
    const r = await cfg.ingestBatch({ strikeId: null, scanId: null }, c, { dir, workspace: ws, broker: t.core.workspaces.broker(ws!) }, [{ name: 'ghost.txt', relPath: 'ghost.txt', size: 3 }]);
    assert.equal(r.errored, 1);
    const rec = (await ingests('&file_name=ghost.txt'))[0];
    assert.equal(rec.status, 'ERRORED');
    assert.match(rec.error, /vanished/);
  });

  it('records a file its workspace cannot take (the target is not writable) as ERRORED with the reason, and keeps it', async () => {
    const dir = await hostWs('src-ok');
    const bad = await hostWs('target-broken');
    // The target workspace's directory is replaced by a plain file: nothing can be written there.
    await fs.rm(bad, { recursive: true, force: true });
    await fs.writeFile(bad, 'not a directory');
    const res = await api().post('/scale/strike/create/').send({ name: 'to-broken', configuration: { version: '2.0', workspace: 'src-ok', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '.*', new_workspace: 'target-broken' }] } }).expect(201);
    await fs.writeFile(path.join(dir, 'precious.bin'), 'keep me');
    await tick();
    const rec = (await ingests(`&strike_id=${res.body.id}`))[0];
    assert.equal(rec.status, 'ERRORED');
    assert.ok(rec.error, 'a reason');
    assert.equal(await fs.readFile(path.join(dir, 'precious.bin'), 'utf8'), 'keep me', 'the file is not lost');
    await tick();
    assert.equal((await ingests(`&strike_id=${res.body.id}`)).length, 1, 'a failed file waits before it is tried again');
    await api().patch(`/scale/strikes/${res.body.id}/`).send({ is_active: false }).expect(200);
  });

  it('finishes an ingest a dead process left half done: registered once, never twice', async () => {
    const dir = await hostWs('crash');
    const res = await api().post('/scale/strike/create/').send({ name: 'crash-strike', configuration: { version: '2.0', workspace: 'crash', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '.*', new_file_path: 'done' }] } }).expect(201);
    const ws = await t.core.workspaces.byName('crash');
    // As a process dies after moving a.bin but before recording it, and before even moving b.bin.
    const target = `done/${today()}/moved.bin`;
    await fs.mkdir(path.join(dir, 'done', today()), { recursive: true });
    await fs.writeFile(path.join(dir, target), 'moved');
    await fs.writeFile(path.join(dir, 'pending.bin'), 'pending');
    await t.db.query(
      `INSERT INTO ingest (file_name, strike_id, status, file_size, file_path, workspace_id, new_file_path, new_workspace_id, ingest_started)
       VALUES ('moved.bin', $1, 'INGESTING', 5, 'moved.bin', $2, $3, $2, now()), ('pending.bin', $1, 'INGESTING', 7, 'pending.bin', $2, $4, $2, now())`,
      [res.body.id, ws!.id, target, `done/${today()}/pending.bin`],
    );
    await tick();
    await tick();
    const all = await ingests(`&strike_id=${res.body.id}`);
    const moved = all.filter((i: any) => i.file_name === 'moved.bin');
    assert.deepEqual(moved.map((i: any) => i.status), ['INGESTED']);
    const pending = all.filter((i: any) => i.file_name === 'pending.bin').map((i: any) => i.status).sort();
    assert.deepEqual(pending, ['ERRORED', 'INGESTED'], 'the interrupted attempt is closed and the file ingested once');
    const files = (await api().get('/scale/files/?page_size=100').expect(200)).body.results.filter((f: any) => ['moved.bin', 'pending.bin'].includes(f.file_name));
    assert.equal(files.length, 2, 'one SOURCE file each');
  });

  describe('Scan', () => {
    it('reports what a sweep would ingest (dry run) without changing anything, then ingests in place or by the rules', async () => {
      const dir = await hostWs('scanned');
      await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
      await fs.writeFile(path.join(dir, 'x1.csv'), '1');
      await fs.writeFile(path.join(dir, 'sub', 'x2.csv'), '22');
      await fs.writeFile(path.join(dir, 'notes.md'), 'n');
      const scan = (await api().post('/scale/scans/').send({ name: 'scan-1', configuration: { version: '1.0', workspace: 'scanned', scanner: { type: 'dir' }, recursive: true, files_to_ingest: [{ filename_regex: '\\.csv$', data_types: ['table'] }] } }).expect(201)).body;
      const dry = (await api().post(`/scale/scans/${scan.id}/process/`).send({ ingest: false }).expect(201)).body;
      assert.equal(dry.dry_run, true);
      assert.equal(dry.file_count, 2);
      assert.equal(dry.deferred, 1);
      assert.deepEqual(dry.files.filter((f: any) => f.status === 'INGESTED').map((f: any) => f.file).sort(), ['sub/x2.csv', 'x1.csv']);
      assert.equal((await ingests(`&scan_id=${scan.id}`)).length, 0, 'a dry run records nothing');
      const run = (await api().post(`/scale/scans/${scan.id}/process/`).send({ ingest: true }).expect(201)).body;
      assert.equal(run.ingested, 2);
      const recs = await ingests(`&scan_id=${scan.id}&status=INGESTED`);
      assert.deepEqual(recs.map((r: any) => r.new_file_path).sort(), ['sub/x2.csv', 'x1.csv'], 'registered where they are');
      // A Scan ingests once (Scale: 409 after); another Scan of the same workspace finds nothing new.
      await api().post(`/scale/scans/${scan.id}/process/`).send({ ingest: true }).expect(409);
      const other = (await api().post('/scale/scans/').send({ name: 'scan-1b', configuration: scan.configuration }).expect(201)).body;
      const again = (await api().post(`/scale/scans/${other.id}/process/`).send({ ingest: true }).expect(201)).body;
      assert.equal(again.ingested, 0, 'files already registered are not ingested twice');
      await api().post('/scale/scans/').send({ name: 'scan-bad', configuration: { workspace: 'scanned', scanner: { type: 'tape' }, files_to_ingest: [{ filename_regex: '.*' }] } }).expect(400);
    });
  });

  describe('an S3 Strike (s3rver)', () => {
    let s3: S3rver;
    let endpoint: string;
    const CREDS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };

    before(async () => {
      s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: await tempDir('s3rver-'), configureBuckets: [{ name: 'drop-zone', configs: [] }] });
      const addr = (await s3.run()) as unknown as { port: number };
      endpoint = `http://127.0.0.1:${addr.port}`;
    });
    after(async () => s3?.close());

    it('polls its bucket: new objects are ingested into their place in the bucket; deferred ones are not seen again', async () => {
      await api().post('/scale/workspaces/').send({ name: 's3-drop', json_config: { broker: { type: 's3', bucket_name: 'drop-zone', endpoint_url: endpoint, credentials: CREDS } } }).expect(201);
      const dir = await api().post('/scale/strike/create/').send({ name: 'bad-s3', configuration: { version: '2.0', workspace: 's3-drop', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '.*' }] } }).expect(400);
      assert.match(dir.body.detail ?? JSON.stringify(dir.body), /host workspace/);
      const strike = (await api().post('/scale/strike/create/').send({ name: 's3-strike', configuration: { version: '6', workspace: 's3-drop', monitor: { type: 's3' }, files_to_ingest: [{ filename_regex: '\\.json$', data_types: ['event'], new_file_path: 'ingested' }] } }).expect(201)).body;
      const client = s3Client({ bucket_name: 'drop-zone', endpoint_url: endpoint, credentials: CREDS });
      await client.send(new PutObjectCommand({ Bucket: 'drop-zone', Key: 'incoming/e1.json', Body: '{"n":1}' }));
      await client.send(new PutObjectCommand({ Bucket: 'drop-zone', Key: 'incoming/skip.bin', Body: 'zz' }));
      await tick();
      const recs = await ingests(`&strike_id=${strike.id}`);
      const e1 = recs.find((r: any) => r.file_name === 'e1.json');
      assert.equal(e1.status, 'INGESTED', JSON.stringify(recs));
      assert.equal(e1.new_file_path, `ingested/${today()}/e1.json`);
      const obj = await client.send(new GetObjectCommand({ Bucket: 'drop-zone', Key: e1.new_file_path }));
      assert.equal(await obj.Body!.transformToString(), '{"n":1}');
      const keys = ((await client.send(new ListObjectsV2Command({ Bucket: 'drop-zone' }))).Contents ?? []).map((o) => o.Key).sort();
      assert.deepEqual(keys, ['incoming/skip.bin', e1.new_file_path].sort(), 'moved, not copied; the deferred object stays');
      await tick();
      assert.equal((await ingests(`&strike_id=${strike.id}`)).length, 2, 'nothing is ingested or deferred twice');
      // Bucket notifications (S3 event JSON): ObjectCreated 2.x records ingest at once; the rest are skipped and said why.
      await client.send(new PutObjectCommand({ Bucket: 'drop-zone', Key: 'incoming/e 2.json', Body: '{"n":2}' }));
      const event = (key: string, over: Record<string, unknown> = {}) => ({ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'drop-zone' }, object: { key, size: 7 } }, ...over });
      const res = await api().post(`/scale/strikes/${strike.id}/notifications/`).send({
        Records: [event('incoming/e+2.json'), 'garbage', event('incoming/e1.json', { eventVersion: '1.0' }), event('x', { eventName: 'ObjectRemoved:Delete' }), event('y', { s3: { bucket: { name: 'other' }, object: { key: 'y' } } }), event('%E0%A4%A')],
      }).expect(200);
      assert.equal(res.body.ingested, 1, JSON.stringify(res.body));
      assert.deepEqual(res.body.skipped.map((x: any) => x.record), [1, 2, 3, 4, 5]);
      assert.match(res.body.skipped[1].reason, /eventVersion/);
      assert.equal((await ingests('&file_name=e 2.json'))[0].status, 'INGESTED');
      await api().post(`/scale/strikes/${strike.id}/notifications/`).send({ nothing: true }).expect(400);
      await api().post(`/scale/strikes/${strike.id}/notifications/`).set('Content-Type', 'application/json').send('{"Records": [').expect(400);
    });
  });
});
