// The recipe engine: brings a recipe's jobs, sub-recipes and conditions up to date with what has
// happened (instance.ts decides, this applies). It runs when a recipe is made and whenever a
// recipe_update mark says one of its jobs ended or came back (a database trigger writes those marks
// in the transaction that moved the job, so no path that ends jobs needs to know about recipes).
// Each recipe is brought up to date in one transaction that first locks the recipe's jobs, in id
// order as every other job writer does, so concurrent engines and finishers serialise per recipe.
import type { Db, Queryable, Row } from '../../store/db.ts';
import { pgErrorCode } from '../../store/db.ts';
import type { Logger } from '../../log.ts';
import { Invalid } from '../domain-errors.ts';
import type { ErrorService } from '../errors/service.ts';
import type { CoreEvents } from '../events.ts';
import type { FileService } from '../files/service.ts';
import type { JobInterface } from '../job-types/model.ts';
import type { JobType, JobTypeService, Revision } from '../job-types/service.ts';
import type { InputValue } from '../jobs/job-data.ts';
import type { JobRow, JobService } from '../jobs/service.ts';
import type { RecipeType, RecipeTypeRevision, RecipeTypeService } from '../recipe-types/service.ts';
import { acceptsData } from './data-filter.ts';
import type { NodeDefinition, RecipeDefinition } from './definition.ts';
import { EMPTY_RECORD, type InstanceState, type NodeRecord, type Plan, isEmptyPlan, planRecipe } from './instance.ts';
import { readRecipeData, toV6Data } from './recipe-data.ts';

/** The types a definition's nodes run, resolved before a transaction opens (PGlite has one session). */
type NodeTypes = Map<NodeDefinition, { kind: 'job'; jobType: JobType; rev: Revision } | { kind: 'recipe'; recipeType: RecipeType; rev: RecipeTypeRevision; types: NodeTypes }>;

const MAX_PASSES = 50;
const MAX_DEPTH = 10;
const RETRY_CODES = new Set(['40P01', '40001']); // deadlock detected, serialization failure

export type RecipeEngine = ReturnType<typeof createRecipeEngine>;

export function createRecipeEngine(deps: {
  db: Db;
  jobs: JobService;
  jobTypes: JobTypeService;
  recipeTypes: RecipeTypeService;
  files: FileService;
  errors: ErrorService;
  events: CoreEvents;
  log?: Logger;
}) {
  const { db, jobs, jobTypes, recipeTypes, files, errors, events } = deps;
  let recipeInputErrorId: number | null = null;
  // Revisions never change: cached by type id and number.
  const jobRevisions = new Map<string, Revision>();
  const recipeRevisions = new Map<string, RecipeTypeRevision>();

  async function typesFor(def: RecipeDefinition, depth = 0): Promise<NodeTypes> {
    const types: NodeTypes = new Map();
    for (const n of def.nodes) {
      const t = n.type;
      if (t.kind === 'job') {
        const jobType = await jobTypes.byNameVersion(t.jobTypeName, t.jobTypeVersion);
        if (!jobType) throw new Error(`job type ${t.jobTypeName} ${t.jobTypeVersion} of node ${n.name} no longer exists`);
        const num = t.jobTypeRevision ?? jobType.revisionNum;
        const key = `${jobType.id}:${num}`;
        let rev = jobRevisions.get(key);
        if (!rev) {
          rev = (await jobTypes.revisionByNum(jobType.id, num)) ?? undefined;
          if (!rev) throw new Error(`job type ${t.jobTypeName} ${t.jobTypeVersion} has no revision ${num}`);
          jobRevisions.set(key, rev);
        }
        types.set(n, { kind: 'job', jobType, rev });
      } else if (t.kind === 'recipe' && depth < MAX_DEPTH) {
        const recipeType = await recipeTypes.byName(t.recipeTypeName);
        if (!recipeType) throw new Error(`recipe type ${t.recipeTypeName} of node ${n.name} no longer exists`);
        const num = t.recipeTypeRevision ?? recipeType.revisionNum;
        const key = `${recipeType.id}:${num}`;
        let rev = recipeRevisions.get(key);
        if (!rev) {
          rev = (await recipeTypes.revisionByNum(recipeType.id, num)) ?? undefined;
          if (!rev) throw new Error(`recipe type ${t.recipeTypeName} has no revision ${num}`);
          recipeRevisions.set(key, rev);
        }
        types.set(n, { kind: 'recipe', recipeType, rev, types: await typesFor(rev.definition, depth + 1) });
      }
    }
    return types;
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

  async function loadState(tx: Queryable, r: Row, def: RecipeDefinition): Promise<InstanceState> {
    const res = await tx.query(
      `SELECT rn.node_name, rn.fork_index, rn.job_id, rn.sub_recipe_id, rn.outcome, rn.data, j.status, j.output, s.is_completed AS sub_completed
         FROM recipe_node rn LEFT JOIN job j ON j.id = rn.job_id LEFT JOIN recipe s ON s.id = rn.sub_recipe_id
        WHERE rn.recipe_id = $1`,
      [r.id],
    );
    const open = res.rows.filter((x) => x.sub_recipe_id && !x.sub_completed).map((x) => x.sub_recipe_id);
    const failedSubs = new Set<number>();
    if (open.length) {
      const f = await tx.query(
        `WITH RECURSIVE tree(top, id) AS (
           SELECT id, id FROM recipe WHERE id = ANY($1::bigint[])
           UNION ALL SELECT t.top, rn.sub_recipe_id FROM tree t JOIN recipe_node rn ON rn.recipe_id = t.id WHERE rn.sub_recipe_id IS NOT NULL)
         SELECT DISTINCT t.top FROM tree t JOIN recipe_node rn ON rn.recipe_id = t.id JOIN job j ON j.id = rn.job_id
          WHERE j.status IN ('FAILED', 'CANCELED')`,
        [open],
      );
      for (const x of f.rows) failedSubs.add(x.top);
    }
    const conditionInputs = new Map(def.nodes.flatMap((n) => (n.type.kind === 'condition' ? [[n.name, n.type.inputs] as const] : [])));
    const nodes = new Map<string, NodeRecord>();
    for (const x of res.rows) {
      const rec = nodes.get(x.node_name) ?? { jobs: [], subRecipe: null, outcome: null, data: null };
      if (x.job_id) rec.jobs.push({ forkIndex: x.fork_index, jobId: x.job_id, status: x.status, outputs: outputsOf(x.output) });
      if (x.sub_recipe_id) rec.subRecipe = { id: x.sub_recipe_id, state: x.sub_completed ? 'COMPLETED' : failedSubs.has(x.sub_recipe_id) ? 'FAILED' : 'ACTIVE' };
      if (x.outcome) rec.outcome = x.outcome;
      if (x.data) rec.data = readRecipeData(x.data, conditionInputs.get(x.node_name) ?? []).inputs;
      nodes.set(x.node_name, rec);
    }
    return { inputs: readRecipeData(r.input, def.inputs).inputs, nodes, frozen: r.is_canceled || r.is_superseded };
  }

  /** Job data 1.0 for a job of the recipe: its inputs from the plan, its outputs to the recipe's workspace. */
  function jobData(iface: JobInterface, inputs: Map<string, InputValue>, workspaceId: number | null): Record<string, unknown> {
    const inputData: Record<string, unknown>[] = [];
    for (const i of iface.inputs) {
      const v = inputs.get(i.name);
      if (!v) continue;
      if (v.kind === 'json' || v.kind === 'property') {
        // Job data 1.0 carries values as text: JSON text unless the input takes a string.
        inputData.push({ name: i.name, value: typeof v.value === 'string' && (i.kind === 'property' || i.jsonType === 'string') ? v.value : JSON.stringify(v.value) });
      } else {
        inputData.push(i.kind === 'file' && v.fileIds.length === 1 ? { name: i.name, file_id: v.fileIds[0] } : { name: i.name, file_ids: v.fileIds });
      }
    }
    const outputData = workspaceId === null ? [] : iface.outputs.filter((o) => o.kind !== 'json').map((o) => ({ name: o.name, workspace_id: workspaceId }));
    return { version: '1.0', input_data: inputData, output_data: outputData };
  }

  async function insertNodes(tx: Queryable, recipeId: number, rows: { node: string; fork?: number; jobId?: number | null; subRecipeId?: number | null; outcome?: string | null; data?: unknown }[]): Promise<void> {
    if (!rows.length) return;
    await tx.query(
      `INSERT INTO recipe_node (recipe_id, node_name, fork_index, job_id, sub_recipe_id, outcome, data)
       SELECT $1, n, f, j, s, o, d FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::jsonb[]) AS u(n, f, j, s, o, d)`,
      [recipeId, rows.map((x) => x.node), rows.map((x) => x.fork ?? 0), rows.map((x) => x.jobId ?? null), rows.map((x) => x.subRecipeId ?? null),
        rows.map((x) => x.outcome ?? null), rows.map((x) => (x.data === undefined || x.data === null ? null : JSON.stringify(x.data)))],
    );
  }

  /** Applies a plan; returns how many jobs went onto the queue. */
  async function apply(tx: Queryable, r: Row, def: RecipeDefinition, types: NodeTypes, plan: Plan, depth: number): Promise<number> {
    const byName = new Map(def.nodes.map((n) => [n.name, n]));
    const jobOf = (node: string) => {
      const t = types.get(byName.get(node)!);
      if (!t || t.kind !== 'job') throw new Error(`node ${node} of recipe ${r.id} is not a resolved job node`);
      return t;
    };
    const config = r.configuration ?? undefined;
    const priority = config?.priority;
    let queued = 0;

    for (const status of ['PENDING', 'BLOCKED'] as const) {
      const items = plan.create.filter((c) => c.status === status);
      const ids = await jobs.insertJobs(tx, items.map((c) => jobs.waitingRow(jobOf(c.node).jobType, jobOf(c.node).rev, { priority, configuration: config })), status, r.id);
      await insertNodes(tx, r.id, items.map((c, i) => ({ node: c.node, jobId: ids[i] })));
    }

    const waiting: { jobId: number; row: JobRow }[] = [];
    const fresh: { node: string; fork: number; row: JobRow }[] = [];
    const refused: { node: string; fork: number; jobId: number | null; problem: string }[] = [];
    const workspaceId = readRecipeData(r.input, def.inputs).workspaceId;
    for (const q of plan.queue) {
      const { jobType, rev } = jobOf(q.node);
      try {
        const { row } = await jobs.prepare(
          { jobTypeId: jobType.id, data: jobData(rev.interface, q.inputs, workspaceId), configuration: config, priority },
          jobType, rev, `recipe ${r.id} node ${q.node}`, tx,
        );
        if (q.jobId !== null) waiting.push({ jobId: q.jobId, row });
        else fresh.push({ node: q.node, fork: q.forkIndex, row });
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        refused.push({ node: q.node, fork: q.forkIndex, jobId: q.jobId, problem: err.message });
      }
    }
    queued += (await jobs.queueWaiting(tx, waiting)).length;
    const freshIds = await jobs.insertJobs(tx, fresh.map((f) => f.row), 'QUEUED', r.id);
    queued += freshIds.length;
    await insertNodes(tx, r.id, fresh.map((f, i) => ({ node: f.node, fork: f.fork, jobId: freshIds[i] })));
    if (refused.length) await refuse(tx, r, refused, jobOf, config);

    if (plan.block.length) await tx.query(`UPDATE job SET status = 'BLOCKED', last_status_change = now(), last_modified = now() WHERE id = ANY($1::bigint[]) AND status = 'PENDING'`, [plan.block]);
    if (plan.unblock.length) await tx.query(`UPDATE job SET status = 'PENDING', last_status_change = now(), last_modified = now() WHERE id = ANY($1::bigint[]) AND status = 'BLOCKED'`, [plan.unblock]);

    const verdicts = [];
    for (const j of plan.judge) {
      const n = byName.get(j.node)!;
      if (n.type.kind !== 'condition') continue;
      const ids = [...j.data.values()].flatMap((v) => (v.kind === 'file' || v.kind === 'files' ? v.fileIds : []));
      const accepted = acceptsData(n.type.filter, j.data, await files.getMany(ids, tx));
      verdicts.push({ node: j.node, outcome: accepted ? 'ACCEPTED' : 'REJECTED', data: toV6Data(j.data) });
    }
    await insertNodes(tx, r.id, [...verdicts, ...plan.skip.map((node) => ({ node, outcome: 'SKIPPED' })), ...plan.empty.map((node) => ({ node, outcome: 'EMPTY' }))]);

    for (const s of plan.subRecipes) {
      const t = types.get(byName.get(s.node)!);
      if (!t || t.kind !== 'recipe') throw new Error(`recipe nesting deeper than ${MAX_DEPTH} levels at node ${s.node} of recipe ${r.id}`);
      const ids = [...s.inputs.values()].flatMap((v) => (v.kind === 'file' || v.kind === 'files' ? v.fileIds : []));
      const size = [...(await files.getMany(ids, tx)).values()].reduce((sum, f) => sum + f.fileSize, 0) / (1024 * 1024);
      const inserted = await tx.query(
        `INSERT INTO recipe (recipe_type_id, recipe_type_rev_id, recipe_id, root_recipe_id, input, configuration, input_file_size)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [t.recipeType.id, t.rev.id, r.id, r.root_recipe_id ?? r.id, JSON.stringify(toV6Data(s.inputs)), r.configuration ? JSON.stringify(r.configuration) : null, size],
      );
      await insertNodes(tx, r.id, [{ node: s.node, subRecipeId: inserted.rows[0].id }]);
      queued += await bringUpToDate(tx, inserted.rows[0], t.rev.definition, t.types, depth + 1);
    }
    return queued;
  }

  /** Jobs that cannot be given their input fail with the recipe-input error (a data problem, not retried). */
  async function refuse(tx: Queryable, r: Row, refused: { node: string; fork: number; jobId: number | null; problem: string }[], jobOf: (node: string) => { jobType: JobType; rev: Revision }, config: any) {
    const newOnes = refused.filter((x) => x.jobId === null);
    const ids = await jobs.insertJobs(tx, newOnes.map((x) => jobs.waitingRow(jobOf(x.node).jobType, jobOf(x.node).rev, { configuration: config })), 'PENDING', r.id);
    await insertNodes(tx, r.id, newOnes.map((x, i) => ({ node: x.node, fork: x.fork, jobId: ids[i] })));
    const all = [...refused.filter((x) => x.jobId !== null).map((x) => x.jobId!), ...ids];
    await tx.query(
      `UPDATE job SET status = 'FAILED', error_id = $2, ended = now(), last_status_change = now(), last_modified = now() WHERE id = ANY($1::bigint[])`,
      [all, recipeInputErrorId],
    );
    for (const x of refused) deps.log?.warn('recipe job cannot be given its input', { recipeId: r.id, node: x.node, fork: x.fork, problem: x.problem });
  }

  /**
   * Brings one recipe (and the sub-recipes it creates) up to date inside `tx`; returns the number
   * of jobs queued. The caller holds the recipe's locks.
   */
  async function bringUpToDate(tx: Queryable, r: Row, def: RecipeDefinition, types: NodeTypes, depth: number): Promise<number> {
    let queued = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const plan = planRecipe(def, await loadState(tx, r, def));
      if (plan.completed && !r.is_completed) {
        await tx.query(`UPDATE recipe SET is_completed = true, completed = now(), last_modified = now() WHERE id = $1`, [r.id]);
        r.is_completed = true;
        if (r.recipe_id) await mark(tx, r.recipe_id);
      }
      if (isEmptyPlan(plan)) return queued;
      queued += await apply(tx, r, def, types, plan, depth);
    }
    throw new Error(`recipe ${r.id} did not settle in ${MAX_PASSES} passes`);
  }

  async function mark(tx: Queryable, recipeId: number): Promise<void> {
    await tx.query(`INSERT INTO recipe_update (recipe_id, seq) VALUES ($1, nextval('recipe_update_seq')) ON CONFLICT (recipe_id) DO UPDATE SET seq = EXCLUDED.seq`, [recipeId]);
  }

  /**
   * Brings a recipe up to date in its own transaction. `marked`: it was asked for by a mark, which
   * is cleared (only up to what was seen) and passed on to the parent recipe.
   */
  async function update(recipeId: number, opts: { marked?: boolean } = {}): Promise<number> {
    const head = await db.query('SELECT recipe_type_rev_id FROM recipe WHERE id = $1', [recipeId]);
    if (!head.rows[0]) {
      await db.query('DELETE FROM recipe_update WHERE recipe_id = $1', [recipeId]);
      return 0;
    }
    const rev = await recipeTypes.revision(head.rows[0].recipe_type_rev_id);
    const types = await typesFor(rev.definition);
    recipeInputErrorId ??= (await errors.byName('recipe-input')).id;
    const queued = await db.transaction(async (tx) => {
      const seen = (await tx.query('SELECT seq FROM recipe_update WHERE recipe_id = $1', [recipeId])).rows[0]?.seq ?? 0;
      await tx.query('SELECT id FROM job WHERE id IN (SELECT job_id FROM recipe_node WHERE recipe_id = $1 AND job_id IS NOT NULL) ORDER BY id FOR UPDATE', [recipeId]);
      const r = (await tx.query('SELECT * FROM recipe WHERE id = $1 FOR UPDATE', [recipeId])).rows[0];
      const n = r.is_superseded ? 0 : await bringUpToDate(tx, r, rev.definition, types, 0);
      // A sub-recipe's parent sees its jobs only through it: pass the news up.
      if (opts.marked && r.recipe_id) await mark(tx, r.recipe_id);
      await tx.query('DELETE FROM recipe_update WHERE recipe_id = $1 AND seq <= $2', [recipeId, seen]);
      return n;
    });
    if (queued) events.emit('queued', queued);
    return queued;
  }

  /** The recipe's definition and where each node stands now (read-only, for the details view). */
  async function snapshot(recipeId: number): Promise<{ definition: RecipeDefinition; state: InstanceState; plan: Plan }> {
    const r = (await db.query('SELECT * FROM recipe WHERE id = $1', [recipeId])).rows[0];
    const rev = await recipeTypes.revision(r.recipe_type_rev_id);
    const state = await loadState(db, r, rev.definition);
    return { definition: rev.definition, state, plan: planRecipe(rev.definition, state) };
  }

  // ---- the background loop ----
  let stopped = true;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  const backoff = new Map<number, number>(); // recipe id → time before which it is not retried

  async function updateWithRetry(id: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await update(id, { marked: true });
        backoff.delete(id);
        return;
      } catch (err) {
        if (RETRY_CODES.has(pgErrorCode(err) ?? '') && attempt < 3) continue;
        deps.log?.error('recipe update failed', { recipeId: id, err });
        backoff.set(id, Date.now() + 30_000);
        return;
      }
    }
  }

  /** Brings every marked recipe up to date; returns how many were looked at. */
  async function processMarked(limit = 500): Promise<number> {
    const res = await db.query<{ recipe_id: number }>('SELECT recipe_id FROM recipe_update ORDER BY seq LIMIT $1', [limit]);
    const now = Date.now();
    const due = res.rows.map((x) => x.recipe_id).filter((id) => (backoff.get(id) ?? 0) <= now);
    for (const id of due) await updateWithRetry(id);
    return due.length;
  }

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        do {
          again = false;
          while (!stopped && (await processMarked()) > 0);
        } while (again && !stopped);
      } catch (err) {
        deps.log?.error('recipe engine pass failed', { err });
      } finally {
        running = null;
      }
    })();
  }

  const onEvent = () => wake();

  return {
    update,
    snapshot,
    processMarked,
    wake,
    /** Runs in the background: woken by job events in this process, and polling for other processes' marks. */
    start(pollMs = 1000): void {
      if (!stopped) return;
      stopped = false;
      events.on('ended', onEvent);
      events.on('canceled', onEvent);
      events.on('queued', onEvent);
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    async stop(): Promise<void> {
      stopped = true;
      events.off('ended', onEvent);
      events.off('canceled', onEvent);
      events.off('queued', onEvent);
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
