// (k) Soak (issue 12, point 7): an hour's load compressed into a bounded run. SOAK_JOBS jobs
// (default 20,000) over SOAK_MINUTES (default 10) through the three front doors at once — Scale
// jobs with a small uploaded input file and an output file, Scale recipes of two such steps, OGC
// API - Processes executes of echo sync and async, WPS 2.0 Execute (XML, sync and async) and WPS
// 1.0.0 KVP Execute — started at a steady rate by a client in a worker thread (bench/soak-client.ts)
// against the real server on PostgreSQL (DATABASE_URL) or else PGlite.
//
// Every SOAK_SAMPLE_SECONDS (default 2) the server process is sampled: rss, live heap (heapUsed
// just after a full GC, so garbage not yet collected does not hide or fake a trend) and external
// memory (Buffers), open file
// descriptors (/proc/self/fd), database connections (the pool's own count; PostgreSQL's
// pg_stat_activity for this database too), queue depth (rows in queue), jobs running, completed
// and failed. At the end: operations and jobs per door and kind, throughput, errors (any non-2xx
// answer, wrong answer, failed job or unfinished operation; the goal is 0), request latency
// p50/p95 per door, and a least-squares trend of each resource over the second half of the load,
// judged against 5% of its mid-run level per hour (see THRESHOLD); and a PNG chart of memory,
// queue depth, descriptors and connections over time at bench/out/soak.png (the samples beside it
// in soak.json).
//
// Run: DATABASE_URL=postgres://scale:scale@localhost/scale_test BENCH=k npm run bench (about 10 to
// 15 minutes); SOAK_MINUTES=2 SOAK_JOBS=4000 for a quick check at the same rate. Also
// SOAK_MAX_IN_FLIGHT (default 2000: operations the client keeps open at once; past it, submissions
// wait and run late), SOAK_POLL_MS (first status poll, default 1000), SOAK_DRAIN_SECONDS (how long
// to wait for the last operations, default 300), SOAK_HEAP_SNAPSHOTS=1.
import fs from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { freshDb, fmt, percentile, server, type Kind as DbKind } from './common.ts';
import { lineChart } from './png.ts';
import { figure } from './summary.ts';
import { DOOR, KINDS, plan, type ClientConfig, type Door, type Final, type Kind, type KindStats, type Progress } from './soak-client.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const JOBS = Number(process.env.SOAK_JOBS ?? 20_000);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 2) * 1000;
const DRAIN_MS = Number(process.env.SOAK_DRAIN_SECONDS ?? 300) * 1000;
const MAX_IN_FLIGHT = Number(process.env.SOAK_MAX_IN_FLIGHT ?? 2000);
const POLL_MS = Number(process.env.SOAK_POLL_MS ?? 1000);
const OUT = fileURLToPath(new URL('./out/soak.png', import.meta.url));
/** SOAK_HEAP_SNAPSHOTS=1: heap snapshots (after a full GC) half-way through the load and after the drain, beside the chart, to diff when the heap grows. */
const SNAPSHOTS = process.env.SOAK_HEAP_SNAPSHOTS === '1';

/**
 * Allowed growth per hour of wall time, as a share of the resource's mid-run level. The run pushes
 * a nominal hour's jobs through in SOAK_MINUTES, so an hour here is 60 / SOAK_MINUTES hours of the
 * nominal load: 5% an hour of a ~60 MB live heap is 3 MB per ~100,000 jobs, so anything that keeps
 * more than a few tens of bytes per job (one retained object per request or job is more) crosses
 * it — the report prints the limit in bytes per job at the rate reached; for descriptors it is a
 * few an hour, far less than one leaked per 1,000 jobs; for connections, under one.
 *
 * The samples are autocorrelated (GC and allocator sawtooth, bursts of work), so the slope's
 * uncertainty comes from batch means: the window is cut into (up to) 10 equal spans, the line is
 * fitted to the spans' means, and the band is ±t(0.975, spans − 2) standard errors of that fit.
 * Verdict: GROWING when the whole band is above the limit; "no growth trend" when the slope is at or
 * below it; otherwise (a slope above the limit that the noise cannot tell from one below)
 * "inconclusive", with the band to say how long a run would have to be.
 */
const THRESHOLD = 0.05;
const BATCHES = 10;
/** Student's t at 97.5% for 1…10 degrees of freedom. */
const T975 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];

interface Sample {
  t: number; // ms since the epoch
  rss: number;
  heap: number;
  /** Memory outside the JS heap that V8 accounts for: Buffers, ArrayBuffers (sockets, files, the pg driver). */
  external: number;
  fds: number;
  pool: number | null;
  pgConnections: number | null;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  /** The main thread's event loop utilisation since the last sample (0–1): how busy the server's loop is. */
  elu: number;
  /** CPU time of the whole process (every thread: the server, the database worker, the client) per second of wall time. */
  cpu: number;
  /** The machine's 1-minute load average: other work on it shows here. */
  load: number;
  client: Progress | null;
}

/** A full GC before reading the heap, when the flag can be turned on at run time (it can in Node 20). */
function gcFunction(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    return typeof gc === 'function' ? gc : null;
  } catch {
    return null;
  }
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the directory being read
  } catch {
    return NaN;
  }
}

/** Least squares y = a + b·t; b and its standard error, in y units per second. */
function fit(points: [number, number][]): { perSec: number; se: number; mean: number } {
  const n = points.length;
  const mt = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let sxx = 0, sxy = 0;
  for (const [t, y] of points) {
    sxx += (t - mt) ** 2;
    sxy += (t - mt) * (y - my);
  }
  const b = sxx ? sxy / sxx : 0;
  const resid = points.reduce((s, [t, y]) => s + (y - (my + b * (t - mt))) ** 2, 0);
  const se = n > 2 && sxx ? Math.sqrt(resid / (n - 2) / sxx) : Infinity;
  return { perSec: b, se, mean: my };
}

/** The slope over the window by batch means (see THRESHOLD): per second, with its 95% half-band. */
function trendOf(points: [number, number][]): { perSec: number; band: number; mean: number; batches: number } {
  const batches = Math.min(BATCHES, Math.floor(points.length / 3));
  if (batches < 3) return { ...fit(points), band: Infinity, batches: 0 };
  const [a, b] = [points[0][0], points[points.length - 1][0]];
  const means: [number, number][] = [];
  for (let i = 0; i < batches; i++) {
    const lo = a + ((b - a) * i) / batches, hi = a + ((b - a) * (i + 1)) / batches;
    const span = points.filter(([t]) => t >= lo && (i === batches - 1 ? t <= hi : t < hi));
    if (span.length) means.push([span.reduce((x, p) => x + p[0], 0) / span.length, span.reduce((x, p) => x + p[1], 0) / span.length]);
  }
  const f = fit(means);
  return { perSec: f.perSec, band: T975[Math.min(T975.length, Math.max(1, means.length - 2)) - 1] * f.se, mean: f.mean, batches: means.length };
}

function startClient(cfg: ClientConfig, onProgress: (p: Progress) => void): Promise<Final> {
  // tsx's API loads the TypeScript client in the worker (a worker does not inherit --import tsx).
  const api = import.meta.resolve('tsx/esm/api');
  const client = new URL('./soak-client.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(client)}, ${JSON.stringify(import.meta.url)}))`, { eval: true, workerData: { soak: cfg } });
  return new Promise((resolve, reject) => {
    worker.on('message', (m: Progress | Final | { type: 'fatal'; message: string }) => {
      if (m.type === 'progress') onProgress(m);
      else if (m.type === 'done') {
        resolve(m);
        void worker.terminate();
      } else {
        reject(new Error(`soak client: ${m.message}`));
        void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`soak client exited (${code}) before it finished`)));
  });
}

export async function soak(): Promise<void> {
  const kind: DbKind = process.env.DATABASE_URL ? 'postgres' : 'pglite';
  const ops = plan(JOBS);
  console.log(
    `\n(k) soak: ${fmt(JOBS)} jobs (${fmt(ops.length)} operations) over ${fmt(MINUTES, 1)} min through the Scale API, OGC API - Processes and WPS at once, ${kind}; ` +
      `sampled every ${fmt(SAMPLE_MS / 1000, 1)} s`,
  );
  const gc = gcFunction();
  const { db, drop } = await freshDb(kind);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scale-bench-soak-'));
  // Sync executes wait for their job however long the queue: a slow answer, not an async one.
  const s = await server(db, { LISTEN: '1', SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '65536', SCALE_OGC_SYNC_SECONDS: '900' });
  const samples: Sample[] = [];
  let client: Progress | null = null;
  let sampling = true;
  let sampler: Promise<void> | null = null;
  let live: NodeJS.Timeout | undefined;
  try {
    // The job the Scale doors run: upper-cases its input file into an output file.
    const script = path.join(dir, 'upper.sh');
    await fs.writeFile(script, `#!/bin/sh\nset -e\ntr a-z A-Z < "$1" > "$2/result.txt"\nprintf '{"version":"1.1","output_data":[{"name":"result","file":{"path":"result.txt"}}]}' > "$2/results_manifest.json"\n`);
    const iface = {
      command: `/bin/sh ${script}`, command_arguments: '${input} ${job_output_dir}',
      input_data: [{ name: 'input', type: 'file', media_types: ['text/plain'] }], output_data: [{ name: 'result', type: 'file', media_type: 'text/plain' }],
    };
    // As small as echo's declared share (0.1 CPU): a `tr` over a few bytes; the node's 2 CPUs then hold 20 at once.
    const shape = { version: '1', cpus_required: 0.1, mem_required: 16, disk_out_const_required: 0 };
    const { jobType } = await s.core.jobTypes.create({ name: 'soak-upper', ...shape, interface: iface });
    await s.core.jobTypes.create({ name: 'soak-step', ...shape, interface: iface });
    const { recipeType } = await s.core.recipeTypes.create({
      name: 'soak-two', definition: {
        version: '1.0',
        input_data: [{ name: 'image', type: 'file', media_types: ['text/plain'] }],
        jobs: [
          { name: 's1', job_type: { name: 'soak-step', version: '1' }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] },
          { name: 's2', job_type: { name: 'soak-step', version: '1' }, dependencies: [{ name: 's1', connections: [{ output: 'result', input: 'input' }] }] },
        ],
      },
    });

    let lastElu = performance.eventLoopUtilization(), lastCpu = process.cpuUsage(), lastT = performance.now();
    const sample = async (): Promise<Sample> => {
      const elu = performance.eventLoopUtilization(lastElu).utilization;
      const cpu = process.cpuUsage(lastCpu);
      const now = performance.now();
      const usage = (cpu.user + cpu.system) / 1000 / Math.max(1, now - lastT);
      [lastElu, lastCpu, lastT] = [performance.eventLoopUtilization(), process.cpuUsage(), now];
      gc?.();
      const m = process.memoryUsage();
      const fds = openFds();
      const r = (await db.query<{ queued: number; running: number; completed: number; failed: number }>(
        `SELECT (SELECT count(*)::int FROM queue) AS queued,
                count(*) FILTER (WHERE status = 'RUNNING')::int AS running,
                count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
                count(*) FILTER (WHERE status IN ('FAILED', 'CANCELED'))::int AS failed
           FROM job`,
      )).rows[0];
      const pg = kind === 'postgres' ? (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`)).rows[0].n : null;
      return { t: Date.now(), rss: m.rss, heap: m.heapUsed, external: m.external, fds, pool: db.stats?.().total ?? null, pgConnections: pg, ...r, elu, cpu: usage, load: os.loadavg()[0], client };
    };
    sampler = (async () => {
      while (sampling) {
        const t0 = Date.now();
        samples.push(await sample());
        await new Promise((r) => setTimeout(r, Math.max(0, SAMPLE_MS - (Date.now() - t0))));
      }
    })();
    live = setInterval(() => {
      const last = samples[samples.length - 1];
      if (!last || !client) return;
      console.log(
        `  ${fmt((last.t - samples[0].t) / 1000).padStart(5)} s  submitted ${fmt(client.launchedJobs)} jobs, done ${fmt(last.completed)}, queued ${fmt(last.queued)}, running ${last.running}, ` +
          `in flight ${client.inFlight} ops, errors ${client.errors + last.failed}   loop ${fmt(100 * last.elu)}%, load ${fmt(last.load, 1)}   rss ${fmt(last.rss / 2 ** 20)} MB, heap ${fmt(last.heap / 2 ** 20)} MB, fds ${last.fds}` +
          `${last.pool !== null ? `, pool ${last.pool}` : ''}${last.pgConnections !== null ? `, pg ${last.pgConnections}` : ''}`,
      );
    }, 60_000);

    const snapshots: string[] = [];
    const snap = (name: string) => {
      gc?.();
      snapshots.push(v8.writeHeapSnapshot(path.join(path.dirname(OUT), `soak-${name}.heapsnapshot`)));
    };
    if (SNAPSHOTS) await fs.mkdir(path.dirname(OUT), { recursive: true });
    const half = SNAPSHOTS ? setTimeout(() => snap('mid'), (MINUTES * 60_000) / 2) : null;
    const final = await startClient(
      { url: s.url!, jobTypeId: jobType.id, recipeTypeId: recipeType.id, durationMs: MINUTES * 60_000, jobs: JOBS, maxInFlight: MAX_IN_FLIGHT, pollMs: POLL_MS, drainMs: DRAIN_MS },
      (p) => (client = p),
    );
    clearInterval(live);
    if (half) clearTimeout(half);
    if (SNAPSHOTS) snap('end');
    // Until nothing is queued or running (the client saw every operation end; recipes' last rows settle).
    for (let i = 0; i < 50; i++) {
      const busy = (await db.query<{ n: number }>(`SELECT (SELECT count(*) FROM queue) + (SELECT count(*) FROM job WHERE status = 'RUNNING') AS n`)).rows[0];
      if (!Number(busy.n)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    sampling = false;
    await sampler;
    samples.push(await sample());
    await report(kind, final, samples, gc !== null, db);
    for (const f of snapshots) console.log(`  heap snapshot: ${f}`);
  } finally {
    sampling = false;
    clearInterval(live);
    await sampler?.catch(() => {});
    await s.close();
    await drop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function report(kind: DbKind, final: Final, samples: Sample[], gcd: boolean, db: Awaited<ReturnType<typeof freshDb>>['db']): Promise<void> {
  const t0 = final.loadStart;
  const loadSecs = (final.loadEnd - t0) / 1000;
  const totalSecs = (final.end - t0) / 1000;
  const byKind = final.stats;
  const doors: Door[] = ['scale', 'ogc', 'wps'];
  const sum = (ks: Kind[], f: (s: KindStats) => number) => ks.reduce((a, k) => a + f(byKind[k]), 0);
  const p = (xs: number[], q: number) => (xs.length ? fmt(percentile(xs, q), 0) : 'n/a');

  // What the database holds at the end, per door: every job terminal and COMPLETED, nothing queued.
  const rows = (await db.query<{ door: string; status: string; n: number }>(
    `SELECT CASE WHEN t.name = 'soak-upper' THEN 'scale-job' WHEN t.name = 'soak-step' THEN 'scale-recipe'
                 WHEN j.input->'json'->>'message' LIKE 'soak-ogc-%' THEN 'ogc' WHEN j.input->'json'->>'message' LIKE 'soak-wps-%' THEN 'wps' ELSE 'other' END AS door,
            j.status, count(*)::int AS n
       FROM job j JOIN job_type t ON t.id = j.job_type_id GROUP BY 1, 2 ORDER BY 1, 2`,
  )).rows;
  const dbSummary = rows.map((r) => `${r.door} ${r.status} ${fmt(r.n)}`).join(', ');
  const dbJobs = rows.reduce((a, r) => a + r.n, 0);
  const dbNotCompleted = rows.filter((r) => r.status !== 'COMPLETED').reduce((a, r) => a + r.n, 0);
  const queued = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM queue`)).rows[0].n;
  const recipesOpen = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM recipe WHERE NOT is_completed`)).rows[0].n;

  console.log(`  ${'kind'.padEnd(14)} ${'door'.padEnd(6)} ${'ops'.padStart(7)} ${'jobs'.padStart(7)} ${'completed'.padStart(10)} ${'errors'.padStart(7)} ${'requests'.padStart(9)}  request p50/p95 ms  end-to-end p50/p95 ms`);
  for (const k of KINDS) {
    const s = byKind[k];
    console.log(
      `  ${k.padEnd(14)} ${DOOR[k].padEnd(6)} ${fmt(s.ops).padStart(7)} ${fmt(s.jobs).padStart(7)} ${fmt(s.completedJobs).padStart(10)} ${fmt(s.errors).padStart(7)} ${fmt(s.requests.length).padStart(9)}  ` +
        `${`${p(s.requests, 50)} / ${p(s.requests, 95)}`.padStart(18)}  ${`${p(s.endToEnd, 50)} / ${p(s.endToEnd, 95)}`.padStart(20)}`,
    );
  }
  for (const d of doors) {
    const ks = KINDS.filter((k) => DOOR[k] === d);
    const reqs = ks.flatMap((k) => byKind[k].requests);
    console.log(
      `  door ${d.padEnd(6)}: ${fmt(sum(ks, (s) => s.ops))} operations, ${fmt(sum(ks, (s) => s.jobs))} jobs submitted, ${fmt(sum(ks, (s) => s.completedJobs))} completed, ` +
        `${fmt(sum(ks, (s) => s.errors))} errors; ${fmt(reqs.length)} requests, p50 ${p(reqs, 50)} ms, p95 ${p(reqs, 95)} ms`,
    );
  }
  const submitted = sum(KINDS, (s) => s.jobs);
  const completed = sum(KINDS, (s) => s.completedJobs);
  const clientErrors = sum(KINDS, (s) => s.errors) + final.unfinished;
  const offered = JOBS / (MINUTES * 60);
  console.log(
    `  throughput: ${fmt(completed)} of ${fmt(submitted)} jobs completed in ${fmt(totalSecs, 1)} s = ${fmt(completed / totalSecs, 1)} jobs/s (offered ${fmt(offered, 1)} jobs/s; ` +
      `the last operation started at ${fmt(loadSecs, 1)} s, ${fmt(final.maxLagMs / 1000, 1)} s behind schedule at worst, ${fmt(final.lateOps)} more than 1 s late)`,
  );
  const during = samples.filter((s) => s.t >= t0 && s.t <= final.loadEnd);
  const mean = (f: (s: Sample) => number) => during.reduce((a, s) => a + f(s), 0) / Math.max(1, during.length);
  console.log(
    `  while loaded: the server's event loop busy ${fmt(100 * mean((s) => s.elu))}% of the time, the process (server, database worker, client) using ${fmt(100 * mean((s) => s.cpu))}% of one CPU; ` +
      `machine load average ${fmt(mean((s) => s.load), 1)} on ${os.cpus().length} CPUs (others' work included); at most ${fmt(Math.max(...samples.map((s) => s.queued)))} jobs queued, ` +
      `${fmt(Math.max(...samples.map((s) => s.client?.inFlight ?? 0)))} operations in flight`,
  );
  console.log(`  database at the end: ${fmt(dbJobs)} jobs (${dbSummary}); ${queued} queued, ${recipesOpen} recipes open`);
  const errors = clientErrors + dbNotCompleted + (dbJobs === submitted ? 0 : Math.abs(dbJobs - submitted)) + queued + recipesOpen;
  console.log(
    `  errors: ${fmt(errors)} (${fmt(clientErrors)} client-side — non-2xx, wrong answers, failed or unfinished operations; ${fmt(dbNotCompleted)} jobs not COMPLETED; ` +
      `${fmt(Math.abs(dbJobs - submitted))} jobs missing or extra; ${queued} left queued)   goal 0: ${errors === 0 ? 'met' : 'NOT met'}`,
  );
  for (const e of final.errorSamples.slice(0, 10)) console.log(`    ${e}`);
  figure({ section: 'k', name: `soak errors, ${fmt(JOBS)} jobs in ${fmt(MINUTES, 1)} min, ${kind}`, value: errors, unit: 'errors', goal: { op: '<=', target: 0 } });

  // Trends over the second half of the load (the first half is the warm-up: pools, caches, JIT).
  const lo = t0 + (final.loadEnd - t0) / 2;
  const window = samples.filter((s) => s.t >= lo && s.t <= final.loadEnd);
  const mid = samples.reduce((best, s) => (Math.abs(s.t - lo) < Math.abs(best.t - lo) ? s : best), samples[0]);
  const jobsPerHour = (completed / totalSecs) * 3600;
  console.log(
    `  trends over the second half of the load (${fmt((final.loadEnd - lo) / 1000)} s, ${window.length} samples), least squares, per hour of wall time; ` +
      `slope ± its 95% band by batch means over ${BATCHES} spans; limit ${THRESHOLD * 100}% of the mid-run level an hour: GROWING when the whole band is above it, no growth trend when the slope is not:`,
  );
  const trend = (label: string, unit: string, scale: number, get: (s: Sample) => number | null, perJob = false) => {
    const pts = window.map((s) => [(s.t - t0) / 1000, get(s)] as const).filter((x): x is [number, number] => x[1] !== null && Number.isFinite(x[1]));
    if (pts.length < 3) return console.log(`    ${label.padEnd(22)} n/a (${pts.length} samples)`);
    const f = trendOf(pts);
    const level = get(mid) ?? f.mean;
    const perHour = f.perSec * 3600, band = f.band * 3600, limit = THRESHOLD * level;
    const verdict = perHour - band > limit ? 'GROWING' : perHour <= limit ? 'no growth trend' : 'inconclusive (the slope is within its noise: run longer)';
    const max = Math.max(...samples.map((s) => get(s) ?? -Infinity));
    console.log(
      `    ${label.padEnd(22)} mid-run ${fmt(level / scale, 1)} ${unit}, max ${fmt(max / scale, 1)}; slope ${perHour >= 0 ? '+' : ''}${fmt(perHour / scale, 1)} ± ${fmt(band / scale, 1)} ${unit}/h ` +
        `(${fmt((100 * perHour) / (level || 1), 1)}%/h; limit ${fmt(limit / scale, 1)} ${unit}/h${perJob ? ` = ${fmt(limit / jobsPerHour, 0)} bytes per job` : ''}) → ${verdict}`,
    );
    // The growth a share of the mid-run level an hour, against the same limit (met: no growth trend).
    figure({ section: 'k', name: `soak ${label} growth, second half of the load, ${kind}`, value: (100 * perHour) / (level || 1), unit: '%/h', reference: `its mid-run level, ${fmt(level / scale, 1)} ${unit}`, goal: { op: '<=', target: 100 * THRESHOLD } });
  };
  const backlog = trendOf(window.map((s) => [(s.t - t0) / 1000, s.queued + (s.client?.inFlight ?? 0)]));
  if (final.maxLagMs > 5000 || backlog.perSec - backlog.band > 0) {
    console.log(
      `    NOTE: the server did not keep up with the offered ${fmt(offered, 1)} jobs/s here (submissions up to ${fmt(final.maxLagMs / 1000, 1)} s late; the backlog of queued jobs and operations in flight ` +
        `${backlog.perSec > 0 ? `grew by ${fmt(backlog.perSec * 60)} a minute` : 'stayed high'} in the window): memory and descriptors follow the backlog, so a GROWING below may be load, not a leak — rerun with fewer SOAK_JOBS or more SOAK_MINUTES`,
    );
  }
  console.log(
    `    at mid-run the rss of ${fmt(mid.rss / 2 ** 20)} MB held the server's live heap ${fmt(mid.heap / 2 ** 20)} MB, external memory ${fmt(mid.external / 2 ** 20)} MB and the client worker's heap ` +
      `${fmt((mid.client?.heap ?? 0) / 2 ** 20)} MB; the rest is code, stacks, the database worker or driver, and the allocators' free space`,
  );
  const [idle, after] = [samples[0], samples[samples.length - 1]];
  const mem = (x: Sample) => `rss ${fmt(x.rss / 2 ** 20)} MB, heap ${fmt(x.heap / 2 ** 20)} MB, external ${fmt(x.external / 2 ** 20)} MB, ${x.fds} fds, ${x.pool ?? 'n/a'} pool connections`;
  console.log(`    idle before the load: ${mem(idle)}; idle after the drain: ${mem(after)} (what a leak would leave behind)`);
  trend('rss', 'MB', 2 ** 20, (s) => s.rss, true);
  trend(gcd ? 'heap (live, after GC)' : 'heapUsed', 'MB', 2 ** 20, (s) => s.heap, true);
  trend('external (buffers)', 'MB', 2 ** 20, (s) => s.external, true);
  trend('open fds', 'fds', 1, (s) => s.fds);
  trend('db pool connections', 'conns', 1, (s) => s.pool);
  if (kind === 'postgres') trend('pg_stat_activity', 'conns', 1, (s) => s.pgConnections);
  if (kind === 'pglite') console.log('    (PGlite keeps the database in this process: its rss includes the rows the run stores, so it grows with the data, not only with leaks)');

  const x = (s: Sample) => Math.max(0, (s.t - t0) / 60_000);
  const png = lineChart({
    title: `SOAK: ${JOBS} JOBS IN ${MINUTES} MIN, 3 DOORS, ${kind}`,
    xLabel: 'MINUTES SINCE THE FIRST SUBMISSION',
    xMax: Math.max(...samples.map(x)),
    markers: [{ x: (lo - t0) / 60_000, label: 'TREND WINDOW' }, { x: (final.loadEnd - t0) / 60_000, label: 'LAST SUBMISSION' }],
    panels: [
      { title: 'MEMORY (MB)', series: [
        { label: 'RSS', color: [200, 40, 40], points: samples.map((s) => [x(s), s.rss / 2 ** 20]) },
        { label: gcd ? 'HEAP (LIVE, AFTER GC)' : 'HEAP USED', color: [40, 80, 200], points: samples.map((s) => [x(s), s.heap / 2 ** 20]) },
      ] },
      { title: 'QUEUE DEPTH (JOBS)', series: [
        { label: 'QUEUED', color: [30, 140, 60], points: samples.map((s) => [x(s), s.queued]) },
        { label: 'RUNNING', color: [150, 150, 40], points: samples.map((s) => [x(s), s.running]) },
        { label: 'OPERATIONS IN FLIGHT (CLIENT)', color: [120, 120, 120], points: samples.map((s) => [x(s), s.client?.inFlight ?? 0]) },
      ] },
      { title: 'OPEN FDS AND DB CONNECTIONS', series: [
        { label: 'FDS', color: [220, 120, 0], points: samples.map((s) => [x(s), s.fds]) },
        ...(samples.some((s) => s.pgConnections !== null)
          ? [{ label: 'PG_STAT_ACTIVITY', color: [120, 60, 160] as [number, number, number], points: samples.map((s) => [x(s), s.pgConnections ?? 0] as [number, number]) }]
          : [{ label: 'DB POOL', color: [120, 60, 160] as [number, number, number], points: samples.map((s) => [x(s), s.pool ?? 0] as [number, number]) }]),
      ] },
    ],
  });
  await fs.mkdir(path.dirname(OUT), { recursive: true });
  await fs.writeFile(OUT, png);
  const json = OUT.replace(/\.png$/, '.json');
  await fs.writeFile(json, JSON.stringify({ jobs: JOBS, minutes: MINUTES, kind, loadStart: final.loadStart, loadEnd: final.loadEnd, samples }));
  console.log(`  chart (memory, queue depth, fds and connections over time): ${OUT}   (the samples: ${json})`);
}
