// What a reprocess means for jobs (Scale's supersede_recipe_nodes and create_jobs): the old recipe's
// jobs that are run again are superseded at once, and each new job names the job it replaces and
// the batch its recipe belongs to. Both run inside the caller's transaction.
import type { Queryable } from '../../store/db.ts';

/**
 * Supersedes the jobs of an old recipe that the new one does not take over: those at nodes outside
 * `keep` (the nodes copied, and sub-recipes reprocessed on their own), and every job of the
 * sub-recipes under such nodes, which run again from scratch.
 */
export async function supersedeJobs(tx: Queryable, oldRecipeId: number, keep: string[]): Promise<void> {
  await tx.query(
    `WITH RECURSIVE below(id) AS (
       SELECT sub_recipe_id FROM recipe_node WHERE recipe_id = $1 AND sub_recipe_id IS NOT NULL AND node_name <> ALL($2::text[])
       UNION ALL SELECT rn.sub_recipe_id FROM below b JOIN recipe_node rn ON rn.recipe_id = b.id WHERE rn.sub_recipe_id IS NOT NULL)
     UPDATE job SET is_superseded = true, superseded = now(), last_modified = now()
      WHERE NOT is_superseded AND id IN (
        SELECT job_id FROM recipe_node WHERE recipe_id = $1 AND job_id IS NOT NULL AND node_name <> ALL($2::text[])
        UNION SELECT rn.job_id FROM below b JOIN recipe_node rn ON rn.recipe_id = b.id WHERE rn.job_id IS NOT NULL)`,
    [oldRecipeId, keep],
  );
}

/**
 * Links jobs just made for recipe nodes: to their recipe's batch, and to the job at the same node
 * (and fork) of the recipe it superseded. Jobs of recipes with neither are left as they are.
 */
export async function linkNewJobs(tx: Queryable, jobIds: number[]): Promise<void> {
  if (!jobIds.length) return;
  await tx.query(
    `UPDATE job j SET batch_id = r.batch_id, superseded_job_id = o.job_id,
            root_superseded_job_id = CASE WHEN o.job_id IS NULL THEN NULL ELSE coalesce(oj.root_superseded_job_id, oj.id) END
       FROM recipe_node rn JOIN recipe r ON r.id = rn.recipe_id
       LEFT JOIN recipe_node o ON o.recipe_id = r.superseded_recipe_id AND o.node_name = rn.node_name AND o.fork_index = rn.fork_index AND o.job_id IS NOT NULL
       LEFT JOIN job oj ON oj.id = o.job_id
      WHERE rn.job_id = j.id AND rn.is_original AND j.id = ANY($1::bigint[])
        AND (r.batch_id IS NOT NULL OR r.superseded_recipe_id IS NOT NULL)`,
    [jobIds],
  );
}
