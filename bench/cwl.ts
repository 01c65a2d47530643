// (m) One CWL CommandLineTool against the same container as a SEED job type: 100 runs of each, 8 in
// flight, on one server and one Docker engine, in one run. Per-job latency is the job's own time
// (started → ended: its execution, not its wait in the queue). The CWL path runs through the
// long-lived cwltool (SCALE_CWLTOOL_SERVER=on, the default) and, for comparison, with a cwltool
// started per run (off). Goal: the CWL path adds ≤ 500 ms p50 over SEED.
import { findProgram } from '../src/cwl/cwltool.ts';
import { buildSeedImage, docker, dockerAvailable, testJobManifest } from '../test/helpers/docker.ts';
import { fmt, freshDb, percentile, server } from './common.ts';
import { figure } from './summary.ts';

const RUNS = Number(process.env.BENCH_CWL_RUNS ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_CWL_IN_FLIGHT ?? 8);
const SINGLE = Number(process.env.BENCH_CWL_SINGLE ?? 20);

interface Figures {
  rate: number;
  p50: number;
  p95: number;
}

async function measure(s: Awaited<ReturnType<typeof server>>, jobTypeId: number, inputs: Map<string, any>, n: number): Promise<Figures> {
  const ids: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) ids.push((await s.core.jobs.create({ jobTypeId, data: { inputs, outputs: new Map() } })).job.id);
  for (;;) {
    const r = (await s.db.query<{ n: number; bad: number }>(`SELECT count(*) FILTER (WHERE status IN ('COMPLETED', 'FAILED'))::int AS n, count(*) FILTER (WHERE status = 'FAILED')::int AS bad FROM job WHERE id = ANY($1::int[])`, [ids])).rows[0];
    if (r.bad) throw new Error(`${r.bad} jobs failed`);
    if (r.n >= n) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const rate = n / ((performance.now() - t0) / 1000);
  const ms = (await s.db.query<{ ms: number }>(`SELECT extract(epoch FROM ended - started)::float8 * 1000 AS ms FROM job WHERE id = ANY($1::int[])`, [ids])).rows.map((r) => r.ms);
  return { rate, p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

export async function cwlBench(): Promise<void> {
  console.log(`\n(m) a CWL CommandLineTool and the same container as a SEED job type: ${RUNS} runs each, ${IN_FLIGHT} in flight`);
  if (!(await dockerAvailable()) || !findProgram('cwltool')) {
    console.log('  skipped: needs a Docker engine and cwltool (apt install cwltool)');
    return;
  }
  const manifest = testJobManifest(`bench-cwl-${process.pid}`);
  manifest.job.interface.outputs = {};
  delete manifest.job.interface.settings;
  delete manifest.job.interface.mounts;
  const image = await buildSeedImage(manifest);
  // The same image, entrypoint and arguments as the SEED job's `${MODE} ${INPUT_FILE}` with MODE=none.
  const tool = {
    cwlVersion: 'v1.2', class: 'CommandLineTool', id: `bench-cwl-tool-${process.pid}`,
    requirements: [{ class: 'DockerRequirement', dockerPull: image }, { class: 'EnvVarRequirement', envDef: { MODE: 'none' } }, { class: 'ResourceRequirement', coresMin: 0.25, ramMin: 32 }],
    baseCommand: ['none'], inputs: {}, outputs: {},
  };
  const rows: [string, Figures][] = [];
  const single: [string, Figures][] = [];
  for (const cwltoolServer of ['on', 'off']) {
    const { db, drop } = await freshDb('pglite');
    const s = await server(db, { SCALE_EXECUTOR: 'docker', SCALE_DOCKER_MAX_CONTAINERS: String(IN_FLIGHT), SCALE_NODE_MEM: '65536', SCALE_NODE_CPUS: '64', SCALE_CWLTOOL_SERVER: cwltoolServer });
    try {
      const seed = (await s.core.seedJobTypes.save({ docker_image: image, manifest })).jobType;
      const deployed = await s.core.deploy.deploy({ text: JSON.stringify(tool), mediaType: 'application/cwl+json', w: null });
      const cwl = deployed.jobType;
      const seedInputs = new Map([['MODE', { kind: 'json', value: 'none' }]]);
      // Warm up: the long-lived cwltool loaded, images and page caches hot.
      if (cwltoolServer === 'on' && !(await s.cwltoolServer?.ready())) throw new Error('the long-lived cwltool did not start');
      await measure(s, seed.id, seedInputs, IN_FLIGHT);
      await measure(s, cwl.id, new Map(), IN_FLIGHT);
      if (cwltoolServer === 'on') rows.push(['SEED job type (Docker executor)', await measure(s, seed.id, seedInputs, RUNS)]);
      rows.push([`CWL tool, cwltool ${cwltoolServer === 'on' ? 'long-lived (forked per run)' : 'started per run'}`, await measure(s, cwl.id, new Map(), RUNS)]);
      if (cwltoolServer === 'on') {
        // One at a time: the latency of a run on a machine that is not saturated.
        const one = async (id: number, inputs: Map<string, any>) => {
          const all: Figures[] = [];
          for (let i = 0; i < SINGLE; i++) all.push(await measure(s, id, inputs, 1));
          return { rate: 1000 / percentile(all.map((f) => f.p50), 50), p50: percentile(all.map((f) => f.p50), 50), p95: percentile(all.map((f) => f.p50), 95) };
        };
        single.push(['SEED job type, one at a time', await one(seed.id, seedInputs)], ['CWL tool (long-lived cwltool), one at a time', await one(cwl.id, new Map())]);
      }
    } finally {
      await s.close();
      await drop();
    }
  }
  for (const [name, f] of rows) console.log(`  ${name.padEnd(46)} ${fmt(f.rate, 2)} jobs/s   per job p50 ${fmt(f.p50)} ms, p95 ${fmt(f.p95)} ms`);
  for (const [name, f] of single) console.log(`  ${name.padEnd(46)} per job p50 ${fmt(f.p50)} ms, p95 ${fmt(f.p95)} ms`);
  const seedP50 = rows[0][1].p50;
  const added = rows[1][1].p50 - seedP50;
  console.log(`  CWL added latency over SEED, p50, ${IN_FLIGHT} in flight: ${fmt(added)} ms (cwltool per run: ${fmt(rows[2][1].p50 - seedP50)} ms)   goal ≤ 500 ms: ${added <= 500 ? 'met' : 'NOT met'}`);
  const addedOne = single[1][1].p50 - single[0][1].p50;
  console.log(`  CWL added latency over SEED, p50, one at a time: ${fmt(addedOne)} ms   goal ≤ 500 ms: ${addedOne <= 500 ? 'met' : 'NOT met'}`);
  figure({ section: 'm', name: `CWL tool's added latency over SEED, p50, ${IN_FLIGHT} in flight`, value: added, unit: 'ms', reference: `SEED job type, same container, p50 ${fmt(seedP50)} ms`, goal: { op: '<=', target: 500 } });
  figure({ section: 'm', name: "CWL tool's added latency over SEED, p50, one at a time", value: addedOne, unit: 'ms', reference: `SEED job type, one at a time, p50 ${fmt(single[0][1].p50)} ms`, goal: { op: '<=', target: 500 } });
  figure({ section: 'm', name: `CWL tool vs SEED job type, jobs/s, ${IN_FLIGHT} in flight`, value: rows[1][1].rate / rows[0][1].rate, unit: '×', reference: `SEED job type, ${fmt(rows[0][1].rate, 2)} jobs/s` });
  await docker.getImage(image).remove({ force: true }).catch(() => {});
}
