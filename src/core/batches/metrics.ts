// Where batches stand, read from their recipes and jobs when asked (Scale kept these counts in the
// batch rows and refreshed them by message; reading them live needs no refresh to be missed).
// Totals cover the batch's recipes and all their sub-recipes (batch_recipe_tree, migration 025), as
// Scale's batch counts sum its recipes' counters; per job name, only the batch's own recipes' nodes,
// as Scale's update_batch_metrics_per_job counts them.
import type { Queryable } from '../../store/db.ts';
import { type BatchMetrics, type Durations, type JobCounts, type JobNameMetrics, NO_METRICS } from './model.ts';

const COUNT_SQL = `count(j.id) AS jobs_total,
  count(j.id) FILTER (WHERE j.status = 'PENDING') AS jobs_pending, count(j.id) FILTER (WHERE j.status = 'BLOCKED') AS jobs_blocked,
  count(j.id) FILTER (WHERE j.status = 'QUEUED') AS jobs_queued, count(j.id) FILTER (WHERE j.status = 'RUNNING') AS jobs_running,
  count(j.id) FILTER (WHERE j.status = 'FAILED') AS jobs_failed, count(j.id) FILTER (WHERE j.status = 'COMPLETED') AS jobs_completed,
  count(j.id) FILTER (WHERE j.status = 'CANCELED') AS jobs_canceled`;

/**
 * The metrics of batch `b` as SQL columns (a LATERAL join on `batch b`), for lists ordered by them.
 * Column names are the API's (jobs_total, recipes_completed, ...).
 */
export const METRICS_JOIN = `
  CROSS JOIN LATERAL (SELECT ${COUNT_SQL} FROM batch_recipe_tree(b.id) t JOIN recipe_node rn ON rn.recipe_id = t.recipe_id JOIN job j ON j.id = rn.job_id) jm
  CROSS JOIN LATERAL (SELECT count(*) AS recipes_total, count(*) FILTER (WHERE r.is_completed) AS recipes_completed
                        FROM batch_recipe_tree(b.id) t JOIN recipe r ON r.id = t.recipe_id) rm`;

const counts = (r: Record<string, unknown>): JobCounts => ({
  jobsTotal: Number(r.jobs_total), jobsPending: Number(r.jobs_pending), jobsBlocked: Number(r.jobs_blocked), jobsQueued: Number(r.jobs_queued),
  jobsRunning: Number(r.jobs_running), jobsFailed: Number(r.jobs_failed), jobsCompleted: Number(r.jobs_completed), jobsCanceled: Number(r.jobs_canceled),
});

/** Metrics of many batches in two queries. */
export async function batchMetrics(q: Queryable, ids: number[]): Promise<Map<number, BatchMetrics>> {
  const out = new Map<number, BatchMetrics>(ids.map((id) => [id, NO_METRICS]));
  if (!ids.length) return out;
  const [jobs, recipes] = await Promise.all([
    q.query(`SELECT b.id, ${COUNT_SQL} FROM unnest($1::int[]) AS b(id) CROSS JOIN LATERAL batch_recipe_tree(b.id) t
               JOIN recipe_node rn ON rn.recipe_id = t.recipe_id JOIN job j ON j.id = rn.job_id GROUP BY b.id`, [ids]),
    q.query(`SELECT b.id, count(*) AS total, count(*) FILTER (WHERE r.is_completed) AS completed, count(*) FILTER (WHERE t.is_top) AS created
               FROM unnest($1::int[]) AS b(id) CROSS JOIN LATERAL batch_recipe_tree(b.id) t JOIN recipe r ON r.id = t.recipe_id GROUP BY b.id`, [ids]),
  ]);
  for (const r of recipes.rows) out.set(r.id, { ...out.get(r.id)!, recipesTotal: Number(r.total), recipesCompleted: Number(r.completed), recipesCreated: Number(r.created) });
  for (const r of jobs.rows) out.set(r.id, { ...out.get(r.id)!, ...counts(r) });
  return out;
}

const seconds = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const durations = (r: Record<string, any>, kind: string): Durations => ({ min: seconds(r[`min_${kind}`]), avg: seconds(r[`avg_${kind}`]), max: seconds(r[`max_${kind}`]) });

/** Per recipe node of each batch's own recipes: job counts and durations of the completed ones. */
export async function jobNameMetrics(q: Queryable, ids: number[]): Promise<Map<number, Map<string, JobNameMetrics>>> {
  const out = new Map<number, Map<string, JobNameMetrics>>(ids.map((id) => [id, new Map()]));
  if (!ids.length) return out;
  const done = `FILTER (WHERE j.status = 'COMPLETED')`;
  const res = await q.query(
    `SELECT r.batch_id, rn.node_name, ${COUNT_SQL},
            extract(epoch FROM min(e.job_completed - e.job_started) ${done}) AS min_seed, extract(epoch FROM avg(e.job_completed - e.job_started) ${done}) AS avg_seed,
            extract(epoch FROM max(e.job_completed - e.job_started) ${done}) AS max_seed,
            extract(epoch FROM min(j.ended - j.started) ${done}) AS min_job, extract(epoch FROM avg(j.ended - j.started) ${done}) AS avg_job,
            extract(epoch FROM max(j.ended - j.started) ${done}) AS max_job
       FROM recipe r JOIN recipe_node rn ON rn.recipe_id = r.id JOIN job j ON j.id = rn.job_id
       LEFT JOIN job_exe e ON e.job_id = j.id AND e.exe_num = j.num_exes
      WHERE r.batch_id = ANY($1::int[]) AND r.recipe_id IS NULL
      GROUP BY r.batch_id, rn.node_name`,
    [ids],
  );
  for (const r of res.rows) out.get(r.batch_id)!.set(r.node_name, { ...counts(r), seedDuration: durations(r, 'seed'), jobDuration: durations(r, 'job') });
  return out;
}

export const NO_JOB_NAME_METRICS: JobNameMetrics = {
  ...counts({ jobs_total: 0, jobs_pending: 0, jobs_blocked: 0, jobs_queued: 0, jobs_running: 0, jobs_failed: 0, jobs_completed: 0, jobs_canceled: 0 }),
  seedDuration: { min: null, avg: null, max: null },
  jobDuration: { min: null, avg: null, max: null },
};
