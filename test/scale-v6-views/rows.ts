// Rows written straight into the database for the view tests, as Scale's own view tests make them
// with job_test_utils / storage_test_utils / recipe_test_utils / batch_test_utils: the views are what
// is tested, so the least data each needs is inserted, nothing is run.
import type { Db } from '../../src/store/db.ts';

let n = 0;

/** A job of a type (its newest revision); a finished job has `num_exes` executions' worth of fields only. */
export async function insertJob(db: Db, typeId: number, f: { status?: string; recipeId?: number; batchId?: number; errorId?: number; isSuperseded?: boolean; started?: Date; ended?: Date; input?: unknown; numExes?: number } = {}): Promise<number> {
  const res = await db.query<{ id: number }>(
    `INSERT INTO job (job_type_id, job_type_rev_id, status, error_id, priority, timeout, max_tries, cpus_required, mem_required, input, num_exes, recipe_id, batch_id, is_superseded, superseded, queued, started, ended)
     SELECT $1, r.id, $2, $3, 100, 600, 3, 1, 64, $4::jsonb, $5, $6, $7, $8, CASE WHEN $8 THEN now() END, now(), $9, $10 FROM job_type_revision r WHERE r.job_type_id = $1 ORDER BY r.id DESC LIMIT 1 RETURNING id`,
    [typeId, f.status ?? 'COMPLETED', f.errorId ?? null, JSON.stringify(f.input ?? {}), f.numExes ?? 1, f.recipeId ?? null, f.batchId ?? null, f.isSuperseded ?? false, f.started ?? null, f.ended ?? null],
  );
  return Number(res.rows[0].id);
}

/** An execution of a job (exe_num given), on a node or none. */
export async function insertExe(db: Db, jobId: number, f: { exeNum?: number; status?: string; nodeId?: number | null; errorId?: number; started?: Date; ended?: Date } = {}): Promise<number> {
  const res = await db.query<{ id: number }>(
    `INSERT INTO job_exe (job_id, exe_num, job_type_id, node_id, status, timeout, cpus_scheduled, mem_scheduled, disk_in_scheduled, disk_out_scheduled, disk_total_scheduled, error_id, queued, started, ended)
     SELECT j.id, $2, j.job_type_id, $3, $4, 600, 1, 64, 0, 0, 0, $5, now(), $6, $7 FROM job j WHERE j.id = $1 RETURNING id`,
    [jobId, f.exeNum ?? 1, f.nodeId ?? null, f.status ?? 'COMPLETED', f.errorId ?? null, f.started ?? new Date(), f.ended ?? new Date()],
  );
  return Number(res.rows[0].id);
}

/** A file in a workspace; a product names the job, execution and job type that made it. */
export async function insertFile(db: Db, workspaceId: number, f: {
  fileName?: string; fileType?: 'SOURCE' | 'PRODUCT'; mediaType?: string; fileSize?: number; countries?: string[];
  jobId?: number; jobExeId?: number; jobTypeId?: number; jobOutput?: string;
  dataStarted?: string; dataEnded?: string; sourceStarted?: string; sourceEnded?: string; isPublished?: boolean;
} = {}): Promise<number> {
  const name = f.fileName ?? `file-${process.pid}-${++n}.txt`;
  const res = await db.query<{ id: number }>(
    `INSERT INTO scale_file (workspace_id, file_name, file_path, file_type, media_type, file_size, uuid, countries, job_id, job_exe_id, job_type_id, job_output,
                             data_started, data_ended, source_started, source_ended, is_published, published)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, $17, CASE WHEN $17 THEN now() END) RETURNING id`,
    [workspaceId, name, `views/${++n}/${name}`, f.fileType ?? (f.jobId ? 'PRODUCT' : 'SOURCE'), f.mediaType ?? 'text/plain', f.fileSize ?? 100, `uuid${process.pid}x${n}`, JSON.stringify(f.countries ?? []),
      f.jobId ?? null, f.jobExeId ?? null, f.jobTypeId ?? null, f.jobOutput ?? null, f.dataStarted ?? null, f.dataEnded ?? null, f.sourceStarted ?? null, f.sourceEnded ?? null, f.isPublished ?? false],
  );
  return Number(res.rows[0].id);
}

/** A recipe of a type (its newest revision) with no nodes run. */
export async function insertRecipe(db: Db, recipeTypeId: number, f: { batchId?: number; isSuperseded?: boolean; isCompleted?: boolean; created?: Date } = {}): Promise<number> {
  const res = await db.query<{ id: number }>(
    `INSERT INTO recipe (recipe_type_id, recipe_type_rev_id, input, batch_id, is_superseded, superseded, is_completed, completed, created)
     SELECT $1, r.id, '{"version": "6", "files": {}, "json": {}}'::jsonb, $2, $3, CASE WHEN $3 THEN now() END, $4, CASE WHEN $4 THEN now() END, coalesce($5, now())
       FROM recipe_type_revision r WHERE r.recipe_type_id = $1 ORDER BY r.id DESC LIMIT 1 RETURNING id`,
    [recipeTypeId, f.batchId ?? null, f.isSuperseded ?? false, f.isCompleted ?? false, f.created ?? null],
  );
  return Number(res.rows[0].id);
}

/** A job as a node of a recipe. */
export async function insertRecipeNode(db: Db, recipeId: number, nodeName: string, jobId: number): Promise<void> {
  await db.query(`INSERT INTO recipe_node (recipe_id, node_name, job_id) VALUES ($1, $2, $3)`, [recipeId, nodeName, jobId]);
  await db.query(`UPDATE job SET recipe_id = $1 WHERE id = $2`, [recipeId, jobId]);
}

/** A batch over a recipe type (its newest revision), as batch_test_utils.create_batch makes one. */
export async function insertBatch(db: Db, recipeTypeId: number, f: { title?: string; isCreationDone?: boolean; isSuperseded?: boolean; rootBatchId?: number; supersededBatchId?: number } = {}): Promise<number> {
  const ev = await db.query<{ id: number }>(`INSERT INTO trigger_event (type, description) VALUES ('USER', '{}') RETURNING id`);
  const res = await db.query<{ id: number }>(
    `INSERT INTO batch (title, description, recipe_type_id, recipe_type_rev_id, event_id, definition, configuration, is_creation_done, is_superseded, superseded, root_batch_id, superseded_batch_id)
     SELECT $1, 'A batch', $2, r.id, $3, '{"version": "6"}'::jsonb, '{"version": "6", "priority": 100}'::jsonb, $4, $5, CASE WHEN $5 THEN now() END, $6, $7
       FROM recipe_type_revision r WHERE r.recipe_type_id = $2 ORDER BY r.id DESC LIMIT 1 RETURNING id`,
    [f.title ?? `Batch ${++n}`, recipeTypeId, ev.rows[0].id, f.isCreationDone ?? true, f.isSuperseded ?? false, f.rootBatchId ?? null, f.supersededBatchId ?? null],
  );
  const id = Number(res.rows[0].id);
  if (!f.rootBatchId) await db.query('UPDATE batch SET root_batch_id = id WHERE id = $1', [id]);
  return id;
}
