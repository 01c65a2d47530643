// Creating a batch's recipes, in the background and resumably (Scale's create_batch_recipes
// message, and the v5 batch creator job): a few recipes per step, each step recording how far it
// got in the batch row, so a server that stops resumes where it left off. A v6 batch reprocesses
// the recipes of the batch it supersedes (the latest recipe of each one's chain); a v5 batch the
// recipe type's matching recipes, then starts recipes for matching files. A server holds a batch
// while it works on it (creation_claimed, renewed every step) so two servers do not share one.
import type { Db, Row } from '../../store/db.ts';
import { DomainError, Invalid } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { createWakeLoop } from '../wake-loop.ts';
import type { FileService } from '../files/service.ts';
import type { RecipeTypeService } from '../recipe-types/service.ts';
import type { RecipeService } from '../recipes/service.ts';
import { NOTHING_FORCED, type ForcedNodes } from '../recipes/supersede.ts';
import { type RecipeTypeDefinition, readDefinition } from './definition.ts';
import { matchedFiles, matchedRecipes, meetsCondition } from './matching.ts';

const STEP = 25;
/** A hold older than this is a stopped server's: another takes the batch over. */
const HOLD_SECONDS = 60;

interface CreationState {
  phase?: 'recipes' | 'files';
  cursor?: number | null;
}

export type BatchCreator = ReturnType<typeof createBatchCreator>;

export function createBatchCreator(deps: { db: Db; recipes: RecipeService; recipeTypes: RecipeTypeService; files: FileService; log?: Logger }) {
  const { db, recipes } = deps;

  /** Reprocesses one recipe for the batch; false when it could not be (counted as failed). */
  async function reprocess(b: Row, recipeId: number, forced: ForcedNodes, revisionNum: number | null): Promise<boolean> {
    try {
      await recipes.reprocess(recipeId, { forced, revisionNum, batchId: b.id, eventId: b.event_id, evenIfUnchanged: true });
      return true;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // Superseded meanwhile (by another server working on this batch, or a user): nothing to do here.
      if (err.kind === 'conflict') return true;
      deps.log?.warn('batch could not reprocess a recipe', { batchId: b.id, recipeId, err: err.message });
      return false;
    }
  }

  /** v6: the next recipes of the superseded batch; each one's chain is reprocessed from its latest recipe. */
  async function previousBatchStep(b: Row, forced: ForcedNodes | null, state: CreationState): Promise<{ state: CreationState; failed: number } | null> {
    const rows = (await db.query(
      `SELECT id, coalesce(root_superseded_recipe_id, id) AS root FROM recipe
        WHERE batch_id = $1 AND recipe_id IS NULL AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [b.superseded_batch_id, state.cursor ?? null, STEP],
    )).rows;
    const revisionNum = (await deps.recipeTypes.revision(b.recipe_type_rev_id)).revisionNum;
    let failed = 0;
    for (const r of rows) {
      const latest = (await db.query(
        `SELECT id, batch_id FROM recipe WHERE (id = $1 OR root_superseded_recipe_id = $1) AND recipe_id IS NULL AND NOT is_superseded ORDER BY id DESC LIMIT 1`,
        [r.root],
      )).rows[0];
      // Done before a restart (the chain's latest recipe is already this batch's), or nothing left to reprocess.
      if (!latest || latest.batch_id === b.id) continue;
      if (!(await reprocess(b, latest.id, forced ?? NOTHING_FORCED, revisionNum))) failed++;
    }
    if (rows.length < STEP) return null;
    return { state: { cursor: rows[rows.length - 1].id }, failed };
  }

  /** v5: the recipe type's matching recipes, then files for its trigger rule. */
  async function recipeTypeStep(b: Row, d: RecipeTypeDefinition, state: CreationState): Promise<{ state: CreationState; failed: number } | null> {
    let failed = 0;
    if ((state.phase ?? 'recipes') === 'recipes') {
      const w = matchedRecipes(b.recipe_type_id, d, b.id);
      if (state.cursor) w.add('r.id < ?', state.cursor);
      const rows = (await db.query(`SELECT r.id FROM recipe r ${w.sql()} ORDER BY r.id DESC LIMIT ${STEP}`, w.params)).rows;
      const forced: ForcedNodes = d.allJobs ? { all: true, nodes: [], subRecipes: {} } : { all: false, nodes: d.jobNames ?? [], subRecipes: {} };
      for (const r of rows) if (!(await reprocess(b, r.id, forced, null))) failed++;
      if (rows.length === STEP) return { state: { phase: 'recipes', cursor: rows[rows.length - 1].id }, failed };
      if (!d.triggerRule) return null;
      return { state: { phase: 'files', cursor: null }, failed };
    }
    const rule = d.triggerRule!;
    const w = matchedFiles(b.recipe_type_id, d);
    if (state.cursor) w.add('f.id < ?', state.cursor);
    const ids = (await db.query(`SELECT f.id FROM scale_file f ${w.sql()} ORDER BY f.id DESC LIMIT ${STEP}`, w.params)).rows.map((r) => Number(r.id));
    const files = await deps.files.getMany(ids);
    const workspace = (await db.query('SELECT id FROM workspace WHERE name = $1', [rule.workspaceName])).rows[0];
    const rev = await deps.recipeTypes.currentRevision(await deps.recipeTypes.get(b.recipe_type_id));
    const input = rev.definition.inputs.find((i) => i.name === rule.inputName);
    for (const id of ids) {
      const f = files.get(id);
      if (!f || !meetsCondition(rule, f)) continue;
      try {
        if (!workspace) throw new Invalid('trigger_rule.data.workspace_name', `workspace ${rule.workspaceName} does not exist`);
        const ev = await db.query<{ id: number }>(
          `INSERT INTO trigger_event (type, description) VALUES ('BATCH', $1) RETURNING id`,
          [JSON.stringify({ version: '1.0', file_id: f.id, file_name: f.fileName })],
        );
        await recipes.create({
          recipeTypeId: b.recipe_type_id,
          data: { inputs: new Map([[rule.inputName, { kind: input?.kind === 'files' ? 'files' : 'file', fileIds: [f.id] }]]), workspaceId: workspace.id },
          link: { batchId: b.id, eventId: ev.rows[0].id },
        });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        deps.log?.warn('batch could not start a recipe for a file', { batchId: b.id, fileId: id, err: err.message });
        failed++;
      }
    }
    if (ids.length < STEP) return null;
    return { state: { phase: 'files', cursor: ids[ids.length - 1] }, failed };
  }

  /** One step of one batch it holds; false once the batch's recipes are all made. */
  async function step(b: Row): Promise<boolean> {
    const d = readDefinition(b.definition);
    const state = b.creation_state as CreationState;
    const next = d?.kind === 'recipe-type' ? await recipeTypeStep(b, d, state) : d ? await previousBatchStep(b, d.forcedNodes, state) : null;
    const failed = next?.failed ?? 0;
    if (next) {
      await db.query('UPDATE batch SET creation_state = $2, creation_claimed = now(), failed_count = failed_count + $3 WHERE id = $1', [b.id, JSON.stringify(next.state), failed]);
      b.creation_state = next.state;
      return true;
    }
    await db.query(
      'UPDATE batch SET is_creation_done = true, creation_claimed = NULL, failed_count = failed_count + $2, last_modified = now() WHERE id = $1',
      [b.id, failed],
    );
    return false;
  }

  /** Holds a batch still creating recipes, unless another server holds it. */
  async function hold(id: number): Promise<Row | null> {
    const res = await db.query(
      `UPDATE batch SET creation_claimed = now() WHERE id = $1 AND NOT is_creation_done
          AND (creation_claimed IS NULL OR creation_claimed < now() - make_interval(secs => $2)) RETURNING *`,
      [id, HOLD_SECONDS],
    );
    return res.rows[0] ?? null;
  }

  /** Makes the recipes of every batch still creating them that no other server holds; returns how many batches it finished. */
  async function processPending(shouldStop: () => boolean = () => false): Promise<number> {
    const pending = (await db.query<{ id: number }>('SELECT id FROM batch WHERE NOT is_creation_done ORDER BY id')).rows;
    let finished = 0;
    for (const { id } of pending) {
      const b = await hold(id);
      if (!b) continue;
      try {
        let more = true;
        while (more && !shouldStop()) more = await step(b);
        if (!more) finished++;
        // Stopped midway: released at once, so a restarted server need not wait for the hold to expire.
        else await db.query('UPDATE batch SET creation_claimed = NULL WHERE id = $1', [id]);
      } catch (err) {
        deps.log?.error('batch recipe creation failed; it is retried', { batchId: id, err });
        // Released so that the next pass (here or on another server) retries it.
        await db.query('UPDATE batch SET creation_claimed = NULL WHERE id = $1', [id]).catch(() => undefined);
      }
    }
    return finished;
  }

  // The background loop: woken when a batch is made, and polling for batches a stopped server left.
  const loop = createWakeLoop(async (stopped) => {
    await processPending(stopped);
  }, 'batch creator pass', deps.log);

  return {
    processPending,
    wake: loop.wake,
    start: (pollMs = 5000) => loop.start(pollMs),
    stop: loop.stop,
  };
}
