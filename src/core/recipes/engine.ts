// The recipe engine: brings recipes' jobs, sub-recipes and conditions up to date with what has
// happened (instance.ts decides, advance.ts applies). It runs when a recipe is made and whenever a
// recipe_update mark says one of a recipe's jobs ended or came back (a database trigger writes those
// marks in the transaction that moved the job, so no path that ends jobs needs to know about
// recipes). Marked recipes are taken in batches, each in one transaction that locks the batch's
// recipe rows (in id order; cancel and reprocess lock recipes before jobs too), so two engines
// never advance one recipe at once. Job rows are not locked: what the engine acts on is final
// (a COMPLETED parent, a condition's verdict), and a job that changes meanwhile marks its recipe
// again, so the next pass corrects anything decided on an older state (a block, an unblock).
import type { Db } from '../../store/db.ts';
import { pgErrorCode } from '../../store/db.ts';
import type { Logger } from '../../log.ts';
import { createWakeLoop } from '../wake-loop.ts';
import type { ErrorService } from '../errors/service.ts';
import type { CoreEvents } from '../events.ts';
import type { FileService } from '../files/service.ts';
import type { JobTypeService } from '../job-types/service.ts';
import type { JobService } from '../jobs/service.ts';
import type { RecipeTypeService } from '../recipe-types/service.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { createAdvancer, loadStates, markForUpdate } from './advance.ts';
import type { RecipeDefinition } from './definition.ts';
import { type InstanceState, type Plan, planRecipe } from './instance.ts';
import { createNodeTypeResolver } from './node-types.ts';

const RETRY_CODES = new Set(['40P01', '40001']); // deadlock detected, serialization failure
const BATCH = 200;

export type RecipeEngine = ReturnType<typeof createRecipeEngine>;

export function createRecipeEngine(deps: {
  db: Db;
  jobs: JobService;
  jobTypes: JobTypeService;
  recipeTypes: RecipeTypeService;
  files: FileService;
  workspaces: WorkspaceService;
  errors: ErrorService;
  events: CoreEvents;
  log?: Logger;
}) {
  const { db, recipeTypes, events } = deps;
  const resolver = createNodeTypeResolver(deps);
  const advancer = createAdvancer(deps);
  let recipeInputErrorId: number | null = null;

  /**
   * Brings recipes up to date in one transaction; returns the number of jobs queued. `marked`:
   * asked for by marks, which are cleared (only up to what was seen) and passed on to parents.
   */
  async function update(ids: number[], opts: { marked?: boolean } = {}): Promise<number> {
    if (!ids.length) return 0;
    const heads = await db.query<{ id: number; recipe_type_rev_id: number }>('SELECT id, recipe_type_rev_id FROM recipe WHERE id = ANY($1::bigint[])', [ids]);
    const defs = new Map<number, RecipeDefinition>();
    for (const revId of new Set(heads.rows.map((h) => h.recipe_type_rev_id))) defs.set(revId, (await recipeTypes.revision(revId)).definition);
    const types = await resolver.resolve([...defs.values()], defs);
    recipeInputErrorId ??= (await deps.errors.byName('recipe-input')).id;
    const queued = await db.transaction(async (tx) => {
      const seen = await tx.query<{ recipe_id: number; seq: number }>('SELECT recipe_id, seq FROM recipe_update WHERE recipe_id = ANY($1::bigint[])', [ids]);
      // NO KEY UPDATE: the marks a job's end writes refer to the recipe row (a foreign key takes a
      // KEY SHARE lock), and must not wait for an engine that is itself waiting to clear them.
      // batch_priority: a batch's configured priority, which its recipes' new jobs run at (advance.ts).
      const rows = (await tx.query(
        `SELECT r.*, (SELECT (b.configuration->>'priority')::int FROM batch b WHERE b.id = r.batch_id) AS batch_priority
           FROM recipe r WHERE r.id = ANY($1::bigint[]) ORDER BY r.id FOR NO KEY UPDATE`,
        [ids],
      )).rows;
      const live = rows.filter((r) => !r.is_superseded && defs.has(r.recipe_type_rev_id));
      const n = await advancer.advance({ tx, defs, types, recipeInputErrorId: recipeInputErrorId! }, live);
      // A sub-recipe's parent sees its jobs only through it: pass the news up.
      if (opts.marked) await markForUpdate(tx, rows.flatMap((r) => (r.recipe_id ? [r.recipe_id] : [])));
      await tx.query(
        'DELETE FROM recipe_update u USING unnest($1::bigint[], $2::bigint[]) AS s(id, seq) WHERE u.recipe_id = s.id AND u.seq <= s.seq',
        [seen.rows.map((x) => x.recipe_id), seen.rows.map((x) => x.seq)],
      );
      // Marks of recipes that no longer exist would come back forever.
      const gone = ids.filter((id) => !rows.some((r) => r.id === id));
      if (gone.length) await tx.query('DELETE FROM recipe_update WHERE recipe_id = ANY($1::bigint[])', [gone]);
      return n;
    });
    if (queued) events.emit('queued', queued);
    return queued;
  }

  /** The recipe's definition and where each node stands now (read-only, for the details view). */
  async function snapshot(recipeId: number): Promise<{ definition: RecipeDefinition; state: InstanceState; plan: Plan }> {
    const r = (await db.query('SELECT * FROM recipe WHERE id = $1', [recipeId])).rows[0];
    const rev = await recipeTypes.revision(r.recipe_type_rev_id);
    const state = (await loadStates(db, [r], () => rev.definition)).get(r.id)!;
    return { definition: rev.definition, state, plan: planRecipe(rev.definition, state) };
  }

  // ---- the background loop ----
  const backoff = new Map<number, number>(); // recipe id → time before which it is not retried

  async function updateWithRetry(ids: number[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await update(ids, { marked: true });
        for (const id of ids) backoff.delete(id);
        return;
      } catch (err) {
        if (RETRY_CODES.has(pgErrorCode(err) ?? '') && attempt < 3) continue;
        // One bad recipe must not hold up the rest: retry the batch one by one, then back off.
        if (ids.length > 1) {
          for (const id of ids) await updateWithRetry([id]);
          return;
        }
        deps.log?.error('recipe update failed', { recipeId: ids[0], err });
        backoff.set(ids[0], Date.now() + 30_000);
        return;
      }
    }
  }

  /** Brings marked recipes up to date, a batch per transaction; returns how many were looked at. */
  async function processMarked(limit = BATCH): Promise<number> {
    const res = await db.query<{ recipe_id: number }>('SELECT recipe_id FROM recipe_update ORDER BY seq LIMIT $1', [limit]);
    const now = Date.now();
    const due = res.rows.map((x) => x.recipe_id).filter((id) => (backoff.get(id) ?? 0) <= now);
    if (due.length) await updateWithRetry(due);
    return due.length;
  }

  const loop = createWakeLoop(async (stopped) => {
    while (!stopped() && (await processMarked()) > 0);
  }, 'recipe engine pass', deps.log);
  const wake = loop.wake;

  const onEvent = () => wake();
  // New jobs outside recipes, and ends that moved no recipe's job, mark no recipe: no pass for them.
  const onQueued = (_count: number, about?: { newJobs?: boolean }) => {
    if (!about?.newJobs) wake();
  };
  const onEnded = (_ids: number[], about?: { recipes: boolean }) => {
    if (about?.recipes !== false) wake();
  };

  return {
    update,
    snapshot,
    processMarked,
    wake,
    /** Runs in the background: woken by job events in this process, and polling for other processes' marks. */
    start(pollMs = 1000): void {
      if (!loop.stopped()) return;
      events.on('ended', onEnded);
      events.on('canceled', onEvent);
      events.on('queued', onQueued);
      loop.start(pollMs);
    },
    async stop(): Promise<void> {
      events.off('ended', onEnded);
      events.off('canceled', onEvent);
      events.off('queued', onQueued);
      await loop.stop();
    },
  };
}
