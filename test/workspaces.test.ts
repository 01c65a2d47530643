import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { HostBroker, checkRelativePath } from '../src/storage/host-broker.ts';
import { dbKinds } from './helpers/db.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';

describe('host broker: paths never leave the workspace root', () => {
  let root: string;
  let outside: string;
  let broker: HostBroker;
  before(async () => {
    root = await tempDir();
    outside = await tempDir();
    await fs.writeFile(path.join(outside, 'secret.txt'), 'secret');
    broker = new HostBroker(root);
  });

  it('rejects absolute paths, .. segments and NUL bytes', () => {
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a/..', '', 'a\0b', 'C:/x']) {
      assert.throws(() => checkRelativePath(bad), /file_path/, JSON.stringify(bad));
    }
    assert.equal(checkRelativePath('a//b/./c.txt'), 'a/b/c.txt');
  });

  it('refuses a symlinked file or directory that points outside', async () => {
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    await fs.symlink(outside, path.join(root, 'linkdir'));
    await assert.rejects(broker.read('link.txt'), /outside the workspace/);
    await assert.rejects(broker.read('linkdir/secret.txt'), /outside the workspace/);
    await assert.rejects(broker.write('linkdir/new.txt', Readable.from(['x'])), /outside the workspace/);
    assert.deepEqual(await fs.readdir(outside), ['secret.txt'], 'nothing was written outside');
  });

  it('writes atomically and never over an existing file', async () => {
    const stored = await broker.write('d/e/f.txt', Readable.from([Buffer.from('hello')]));
    assert.equal(stored.size, 5);
    assert.equal(stored.checksum, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    await assert.rejects(broker.write('d/e/f.txt', Readable.from(['other'])), /already exists/);
    assert.equal(await fs.readFile(path.join(root, 'd/e/f.txt'), 'utf8'), 'hello');
    assert.deepEqual(await fs.readdir(path.join(root, 'd/e')), ['f.txt'], 'no temp files left behind');
  });
});

for (const kind of dbKinds()) {
  describe(`Scale API /workspaces/ (${kind})`, () => {
    let t: TestServer;
    let dir: string;
    before(async () => {
      t = await startServer(kind, { SCALE_SCHEDULER: 'off' });
      dir = await tempDir();
    });
    after(() => t?.close());

    it('has the default workspace under SCALE_DATA_DIR', async () => {
      const res = await request(t.app).get('/scale/workspaces/?name=default').expect(200);
      assert.equal(res.body.count, 1);
      const ws = (await request(t.app).get(`/scale/workspaces/${res.body.results[0].id}/`).expect(200)).body;
      assert.equal(ws.json_config.broker.type, 'host');
      assert.equal(ws.json_config.broker.host_path, path.join(t.dataDir, 'workspaces', 'default'));
    });

    it('creates, lists, reads and edits a host workspace', async () => {
      const body = { name: 'raw', title: 'Raw Source', description: 'Raw Source Workspace', base_url: 'http://host.com/rs', is_active: true, json_config: { broker: { type: 'host', host_path: path.join(dir, 'raw') } } };
      const created = await request(t.app).post('/scale/workspaces/').send(body).expect(201);
      assert.match(created.headers.location, /\/workspaces\/\d+\/$/);
      assert.equal(created.body.json_config.broker.host_path, path.join(dir, 'raw'));
      assert.equal(created.body.json_config.version, '1.0');
      assert.ok((await fs.stat(path.join(dir, 'raw'))).isDirectory(), 'the directory was created');
      const list = await request(t.app).get('/scale/workspaces/?order=name').expect(200);
      assert.ok(list.body.results.some((w: any) => w.name === 'raw' && w.base_url === 'http://host.com/rs' && !('json_config' in w)));
      const edited = await request(t.app).patch(`/scale/workspaces/${created.body.id}/`).send({ title: 'Raw', is_active: false }).expect(200);
      assert.equal(edited.body.title, 'Raw');
      assert.equal(edited.body.is_active, false);
      assert.ok(edited.body.archived);
      assert.equal(edited.body.description, 'Raw Source Workspace');
    });

    it('validates a configuration without saving it', async () => {
      const ok = await request(t.app).post('/scale/workspaces/validation/').send({ name: 'v1', json_config: { broker: { type: 'host', host_path: path.join(dir, 'not-yet') } } }).expect(200);
      assert.equal(ok.body.is_valid, true);
      assert.equal(ok.body.warnings[0].id, 'host_path');
      const bad = await request(t.app).post('/scale/workspaces/validation/').send({ name: 'v2', json_config: { broker: { type: 'host', host_path: 'relative' } } }).expect(400);
      assert.equal(bad.body.is_valid, false);
      assert.equal(bad.body.errors[0].name, 'json_config.broker.host_path');
      assert.equal((await request(t.app).get('/scale/workspaces/?name=v1').expect(200)).body.count, 0);
    });

    it('rejects bad configurations naming the field', async () => {
      const cases: [unknown, RegExp][] = [
        [{ broker: { type: 'ftp' } }, /json_config\.broker\.type/],
        [{ broker: { type: 'nfs', nfs_path: 'h:/p' } }, /json_config\.broker\.type: broker type "nfs" is not supported/],
        [{ broker: { type: 'host' } }, /json_config\.broker\.host_path: is required/],
        [{ broker: { type: 'host', host_path: '/a/../b' } }, /host_path: must not contain '\.\.'/],
        [{ brokers: {} }, /json_config\.broker: is required/],
        ['host', /json_config: must be of type object/],
      ];
      for (const [config, re] of cases) {
        const res = await request(t.app).post('/scale/workspaces/').send({ name: 'bad', json_config: config }).expect(400);
        assert.match(res.body.detail, re, JSON.stringify(config));
      }
      await request(t.app).post('/scale/workspaces/').send({ name: '../evil', json_config: { broker: { type: 'host', host_path: dir } } }).expect(400);
      await request(t.app).post('/scale/workspaces/').send({ name: 'default', json_config: { broker: { type: 'host', host_path: dir } } }).expect(409);
      await request(t.app).get('/scale/workspaces/424242/').expect(404);
      await request(t.app).patch('/scale/workspaces/424242/').send({ title: 'x' }).expect(404);
    });
  });
}

describe('SCALE_WORKSPACE_ROOTS confines host workspaces', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer('pglite', { SCALE_SCHEDULER: 'off', SCALE_WORKSPACE_ROOTS: '/srv/scale' });
  });
  after(() => t?.close());

  it('refuses a host_path outside the allowed roots', async () => {
    const res = await request(t.app).post('/scale/workspaces/').send({ name: 'etc', json_config: { broker: { type: 'host', host_path: '/etc' } } }).expect(400);
    assert.match(res.body.detail, /SCALE_WORKSPACE_ROOTS/);
  });
});
