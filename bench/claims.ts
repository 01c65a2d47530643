// (b) Queue claims per second on PostgreSQL with 4 concurrent claimers, and a check that no job
// was claimed twice. Each claimer is its own connection pool, as separate processes would be.
import { createQueueService } from '../src/core/queue/service.ts';
import { openDb } from '../src/store/open.ts';
import { freshDb, fmt, server } from './common.ts';
import { emptyJobData } from '../src/core/jobs/job-data.ts';
import { figure } from './summary.ts';

const JOBS = Number(process.env.BENCH_CLAIM_JOBS ?? 20000);

export async function claims(): Promise<void> {
  console.log(`\n(b) queue claims, 4 concurrent claimers, ${JOBS} queued jobs`);
  if (!process.env.DATABASE_URL) {
    console.log('  skipped: needs PostgreSQL (DATABASE_URL)');
    return;
  }
  const { db, url, drop } = await freshDb('postgres');
  const s = await server(db, { SCALE_SCHEDULER: 'off' });
  const claimers = await Promise.all([1, 2, 3, 4].map(() => openDb({ databaseUrl: url, dataDir: null, poolMax: 2 })));
  try {
    const { jobType } = await s.core.jobTypes.create({ name: 'claim', version: '1', cpus_required: 0.01, mem_required: 1, disk_out_const_required: 0, interface: { command: '/bin/true', command_arguments: '' } });
    for (let i = 0; i < JOBS; i += 1000) await s.core.jobs.createMany(jobType.id, Array.from({ length: 1000 }, emptyJobData));
    const nodes = await Promise.all([1, 2, 3, 4].map((i) => s.core.nodes.register({ hostname: `claimer-${i}`, port: null, slaveId: `claimer-${i}`, executor: 'bench', total: { cpus: 1e6, mem: 1e9, disk: 1e9 }, incarnation: 'bench' })));
    const huge = { cpus: 1e6, mem: 1e9, disk: 1e9 };
    let claimed = 0;
    const t0 = performance.now();
    await Promise.all(
      claimers.map(async (cdb, i) => {
        const queue = createQueueService({ db: cdb });
        for (;;) {
          const { claimed: got } = await queue.claim({ offers: [{ nodeId: nodes[i].id, total: huge, free: huge, runtimes: ['process'] }], clusterNodes: [{ total: huge, runtimes: ['process'] }], limit: 100, pageSize: 100 });
          if (!got.length) break;
          claimed += got.length;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const dup = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT job_id FROM job_exe GROUP BY job_id HAVING count(*) > 1) d')).rows[0].n;
    const exes = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM job_exe')).rows[0].n;
    console.log(`  postgres ${fmt(claimed / secs)} claims/s   ${fmt(claimed)} claimed, ${fmt(exes)} executions, ${dup} double claims   goal ≥ 5,000/s and 0 doubles: ${claimed / secs >= 5000 && dup === 0 && claimed === JOBS ? 'met' : 'NOT met'}`);
    figure({ section: 'b', name: 'queue claims, 4 claimers, postgres', value: claimed / secs, unit: 'claims/s', goal: { op: '>=', target: 5000 } });
    figure({ section: 'b', name: 'jobs claimed twice, postgres', value: dup, unit: 'jobs', goal: { op: '<=', target: 0 } });
    figure({ section: 'b', name: `jobs left unclaimed of ${fmt(JOBS)}, postgres`, value: JOBS - claimed, unit: 'jobs', goal: { op: '<=', target: 0 } });
  } finally {
    await Promise.all(claimers.map((c) => c.close()));
    await s.close();
    await drop();
  }
}
