// (c) Latency of GET /scale/jobs/?page_size=100 with 100,000 jobs in the table: plain, with a
// status filter, and ordered by -last_modified; p50 and p95 over repeated requests.
import http from 'node:http';
import { vacuum } from '../src/store/maintenance.ts';
import { freshDb, fmt, kinds, percentile, server } from './common.ts';

const ROWS = Number(process.env.BENCH_LIST_ROWS ?? 100_000);
const REQUESTS = 200;

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${url}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

export async function listLatency(): Promise<void> {
  console.log(`\n(c) GET /scale/jobs/?page_size=100 with ${fmt(ROWS)} jobs, ${REQUESTS} requests each`);
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
