// (g) WPS 1.0.0: our /wps beside PyWPS 4.5 (Debian's python3-pywps) serving twelve comparable
// processes (bench/pywps/app.py). Requests/s of GetCapabilities, DescribeProcess of one process and
// of ALL, and a synchronous Execute of echo (POST XML, RawDataOutput), each with CONCURRENCY
// keep-alive clients for SECONDS after a warm-up. The issue's goals are ≥ 5× PyWPS on GetCapabilities
// and DescribeProcess, ≥ 3× on Execute of echo (issue 24); printed and recorded, never asserted.
//
// PyWPS runs under gunicorn (Debian's `gunicorn` package) with the gthread worker: a real
// pre-fork, multi-threaded WSGI server (one process per core, BENCH_PYWPS_WORKERS, each with
// BENCH_PYWPS_THREADS threads) that keeps connections alive, as PyWPS is deployed in production.
// Waitress (python3-waitress) would be a single process: one core under the GIL, a weaker
// baseline. Gunicorn's default sync worker closes every connection, so it is not used.
//
// The load generator: bench/load.ts (keep-alive clients in a worker thread).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Load, loadTest } from './load.ts';
import { freshDb, fmt, server } from './common.ts';
import { figure } from './summary.ts';

const SECONDS = Number(process.env.BENCH_WPS_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WPS_WARMUP_SECONDS ?? 1);
const CONCURRENCY = Number(process.env.BENCH_WPS_CONCURRENCY ?? 16);
const PYWPS_WORKERS = Number(process.env.BENCH_PYWPS_WORKERS ?? os.cpus().length);
const PYWPS_THREADS = Number(process.env.BENCH_PYWPS_THREADS ?? 4);
const PYTHON = process.env.BENCH_PYWPS_PYTHON ?? '/usr/bin/python3'; // Debian's, where python3-pywps installs
const PYWPS_DIR = fileURLToPath(new URL('./pywps/', import.meta.url));
const GOAL = 5;
const EXECUTE_GOAL = 3;

interface Op {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** What a correct answer looks like (checked once before the load). */
  check: (status: number, body: string) => string | null;
  /** The least ratio to PyWPS asked for (issue 24: Execute echo ≥ 3×, the others ≥ 5×). */
  goal: number;
}

const EXECUTE_ECHO = `<?xml version="1.0" encoding="UTF-8"?>
<wps:Execute service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Identifier>echo</ows:Identifier><wps:DataInputs><wps:Input><ows:Identifier>message</ows:Identifier><wps:Data><wps:LiteralData>hi</wps:LiteralData></wps:Data></wps:Input></wps:DataInputs><wps:ResponseForm><wps:RawDataOutput><ows:Identifier>message</ows:Identifier></wps:RawDataOutput></wps:ResponseForm></wps:Execute>`;

const element = (name: string) => new RegExp(`<([\\w.-]+:)?${name}[\\s>/]`);
/** A WPS 1.0.0 document with this root element. */
const xml = (root: string) => (status: number, body: string) =>
  status === 200 && element(root).test(body) && body.includes('http://www.opengis.net/wps/1.0.0') ? null : `HTTP ${status}: ${body.slice(0, 200)}`;

const OPS: Op[] = [
  // AcceptVersions: ours answers GetCapabilities in 2.0.0 by default, PyWPS in 1.0.0; both in 1.0.0 here.
  { label: 'GetCapabilities', method: 'GET', path: '/wps?service=WPS&request=GetCapabilities&AcceptVersions=1.0.0', check: xml('Capabilities'), goal: GOAL },
  { label: 'DescribeProcess echo', method: 'GET', path: '/wps?service=WPS&version=1.0.0&request=DescribeProcess&identifier=echo', check: xml('ProcessDescriptions'), goal: GOAL },
  { label: 'DescribeProcess ALL', method: 'GET', path: '/wps?service=WPS&version=1.0.0&request=DescribeProcess&identifier=ALL', check: xml('ProcessDescriptions'), goal: GOAL },
  {
    label: 'Execute echo (sync, raw)', method: 'POST', path: '/wps', body: EXECUTE_ECHO, goal: EXECUTE_GOAL,
    check: (status, body) => (status === 200 && body.trim() === 'hi' ? null : `HTTP ${status}: ${body.slice(0, 200)}`),
  },
];

const load = (base: string, op: Op) => loadTest({ url: base + op.path, method: op.method, body: op.body, concurrency: CONCURRENCY, seconds: SECONDS, warmup: WARMUP });

/** One request: the check's complaint, or null when the answer is right. */
async function probe(base: string, op: Op): Promise<string | null> {
  try {
    const res = await fetch(base + op.path, { method: op.method, body: op.body, headers: op.body ? { 'content-type': 'text/xml' } : {} });
    return op.check(res.status, await res.text());
  } catch (err) {
    return (err as Error).message;
  }
}

async function describeAllCount(base: string): Promise<number> {
  const body = await (await fetch(`${base}/wps?service=WPS&version=1.0.0&request=DescribeProcess&identifier=ALL`)).text();
  return (body.match(/<([\w.-]+:)?ProcessDescription[\s>]/g) ?? []).length;
}

/** Each operation measured on a base URL, or why not. */
async function measure(base: string): Promise<Map<string, Load | string>> {
  const out = new Map<string, Load | string>();
  for (const op of OPS) {
    const problem = await probe(base, op);
    out.set(op.label, problem ?? (await load(base, op)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Our side: the server in this process on PGlite, with eleven job types beside the built-in echo.

async function post(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A SEED job type (manifest in the body; the image is only named, never pulled: the bench runs only echo). */
function seed(name: string, title: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>) {
  return {
    docker_image: `${name}-1.0.0-seed:1.0.0`,
    manifest: {
      seedVersion: '1.0.0',
      job: {
        name, jobVersion: '1.0.0', packageVersion: '1.0.0', title, description: `${title} (benchmark job type)`,
        maintainer: { name: 'bench', email: 'bench@localhost' }, timeout: 600,
        resources: { scalar: [{ name: 'cpus', value: 0.1 }, { name: 'mem', value: 64 }] },
        interface: { command: '/bin/true', inputs, outputs },
      },
    },
    configuration: { output_workspaces: { default: 'default', outputs: {} } },
  };
}

/** A Scale job interface 1.0 job type (property and file inputs, file outputs). */
function scale(name: string, title: string, iface: Record<string, unknown>) {
  return { name, version: '1.0', title, description: `${title} (benchmark job type)`, cpus_required: 0.1, mem_required: 64, interface: { version: '1.0', command: '/bin/true', command_arguments: '', ...iface } };
}

/** Shaped like bench/pywps/app.py's processes (echo is the server's own). */
const JOB_TYPES = [
  seed('echo-integer', 'Echo an integer', { json: [{ name: 'value', type: 'integer' }] }, { json: [{ name: 'result', type: 'integer' }] }),
  seed('echo-float', 'Echo a float', { json: [{ name: 'value', type: 'number' }] }, { json: [{ name: 'result', type: 'number' }] }),
  seed('echo-boolean', 'Echo a boolean', { json: [{ name: 'value', type: 'boolean' }] }, { json: [{ name: 'result', type: 'boolean' }] }),
  seed('add', 'Add', { json: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }] }, { json: [{ name: 'sum', type: 'integer' }] }),
  seed('word-count', 'Word count', { files: [{ name: 'text', mediaTypes: ['text/plain'] }] }, { json: [{ name: 'count', type: 'integer' }] }),
  scale('upper', 'Upper case', { input_data: [{ name: 'input_file', type: 'file', media_types: ['text/plain'] }], output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }] }),
  scale('produce', 'Produce', {
    input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file', media_types: ['text/plain'] }],
    output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'file', media_type: 'text/plain' }],
  }),
  seed('reproject', 'Reproject',
    { files: [{ name: 'image', mediaTypes: ['image/tiff', 'image/png', 'image/jpeg'] }], json: [{ name: 'crs', type: 'string' }] },
    { files: [{ name: 'output_image', mediaType: 'image/tiff', pattern: '*.tif' }] }),
  seed('merge-json', 'Merge JSON documents', { files: [{ name: 'document', mediaTypes: ['application/json'], multiple: true }] }, { files: [{ name: 'merged', mediaType: 'application/json', pattern: 'merged.json' }] }),
  seed('bbox-area', 'Bounding box area', { json: [{ name: 'bbox', type: 'array' }] }, { json: [{ name: 'area', type: 'number' }] }),
  seed('bbox-clip', 'Clip to a bounding box',
    { files: [{ name: 'image', mediaTypes: ['image/tiff'] }], json: [{ name: 'bbox', type: 'array' }] },
    { files: [{ name: 'footprint', mediaType: 'image/tiff', pattern: '*.tif' }], json: [{ name: 'clipped', type: 'array' }] }),
];

async function ours(): Promise<{ results: Map<string, Load | string>; processes: number } | string> {
  const { db, drop } = await freshDb('pglite');
  const s = await server(db, { LISTEN: '1', SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '65536', SCALE_SCHEDULER_INTERVAL_MS: '50' });
  try {
    for (const jt of JOB_TYPES) await post(`${s.url}/scale/job-types/`, jt);
    const problem = await probe(s.url!, OPS[0]);
    if (problem) return `/wps not available (${problem.slice(0, 120).replace(/\s+/g, ' ')})`;
    return { results: await measure(s.url!), processes: await describeAllCount(s.url!) };
  } catch (err) {
    return `failed: ${(err as Error).message.slice(0, 300)}`;
  } finally {
    await s.close();
    await drop();
  }
}

// ---------------------------------------------------------------------------------------------
// PyWPS under gunicorn.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startPywps(): Promise<{ url: string; stop: () => Promise<void> } | string> {
  const gunicorn = ['/usr/bin/gunicorn', '/usr/bin/gunicorn3'];
  const bin = (await Promise.all(gunicorn.map((g) => fs.access(g).then(() => g, () => null)))).find(Boolean);
  if (!bin) return 'gunicorn is not installed (apt-get install gunicorn)';
  if (spawnSync(PYTHON, ['-c', 'import pywps'], { stdio: 'ignore' }).status !== 0) return `${PYTHON} cannot import pywps (apt-get install python3-pywps)`;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'pywps-bench-'));
  await fs.mkdir(path.join(tmp, 'outputs'));
  await fs.mkdir(path.join(tmp, 'work'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    PYTHON,
    [bin, '--worker-class', 'gthread', '--workers', String(PYWPS_WORKERS), '--threads', String(PYWPS_THREADS), '--keep-alive', '30',
      '--bind', `127.0.0.1:${port}`, '--chdir', PYWPS_DIR, '--log-level', 'warning', 'app:application'],
    { env: { ...process.env, PYWPS_BENCH_TMP: tmp, PYWPS_BENCH_URL: url, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (c) => (log = (log + c).slice(-4000)));
  const stop = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await fs.rm(tmp, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      return `gunicorn exited (${child.exitCode}): ${log.trim().split('\n').slice(-3).join(' | ')}`;
    }
    if (!(await probe(url, OPS[0]))) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      return `PyWPS did not answer within 30 s: ${log.trim().split('\n').slice(-3).join(' | ')}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pywps(): Promise<{ results: Map<string, Load | string>; processes: number } | string> {
  const p = await startPywps();
  if (typeof p === 'string') return p;
  try {
    return { results: await measure(p.url), processes: await describeAllCount(p.url) };
  } finally {
    await p.stop();
  }
}

export async function wps(): Promise<void> {
  console.log(`\n(g) WPS 1.0.0, ours beside PyWPS: ${CONCURRENCY} keep-alive clients × ${SECONDS} s per operation after ${WARMUP} s of warm-up`);
  console.log(`  ours: this process, PGlite, one event loop; PyWPS: gunicorn gthread, ${PYWPS_WORKERS} workers × ${PYWPS_THREADS} threads; the clients: a worker thread`);
  const o = await ours();
  const p = await pywps();
  console.log(`  ours: ${typeof o === 'string' ? o : `${o.processes} processes in DescribeProcess ALL`}`);
  console.log(`  PyWPS: ${typeof p === 'string' ? p : `${p.processes} processes in DescribeProcess ALL`}`);
  const cell = (r: Load | string | undefined) => (r === undefined ? 'n/a' : typeof r === 'string' ? 'failed' : `${fmt(r.rps)} (p95 ${fmt(r.p95, 1)} ms)${r.errors ? ` ${r.errors} err` : ''}`);
  console.log(`  ${'operation'.padEnd(26)} ${'ours req/s'.padStart(24)} ${'PyWPS req/s'.padStart(24)} ${'ours/PyWPS'.padStart(11)}   goal`);
  for (const op of OPS) {
    const a = typeof o === 'string' ? undefined : o.results.get(op.label);
    const b = typeof p === 'string' ? undefined : p.results.get(op.label);
    const ratio = a && b && typeof a !== 'string' && typeof b !== 'string' && b.rps > 0 ? a.rps / b.rps : null;
    const goal = ratio === null ? `≥ ${op.goal}×: n/a` : `≥ ${op.goal}×: ${ratio >= op.goal ? 'met' : 'NOT met'}`;
    if (ratio !== null) figure({ section: 'g', name: `WPS 1.0.0 ${op.label}, ${CONCURRENCY} clients, pglite`, value: ratio, unit: '×', reference: 'PyWPS 4.5 (gunicorn) req/s', goal: { op: '>=', target: op.goal } });
    console.log(`  ${op.label.padEnd(26)} ${cell(a).padStart(24)} ${cell(b).padStart(24)} ${(ratio === null ? 'n/a' : `${fmt(ratio, 1)}×`).padStart(11)}   ${goal}`);
    for (const [who, r] of [['ours', a], ['PyWPS', b]] as const) if (typeof r === 'string') console.log(`    ${who}: ${r}`);
  }
}
