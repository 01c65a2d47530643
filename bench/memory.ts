// (n) Memory of the server as a user starts it (issue 24, point 1): the package.json `start` command
// run by sh (as `npm start` runs it, without npm's own process) on a fresh SCALE_DATA_DIR. Figures:
// idle RSS once start-up has settled, on the fresh data directory and again after a restart on the
// same one, and the peak RSS while 1,000 no-op jobs (/bin/true) submitted through the Scale API
// (POST /scale/queue/new-job/) run to COMPLETED. Embedded PGlite first, then PostgreSQL
// (DATABASE_URL: a fresh database) beside it.
//
// Counted: the server process's RSS (VmRSS; PGlite's worker thread is inside it) plus the private
// memory (smaps_rollup Private_*) of every process it started, found through
// /proc/<pid>/task/*/children: the local launcher, the long-lived cwltool (when cwltool is
// installed) and the jobs' own processes while they run. Private, so that pages a child shares with
// the server (the node binary; all of it between fork and exec) are not counted twice. The server's
// own RSS is printed beside the total, and each child's share.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../test/helpers/db.ts';
import { fmt } from './common.ts';
import { figure } from './summary.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JOBS = Number(process.env.BENCH_MEMORY_JOBS ?? 1000);
/** Start-up has settled when the RSS moved by less than this over the last SETTLE_MS. */
const SETTLE_MB = 3;
const SETTLE_MS = 8000;
const SETTLE_MAX_MS = 90_000;
const GOAL = { idle: 200, running: 300 };

const kb = (file: string, field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(file, 'utf8'))?.[1] ?? 0);

/** The process and its descendants. */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const t of fs.readdirSync(`/proc/${out[i]}/task`)) {
        const kids = fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // ended between the listing and the read
    }
  }
  return out;
}

interface Rss { total: number; own: number; children: { pid: number; mb: number; name: string }[] }

/** VmRSS of the process. */
function vmRss(pid: number): number {
  try {
    return kb(`/proc/${pid}/status`, 'VmRSS') / 1024;
  } catch {
    return 0; // ended
  }
}

/** Memory only this process holds (private pages): what a child adds to the server's RSS, not counting pages it shares with it (the node binary, or everything between fork and exec). */
function uss(pid: number): number {
  try {
    const f = `/proc/${pid}/smaps_rollup`;
    return (kb(f, 'Private_Clean') + kb(f, 'Private_Dirty')) / 1024;
  } catch {
    return 0;
  }
}

/** The server's RSS plus the private memory of every process it started. */
function rss(pid: number): Rss {
  const own = vmRss(pid);
  const children = tree(pid).slice(1).map((p) => {
    let name = '';
    try {
      name = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean).map((a) => path.basename(a)).slice(0, 2).join(' ');
    } catch {
      // ended
    }
    return { pid: p, mb: uss(p), name };
  }).filter((c) => c.mb >= 1);
  return { own, children, total: own + children.reduce((s, c) => s + c.mb, 0) };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running { proc: ChildProcess; url: string; stop(): Promise<void> }

/** Starts the server with package.json's `start` command, as `npm start` would. */
async function start(env: Record<string, string>): Promise<Running> {
  const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
  const port = await freePort();
  const proc = spawn('sh', ['-c', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'error', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  for (const t0 = Date.now(); ; await sleep(200)) {
    if (proc.exitCode !== null) throw new Error(`the server ended with code ${proc.exitCode}`);
    if (Date.now() - t0 > SETTLE_MAX_MS) throw new Error('the server did not answer');
    const ok = await fetch(`${url}/scale/version/`).then((r) => r.ok, () => false);
    if (ok) break;
  }
  return {
    proc,
    url,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until the RSS stays within SETTLE_MB for SETTLE_MS; answers the last reading. */
async function settle(pid: number): Promise<Rss> {
  const samples: { t: number; r: Rss }[] = [];
  const t0 = Date.now();
  for (;;) {
    const r = rss(pid);
    samples.push({ t: Date.now(), r });
    const window = samples.filter((s) => s.t >= Date.now() - SETTLE_MS);
    const totals = window.map((s) => s.r.total);
    if (Date.now() - t0 >= SETTLE_MS && Math.max(...totals) - Math.min(...totals) < SETTLE_MB) return r;
    if (Date.now() - t0 > SETTLE_MAX_MS) return r;
    await sleep(500);
  }
}

async function api(url: string, method: string, body?: unknown): Promise<any> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Runs JOBS no-op jobs through the Scale API; answers the peak RSS seen meanwhile and the seconds taken. */
async function noOpJobs(s: Running): Promise<{ peak: Rss; secs: number }> {
  const type = await api(`${s.url}/scale/job-types/`, 'POST', {
    name: 'memory-noop', version: '1.0', cpus_required: 0.1, mem_required: 16,
    interface: { version: '1.0', command: '/bin/true', command_arguments: '' },
  });
  let peak = rss(s.proc.pid!);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = rss(s.proc.pid!);
      if (r.total > peak.total) peak = r;
      await sleep(100);
    }
  })();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < JOBS) {
      next++;
      await api(`${s.url}/scale/queue/new-job/`, 'POST', { job_type_id: type.id, job_data: { version: '1.0', input_data: [] } });
    }
  }));
  for (;;) {
    const done = await api(`${s.url}/scale/jobs/?job_type_id=${type.id}&status=COMPLETED&page_size=1`, 'GET');
    if (done.count >= JOBS) break;
    if (performance.now() - t0 > 300_000) throw new Error(`only ${done.count} of ${JOBS} jobs completed in 5 minutes`);
    await sleep(250);
  }
  const secs = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  return { peak, secs };
}

const show = (r: Rss) =>
  `${fmt(r.total)} MB (server ${fmt(r.own)} MB${r.children.length ? `; ${r.children.map((c) => `${c.name} ${fmt(c.mb)}`).join(', ')}` : ''})`;

export async function memory(): Promise<void> {
  console.log(`\n(n) Memory of \`npm start\` (RSS of the server and the processes it started), idle once settled and while ${fmt(JOBS)} no-op jobs run; load ${os.loadavg()[0].toFixed(1)}`);
  const kinds: ('pglite' | 'postgres')[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
  for (const kind of kinds) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-bench-memory-'));
    const database = kind === 'postgres' ? await freshDatabase('postgres') : null;
    const env = { SCALE_DATA_DIR: dataDir, SCALE_NODE_NAME: `bench-memory-${kind}`, ...(database ? { DATABASE_URL: database.url! } : {}) };
    try {
      let s = await start(env);
      const fresh = await settle(s.proc.pid!);
      await s.stop();
      s = await start(env);
      const restart = await settle(s.proc.pid!);
      const { peak, secs } = await noOpJobs(s);
      await s.stop();
      const goals = kind === 'pglite';
      console.log(`    ${kind.padEnd(8)} idle, fresh data dir   ${show(fresh)}${goals ? `   goal ≤ ${GOAL.idle} MB` : ''}`);
      console.log(`    ${kind.padEnd(8)} idle, after restart    ${show(restart)}${goals ? `   goal ≤ ${GOAL.idle} MB` : ''}`);
      console.log(`    ${kind.padEnd(8)} peak, ${fmt(JOBS)} no-op jobs  ${show(peak)} (${fmt(JOBS / secs)} jobs/s)${goals ? `   goal ≤ ${GOAL.running} MB` : ''}`);
      figure({ section: 'n', name: `RSS idle, fresh data dir, ${kind}`, value: Math.round(fresh.total), unit: 'MB', ...(goals ? { goal: { op: '<=', target: GOAL.idle } } : {}) });
      figure({ section: 'n', name: `RSS idle, after restart, ${kind}`, value: Math.round(restart.total), unit: 'MB', ...(goals ? { goal: { op: '<=', target: GOAL.idle } } : {}) });
      figure({ section: 'n', name: `RSS peak, ${fmt(JOBS)} no-op jobs, ${kind}`, value: Math.round(peak.total), unit: 'MB', ...(goals ? { goal: { op: '<=', target: GOAL.running } } : {}) });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await memory();
