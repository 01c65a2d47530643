// S3 workspaces against a real S3 server (s3rver, started here): configuration checks and the
// masked secret, uploads (multipart past 8 MiB) and ranged downloads through the Scale API, a job
// that reads its input from S3 and writes its output there, and an OGC execution whose input is a
// reference to a file stored in S3.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import request from 'supertest';
import { S3_DEFAULTS, s3Client } from '../src/storage/s3-broker.ts';
import { createJobType, queueJob, upload, waitForJob } from './helpers/scale.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';

const HERE = path.join(import.meta.dirname, 'helpers', 'owslib');
const BUCKET = 'scale-test';
const CREDS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };

describe('S3 workspaces (s3rver)', function () {
  this.timeout(60_000);
  let s3: S3rver;
  let endpoint: string;
  let t: TestServer;
  let ws: any;

  before(async () => {
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: await tempDir('s3rver-'), configureBuckets: [{ name: BUCKET, configs: [] }] });
    const addr = (await s3.run()) as unknown as { address: string; port: number };
    endpoint = `http://127.0.0.1:${addr.port}`;
    t = await startServer('pglite', { SCALE_OGC_SYNC_SECONDS: '30' });
    const res = await request(t.app).post('/scale/workspaces/').send({ name: 's3-ws', title: 'S3', json_config: { broker: { type: 's3', bucket_name: BUCKET, endpoint_url: endpoint, region_name: 'us-east-1', credentials: CREDS } } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ws = res.body;
  });
  after(async () => {
    await t?.close();
    await s3?.close();
  });

  const object = async (key: string) => {
    const res = await s3Client({ bucket_name: BUCKET, endpoint_url: endpoint, credentials: CREDS }).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  };

  it('checks S3 configurations naming the field, warns about a bucket that does not answer, and never shows the secret key', async () => {
    const bad = [
      [{ type: 's3' }, 'json_config.broker.bucket_name'],
      [{ type: 's3', bucket_name: 'Bad_Bucket' }, 'json_config.broker.bucket_name'],
      [{ type: 's3', bucket_name: BUCKET, credentials: { access_key_id: 'x' } }, 'json_config.broker.credentials'],
      [{ type: 's3', bucket_name: BUCKET, endpoint_url: 'ftp://x' }, 'json_config.broker.endpoint_url'],
    ] as const;
    for (const [broker, field] of bad) {
      const res = await request(t.app).post('/scale/workspaces/validation/').send({ name: 'x', json_config: { broker } }).expect(400);
      assert.match(JSON.stringify(res.body), new RegExp(field.replace(/\./g, '\\.')), JSON.stringify(res.body));
    }
    const missing = await request(t.app).post('/scale/workspaces/validation/').send({ name: 'y', json_config: { broker: { type: 's3', bucket_name: 'no-such-bucket', endpoint_url: endpoint, credentials: CREDS } } }).expect(200);
    assert.ok(missing.body.warnings.some((w: any) => w.id === 'bucket'), JSON.stringify(missing.body));
    const details = (await request(t.app).get(`/scale/workspaces/${ws.id}/`).expect(200)).body;
    assert.equal(details.json_config.broker.credentials.secret_access_key, '*****');
    assert.equal(details.json_config.broker.credentials.access_key_id, 'S3RVER');
    // Sending the masked configuration back keeps the stored secret.
    await request(t.app).patch(`/scale/workspaces/${ws.id}/`).send({ json_config: details.json_config, title: 'S3 bucket' }).expect(200);
    const f = await upload(t.app, 'after edit', 'edited.txt', { workspace: 's3-ws' });
    assert.equal((await request(t.app).get(`/scale/files/${f.id}/content`).expect(200)).text, 'after edit');
  });

  it('stores uploads in the bucket (multipart past 8 MiB), serves them whole and by range, and refuses to overwrite', async () => {
    const small = await upload(t.app, 'hello s3', 'hello.txt', { workspace: 's3-ws', file_path: 'in/hello.txt' });
    assert.equal((await object('in/hello.txt')).toString(), 'hello s3');
    assert.equal((await request(t.app).get(`/scale/files/${small.id}/content`).expect(200)).text, 'hello s3');
    const part = await request(t.app).get(`/scale/files/${small.id}/content`).set('Range', 'bytes=6-7').expect(206);
    assert.equal(part.text, 's3');
    const again = await request(t.app).post('/scale/files/').field('workspace', 's3-ws').field('file_path', 'in/hello.txt').attach('file', Buffer.from('x'), 'hello.txt');
    assert.equal(again.status, 409, JSON.stringify(again.body));
    const big = randomBytes(20 * 1024 * 1024);
    const res = await request(t.app).post('/scale/files/').field('workspace', 's3-ws').attach('file', big, 'big.bin').expect(201);
    assert.equal(res.body.file_size, big.length);
    const got = (await request(t.app).get(`/scale/files/${res.body.id}/content`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200)).body as Buffer;
    assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(big).digest('hex'));
  });

  it('runs a job whose input is in S3 and whose output goes to S3', async () => {
    const input = await upload(t.app, 'make me loud\n', 'quiet.txt', { workspace: 's3-ws', media_type: 'text/plain' });
    const jt = await createJobType(t.app, {
      interface: {
        version: '1.0', command: `/bin/sh ${path.join(HERE, 'upper.sh')}`, command_arguments: '${input_file} ${job_output_dir}',
        input_data: [{ name: 'input_file', type: 'file', media_types: ['text/plain'] }],
        output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }],
      },
    });
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [{ name: 'input_file', file_id: input.id }], output_data: [{ name: 'upper', workspace_id: ws.id }] });
    const done = await waitForJob(t.app, queued.job_id ?? queued.id);
    assert.equal(done.status, 'COMPLETED', JSON.stringify(done.error ?? done));
    const out = (await request(t.app).get(`/scale/jobs/${done.id}/`).expect(200)).body;
    const fileId = out.outputs?.find?.((o: any) => o.name === 'upper')?.value?.id ?? out.results?.output_data?.[0]?.file_id ?? out.output?.output_data?.[0]?.file_id;
    assert.ok(fileId, JSON.stringify(out).slice(0, 1500));
    const file = (await request(t.app).get(`/scale/files/${fileId}/`).expect(200)).body;
    assert.equal(file.workspace.name, 's3-ws');
    assert.equal(file.file_type, 'PRODUCT');
    assert.equal((await object(file.file_path)).toString(), 'MAKE ME LOUD\n');
    // Through OGC API - Processes: an input given as a reference to the S3-stored file.
    const res = await request(t.url!).post(`/processes/${jt.name}/execution`).send({ inputs: { input_file: { href: `${t.url}/scale/files/${input.id}/content` } }, outputs: { upper: { transmissionMode: 'value' } }, response: 'document' }).expect(200);
    assert.equal(Buffer.from(res.body.upper.value, 'base64').toString(), 'MAKE ME LOUD\n');
  });

  it('retries every request on its own: after a burst of server errors, a stalled upload is still tried again', async function () {
    this.timeout(90_000);
    // A proxy in front of s3rver: answers the first two attempts of every request 500 InternalError,
    // and in stall mode never answers the first attempt of a PUT.
    const seen = new Map<string, number>();
    let mode: 'fail' | 'stall' = 'fail';
    const proxy = http.createServer((req, res) => {
      const key = `${mode} ${req.method} ${req.url}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if ((mode === 'fail' && n <= 2) || (mode === 'stall' && n === 1 && req.method === 'PUT')) {
        req.resume();
        if (mode === 'stall') return;
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected</Message></Error>');
        return;
      }
      const up = http.request(`${endpoint}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const client = s3Client({ bucket_name: BUCKET, endpoint_url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, credentials: CREDS }, { ...S3_DEFAULTS, idleTimeoutSeconds: 1 });
      // 120 requests failed twice each: the SDK's shared retry quota (500 tokens; 5 a retry, 5 back on
      // success) would have been spent by the hundredth, and the rest not retried at all.
      for (let i = 0; i < 120; i += 30) {
        await Promise.all(Array.from({ length: 30 }, (_, j) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `burst/${i + j}`, Body: 'x' }))));
      }
      mode = 'stall';
      const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after-the-burst', Body: 'still stored' }));
      assert.equal(put.$metadata.attempts, 2, 'the stalled attempt was abandoned and tried again');
      assert.equal((await object('after-the-burst')).toString(), 'still stored');
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
