// Purging a source file (Scale 6.0.0's POST /v6/files/purge-source/, done there by the
// purge_source_file, purge_recipe, purge_jobs and delete_files messages): the records of the file
// and of everything made from it are removed, and the products are deleted from their workspaces.
// What goes:
//   - the jobs that took the file, or a product made from it, as input (its lineage downstream);
//   - every recipe one of those jobs belongs to, or whose input names the file, with the rest of
//     its tree (parent, sub-recipes) and its reprocessing chain (the recipes it superseded and those
//     that superseded it), and all their jobs;
//   - those jobs' executions, queue rows, recipe nodes and runs, and their products (the files
//     deleted from their workspaces first, then the records);
//   - the file's ingest records and the file's record. As in Scale, the source file itself stays in
//     its workspace: only its record goes.
// Scale does this in messages, a job at a time; here it is one request: jobs not yet ended are
// canceled first, and while any of their executions is still stopping the purge is refused (409,
// try again), so nothing is removed under a running command.
import type { Db } from '../../store/db.ts';
import { Conflict, Invalid } from '../../errors.ts';
import type { CoreEvents } from '../events.ts';
import { EXE } from '../jobs/model.ts';
import { cancelJobs } from '../jobs/transitions.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import type { Lineage } from './lineage.ts';

export interface PurgeResult {
  jobs: number;
  recipes: number;
  products: number;
  ingests: number;
}

export type Purger = ReturnType<typeof createPurger>;

export function createPurger(deps: { db: Db; lineage: Lineage; workspaces: WorkspaceService; events: CoreEvents }) {
  const { db, workspaces } = deps;

  /** The recipes and jobs made from the file (see above). */
  async function scopeOf(fileId: number): Promise<{ jobIds: number[]; recipeIds: number[] }> {
    const { jobIds: consumers } = await deps.lineage.downstream(fileId);
    const recipes = await db.query<{ id: string }>(
      `WITH RECURSIVE seed(id) AS (
         SELECT recipe_id FROM recipe_node WHERE job_id = ANY($1::bigint[])
         UNION SELECT recipe_id FROM job WHERE id = ANY($1::bigint[]) AND recipe_id IS NOT NULL
         UNION SELECT id FROM recipe WHERE scale_job_input_file_ids(input) @> ARRAY[$2::bigint]
       ),
       tree(id) AS (
         SELECT id FROM seed
         UNION
         -- From each recipe: itself, its sub-recipes and the recipes that superseded it, and from
         -- each of those its parent and the recipe it superseded.
         SELECT x.id FROM tree t
           JOIN recipe r ON r.id = t.id OR r.recipe_id = t.id OR r.superseded_recipe_id = t.id
           CROSS JOIN LATERAL (VALUES (r.id), (r.recipe_id), (r.superseded_recipe_id)) AS x(id)
          WHERE x.id IS NOT NULL
       )
       SELECT id FROM tree ORDER BY id`,
      [consumers, fileId],
    );
    const recipeIds = recipes.rows.map((r) => Number(r.id));
    const jobs = await db.query<{ id: string }>(
      `SELECT id FROM job WHERE id = ANY($1::bigint[]) OR recipe_id = ANY($2::bigint[])
       UNION SELECT job_id FROM recipe_node WHERE recipe_id = ANY($2::bigint[]) AND job_id IS NOT NULL ORDER BY 1`,
      [consumers, recipeIds],
    );
    return { jobIds: jobs.rows.map((r) => Number(r.id)), recipeIds };
  }

  return {
    /** Purges a SOURCE file and what was made from it; Invalid (as Scale's 400) when it is no source file. */
    async purgeSource(fileId: number): Promise<PurgeResult> {
      const file = (await db.query<{ file_type: string }>('SELECT file_type FROM scale_file WHERE id = $1', [fileId])).rows[0];
      if (!file) throw new Invalid('file_id', `no file record exists for the given file_id: ${fileId}`);
      if (file.file_type !== 'SOURCE') throw new Invalid('file_id', `the given file_id does not correspond to a SOURCE file_type: ${fileId}`);
      const { jobIds, recipeIds } = await scopeOf(fileId);

      const canceled = await db.transaction((tx) => cancelJobs(tx, jobIds, 'unfinished'));
      if (canceled.length) deps.events.emit('canceled', canceled);
      const stopping = await db.query<{ job_id: string }>('SELECT DISTINCT job_id FROM job_exe WHERE job_id = ANY($1::bigint[]) AND status = $2 ORDER BY 1', [jobIds, EXE.RUNNING]);
      if (stopping.rows.length) {
        throw new Conflict(`jobs made from file ${fileId} were still running (${stopping.rows.map((r) => r.job_id).join(', ')}); they are canceled: purge again once they have stopped`);
      }

      // The products' files first: a failure leaves every record, so the purge can be asked again.
      const products = await db.query<{ id: string; workspace_id: number; file_path: string }>(
        'SELECT id, workspace_id, file_path FROM scale_file WHERE job_id = ANY($1::bigint[]) AND NOT is_deleted',
        [jobIds],
      );
      for (const p of products.rows) await workspaces.broker(await workspaces.get(p.workspace_id)).delete(p.file_path);

      return db.transaction(async (tx) => {
        const J = [jobIds];
        const R = [recipeIds];
        await tx.query('DELETE FROM queue WHERE job_id = ANY($1::bigint[])', J);
        // Jobs and recipes left behind no longer point at what goes.
        await tx.query('UPDATE job SET superseded_job_id = NULL WHERE superseded_job_id = ANY($1::bigint[]) AND NOT id = ANY($1::bigint[])', J);
        await tx.query('UPDATE job SET root_superseded_job_id = NULL WHERE root_superseded_job_id = ANY($1::bigint[]) AND NOT id = ANY($1::bigint[])', J);
        const removedProducts = await tx.query('DELETE FROM scale_file WHERE job_id = ANY($1::bigint[]) RETURNING id', J);
        await tx.query('DELETE FROM run WHERE job_id = ANY($1::bigint[]) OR recipe_id = ANY($2::bigint[])', [jobIds, recipeIds]);
        await tx.query('DELETE FROM recipe_update WHERE recipe_id = ANY($1::bigint[])', R);
        await tx.query('DELETE FROM recipe_node WHERE recipe_id = ANY($1::bigint[]) OR sub_recipe_id = ANY($1::bigint[]) OR job_id = ANY($2::bigint[])', [recipeIds, jobIds]);
        await tx.query('DELETE FROM job_exe WHERE job_id = ANY($1::bigint[])', J);
        await tx.query('DELETE FROM job WHERE id = ANY($1::bigint[])', J);
        for (const col of ['recipe_id', 'root_recipe_id', 'superseded_recipe_id', 'root_superseded_recipe_id']) {
          await tx.query(`UPDATE recipe SET ${col} = NULL WHERE ${col} = ANY($1::bigint[]) AND NOT id = ANY($1::bigint[])`, R);
        }
        await tx.query('DELETE FROM recipe WHERE id = ANY($1::bigint[])', R);
        const ingests = await tx.query('DELETE FROM ingest WHERE source_file_id = $1 RETURNING id', [fileId]);
        await tx.query('DELETE FROM scale_file WHERE id = $1', [fileId]);
        return { jobs: jobIds.length, recipes: recipeIds.length, products: removedProducts.rows.length, ingests: ingests.rows.length };
      });
    },
  };
}
