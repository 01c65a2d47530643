// (e) Recipes. 500 recipes of three no-op stages (s1 → s2 → s3) end to end: recipes/s, beside
// plain no-op jobs in the same run, and the latency the engine adds between a job's end and its
// dependent's queueing. Then one recipe fanning a node out over 1,000 files, with independent
// no-op jobs submitted meanwhile: how long they wait for a node, against the same jobs without the
// fan-out, shows whether the recipe stalls other work.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../src/store/db.ts';
import { freshDb, fmt, kinds, percentile, server } from './common.ts';
import { emptyJobData } from '../src/core/jobs/job-data.ts';
import { figure } from './summary.ts';

const RECIPES = Number(process.env.BENCH_RECIPES ?? 500);
const FAN = Number(process.env.BENCH_FAN ?? 1000);
const PROBES = 40;
const ENV = { SCALE_NODE_CPUS: '2', SCALE_NODE_MEM: '65536', SCALE_SCHEDULER_QUEUE_LIMIT: '500' };

type Server = Awaited<ReturnType<typeof server>>;

async function noop(s: Server, name: string, iface: Record<string, unknown> = {}) {
  return (await s.core.jobTypes.create({ name, version: '1', cpus_required: 0.25, mem_required: 16, disk_out_const_required: 0, interface: { command: '/bin/true', command_arguments: '', ...iface } })).jobType;
}

async function waitUntil(db: Db, sql: string, params: unknown[], want: number): Promise<void> {
  for (;;) {
    const n = (await db.query<{ n: number }>(sql, params)).rows[0].n;
    if (n >= want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Milliseconds from each parent job's end to its dependent's queueing, over every recipe of a type. */
async function handoffs(db: Db, recipeTypeId: number): Promise<number[]> {
  const res = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM (c.queued - p.ended)) * 1000 AS ms
       FROM recipe r
       JOIN recipe_node pn ON pn.recipe_id = r.id JOIN job p ON p.id = pn.job_id
       JOIN recipe_node cn ON cn.recipe_id = r.id AND cn.node_name = CASE pn.node_name WHEN 's1' THEN 's2' WHEN 's2' THEN 's3' END
       JOIN job c ON c.id = cn.job_id
      WHERE r.recipe_type_id = $1`,
    [recipeTypeId],
  );
  return res.rows.map((r) => Number(r.ms));
}

async function chain(kind: 'pglite' | 'postgres') {
  const { db, drop } = await freshDb(kind);
  const s = await server(db, ENV);
  try {
    const stage = await noop(s, 'stage');
    const { recipeType } = await s.core.recipeTypes.create({
      name: 'three', definition: {
        jobs: [
          { name: 's1', job_type: { name: 'stage', version: '1' } },
          { name: 's2', job_type: { name: 'stage', version: '1' }, dependencies: [{ name: 's1' }] },
          { name: 's3', job_type: { name: 'stage', version: '1' }, dependencies: [{ name: 's2' }] },
        ],
      },
    });
    // The same number of plain jobs first, for the ratio.
    const t0 = performance.now();
    await s.core.jobs.createMany(stage.id, Array.from({ length: RECIPES * 3 }, emptyJobData));
    await waitUntil(db, `SELECT count(*)::int AS n FROM job WHERE status = 'COMPLETED'`, [], RECIPES * 3);
    const plainRate = (RECIPES * 3) / ((performance.now() - t0) / 1000);

    // One at a time, as REST clients submit: the cost of a single creation.
    const ts = performance.now();
    const single = Math.min(20, RECIPES);
    for (let i = 0; i < single; i++) await s.core.recipes.create({ recipeTypeId: recipeType.id });
    const singleMs = (performance.now() - ts) / single;
    await waitUntil(db, `SELECT count(*)::int AS n FROM recipe WHERE is_completed AND recipe_type_id = $1`, [recipeType.id], single);
    // The rest in batches of 100, as jobs are submitted in (a).
    const t1 = performance.now();
    for (let i = single; i < RECIPES; i += 100) await s.core.recipes.createMany(recipeType.id, Array.from({ length: Math.min(100, RECIPES - i) }, () => ({ inputs: new Map(), workspaceId: null })));
    const submitMs = performance.now() - t1;
    await waitUntil(db, `SELECT count(*)::int AS n FROM recipe WHERE is_completed AND recipe_type_id = $1`, [recipeType.id], RECIPES);
    const secs = (performance.now() - t1) / 1000;
    const lat = await handoffs(db, recipeType.id);
    const batched = RECIPES - single;
    return { recipesPerSec: batched / secs, jobsPerSec: (batched * 3) / secs, plainRate, submitMs: submitMs / batched, singleMs, lat };
  } finally {
    await s.close();
    await drop();
  }
}

/** Waits of independent probe jobs (queued → started), submitted one every 100 ms. */
async function probeWaits(s: Server, db: Db, probeTypeId: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    ids.push(...(await s.core.jobs.createMany(probeTypeId, [emptyJobData()], 1)));
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitUntil(db, `SELECT count(*)::int AS n FROM job WHERE id = ANY($1::bigint[]) AND status = 'COMPLETED'`, [ids], ids.length);
  const res = await db.query<{ ms: number }>(`SELECT extract(epoch FROM (started - queued)) * 1000 AS ms FROM job WHERE id = ANY($1::bigint[])`, [ids]);
  return res.rows.map((r) => Number(r.ms));
}

async function fanOut(kind: 'pglite' | 'postgres') {
  const { db, drop } = await freshDb(kind);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scale-bench-fan-'));
  const s = await server(db, ENV);
  try {
    const script = path.join(dir, 'split.sh');
    await fs.writeFile(script, `#!/bin/sh\ni=0; files=""\nwhile [ "$i" -lt ${FAN} ]; do echo $i > "$1/p$i.txt"; files="$files{\\"path\\":\\"p$i.txt\\"},"; i=$((i + 1)); done\nprintf '{"version":"1.1","output_data":[{"name":"parts","files":[%s]}]}' "\${files%,}" > "$1/results_manifest.json"\n`);
    await s.core.jobTypes.create({ name: 'split', version: '1', cpus_required: 0.25, mem_required: 16, disk_out_const_required: 0, interface: { command: `/bin/sh ${script}`, command_arguments: '${job_output_dir}', output_data: [{ name: 'parts', type: 'files' }] } });
    const each = path.join(dir, 'each.sh');
    await fs.writeFile(each, `#!/bin/sh\ncp "$1" "$2/out.txt"\nprintf '{"version":"1.1","output_data":[{"name":"out","file":{"path":"out.txt"}}]}' > "$2/results_manifest.json"\n`);
    await noop(s, 'each', { command: `/bin/sh ${each}`, command_arguments: '${part} ${job_output_dir}', input_data: [{ name: 'part', type: 'file' }], output_data: [{ name: 'out', type: 'file' }] });
    await noop(s, 'gather', { command_arguments: '${parts}', input_data: [{ name: 'parts', type: 'files' }] });
    // Probes outrank the fan-out's jobs, as an operator's urgent work would.
    const probe = await noop(s, 'probe');
    const baseline = await probeWaits(s, db, probe.id);
    const { recipeType } = await s.core.recipeTypes.create({
      name: 'fan', definition: {
        jobs: [
          { name: 'split', job_type: { name: 'split', version: '1' } },
          { name: 'each', job_type: { name: 'each', version: '1' }, dependencies: [{ name: 'split', connections: [{ output: 'parts', input: 'part', fan_out: true }] }] },
          { name: 'gather', job_type: { name: 'gather', version: '1' }, dependencies: [{ name: 'each', connections: [{ output: 'out', input: 'parts' }] }] },
        ],
      },
    });
    const t0 = performance.now();
    const { recipe } = await s.core.recipes.create({ recipeTypeId: recipeType.id });
    await waitUntil(db, `SELECT count(*)::int AS n FROM recipe_node WHERE recipe_id = $1 AND node_name = 'each'`, [recipe.id], FAN);
    const forkedMs = performance.now() - t0;
    const probing = probeWaits(s, db, probe.id);
    await waitUntil(db, `SELECT count(*)::int AS n FROM recipe WHERE id = $1 AND is_completed`, [recipe.id], 1);
    const totalSecs = (performance.now() - t0) / 1000;
    const during = await probing;
    const split = (await db.query(`SELECT j.ended, j.output FROM recipe_node rn JOIN job j ON j.id = rn.job_id WHERE rn.recipe_id = $1 AND rn.node_name = 'split'`, [recipe.id])).rows[0];
    // The same jobs again outside any recipe, on the same files: the rate the executor allows them.
    const parts: number[] = split.output.output_data[0].file_ids;
    const eachType = (await s.core.jobTypes.byNameVersion('each', '1'))!;
    const t1 = performance.now();
    const plainIds = await s.core.jobs.createMany(eachType.id, parts.map((id) => ({ inputs: new Map([['part', { kind: 'file', fileIds: [id] }]]), outputs: new Map() })));
    await waitUntil(db, `SELECT count(*)::int AS n FROM job WHERE id = ANY($1::bigint[]) AND status = 'COMPLETED'`, [plainIds], plainIds.length);
    const plainRate = plainIds.length / ((performance.now() - t1) / 1000);
    const firstFork = (await db.query(
      `SELECT min(j.queued) AS q, max(j.queued) AS last, extract(epoch FROM max(j.ended) - min(j.queued)) AS secs
         FROM recipe_node rn JOIN job j ON j.id = rn.job_id WHERE rn.recipe_id = $1 AND rn.node_name = 'each'`,
      [recipe.id],
    )).rows[0];
    return {
      totalSecs, forkedMs, forkMs: new Date(firstFork.last).getTime() - new Date(split.ended).getTime(), baseline, during, plainRate, forkRate: FAN / Number(firstFork.secs),
    };
  } finally {
    await s.close();
    await drop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function recipes(): Promise<void> {
  console.log(`\n(e) recipes: ${RECIPES} three-stage recipes of no-op jobs; one recipe fanning out over ${fmt(FAN)} files`);
  for (const kind of kinds()) {
    const c = await chain(kind);
    console.log(
      `  ${kind.padEnd(8)} ${fmt(c.recipesPerSec, 1)} recipes/s (${fmt(c.jobsPerSec)} jobs/s, ${fmt((100 * c.jobsPerSec) / c.plainRate)}% of ${fmt(c.plainRate)} plain jobs/s)   ` +
        `submit ${fmt(c.submitMs, 1)} ms/recipe in batches of 100, ${fmt(c.singleMs, 1)} ms one at a time`,
    );
    console.log(
      `           parent end → dependent queued: p50 ${fmt(percentile(c.lat, 50), 1)} ms, p95 ${fmt(percentile(c.lat, 95), 1)} ms, max ${fmt(Math.max(...c.lat), 1)} ms over ${c.lat.length} hand-offs   ` +
        `goal p95 < 100 ms: ${percentile(c.lat, 95) < 100 ? 'met' : 'NOT met'}`,
    );
    figure({ section: 'e', name: `three-stage recipes' jobs vs plain jobs, ${kind}`, value: (100 * c.jobsPerSec) / c.plainRate, unit: '%', reference: `plain no-op jobs, ${fmt(c.plainRate)}/s` });
    figure({ section: 'e', name: `parent end → dependent queued p95, ${kind}`, value: percentile(c.lat, 95), unit: 'ms', goal: { op: '<=', target: 100 } });
    const f = await fanOut(kind);
    console.log(
      `           fan-out: ${fmt(FAN)} jobs queued ${fmt(f.forkMs)} ms after the split ended; forks ran at ${fmt(f.forkRate)} jobs/s (the same jobs outside a recipe: ${fmt(f.plainRate)} jobs/s); recipe done in ${fmt(f.totalSecs, 1)} s   ` +
        `probe jobs' wait for a node p50/p95: ${fmt(percentile(f.baseline, 50))}/${fmt(percentile(f.baseline, 95))} ms alone, ${fmt(percentile(f.during, 50))}/${fmt(percentile(f.during, 95))} ms during the fan-out`,
    );
    figure({ section: 'e', name: `fan-out's ${fmt(FAN)} forked jobs vs the same outside a recipe, ${kind}`, value: (100 * f.forkRate) / f.plainRate, unit: '%', reference: `the same jobs outside a recipe, ${fmt(f.plainRate)}/s` });
  }
}
