// (f) OGC API - Processes. GET /processes/echo and GET /jobs?limit=100 (100,000 jobs stored)
// under autocannon, beside a bare express route answering the same JSON from memory in the same
// run (the floor the framework sets); then async executes of the echo process end to end, beside
// the same jobs submitted through the Scale API's queue/new-job.
import autocannon from 'autocannon';
import { vacuum } from '../src/store/maintenance.ts';
import type { Db } from '../src/store/db.ts';
import { freshDb, fmt, kinds, percentile, server, type Kind } from './common.ts';
import { withBareRoute } from './load.ts';
import { figure } from './summary.ts';

const ROWS = Number(process.env.BENCH_OGC_ROWS ?? 100_000);
const SECONDS = Number(process.env.BENCH_OGC_SECONDS ?? 5);
const EXECUTES = Number(process.env.BENCH_OGC_EXECUTES ?? 200);
const CONNECTIONS = 10;

interface Load {
  rps: number;
  p95: number;
  errors: number;
}

/**
 * Requests/s and p95 latency (ms) of GETs on a URL for SECONDS with CONNECTIONS connections.
 * `distinct`: every request a different URL (a throwaway query parameter), so no cache serves it.
 */
async function load(url: string, distinct = false): Promise<Load> {
  const times: number[] = [];
  let n = 0;
  const requests = distinct ? [{ setupRequest: (r: any) => ({ ...r, path: `${r.path}${r.path.includes('?') ? '&' : '?'}n=${n++}` }) }] : undefined;
  // Without a callback autocannon returns an emitter that is also a promise of the result.
  const instance = autocannon({ url, duration: SECONDS, connections: CONNECTIONS, ...(requests ? { requests } : {}) }) as unknown as Promise<autocannon.Result> & autocannon.Instance;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  const result = await instance;
  return { rps: result.requests.average, p95: percentile(times, 95), errors: result.non2xx + result.errors };
}

/** The same body from memory on a bare express app: what the framework alone costs. */
const floor = (body: string): Promise<Load> => withBareRoute(body, (url) => load(url));

async function fill(db: Db, echoId: number): Promise<void> {
  await db.query(
    `INSERT INTO job (job_type_id, job_type_rev_id, status, priority, timeout, max_tries, cpus_required, mem_required, input, num_exes,
                      created, queued, started, ended, last_status_change, last_modified)
     SELECT t.id, r.id, (ARRAY['COMPLETED','COMPLETED','COMPLETED','FAILED','CANCELED'])[1 + g % 5], 100, 1800, 3, 1, 64,
            '{"version":"6","files":{},"json":{"message":"x"}}'::jsonb, 1,
            now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval,
            now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
       FROM generate_series(1, $1) g JOIN job_type t ON t.id = $2 JOIN job_type_revision r ON r.job_type_id = t.id AND r.revision_num = t.revision_num`,
    [ROWS, echoId],
  );
  await vacuum(db);
}

async function until(db: Db, ids: number[]): Promise<void> {
  for (;;) {
    const n = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM job WHERE id = ANY($1::bigint[]) AND status IN ('COMPLETED', 'FAILED')`, [ids])).rows[0].n;
    if (n >= ids.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Submits `n` requests, `concurrency` at a time, and returns the job ids they created. */
async function submit(n: number, concurrency: number, one: () => Promise<number>): Promise<number[]> {
  const ids: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      ids.push(await one());
    }
  }));
  return ids;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function executes(s: Awaited<ReturnType<typeof server>>, db: Db, echoId: number): Promise<{ ogc: number; scale: number }> {
  const t0 = performance.now();
  const ogc = await submit(EXECUTES, 8, async () => Number((await post(`${s.url}/processes/echo/execution`, { inputs: { message: 'bench' } }, { Prefer: 'respond-async' })).jobID));
  await until(db, ogc);
  const ogcRate = EXECUTES / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  const scale = await submit(EXECUTES, 8, async () => (await post(`${s.url}/scale/queue/new-job/`, { job_type_id: echoId, job_data: { input_data: [{ name: 'message', value: 'bench' }] } })).id);
  await until(db, scale);
  return { ogc: ogcRate, scale: EXECUTES / ((performance.now() - t1) / 1000) };
}

export async function ogcApi(): Promise<void> {
  console.log(`\n(f) OGC API - Processes: ${CONNECTIONS} connections × ${SECONDS} s per endpoint, ${fmt(ROWS)} jobs stored; ${EXECUTES} async echo executes`);
  // `share`: the summary's goal for the share of the floor (issue 24 asks less of the uncached list on PGlite).
  const show = (kind: Kind, label: string, l: Load, f: Load, share = 50) => {
    console.log(
      `  ${label.padEnd(30)} ${fmt(l.rps)} req/s (${fmt((100 * l.rps) / f.rps)}% of the bare express floor, ${fmt(f.rps)} req/s)   p95 ${fmt(l.p95, 1)} ms (floor ${fmt(f.p95, 1)} ms)` +
        `${l.errors ? `   ${l.errors} errors` : ''}   goal ≥ 50% and p95 < 20 ms: ${l.rps >= f.rps / 2 && l.p95 < 20 && !l.errors ? 'met' : 'NOT met'}`,
    );
    figure({ section: 'f', name: `${label}, ${kind}`, value: (100 * l.rps) / f.rps, unit: '%', reference: `bare express route, same JSON, ${fmt(f.rps)} req/s`, goal: { op: '>=', target: share } });
    figure({ section: 'f', name: `${label} p95, ${kind}`, value: l.p95, unit: 'ms', goal: { op: '<=', target: 20 } });
    if (l.errors) figure({ section: 'f', name: `${label} errors, ${kind}`, value: l.errors, unit: 'requests', goal: { op: '<=', target: 0 } });
  };
  for (const kind of kinds()) {
    const { db, drop } = await freshDb(kind);
    const s = await server(db, { LISTEN: '1', SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '65536' });
    try {
      const echo = (await s.core.jobTypes.newestVersion('echo'))!;
      await fill(db, echo.id);
      console.log(`  ${kind}`);
      for (const path of ['/processes/echo', '/jobs?limit=100']) {
        const body = await (await fetch(`${s.url}${path}`)).text();
        const f = await floor(body);
        show(kind, `GET ${path}`, await load(`${s.url}${path}`), f);
      }
      // The same list with every request a new URL: what a page costs when the page cache cannot serve it.
      const list = '/jobs?limit=100';
      show(kind, `GET ${list} (uncached)`, await load(`${s.url}${list}`, true), await floor(await (await fetch(`${s.url}${list}`)).text()), kind === 'postgres' ? 50 : 35);
      const e = await executes(s, db, echo.id);
      console.log(`  async execute of echo, end to end: ${fmt(e.ogc, 1)} jobs/s   (Scale API queue/new-job: ${fmt(e.scale, 1)} jobs/s, ${fmt((100 * e.ogc) / e.scale)}%)`);
      figure({ section: 'f', name: `OGC async execute of echo end to end, ${kind}`, value: (100 * e.ogc) / e.scale, unit: '%', reference: `Scale API queue/new-job, ${fmt(e.scale, 1)} jobs/s` });
    } finally {
      await s.close();
      await drop();
    }
  }
}
