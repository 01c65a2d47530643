// (d) No-op SEED jobs through the Docker executor, beside the raw sequential dockerode
// create/start/wait/remove of the same image measured in the same run.
import { buildSeedImage, docker, dockerAvailable, testJobManifest } from '../test/helpers/docker.ts';
import { freshDb, fmt, server } from './common.ts';
import { figure } from './summary.ts';

const JOBS = Number(process.env.BENCH_DOCKER_JOBS ?? 200);
const RAW = Number(process.env.BENCH_DOCKER_RAW ?? 50);

async function rawRate(image: string, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const c = await docker.createContainer({ Image: image, Cmd: ['none'], Env: ['MODE=none'], HostConfig: { NanoCpus: 0.25e9, Memory: 32 * 1024 * 1024 } });
    await c.start();
    await c.wait();
    await c.remove({ force: true });
  }
  return n / ((performance.now() - t0) / 1000);
}

export async function dockerThroughput(): Promise<void> {
  console.log(`\n(d) ${JOBS} no-op SEED jobs through the Docker executor`);
  if (!(await dockerAvailable())) {
    console.log('  skipped: no Docker engine at /var/run/docker.sock');
    return;
  }
  const manifest = testJobManifest(`bench-noop-${process.pid}`);
  manifest.job.interface.outputs = {};
  delete manifest.job.interface.settings;
  delete manifest.job.interface.mounts;
  const image = await buildSeedImage(manifest);
  await rawRate(image, 5); // warm up
  const raw = await rawRate(image, RAW);
  console.log(`  raw dockerode create/start/wait/remove, one at a time: ${fmt(raw, 1)}/s`);
  for (const inFlight of (process.env.BENCH_DOCKER_IN_FLIGHT ?? '4,8').split(',').map(Number)) {
    const { db, drop } = await freshDb('pglite');
    const s = await server(db, { SCALE_EXECUTOR: 'docker', SCALE_DOCKER_MAX_CONTAINERS: String(inFlight), SCALE_NODE_MEM: '65536', SCALE_NODE_CPUS: '64' });
    try {
      const { jobType } = await s.core.seedJobTypes.save({ docker_image: image, manifest });
      const t0 = performance.now();
      for (let i = 0; i < JOBS; i += 100) {
        for (let k = i; k < Math.min(JOBS, i + 100); k++) await s.core.jobs.create({ jobTypeId: jobType.id, data: { inputs: new Map([['MODE', { kind: 'json', value: 'none' }]]), outputs: new Map() } });
      }
      for (;;) {
        const done = (await db.query<{ n: number; bad: number }>(`SELECT count(*) FILTER (WHERE status IN ('COMPLETED', 'FAILED'))::int AS n, count(*) FILTER (WHERE status = 'FAILED')::int AS bad FROM job`)).rows[0];
        if (done.n >= JOBS) {
          if (done.bad) throw new Error(`${done.bad} jobs failed`);
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const rate = JOBS / ((performance.now() - t0) / 1000);
      console.log(`  ${String(inFlight).padStart(2)} containers in flight per node: ${fmt(rate, 1)} jobs/s, ${fmt((100 * rate) / raw)}% of raw   goal ≥ 70%: ${rate >= 0.7 * raw ? 'met' : 'NOT met'}`);
      figure({ section: 'd', name: `SEED no-op jobs, Docker executor, ${inFlight} containers in flight`, value: (100 * rate) / raw, unit: '%', reference: `raw dockerode create/start/wait/remove one at a time, ${fmt(raw, 1)}/s`, goal: { op: '>=', target: 70 } });
    } finally {
      await s.close();
      await drop();
    }
  }
  await docker.getImage(image).remove({ force: true }).catch(() => {});
}
