// (c) Job lists with 100,000 jobs in the table. First GET /jobs?limit=100 (OGC) and
// GET /scale/jobs/?page_size=100 under load, every request a new URL (a throwaway `n` parameter,
// so the OGC list's page cache, keyed by the whole URL, never serves one), beside a bare express
// route in this same process answering the same JSON body from memory (measured just before and just
// after, the mean taken): requests/s at CONCURRENCY keep-alive clients for SECONDS after a warm-up,
// each as a share of the bare route's (bench/load.ts), and where the CPU time of a request goes:
// this process (the server, the load generator, PGlite's worker) against the bare route's, and
// PostgreSQL's backends. Then the sequential latency of the Scale list with filters and orderings.
import fs from 'node:fs';
import http from 'node:http';
import { vacuum } from '../src/store/maintenance.ts';
import type { Db } from '../src/store/db.ts';
import { freshDb, fmt, kinds, percentile, server } from './common.ts';
import { type Load, loadTest, withBareRoute } from './load.ts';
import { figure } from './summary.ts';

const ROWS = Number(process.env.BENCH_LIST_ROWS ?? 100_000);
const REQUESTS = 200;
const SECONDS = Number(process.env.BENCH_LIST_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_LIST_WARMUP_SECONDS ?? 1);
const CONCURRENCY = Number(process.env.BENCH_LIST_CONCURRENCY ?? 8);
/** Goals: the share of the bare express route's requests/s (issue 24). */
const GOAL: Record<string, number> = { postgres: 50, pglite: 35 };

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${url}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** CPU seconds PostgreSQL's backends for this database have used (Linux /proc; 0 elsewhere, and on PGlite). */
async function databaseCpu(db: Db): Promise<number> {
  if (db.kind !== 'postgres') return 0;
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone, or not Linux.
    }
  }
  return ticks / 100;
}

/** A load run with the CPU milliseconds per request it cost this process and the database (warm-up included on both sides). */
async function withCpu(db: Db, run: () => Promise<Load>): Promise<Load & { ownMs: number; dbMs: number }> {
  const [c0, d0] = [process.cpuUsage(), await databaseCpu(db)];
  const l = await run();
  const [c, d] = [process.cpuUsage(c0), await databaseCpu(db)];
  const requests = Math.max(1, l.rps * (SECONDS + WARMUP));
  return { ...l, ownMs: (c.user + c.system) / 1000 / requests, dbMs: ((d - d0) * 1000) / requests };
}

const load = (url: string): Promise<Load> => loadTest({ url, method: 'GET', concurrency: CONCURRENCY, seconds: SECONDS, warmup: WARMUP, distinct: true });
const bare = (body: string): Promise<Load> => withBareRoute(body, (url) => loadTest({ url, method: 'GET', concurrency: CONCURRENCY, seconds: SECONDS, warmup: WARMUP }));

export async function listLatency(): Promise<void> {
  console.log(`\n(c) Job lists with ${fmt(ROWS)} jobs: every request a new URL, ${CONCURRENCY} clients × ${SECONDS} s, beside a bare express route serving the same JSON; then ${REQUESTS} sequential requests per Scale list variant`);
  for (const kind of kinds()) {
    const { db, drop } = await freshDb(kind);
    const s = await server(db, { SCALE_SCHEDULER: 'off', LISTEN: '1' });
    try {
      const types = [];
      for (let i = 0; i < 10; i++) types.push((await s.core.jobTypes.create({ name: `list-${i}`, version: '1', category: `c${i % 3}`, interface: { command: '/bin/true', command_arguments: '' } })).jobType);
      // Bulk-load realistic rows directly: the API is what is measured here, not the insert path.
      await db.query(
        `INSERT INTO job (job_type_id, job_type_rev_id, status, priority, timeout, max_tries, cpus_required, mem_required, input, num_exes,
                          created, queued, started, ended, last_status_change, last_modified, error_id)
         SELECT t.id, r.id, (ARRAY['COMPLETED','COMPLETED','COMPLETED','FAILED','CANCELED','QUEUED','RUNNING'])[1 + g % 7], 100, 1800, 3, 1, 64,
                '{"version":"1.0","input_data":[],"output_data":[]}'::jsonb, 1,
                now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval,
                now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, now() - ((g * 7919) % $1 || ' seconds')::interval,
                CASE WHEN g % 7 = 3 THEN 17 END
           FROM generate_series(1, $1) g
           JOIN job_type t ON t.id = ($2::int[])[1 + g % 10]
           JOIN job_type_revision r ON r.job_type_id = t.id`,
        [ROWS, types.map((t) => t.id)],
      );
      // What autovacuum does on PostgreSQL and the server's periodic vacuum does on PGlite.
      await vacuum(db);

      for (const path of ['/jobs?limit=100', '/scale/jobs/?page_size=100']) {
        const body = await (await fetch(`${s.url}${path}`)).text();
        // The bare route just before and just after: on a shared machine its rate drifts with the load.
        const before = await withCpu(db, () => bare(body));
        const l = await withCpu(db, () => load(`${s.url}${path}`));
        const after = await withCpu(db, () => bare(body));
        const floor = (before.rps + after.rps) / 2;
        const share = (100 * l.rps) / floor;
        const goal = GOAL[kind];
        console.log(
          `  ${kind.padEnd(8)} GET ${path.padEnd(27)} ${fmt(l.rps)} req/s, ${fmt(share)}% of the bare express route (${fmt(floor)} req/s: ${fmt(before.rps)} before, ${fmt(after.rps)} after)   ` +
            `p50 ${fmt(l.p50, 1)} ms, p95 ${fmt(l.p95, 1)} ms${l.errors ? `   ${l.errors} errors` : ''}   goal ≥ ${goal}%: ${share >= goal && !l.errors ? 'met' : 'NOT met'}`,
        );
        console.log(
          `  ${''.padEnd(8)}     CPU per request: this process ${fmt(l.ownMs, 2)} ms (the bare route ${fmt((before.ownMs + after.ownMs) / 2, 2)} ms)` +
            `${kind === 'postgres' ? `, PostgreSQL ${fmt(l.dbMs, 2)} ms` : ' (PGlite runs in its worker thread here)'}`,
        );
        figure({ section: 'c', name: `GET ${path}, ${fmt(ROWS)} jobs, every request a new URL, ${CONCURRENCY} clients, ${kind}`, value: l.errors ? 0 : share, unit: '%', reference: 'bare express route', goal: { op: '>=', target: goal } });
      }

      const base = `${s.url}/scale/jobs/?page_size=100`;
      for (const [label, url] of [
        ['plain', base],
        ['status=FAILED', `${base}&status=FAILED`],
        ['order=-last_modified', `${base}&order=-last_modified`],
        ['status+order+page 50', `${base}&status=COMPLETED&order=-last_modified&page=50`],
      ] as const) {
        for (let i = 0; i < 10; i++) await get(url);
        const times = [];
        for (let i = 0; i < REQUESTS; i++) times.push(await get(url));
        const p95 = percentile(times, 95);
        console.log(`  ${kind.padEnd(8)} ${label.padEnd(22)} p50 ${fmt(percentile(times, 50), 1)} ms   p95 ${fmt(p95, 1)} ms   goal p95 < 50 ms: ${p95 < 50 ? 'met' : 'NOT met'}`);
      }
    } finally {
      await s.close();
      await drop();
    }
  }
}
