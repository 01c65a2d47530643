// (a) End-to-end throughput of no-op jobs (/bin/true) through the core, the scheduler and the
// local executor, beside the raw child_process.spawn('/bin/true') rate measured in the same run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freshDb, fmt, kinds, server } from './common.ts';
import { emptyJobData } from '../src/core/jobs/job-data.ts';
import { figure } from './summary.ts';

const run = promisify(execFile);
const JOBS = Number(process.env.BENCH_JOBS ?? 2000);
const SLOTS = 8; // 2 cpus / 0.25 cpus per job

/** /bin/true spawned n times, `concurrency` at a time, by a fresh process (see raw-spawn.ts). */
async function rawSpawnRate(n: number, concurrency: number): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./raw-spawn.ts', import.meta.url)), String(concurrency), String(n)]);
  return Number(stdout);
}

async function jobRate(kind: 'pglite' | 'postgres'): Promise<{ rate: number; submitMs: number }> {
  const { db, drop } = await freshDb(kind);
  const s = await server(db, { SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '65536', SCALE_SCHEDULER_QUEUE_LIMIT: '500' });
  try {
    const { jobType } = await s.core.jobTypes.create({ name: 'noop', version: '1', cpus_required: 0.25, mem_required: 16, disk_out_const_required: 0, interface: { command: '/bin/true', command_arguments: '' } });
    const t0 = performance.now();
    for (let i = 0; i < JOBS; i += 500) await s.core.jobs.createMany(jobType.id, Array.from({ length: Math.min(500, JOBS - i) }, emptyJobData));
    const submitMs = performance.now() - t0;
    for (;;) {
      const done = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM job WHERE status IN ('COMPLETED', 'FAILED')`)).rows[0].n;
      if (done >= JOBS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = (performance.now() - t0) / 1000;
    const failed = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM job WHERE status <> 'COMPLETED'`)).rows[0].n;
    if (failed) throw new Error(`${failed} jobs did not complete`);
    return { rate: JOBS / secs, submitMs };
  } finally {
    await s.close();
    await drop();
  }
}

export async function throughput(): Promise<void> {
  console.log(`\n(a) ${JOBS} no-op jobs end to end (submit → COMPLETED), local executor, ${SLOTS} slots`);
  const raw1 = await rawSpawnRate(1000, 1);
  const raw8 = await rawSpawnRate(1000, SLOTS);
  console.log(`  raw spawn('/bin/true') in a fresh process: ${fmt(raw1)}/s one at a time, ${fmt(raw8)}/s ${SLOTS} at a time`);
  for (const kind of kinds()) {
    const { rate, submitMs } = await jobRate(kind);
    console.log(
      `  ${kind.padEnd(8)} ${fmt(rate)} jobs/s   ${fmt((100 * rate) / raw1)}% of raw (one at a time), ${fmt((100 * rate) / raw8)}% of raw (${SLOTS} at a time)   ` +
        `submit ${fmt(submitMs)} ms   goal ≥ 50% of raw and ≥ 200 jobs/s: ${rate >= 200 && rate >= raw1 / 2 ? 'met' : 'NOT met'}`,
    );
    figure({ section: 'a', name: `no-op jobs end to end, ${kind}`, value: rate, unit: 'jobs/s', goal: { op: '>=', target: 200 } });
    figure({ section: 'a', name: `no-op jobs vs raw spawn, one at a time, ${kind}`, value: (100 * rate) / raw1, unit: '%', reference: `raw spawn('/bin/true') one at a time, ${fmt(raw1)}/s`, goal: { op: '>=', target: 50 } });
    figure({ section: 'a', name: `no-op jobs vs raw spawn, ${SLOTS} at a time, ${kind}`, value: (100 * rate) / raw8, unit: '%', reference: `raw spawn('/bin/true') ${SLOTS} at a time, ${fmt(raw8)}/s` });
  }
}
