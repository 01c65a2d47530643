// (h) Ingest. N small files (BENCH_INGEST_FILES, default 10,000) dropped into a directory a Strike
// dir-watcher watches, swept until every one is INGESTED: files/s into a host workspace (the move
// is a rename) and into a local S3 server (s3rver; each file an upload), beside a plain
// fs.copyFile loop over the same files in the same run. The goal: ≥ 500 files/s on host
// storage. Printed, never asserted.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { freshDb, fmt, kinds, server } from './common.ts';
import { figure } from './summary.ts';

const FILES = Number(process.env.BENCH_INGEST_FILES ?? 10_000);

async function drop(dir: string, n: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, k) => fs.writeFile(path.join(dir, `f-${i + k}.dat`), `file ${i + k}\n`)));
  }
}

async function copyLoop(n: number): Promise<number> {
  const src = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-copy-src-'));
  const dst = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-copy-dst-'));
  await drop(src, n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fs.copyFile(path.join(src, `f-${i}.dat`), path.join(dst, `f-${i}.dat`));
  const s = (performance.now() - t0) / 1000;
  await Promise.all([fs.rm(src, { recursive: true, force: true }), fs.rm(dst, { recursive: true, force: true })]);
  return n / s;
}

async function strikeRun(kind: string, target: 'host' | 's3', n: number): Promise<number> {
  const { db, drop: dropDb } = await freshDb(kind as never);
  const s = await server(db, { SCALE_STRIKE_POLL_MS: '3600000' });
  let s3: S3rver | null = null;
  try {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-ingest-'));
    const watched = path.join(root, 'watched');
    await s.core.workspaces.create({ name: 'landing', json_config: { broker: { type: 'host', host_path: watched } } });
    if (target === 's3') {
      s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(root, 's3'), configureBuckets: [{ name: 'bench', configs: [] }] });
      const addr = (await s3.run()) as unknown as { port: number };
      await s.core.workspaces.create({ name: 'dest', json_config: { broker: { type: 's3', bucket_name: 'bench', endpoint_url: `http://127.0.0.1:${addr.port}`, credentials: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } } } });
    } else {
      await s.core.workspaces.create({ name: 'dest', json_config: { broker: { type: 'host', host_path: path.join(root, 'dest') } } });
    }
    await s.core.strikes.create({ name: 'bench', configuration: { version: '2.0', workspace: 'landing', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '\\.dat$', new_workspace: 'dest', new_file_path: 'in' }] } });
    await drop(watched, n);
    const t0 = performance.now();
    let done = 0;
    while (done < n) {
      await s.core.strikes.tick(600);
      done = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ingest WHERE status = 'INGESTED'")).rows[0].n;
    }
    const secs = (performance.now() - t0) / 1000;
    await fs.rm(root, { recursive: true, force: true });
    return n / secs;
  } finally {
    await s.close();
    await s3?.close();
    await dropDb();
  }
}

export async function ingest(): Promise<void> {
  console.log(`\n(h) Ingest: ${fmt(FILES)} small files dropped into a Strike dir-watcher's directory, swept until all are INGESTED`);
  const copy = await copyLoop(FILES);
  console.log(`  fs.copyFile loop over the same files:        ${fmt(copy)} files/s`);
  for (const kind of kinds()) {
    const host = await strikeRun(kind, 'host', FILES);
    console.log(`  ${kind.padEnd(8)} into a host workspace:       ${fmt(host)} files/s (${fmt(host / copy, 2)}× the copy loop; goal ≥ 500 files/s: ${host >= 500 ? 'met' : 'NOT met'})`);
    figure({ section: 'h', name: `Strike ingest into a host workspace, ${kind}`, value: host, unit: 'files/s', goal: { op: '>=', target: 500 } });
    figure({ section: 'h', name: `Strike ingest into a host workspace vs copy loop, ${kind}`, value: host / copy, unit: '×', reference: `fs.copyFile loop, ${fmt(copy)} files/s` });
    const s3n = Math.min(FILES, Number(process.env.BENCH_INGEST_S3_FILES ?? 2000));
    const s3 = await strikeRun(kind, 's3', s3n);
    console.log(`  ${kind.padEnd(8)} into S3 (s3rver, ${fmt(s3n)} files): ${fmt(s3)} files/s`);
    figure({ section: 'h', name: `Strike ingest into S3 (s3rver) vs copy loop, ${kind}`, value: s3 / copy, unit: '×', reference: `fs.copyFile loop, ${fmt(copy)} files/s` });
  }
}
