// Jobs chosen by a filter, as Scale's bulk endpoints take it (v5 /queue/requeue-jobs/, v6
// /jobs/requeue/ and /jobs/cancel/): time range on last change, status, ids, job types, recipes,
// errors. Written once as SQL conditions on `j` (the job table).

export interface JobSelection {
  started?: Date | null;
  ended?: Date | null;
  statuses?: string[];
  jobIds?: number[];
  jobTypeIds?: number[];
  /** Job types by name and version (v6 `job_types`). */
  jobTypes?: { name: string; version: string }[];
  jobTypeNames?: string[];
  jobTypeCategories?: string[];
  recipeIds?: number[];
  batchIds?: number[];
  errorCategories?: string[];
  errorIds?: number[];
  /** true: superseded jobs only (a reprocess ran their node again), false: the others. */
  isSuperseded?: boolean;
}

/** SQL conditions for the selection; their values are appended to `params`. */
export function selectionSql(f: JobSelection, params: unknown[]): string[] {
  const clauses: string[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (f.started) add('j.last_modified >= ?', f.started);
  if (f.ended) add('j.last_modified <= ?', f.ended);
  if (f.statuses?.length) add('j.status = ANY(?::text[])', f.statuses);
  if (f.jobIds?.length) add('j.id = ANY(?::bigint[])', f.jobIds);
  if (f.jobTypeIds?.length) add('j.job_type_id = ANY(?::int[])', f.jobTypeIds);
  if (f.jobTypes?.length) add(`j.job_type_id IN (SELECT id FROM job_type WHERE name || ' ' || version = ANY(?::text[]))`, f.jobTypes.map((t) => `${t.name} ${t.version}`));
  if (f.jobTypeNames?.length) add('j.job_type_id IN (SELECT id FROM job_type WHERE name = ANY(?::text[]))', f.jobTypeNames);
  if (f.jobTypeCategories?.length) add('j.job_type_id IN (SELECT id FROM job_type WHERE category = ANY(?::text[]))', f.jobTypeCategories);
  if (f.recipeIds?.length) add('j.id IN (SELECT job_id FROM recipe_node WHERE recipe_id = ANY(?::bigint[]) AND job_id IS NOT NULL)', f.recipeIds);
  if (f.batchIds?.length) add('j.batch_id = ANY(?::int[])', f.batchIds);
  if (f.isSuperseded !== undefined && f.isSuperseded !== null) add('j.is_superseded = ?', f.isSuperseded);
  if (f.errorCategories?.length) add('j.error_id IN (SELECT id FROM error WHERE category = ANY(?::text[]))', f.errorCategories);
  if (f.errorIds?.length) add('j.error_id = ANY(?::int[])', f.errorIds);
  return clauses;
}
