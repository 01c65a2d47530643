// Advancing recipes inside one transaction: load what their nodes have become, ask instance.ts
// for each recipe's plan, and apply all the plans together, so a batch of recipes costs the same
// handful of statements as one (jobs created in one insert, queued in one update, nodes recorded
// in one insert). Conditions, skips and sub-recipes can enable more work, so recipes with those
// are planned again until they settle.
import type { Queryable, Row } from '../../store/db.ts';
import { Invalid } from '../../errors.ts';
import type { FileService, ScaleFile } from '../files/service.ts';
import type { JobInterface } from '../job-types/model.ts';
import { fileIdsOf, type InputValue, type JobData } from '../jobs/job-data.ts';
import type { JobRow, JobService } from '../jobs/service.ts';
import { blockJobs, failWaitingJobs, unblockJobs } from '../jobs/transitions.ts';
import type { Logger } from '../../log.ts';
import type { Workspace, WorkspaceService } from '../workspaces/service.ts';
import { acceptsData } from './data-filter.ts';
import { linkNewJobs } from './job-links.ts';
import type { RecipeDefinition } from './definition.ts';
import { type InstanceState, type NodeRecord, type Plan, isEmptyPlan, planRecipe } from './instance.ts';
import type { NodeTypes } from './node-types.ts';
import { readRecipeData, toV6Data } from './recipe-data.ts';

const MAX_PASSES = 50;
const MAX_DEPTH = 10;

/** What a transaction's advancing needs besides the transaction. */
export interface AdvanceContext {
  tx: Queryable;
  /** Definitions by recipe type revision id (the batch's and their sub-recipes'). */
  defs: Map<number, RecipeDefinition>;
  types: NodeTypes;
  recipeInputErrorId: number;
}

export interface AdvanceDeps {
  jobs: JobService;
  files: FileService;
  workspaces: WorkspaceService;
  log?: Logger;
}

interface NodeRow {
  recipeId: number;
  node: string;
  fork?: number;
  jobId?: number | null;
  subRecipeId?: number | null;
  outcome?: string | null;
  data?: unknown;
}

/** Results JSON (job results 1.0) → values by output name. */
function outputsOf(results: any): Map<string, InputValue> | null {
  if (!results) return null;
  const out = new Map<string, InputValue>();
  for (const o of results.output_data ?? []) {
    if (o.file_ids) out.set(o.name, { kind: 'files', fileIds: o.file_ids });
    else if (o.file_id !== undefined) out.set(o.name, { kind: 'file', fileIds: [o.file_id] });
    else if (o.value !== undefined) out.set(o.name, { kind: 'json', value: o.value });
  }
  return out;
}

/**
 * What a job of a recipe is given: its inputs from the plan (a property input takes a value as text),
 * its file outputs to the recipe's workspace when the recipe names one (else the configuration's).
 */
function jobDataOf(iface: JobInterface, inputs: Map<string, InputValue>, workspaceId: number | null): JobData {
  const data: JobData = { inputs: new Map(), outputs: new Map() };
  for (const i of iface.inputs) {
    const v = inputs.get(i.name);
    if (!v) continue;
    data.inputs.set(i.name, i.kind === 'property' && v.kind === 'json' ? { kind: 'property', value: typeof v.value === 'string' ? v.value : JSON.stringify(v.value) } : v);
  }
  if (workspaceId !== null) for (const o of iface.outputs) if (o.kind !== 'json') data.outputs.set(o.name, { workspaceId });
  return data;
}

const fileIds = (values: Iterable<InputValue>) => [...values].flatMap(fileIdsOf);

/**
 * The priority a recipe's jobs run at: its own configuration's, else its batch's (Scale's batch
 * configuration priority; the engine reads recipe rows with `batch_priority`), else the job type's.
 */
const priorityOf = (r: Row): number | undefined => r.configuration?.priority ?? r.batch_priority ?? undefined;

/** Sub-recipes below these recipes: those that have failed (any failed or canceled job inside). */
async function failedSubRecipes(tx: Queryable, ids: number[]): Promise<Set<number>> {
  if (!ids.length) return new Set();
  const res = await tx.query(
    `WITH RECURSIVE tree(top, id) AS (
       SELECT id, id FROM recipe WHERE id = ANY($1::bigint[])
       UNION ALL SELECT t.top, rn.sub_recipe_id FROM tree t JOIN recipe_node rn ON rn.recipe_id = t.id WHERE rn.sub_recipe_id IS NOT NULL)
     SELECT DISTINCT t.top FROM tree t JOIN recipe_node rn ON rn.recipe_id = t.id JOIN job j ON j.id = rn.job_id
      WHERE j.status IN ('FAILED', 'CANCELED')`,
    [ids],
  );
  return new Set(res.rows.map((r) => r.top));
}

/** What the recipes' nodes have become, one query for the whole batch. */
export async function loadStates(q: Queryable, recipes: Row[], defOf: (r: Row) => RecipeDefinition): Promise<Map<number, InstanceState>> {
  const res = await q.query(
    `SELECT rn.recipe_id, rn.node_name, rn.fork_index, rn.job_id, rn.sub_recipe_id, rn.outcome, rn.data, j.status, j.output, s.is_completed AS sub_completed
       FROM recipe_node rn LEFT JOIN job j ON j.id = rn.job_id LEFT JOIN recipe s ON s.id = rn.sub_recipe_id
      WHERE rn.recipe_id = ANY($1::bigint[])`,
    [recipes.map((r) => r.id)],
  );
  const failed = await failedSubRecipes(q, res.rows.filter((x) => x.sub_recipe_id && !x.sub_completed).map((x) => x.sub_recipe_id));
  const states = new Map<number, InstanceState>();
  for (const r of recipes) {
    const def = defOf(r);
    states.set(r.id, { inputs: readRecipeData(r.input, def.inputs).inputs, nodes: new Map(), frozen: r.is_canceled || r.is_superseded });
  }
  const byRecipe = new Map(recipes.map((r) => [r.id, r]));
  for (const x of res.rows) {
    const state = states.get(x.recipe_id)!;
    const rec: NodeRecord = state.nodes.get(x.node_name) ?? { jobs: [], subRecipe: null, outcome: null, data: null };
    if (x.job_id) rec.jobs.push({ forkIndex: x.fork_index, jobId: x.job_id, status: x.status, outputs: outputsOf(x.output) });
    if (x.sub_recipe_id) rec.subRecipe = { id: x.sub_recipe_id, state: x.sub_completed ? 'COMPLETED' : failed.has(x.sub_recipe_id) ? 'FAILED' : 'ACTIVE' };
    if (x.outcome) rec.outcome = x.outcome;
    if (x.data) {
      const n = defOf(byRecipe.get(x.recipe_id)!).nodes.find((d) => d.name === x.node_name);
      rec.data = readRecipeData(x.data, n?.type.kind === 'condition' ? n.type.inputs : []).inputs;
    }
    state.nodes.set(x.node_name, rec);
  }
  return states;
}

/** Marks recipes for another look by the engine (new recipes, a parent whose sub-recipe moved on). */
export async function markForUpdate(tx: Queryable, recipeIds: number[]): Promise<void> {
  const ids = [...new Set(recipeIds)];
  if (!ids.length) return;
  await tx.query(
    `INSERT INTO recipe_update (recipe_id, seq) SELECT id, nextval('recipe_update_seq') FROM unnest($1::bigint[]) AS u(id)
     ON CONFLICT (recipe_id) DO UPDATE SET seq = EXCLUDED.seq`,
    [ids],
  );
}

export function createAdvancer(deps: AdvanceDeps) {
  const { jobs, files } = deps;

  async function insertNodes(tx: Queryable, rows: NodeRow[]): Promise<void> {
    if (!rows.length) return;
    await tx.query(
      `INSERT INTO recipe_node (recipe_id, node_name, fork_index, job_id, sub_recipe_id, outcome, data)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::jsonb[])`,
      [rows.map((x) => x.recipeId), rows.map((x) => x.node), rows.map((x) => x.fork ?? 0), rows.map((x) => x.jobId ?? null), rows.map((x) => x.subRecipeId ?? null),
        rows.map((x) => x.outcome ?? null), rows.map((x) => (x.data === undefined || x.data === null ? null : JSON.stringify(x.data)))],
    );
  }

  /** Applies the plans of many recipes together; returns how many jobs went onto the queue. */
  async function applyAll(ctx: AdvanceContext, items: { r: Row; def: RecipeDefinition; plan: Plan }[], depth: number): Promise<number> {
    const { tx } = ctx;
    const job = (def: RecipeDefinition, node: string) => {
      const t = ctx.types.get(def.nodes.find((n) => n.name === node)!);
      if (!t || t.kind !== 'job') throw new Error(`node ${node} is not a resolved job node`);
      return t;
    };
    const nodeRows: NodeRow[] = [];
    let queued = 0;

    // Jobs whose parents have not finished: created without input.
    for (const status of ['PENDING', 'BLOCKED'] as const) {
      const made = items.flatMap(({ r, def, plan }) => plan.create.filter((c) => c.status === status).map((c) => ({ r, def, node: c.node })));
      const ids = await jobs.insertJobs(tx, made.map(({ r, def, node }) => ({
        ...jobs.waitingRow(job(def, node).jobType, job(def, node).rev, { priority: priorityOf(r), configuration: r.configuration ?? undefined }), recipeId: r.id,
      })), status);
      made.forEach((m, i) => nodeRows.push({ recipeId: m.r.id, node: m.node, jobId: ids[i] }));
    }

    // Jobs whose input is ready: given it and queued. Their files and workspaces are read once for all.
    const queue = items.flatMap(({ r, def, plan }) => plan.queue.map((q) => ({ r, def, q })));
    const judged = items.flatMap(({ r, def, plan }) => plan.judge.map((j) => ({ r, def, j })));
    const known = await files.getMany([...new Set([...queue.flatMap((x) => fileIds(x.q.inputs.values())), ...judged.flatMap((x) => fileIds(x.j.data.values()))])], tx);
    const spaces = new Map<number, Workspace>();
    const lookups = {
      files: async (ids: number[]) => new Map(ids.flatMap((id) => (known.has(id) ? [[id, known.get(id)!] as [number, ScaleFile]] : []))),
      workspaces: async (ids: number[]) => {
        const missing = ids.filter((id) => !spaces.has(id));
        if (missing.length) for (const [id, w] of await deps.workspaces.getMany(missing, tx)) spaces.set(id, w);
        return new Map(ids.flatMap((id) => (spaces.has(id) ? [[id, spaces.get(id)!] as [number, Workspace]] : [])));
      },
    };
    const waiting: { jobId: number; row: JobRow }[] = [];
    const fresh: { recipeId: number; node: string; fork: number; row: JobRow }[] = [];
    const refused: { recipeId: number; def: RecipeDefinition; node: string; fork: number; jobId: number | null; problem: string; config: any }[] = [];
    for (const { r, def, q } of queue) {
      const { jobType, rev } = job(def, q.node);
      try {
        const { row } = await jobs.prepare(
          { jobTypeId: jobType.id, data: jobDataOf(rev.interface, q.inputs, readRecipeData(r.input, def.inputs).workspaceId), configuration: r.configuration ?? undefined, priority: priorityOf(r) },
          jobType, rev, tx, lookups,
        );
        if (q.jobId !== null) waiting.push({ jobId: q.jobId, row });
        else fresh.push({ recipeId: r.id, node: q.node, fork: q.forkIndex, row: { ...row, recipeId: r.id } });
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        refused.push({ recipeId: r.id, def, node: q.node, fork: q.forkIndex, jobId: q.jobId, problem: err.message, config: r.configuration });
      }
    }
    queued += (await jobs.queueWaiting(tx, waiting)).length;
    const freshIds = await jobs.insertJobs(tx, fresh.map((f) => f.row), 'QUEUED');
    queued += freshIds.length;
    fresh.forEach((f, i) => nodeRows.push({ recipeId: f.recipeId, node: f.node, fork: f.fork, jobId: freshIds[i] }));

    // Jobs that cannot be given their input fail with the recipe-input error (a data problem, not retried).
    if (refused.length) {
      const made = refused.filter((x) => x.jobId === null);
      const ids = await jobs.insertJobs(tx, made.map((x) => ({ ...jobs.waitingRow(job(x.def, x.node).jobType, job(x.def, x.node).rev, { configuration: x.config ?? undefined }), recipeId: x.recipeId })), 'PENDING');
      made.forEach((x, i) => nodeRows.push({ recipeId: x.recipeId, node: x.node, fork: x.fork, jobId: ids[i] }));
      await failWaitingJobs(tx, [...refused.flatMap((x) => (x.jobId === null ? [] : [x.jobId])), ...ids], ctx.recipeInputErrorId);
      for (const x of refused) deps.log?.warn('recipe job cannot be given its input', { recipeId: x.recipeId, node: x.node, fork: x.fork, problem: x.problem });
    }

    const block = items.flatMap(({ plan }) => plan.block);
    const unblock = items.flatMap(({ plan }) => plan.unblock);
    await blockJobs(tx, block);
    await unblockJobs(tx, unblock);

    for (const { r, def, j } of judged) {
      const n = def.nodes.find((x) => x.name === j.node)!;
      if (n.type.kind !== 'condition') continue;
      const accepted = acceptsData(n.type.filter, j.data, await lookups.files(fileIds(j.data.values())));
      nodeRows.push({ recipeId: r.id, node: j.node, outcome: accepted ? 'ACCEPTED' : 'REJECTED', data: toV6Data(j.data) });
    }
    for (const { r, plan } of items) {
      for (const node of plan.skip) nodeRows.push({ recipeId: r.id, node, outcome: 'SKIPPED' });
      for (const node of plan.empty) nodeRows.push({ recipeId: r.id, node, outcome: 'EMPTY' });
    }
    await insertNodes(tx, nodeRows);
    await linkNewJobs(tx, nodeRows.flatMap((x) => (x.jobId ? [x.jobId] : [])));

    for (const { r, def, plan } of items) {
      for (const s of plan.subRecipes) {
        const t = ctx.types.get(def.nodes.find((n) => n.name === s.node)!);
        if (!t || t.kind !== 'recipe' || depth >= MAX_DEPTH) throw new Error(`recipe nesting deeper than ${MAX_DEPTH} levels at node ${s.node} of recipe ${r.id}`);
        const size = [...(await files.getMany(fileIds(s.inputs.values()), tx)).values()].reduce((sum, f) => sum + f.fileSize, 0) / (1024 * 1024);
        const inserted = await tx.query(
          `INSERT INTO recipe (recipe_type_id, recipe_type_rev_id, recipe_id, root_recipe_id, input, configuration, input_file_size, batch_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [t.recipeType.id, t.rev.id, r.id, r.root_recipe_id ?? r.id, JSON.stringify(toV6Data(s.inputs)), r.configuration ? JSON.stringify(r.configuration) : null, size,
            r.batch_id ?? null],
        );
        // A sub-recipe's jobs run at its parent's batch priority too.
        inserted.rows[0].batch_priority = r.batch_priority ?? null;
        await insertNodes(tx, [{ recipeId: r.id, node: s.node, subRecipeId: inserted.rows[0].id }]);
        queued += await advance(ctx, [inserted.rows[0]], depth + 1);
      }
    }
    return queued;
  }

  /**
   * Brings the recipes (locked by the caller) and the sub-recipes they start up to date; returns
   * the number of jobs queued.
   */
  async function advance(ctx: AdvanceContext, recipes: Row[], depth = 0): Promise<number> {
    const defOf = (r: Row) => {
      const def = ctx.defs.get(r.recipe_type_rev_id);
      if (!def) throw new Error(`recipe ${r.id}: definition of revision ${r.recipe_type_rev_id} not loaded`);
      return def;
    };
    let pending = recipes;
    let queued = 0;
    for (let pass = 0; pending.length; pass++) {
      if (pass >= MAX_PASSES) throw new Error(`recipes ${pending.map((r) => r.id).join(', ')} did not settle in ${MAX_PASSES} passes`);
      const states = await loadStates(ctx.tx, pending, defOf);
      const planned = pending.map((r) => ({ r, def: defOf(r), plan: planRecipe(defOf(r), states.get(r.id)!) }));
      const finished = planned.filter((p) => p.plan.completed && !p.r.is_completed);
      if (finished.length) {
        await ctx.tx.query(`UPDATE recipe SET is_completed = true, completed = now(), last_modified = now() WHERE id = ANY($1::bigint[])`, [finished.map((p) => p.r.id)]);
        for (const p of finished) p.r.is_completed = true;
        await markForUpdate(ctx.tx, finished.flatMap((p) => (p.r.recipe_id ? [p.r.recipe_id] : [])));
      }
      const active = planned.filter((p) => !isEmptyPlan(p.plan));
      if (!active.length) break;
      queued += await applyAll(ctx, active, depth);
      // Creating and queueing jobs enables nothing more until they end; verdicts, skips and sub-recipes may.
      pending = active.filter((p) => p.plan.judge.length || p.plan.skip.length || p.plan.empty.length || p.plan.subRecipes.length).map((p) => p.r);
    }
    return queued;
  }

  return { advance };
}
