// Fault injection (issue 12, point 2): the world around a server breaks while it works, and it must
// carry on. Each server is a child process, so a fault that crashes it is seen as a crash and not
// as a dead test runner.
//   (a) its PostgreSQL connections cut again and again under load (pg_terminate_backend on its
//       database only): it reconnects, every job completes, nothing is stuck;
//   (b) the Docker daemon going away and coming back (a proxy in front of the engine's socket that
//       this server alone talks to): executions fail as SYSTEM errors and are retried, none runs
//       twice at once, no container is left behind;
//   (c) an S3 server that answers 500 and 503 SlowDown, or stalls (a proxy in front of s3rver):
//       outputs and ingests are retried with backoff, and nothing half-written is published;
//   (d) a full disk (a 1 MiB tmpfs) under the workspace and under the execution directories: the
//       job fails with a clear error, nothing partial is left, the server survives and runs the next;
//   (e) an OGC callback subscriber that accepts and never answers: the job completes, other
//       requests and other subscribers are not held up.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type pg from 'pg';
import S3rver from 's3rver';
import { s3Client } from '../../src/storage/s3-broker.ts';
import { freshDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildSeedImage, docker, dockerAvailable, testJobManifest } from '../helpers/docker.ts';
import { tempDir } from '../helpers/server.ts';
import { audit, Client, Member, sleep, TRACE_SCRIPT, until, walk, watcher } from './harness.ts';

const FILL_SCRIPT = path.join(import.meta.dirname, 'fixtures', 'fill.sh');
import { record } from './report.ts';

const hasPg = !!process.env.DATABASE_URL;
if (!hasPg && process.env.REQUIRE_POSTGRES === '1') throw new Error('REQUIRE_POSTGRES=1 but DATABASE_URL is not set');

/** A server on a fresh database with its own data directory, a client, and a watcher connection. */
async function setup(name: string, extra: Record<string, string> = {}, before?: (dataDir: string) => Promise<void>) {
  const database: TestDatabase = await freshDatabase('postgres');
  const root = await tempDir(`fault-${name}-`);
  const dataDir = path.join(root, 'data');
  const traceDir = path.join(root, 'trace');
  await fs.mkdir(traceDir, { recursive: true });
  await fs.mkdir(dataDir, { recursive: true });
  await before?.(dataDir);
  const m = await Member.create(`${name}-${process.pid}`, { databaseUrl: database.url!, dataDir, extra });
  await m.start();
  const client = new Client(() => (m.up ? [m.url] : []));
  const db = await watcher(database.url!);
  return {
    database, root, dataDir, traceDir, m, client, db,
    /** A job type running trace.sh: `beats` tenths of a second, three output files. */
    async traced(label: string, beats: number, fields: Record<string, unknown> = {}) {
      return client.post('/scale/job-types/', {
        name: `${label}-${process.pid}`, version: '1.0', max_tries: 5, cpus_required: 0.25, mem_required: 16,
        interface: { version: '1.0', command: `/bin/sh ${TRACE_SCRIPT}`, command_arguments: `${traceDir} ${beats} parts \${job_output_dir}`, output_data: [{ name: 'parts', type: 'files', media_type: 'text/plain' }] },
        ...fields,
      });
    },
    async close() {
      await m.stop().catch(() => {});
      await db.end().catch(() => {});
      await database.drop().catch(() => {});
      await fs.rm(root, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/**
 * A Docker API socket in front of the engine's: stop() makes the daemon go away for whoever talks
 * to this socket (connections cut, the socket gone), start() brings it back.
 */
async function dockerProxy(sock: string) {
  const conns = new Set<net.Socket>();
  let server: net.Server | null = null;
  const proxy = {
    path: sock,
    async start() {
      if (server) return;
      server = net.createServer((c) => {
        const up = net.connect('/var/run/docker.sock');
        conns.add(c);
        conns.add(up);
        const end = () => {
          c.destroy();
          up.destroy();
          conns.delete(c);
          conns.delete(up);
        };
        c.on('error', end).on('close', end);
        up.on('error', end).on('close', end);
        c.pipe(up);
        up.pipe(c);
      });
      await fs.rm(sock, { force: true });
      await new Promise<void>((r) => server!.listen(sock, () => r()));
    },
    async stop() {
      const s = server;
      server = null;
      for (const c of conns) c.destroy();
      conns.clear();
      if (s) await new Promise<void>((r) => s.close(() => r()));
      await fs.rm(sock, { force: true });
    },
  };
  await proxy.start();
  return proxy;
}

/**
 * An HTTP proxy in front of an S3 server. flaky: every distinct request is answered 500
 * InternalError the first time and 503 SlowDown the second, and passed on from the third; stall:
 * the first attempt of every PUT is never answered (the connection is held open).
 */
async function s3Proxy(target: string) {
  const attempts = new Map<string, number[]>();
  const injected = { e500: 0, e503: 0, stalled: 0 };
  const stalled: http.ServerResponse[] = [];
  const p = {
    mode: 'ok' as 'ok' | 'flaky' | 'stall',
    url: '',
    attempts,
    injected,
    server: http.createServer((req, res) => {
      const key = `${p.mode} ${req.method} ${req.url}`;
      const seen = [...(attempts.get(key) ?? []), Date.now()];
      attempts.set(key, seen);
      const xml = (code: number, name: string) => {
        req.resume();
        res.writeHead(code, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${name}</Code><Message>injected</Message><RequestId>x</RequestId></Error>`);
      };
      if (p.mode === 'flaky' && seen.length === 1) return (injected.e500++, xml(500, 'InternalError'));
      if (p.mode === 'flaky' && seen.length === 2) return (injected.e503++, xml(503, 'SlowDown'));
      if (p.mode === 'stall' && req.method === 'PUT' && seen.length === 1) {
        injected.stalled++;
        req.resume();
        stalled.push(res);
        return;
      }
      const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    }),
    async close() {
      for (const r of stalled) r.destroy();
      p.server.closeAllConnections();
      await new Promise<void>((r) => p.server.close(() => r()));
    },
  };
  await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', () => r()));
  p.url = `http://127.0.0.1:${(p.server.address() as net.AddressInfo).port}`;
  return p;
}

async function job(url: string, id: number): Promise<any> {
  return (await fetch(`${url}/scale/jobs/${id}/`)).json();
}

(hasPg ? describe : describe.skip)('fault injection', function () {
  this.timeout(180_000);

  it('(a) database connections cut again and again under load: the server reconnects, every job completes, nothing is stuck', async () => {
    const s = await setup('db');
    let held = false;
    let cuts = 0;
    let terminated = 0;
    const slow: number[] = [];
    let result: Awaited<ReturnType<typeof audit>> | null = null;
    try {
      const jt = await s.traced('dbcut', 1);
      const dbName = new URL(s.database.url!).pathname.slice(1);
      // Clients keep submitting and reading while every connection of the server is cut every 200-500 ms.
      let stop = false;
      const cutter = (async () => {
        while (!stop) {
          await sleep(200 + Math.random() * 300);
          const r = await s.db.query('SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t', [dbName]);
          cuts++;
          terminated += r.rows[0].n;
        }
      })();
      const readers = (async () => {
        while (!stop) {
          const t0 = Date.now();
          await s.client.get('/scale/jobs/?page_size=20');
          slow.push(Date.now() - t0);
          await sleep(50);
        }
      })();
      await Promise.all(Array.from({ length: 3 }, async () => {
        for (let i = 0; i < 40; i++) s.client.accepted.push((await s.client.post('/scale/queue/new-job/', { job_type_id: jt.id })).id);
      })).catch((err) => {
        throw new Error(`${(err as Error).message}; server up: ${s.m.up}, requests in doubt ${s.client.inDoubt}, refused ${s.client.refused}\n--- server output (tail) ---\n${s.m.output().slice(-4000)}`);
      });
      await sleep(3000);
      stop = true;
      await Promise.all([cutter, readers]);
      assert.ok(s.m.up, `the server died under the cuts:\n${s.m.output().slice(-3000)}`);
      const settled = await until(async () => (await s.db.query(`SELECT count(*)::int AS n FROM job WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELED')`)).rows[0].n === 0, 60_000, 250);
      result = await audit({ db: s.db, accepted: s.client.accepted, recipes: [], traceDir: s.traceDir, tracedTypes: [jt.id] });
      // Executions the cuts failed (an outcome that could not be written is retried, not lost) are allowed; lost jobs are not.
      const problems = result.problems.filter((p) => !/execution \d+ failed with/.test(p));
      assert.ok(settled, `jobs did not settle: ${JSON.stringify((await s.db.query('SELECT status, count(*) FROM job GROUP BY status')).rows)}`);
      assert.deepEqual(problems, [], `${problems.join('\n')}\n${s.m.output().slice(-3000)}`);
      assert.ok(s.m.up, 'the server is still up');
      assert.ok(terminated > 20, `connections were really cut (${terminated})`);
      // A request whose query lost its connection may be refused, as 503 (try again); never a 500.
      assert.deepEqual(s.client.serverErrors.filter((e) => !e.startsWith('503 ')), [], 'no 500s');
      held = true;
    } finally {
      record({
        area: 'fault injection', what: '(a) PostgreSQL connections terminated every 200-500 ms under load', tried: cuts, held,
        figures: {
          'connections cut': terminated, accepted: s.client.accepted.length, 'jobs lost': result?.lost ?? -1, 'stuck rows': (result?.notTerminal ?? 0) + (result?.runningExes ?? 0) + (result?.queueMismatch ?? 0),
          '503 (try again)': s.client.serverErrors.filter((e) => e.startsWith('503 ')).length, '5xx other': s.client.serverErrors.filter((e) => !e.startsWith('503 ')).length,
          'files unrecorded': result?.orphanFiles ?? -1, 'executions retried': result?.retries ?? 0, 'slowest read ms': Math.max(0, ...slow),
        },
      });
      if (process.env.RELIABILITY_VERBOSE) console.log(JSON.stringify({ up: s.m.up, errors: s.client.serverErrors.slice(0, 10), result }), s.m.output().slice(-5000));
      await s.close();
    }
  });

  it('(b) the Docker daemon goes away and comes back: executions fail as SYSTEM errors and are retried, none runs twice at once, no container is left', async function () {
    if (!(await dockerAvailable())) {
      if (process.env.REQUIRE_DOCKER === '1') throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers');
      this.skip();
    }
    const manifest = testJobManifest(`fault-dock-${process.pid}`, {
      timeout: 120,
      interface: {
        command: '${MODE}',
        inputs: { json: [{ name: 'MODE', type: 'string' }, { name: 'NUM', type: 'integer', required: false }] },
        outputs: { files: [{ name: 'RESULT', pattern: 'result*.out', mediaType: 'text/plain' }] },
      },
    });
    const image = await buildSeedImage(manifest);
    const sockDir = await tempDir('docker-proxy-');
    const proxy = await dockerProxy(path.join(sockDir, 'docker.sock'));
    const s = await setup('docker', { SCALE_EXECUTOR: 'docker', DOCKER_HOST: `unix://${proxy.path}`, SCALE_DOCKER_MAX_CONTAINERS: '6' });
    // Containers seen running, per job, through the engine's own socket (not the proxy).
    const running = new Map<string, Set<string>>();
    let twice = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const list = await docker.listContainers({ filters: JSON.stringify({ label: [`scale-node=${s.m.name}`] }) }).catch(() => []);
        const perJob = new Map<string, number>();
        for (const c of list) {
          const j = c.Labels['scale-job-id'];
          perJob.set(j, (perJob.get(j) ?? 0) + 1);
          running.set(j, (running.get(j) ?? new Set()).add(c.Labels['scale-job-exe-id']));
        }
        for (const n of perJob.values()) if (n > 1) twice++;
        await sleep(100);
      }
    })();
    let held = false;
    const ids: number[] = [];
    let exes: any[] = [];
    let left = -1;
    try {
      const jt = await s.client.post('/scale/job-types/', { docker_image: image, max_tries: 6 });
      const submit = async (n: number, NUM: number) => {
        for (let i = 0; i < n; i++) ids.push((await s.client.post('/scale/jobs/', { job_type_id: jt.id, input: { json: { MODE: 'sleep', NUM } } })).id);
      };
      // The daemon goes away while containers run…
      await submit(3, 4);
      await until(async () => [...running.values()].filter((x) => x.size > 0).length >= 3, 30_000, 100);
      await proxy.stop();
      // … and while new work arrives.
      await submit(3, 1);
      await sleep(3000);
      await proxy.start();
      const ended = await until(async () => {
        const all = await Promise.all(ids.map((id) => job(s.m.url, id)));
        return all.every((x) => ['COMPLETED', 'FAILED', 'CANCELED'].includes(x.status)) ? all : null;
      }, 90_000, 250);
      assert.ok(s.m.up, `the server died:\n${s.m.output().slice(-3000)}`);
      exes = (await s.db.query('SELECT x.job_id, x.id, x.exe_num, x.status, e.name, e.category FROM job_exe x LEFT JOIN error e ON e.id = x.error_id WHERE x.job_id = ANY($1::bigint[]) ORDER BY x.job_id, x.exe_num', [ids])).rows;
      assert.ok(ended, `jobs did not end: ${JSON.stringify(exes)}`);
      assert.deepEqual(ended.map((x: any) => x.status), ids.map(() => 'COMPLETED'), `every job completes once the daemon is back: ${JSON.stringify(exes)}`);
      const failures = exes.filter((x) => x.status === 'FAILED');
      assert.ok(failures.length > 0, 'the outage failed executions');
      assert.deepEqual(failures.filter((x) => x.category !== 'SYSTEM'), [], 'every failure is a system error');
      assert.equal(twice, 0, 'no job ever had two containers running at once');
      await sleep(1000);
      left = (await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`scale-node=${s.m.name}`] }) })).length;
      assert.equal(left, 0, 'no container is left behind');
      held = true;
    } finally {
      watching = false;
      await watch;
      record({
        area: 'fault injection', what: '(b) Docker daemon gone for 3 s (a proxy refusing) while 3 containers run and 3 jobs arrive', tried: 1, held,
        figures: { jobs: ids.length, 'executions failed (SYSTEM)': exes.filter((x) => x.status === 'FAILED' && x.category === 'SYSTEM').length, 'failed otherwise': exes.filter((x) => x.status === 'FAILED' && x.category !== 'SYSTEM').length, 'two containers at once': twice, 'containers left': left },
      });
      if (process.env.RELIABILITY_VERBOSE) console.log(JSON.stringify({ exes, twice, left }), s.m.output().slice(-4000));
      // Nothing of this test may outlive it, whatever happened (other tests look containers up by execution id).
      for (const c of await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`scale-node=${s.m.name}`] }) })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
      await proxy.start();
      await s.close();
      await proxy.stop();
    }
  });

  it('(c) an S3 server that answers 500, 503 SlowDown and stalls: outputs and ingests are retried with backoff, nothing half-written is published', async () => {
    const bucket = 'fault-bucket';
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: await tempDir('s3rver-'), configureBuckets: [{ name: bucket, configs: [] }] });
    const addr = (await s3.run()) as unknown as { port: number };
    const proxy = await s3Proxy(`http://127.0.0.1:${addr.port}`);
    const s = await setup('s3', { SCALE_S3_TIMEOUT_SECONDS: '2' });
    let held = false;
    const figures: Record<string, number> = {};
    try {
      const creds = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };
      const ws = await s.client.post('/scale/workspaces/', { name: 's3-out', json_config: { broker: { type: 's3', bucket_name: bucket, endpoint_url: proxy.url, region_name: 'us-east-1', credentials: creds } } });
      const landing = path.join(s.root, 'landing');
      await fs.mkdir(landing, { recursive: true });
      await s.client.post('/scale/workspaces/', { name: 'landing', json_config: { broker: { type: 'host', host_path: landing } } });
      await s.client.post('/scale/strike/create/', { name: 's3-strike', configuration: { version: '2.0', workspace: 'landing', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '\\.txt$', new_workspace: 's3-out', new_file_path: 'in' }] } });
      const jt = await s.traced('s3out', 0);
      const run = async (phase: 'flaky' | 'stall', jobs: number, files: number) => {
        proxy.mode = phase;
        const ids: number[] = [];
        for (let i = 0; i < jobs; i++) ids.push((await s.client.post('/scale/queue/new-job/', { job_type_id: jt.id, job_data: { version: '1.0', input_data: [], output_data: [{ name: 'parts', workspace_id: ws.id }] } })).id);
        const names: string[] = [];
        for (let i = 0; i < files; i++) {
          const name = `${phase}-${i}.txt`;
          await fs.writeFile(path.join(landing, `.${name}`), `${phase} file ${i}\n`.repeat(50 + i));
          await fs.rename(path.join(landing, `.${name}`), path.join(landing, name));
          names.push(name);
        }
        const done = await until(async () => {
          const js = (await s.db.query(`SELECT count(*)::int AS n FROM job WHERE id = ANY($1::bigint[]) AND status IN ('COMPLETED', 'FAILED', 'CANCELED')`, [ids])).rows[0].n;
          const ing = (await s.db.query(`SELECT count(*)::int AS n FROM ingest WHERE file_name = ANY($1::text[]) AND status IN ('INGESTED', 'ERRORED')`, [names])).rows[0].n;
          return js === ids.length && ing >= names.length;
        }, 60_000, 250);
        assert.ok(done, `${phase}: jobs and ingests did not end: ${JSON.stringify((await s.db.query('SELECT status, count(*) FROM job GROUP BY status')).rows)} ${JSON.stringify((await s.db.query('SELECT status, error, count(*) FROM ingest GROUP BY status, error')).rows)}`);
        const jobs2 = (await s.db.query(`SELECT j.status, x.exe_num, e.name FROM job j JOIN job_exe x ON x.job_id = j.id LEFT JOIN error e ON e.id = x.error_id WHERE j.id = ANY($1::bigint[])`, [ids])).rows;
        const ingests = (await s.db.query(`SELECT status, error FROM ingest WHERE file_name = ANY($1::text[])`, [names])).rows;
        figures[`${phase}: executions retried`] = jobs2.filter((x) => x.exe_num > 1).length;
        assert.deepEqual(jobs2.filter((x) => x.status !== 'COMPLETED'), [], `${phase}: every job completes (the client's retries absorb the faults)`);
        assert.deepEqual(ingests.filter((x) => x.status !== 'INGESTED'), [], `${phase}: every file is ingested`);
      };
      await run('flaky', 6, 10);
      await run('stall', 4, 6);
      assert.ok(proxy.injected.e500 > 0 && proxy.injected.e503 > 0 && proxy.injected.stalled > 0, `faults were injected: ${JSON.stringify(proxy.injected)}`);
      // Each retried request waited before it was sent again (the client's backoff).
      const gaps = [...proxy.attempts.values()].filter((t) => t.length > 1).flatMap((t) => t.slice(1).map((x, i) => x - t[i]));
      figures['retried requests'] = gaps.length;
      figures['mean wait before a retry ms'] = Math.round(gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length));
      assert.ok(figures['mean wait before a retry ms'] >= 50, `retries were not spaced: ${figures['mean wait before a retry ms']} ms`);
      // What is recorded is in the bucket, whole; what is in the bucket is recorded.
      const rows = (await s.db.query(`SELECT file_path, file_size, checksum FROM scale_file WHERE workspace_id = $1 AND NOT is_deleted`, [ws.id])).rows;
      const direct = s3Client({ bucket_name: bucket, endpoint_url: `http://127.0.0.1:${addr.port}`, credentials: creds });
      const objects = new Map<string, Buffer>();
      let token: string | undefined;
      do {
        const page = await direct.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of page.Contents ?? []) objects.set(o.Key!, Buffer.from(await (await direct.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray()));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      const bad = rows.filter((r) => !objects.has(r.file_path) || objects.get(r.file_path)!.length !== Number(r.file_size) || createHash('sha256').update(objects.get(r.file_path)!).digest('hex') !== r.checksum);
      const unrecorded = [...objects.keys()].filter((k) => !rows.some((r) => r.file_path === k));
      figures['objects'] = objects.size;
      figures['recorded without a whole object'] = bad.length;
      figures['objects recorded nowhere'] = unrecorded.length;
      assert.deepEqual(bad.map((r) => r.file_path), [], 'every recorded file is in the bucket, whole');
      assert.deepEqual(unrecorded, [], 'nothing half-published is left in the bucket');
      assert.equal(rows.length, 10 * 3 + 16, 'three products per job, one file per ingest');
      assert.ok(s.m.up, 'the server is up');
      held = true;
    } finally {
      Object.assign(figures, { '500s injected': proxy.injected.e500, '503 SlowDown injected': proxy.injected.e503, 'stalls injected': proxy.injected.stalled });
      record({ area: 'fault injection', what: '(c) S3 answering 500 then 503 SlowDown to every request, then stalling every first PUT', tried: proxy.injected.e500 + proxy.injected.e503 + proxy.injected.stalled, held, figures });
      if (process.env.RELIABILITY_VERBOSE) console.log(JSON.stringify(figures), s.m.output().slice(-4000));
      await s.close();
      await proxy.close();
      await s3.close();
    }
  });

  describe('(d) a full disk', () => {
    const mounts: string[] = [];
    const tmpfs = async (dir: string) => {
      await fs.mkdir(dir, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      mounts.push(dir);
    };
    before(async function () {
      // Needs root and the right to mount (not every container grants it): probe once.
      const probe = await tempDir('tmpfs-probe-');
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
        execFileSync('umount', [probe], { stdio: 'ignore' });
      } catch {
        this.skip();
      }
    });
    after(() => {
      for (const d of mounts) {
        try {
          execFileSync('umount', ['-l', d], { stdio: 'ignore' });
        } catch {
          /* already gone */
        }
      }
    });

    for (const where of ['workspace', 'executions'] as const) {
      it(`(d) under the ${where === 'workspace' ? 'output workspace' : 'execution directories'}: the job fails with a clear error, nothing partial is left, the server survives and runs the next job`, async () => {
        let full = '';
        const s = await setup(`disk-${where}`, {}, async (dataDir) => {
          full = where === 'workspace' ? path.join(dataDir, 'workspaces', 'default') : path.join(dataDir, 'executions');
          await tmpfs(full);
        });
        let held = false;
        let failed: any = null;
        try {
          const mk = (label: string, bytes: number) =>
            s.client.post('/scale/job-types/', {
              // It says it needs half a MiB of disk (so the 1 MiB node takes it) and writes more.
              name: `${label}-${where}-${process.pid}`, version: '1.0', max_tries: 1, cpus_required: 0.25, mem_required: 16, disk_out_const_required: 0.5,
              interface: {
                version: '1.0', command: `/bin/sh ${FILL_SCRIPT}`, command_arguments: `${bytes} \${job_output_dir}`,
                output_data: [{ name: 'small', type: 'file', media_type: 'text/plain' }, { name: 'big', type: 'file', media_type: 'application/octet-stream' }],
              },
            });
          const big = await mk('big', 3 * 1024 * 1024);
          const small = await mk('small', 1000);
          const j = await s.client.post('/scale/queue/new-job/', { job_type_id: big.id });
          failed = await until(async () => {
            const x = await job(s.m.url, j.id);
            return ['FAILED', 'COMPLETED'].includes(x.status) ? x : null;
          }, 30_000, 100);
          assert.equal(failed?.status, 'FAILED', `${JSON.stringify(failed)}\n${s.m.output().slice(-3000)}`);
          assert.ok(s.m.up, `the server died:\n${s.m.output().slice(-3000)}`);
          const exe = (await s.db.query('SELECT x.results_manifest, x.log_path, e.name, e.category FROM job_exe x JOIN error e ON e.id = x.error_id WHERE x.job_id = $1', [j.id])).rows[0];
          const said = JSON.stringify(exe);
          // A system error (not the algorithm's) whose record says the disk is full: storing the
          // output failed, or the command could not write (and its log, on that disk, is empty).
          assert.equal(exe.category, 'SYSTEM', said);
          assert.equal(exe.name, 'filesystem-io', said);
          assert.match(JSON.stringify(exe.results_manifest), /no space left|ENOSPC/i, `the error should say the disk is full: ${said}`);
          assert.equal((await s.db.query('SELECT count(*)::int AS n FROM scale_file WHERE job_id = $1', [j.id])).rows[0].n, 0, 'no file was recorded');
          const left = (await walk(full)).filter((p) => !p.endsWith('/log') && p !== 'log');
          assert.deepEqual(left.filter((p) => p.startsWith('jobs/') || p.includes('/output/')), [], 'nothing partial is left on the full disk');
          // The disk has room again, and the server runs the next job.
          const next = await s.client.post('/scale/queue/new-job/', { job_type_id: small.id });
          const done = await until(async () => {
            const x = await job(s.m.url, next.id);
            return ['FAILED', 'COMPLETED'].includes(x.status) ? x : null;
          }, 30_000, 100);
          assert.equal(done?.status, 'COMPLETED', JSON.stringify(done));
          held = true;
        } finally {
          record({ area: 'fault injection', what: `(d) full disk (1 MiB tmpfs) under the ${where === 'workspace' ? 'output workspace' : 'execution directories'}`, tried: 1, held, figures: { error: failed?.error?.name ?? 'none', 'server survived': s.m.up ? 'yes' : 'no' } });
          await s.close();
          try {
            execFileSync('umount', ['-l', full], { stdio: 'ignore' });
          } catch {
            /* after() tries again */
          }
        }
      });
    }
  });

  it('(e) a callback subscriber that accepts and never answers: jobs complete, other requests and subscribers are not held up', async () => {
    // The black hole: takes every connection and never says a word.
    const held: net.Socket[] = [];
    let connections = 0;
    let open = 0;
    const hole = net.createServer((c) => {
      connections++;
      open++;
      held.push(c);
      c.on('error', () => {});
      c.resume();
      c.once('close', () => open--);
    });
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
    const holeUrl = `http://127.0.0.1:${(hole.address() as net.AddressInfo).port}`;
    // A subscriber that does answer.
    const heard: { path: string; at: number }[] = [];
    const good = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        heard.push({ path: req.url!, at: Date.now() });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => good.listen(0, '127.0.0.1', () => r()));
    const goodUrl = `http://127.0.0.1:${(good.address() as net.AddressInfo).port}`;
    const s = await setup('callback', { SCALE_OGC_CALLBACK_SECONDS: '2' });
    let ok = false;
    const latencies: number[] = [];
    let jobs: string[] = [];
    let toldAfter = -1;
    try {
      // 25 jobs whose subscriber never answers, more than the callbacks handled at once.
      const exec = (message: string, subscriber: Record<string, string>) =>
        fetch(`${s.m.url}/processes/echo/execution`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'respond-async' }, body: JSON.stringify({ inputs: { message }, subscriber }) }).then(async (r) => {
          assert.equal(r.status, 201, await r.clone().text());
          return ((await r.json()) as any).jobID as string;
        });
      jobs = await Promise.all(Array.from({ length: 25 }, (_, i) => exec(`hole ${i}`, { successUri: `${holeUrl}/s${i}`, inProgressUri: `${holeUrl}/p${i}`, failedUri: `${holeUrl}/f${i}` })));
      await until(async () => connections >= 10, 15_000, 50);
      // While the callbacks hang: other requests are answered at once, and another subscriber is called.
      const sent = Date.now();
      const polite = await exec('polite', { successUri: `${goodUrl}/success` });
      for (let i = 0; i < 20; i++) {
        const t0 = Date.now();
        const r = await fetch(`${s.m.url}/${['processes', 'jobs?limit=10', 'scale/jobs/?page_size=5'][i % 3]}`);
        await r.arrayBuffer();
        assert.ok(r.status < 500, `${r.status}`);
        latencies.push(Date.now() - t0);
        await sleep(100);
      }
      const statuses = await until(async () => {
        const all = await Promise.all([...jobs, polite].map(async (id) => ((await (await fetch(`${s.m.url}/jobs/${id}`)).json()) as any).status));
        return all.every((x) => x === 'successful') ? all : null;
      }, 60_000, 250);
      assert.ok(statuses, 'every job completed although its subscriber never answered');
      const told = await until(async () => heard.find((h) => h.path === '/success'), 30_000, 100);
      assert.ok(told, 'the answering subscriber was called back');
      toldAfter = told.at - sent;
      assert.ok(toldAfter < 20_000, `the answering subscriber waited ${toldAfter} ms behind the silent ones`);
      assert.ok(Math.max(...latencies) < 2000, `requests were held up: ${latencies.join(', ')} ms`);
      assert.ok(s.m.up, 'the server is up');
      // The calls that hang are given up after their time limit: connections do not pile up.
      await sleep(2500);
      assert.ok(open <= 25, `callback connections are left open: ${open} of ${connections}`);
      ok = true;
    } finally {
      record({
        area: 'fault injection', what: '(e) OGC callback subscriber that accepts and never answers (25 jobs)', tried: connections, held: ok,
        figures: { 'callback connections': connections, 'slowest other request ms': Math.max(0, ...latencies), 'answering subscriber told after ms': toldAfter, 'jobs completed': ok ? jobs.length : -1 },
      });
      for (const c of held) c.destroy();
      hole.close();
      good.close();
      await s.close();
    }
  });
});
