// (j) Metrics: 100,000 finished jobs with their executions spread over 30 days, rolled up into the
// hourly tables, then the latency of GET /scale/metrics/job-types/plot-data/ over those 30 days:
// every column across all job types, and for one and three job types (choice_id); p50 and p95.
import http from 'node:http';
import { vacuum } from '../src/store/maintenance.ts';
import { freshDb, fmt, kinds, percentile, server } from './common.ts';
import { figure } from './summary.ts';

const ROWS = Number(process.env.BENCH_METRICS_ROWS ?? 100_000);
const DAYS = 30;
const TYPES = 10;
const REQUESTS = 200;
const GOAL_MS = 100;

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${url}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

export async function metrics(): Promise<void> {
  console.log(`\n(j) GET /scale/metrics/job-types/plot-data/ over ${DAYS} days with ${fmt(ROWS)} jobs and executions, ${REQUESTS} requests each`);
  for (const kind of kinds()) {
    const { db, drop } = await freshDb(kind);
    const s = await server(db, { SCALE_SCHEDULER: 'off', LISTEN: '1' });
    try {
      const types = [];
      for (let i = 0; i < TYPES; i++) types.push((await s.core.jobTypes.create({ name: `metrics-${i}`, version: '1', interface: { command: '/bin/true', command_arguments: '' } })).jobType);
      const errorId = (await db.query<{ id: number }>(`SELECT id FROM error WHERE name = 'algorithm-unknown' AND job_type_name IS NULL`)).rows[0].id;
      // Bulk-load finished jobs, one every 30 days / ROWS back from now, with one execution each:
      // queued 1-120 s, run 5-600 s of which the job task is all but 2 s. Modified when they ended.
      const t0 = performance.now();
      await db.query(
        `INSERT INTO job (job_type_id, job_type_rev_id, status, error_id, priority, timeout, max_tries, cpus_required, mem_required, input, num_exes,
                          created, queued, started, ended, last_status_change, last_modified)
         SELECT t.id, r.id, e.status, CASE WHEN e.status = 'FAILED' THEN $3::int END, 100, 1800, 3, 1, 64, '{}'::jsonb, 1,
                e.at - make_interval(secs => 5 + g % 600 + 1 + g % 120), e.at - make_interval(secs => 5 + g % 600 + 1 + g % 120),
                e.at - make_interval(secs => 5 + g % 600), e.at, e.at, e.at
           FROM generate_series(1, $1) g
           CROSS JOIN LATERAL (SELECT now() - make_interval(secs => g * ${DAYS} * 86400.0 / $1) AS at,
                                      (ARRAY['COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED','FAILED','CANCELED'])[1 + g % 7] AS status) AS e(at, status)
           JOIN job_type t ON t.id = ($2::int[])[1 + g % ${TYPES}]
           JOIN job_type_revision r ON r.job_type_id = t.id`,
        [ROWS, types.map((t) => t.id), errorId],
      );
      await db.query(
        `INSERT INTO job_exe (job_id, exe_num, job_type_id, status, cluster_id, timeout, cpus_scheduled, mem_scheduled, disk_in_scheduled, disk_out_scheduled,
                              disk_total_scheduled, error_id, queued, started, ended, job_started, job_completed, last_modified, created)
         SELECT j.id, 1, j.job_type_id, j.status, 'scale_' || j.id || '_1', 1800, 1, 64, 0, 0, 0, j.error_id, j.queued, j.started, j.ended,
                j.started + interval '1 second', j.ended - interval '1 second', j.ended, j.queued
           FROM job j WHERE j.status <> 'CANCELED'`,
      );
      const loadMs = performance.now() - t0;
      await vacuum(db);
      // Roll everything up from scratch (as on the first roll-up after an upgrade), then once more with nothing new.
      await db.query('UPDATE metrics_rollup SET scanned_to = NULL');
      const r0 = performance.now();
      await s.core.metrics.rollUp();
      const fullMs = performance.now() - r0;
      const r1 = performance.now();
      await s.core.metrics.rollUp();
      const incrementalMs = performance.now() - r1;
      const hourly = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM metrics_job_type')).rows[0].n;
      await vacuum(db);
      console.log(`  ${kind.padEnd(8)} load ${fmt(loadMs)} ms, full roll-up ${fmt(fullMs)} ms (${fmt(hourly)} hourly job-type rows), roll-up with nothing new ${fmt(incrementalMs, 1)} ms`);

      const base = `${s.url}/scale/metrics/job-types/plot-data/?started=P${DAYS}D`;
      for (const [label, url] of [
        ['all columns, all types', base],
        ['choice_id (1 type)', `${base}&choice_id=${types[3].id}`],
        ['choice_id (3 types)', `${base}&choice_id=${types[0].id}&choice_id=${types[4].id}&choice_id=${types[8].id}`],
        ['group=run_time, all', `${base}&group=run_time`],
      ] as const) {
        for (let i = 0; i < 10; i++) await get(url);
        const times = [];
        for (let i = 0; i < REQUESTS; i++) times.push(await get(url));
        const p95 = percentile(times, 95);
        console.log(`  ${kind.padEnd(8)} ${label.padEnd(24)} p50 ${fmt(percentile(times, 50), 1)} ms   p95 ${fmt(p95, 1)} ms   goal p95 < ${GOAL_MS} ms: ${p95 < GOAL_MS ? 'met' : 'NOT met'}`);
        figure({ section: 'j', name: `metrics plot-data ${DAYS} days, ${label}, p95, ${kind}`, value: p95, unit: 'ms', goal: { op: '<=', target: GOAL_MS } });
      }
    } finally {
      await s.close();
      await drop();
    }
  }
}
