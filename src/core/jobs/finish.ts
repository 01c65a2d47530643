// Ending executions: one statement writes a whole batch of outcomes (executions, jobs, retries onto
// the queue), so completion costs the same few round trips however many jobs end at once. The
// rules, in SQL below and in words here:
//   - an outcome applies only to an execution still RUNNING (one already declared lost, or ended
//     by another process, is left alone), so it is applied at most once;
//   - a job canceled while its execution ran ends that execution CANCELED;
//   - the job moves only if the execution is its current one and it can end (states.ts);
//   - a FAILED execution requeues the job when its error is retryable and tries remain
//     (Scale: should_be_retried && num_exes < max_tries), otherwise the job is FAILED.
// Outputs of completed executions are recorded first, in the same transaction. Rows are found by
// `= ANY(ids)` so the plans use the primary keys even without statistics (PGlite: no autoanalyze).
import { type Db, type Queryable, statement } from '../../store/db.ts';
import type { ErrorService } from '../errors/service.ts';
import type { FileService, NewProduct } from '../files/service.ts';
import type { ExeStatus } from './model.ts';
import { Invalid } from '../../errors.ts';
import { BUILTIN } from '../errors/model.ts';
import type { CoreEvents } from '../events.ts';
import { QUEUE_COLUMNS, QUEUE_VALUES } from '../queue/enqueue.ts';

/** An output file to record; a CWL secondary file names its primary (results list it with it, not as an output file of its own). */
export type OutputProduct = NewProduct & { kind: 'file' | 'files'; secondaryOf?: NewProduct };

export interface Outcome {
  exeId: number;
  jobId: number;
  exeNum: number;
  status: Exclude<ExeStatus, 'RUNNING'>;
  /** The error of a FAILED execution (a builtin or mapped error name). */
  errorName?: string;
  /** Why it failed in the algorithm's or the engine's words: the last lines of its stderr, the launch error. */
  message?: string | null;
  /** Whose errors `errorName` is looked up among first (SEED job types have their own). */
  jobTypeName?: string;
  exitCode?: number | null;
  commandArguments?: string | null;
  jobStarted?: Date | null;
  jobCompleted?: Date | null;
  /** Output files already stored in their workspaces (COMPLETED only). */
  products?: OutputProduct[];
  /** JSON outputs (SEED seed.outputs.json, CWL values), by output name. */
  jsonValues?: Record<string, unknown>;
  /** Directory outputs (CWL Directory): each one's path in the output directory, by output name. */
  directories?: Record<string, string>;
  resultsManifest?: unknown;
  logPath?: string | null;
  /** The execution ended without its process (lost): its stray outputs are to be removed (job_exe.discard_outputs). */
  discardOutputs?: boolean;
}

export interface Applied {
  exeId: number;
  jobId: number;
  exeStatus: ExeStatus;
  jobStatus: string | null;
  retried: boolean;
}

/** A job an outcome moved, as the statement that moved it left it (the 'finished' event: a waiting run reads it from here). */
export interface FinishedJob {
  jobId: number;
  status: string;
  started: Date | null;
  ended: Date | null;
  lastModified: Date;
  output: unknown;
  recipeId: number | null;
}

const APPLY = statement(
  'finish_executions',
  `
WITH RECURSIVE u AS (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::int[], $6::boolean[], $7::int[], $8::text[],
                       $9::timestamptz[], $10::timestamptz[], $11::jsonb[], $12::jsonb[], $13::text[], $14::boolean[], $15::text[])
    AS u(exe_id, job_id, exe_num, status, error_id, retry, exit_code, args, js, jc, results, manifest, log, discard, message)),
j AS (SELECT id, status, num_exes, max_tries FROM job WHERE id = ANY($2::bigint[]) ORDER BY id FOR UPDATE),
x AS (SELECT id FROM job_exe WHERE id = ANY($1::bigint[]) AND status = 'RUNNING' FOR UPDATE),
d AS (
  SELECT u.*, CASE WHEN j.status = 'CANCELED' THEN 'CANCELED' ELSE u.status END AS exe_status,
         (j.num_exes = u.exe_num AND j.status IN ('RUNNING', 'QUEUED')) AS current, j.num_exes, j.max_tries
    FROM u JOIN x ON x.id = u.exe_id JOIN j ON j.id = u.job_id),
e AS (
  SELECT d.*, CASE WHEN NOT d.current THEN NULL
                   WHEN d.exe_status = 'COMPLETED' THEN 'COMPLETED'
                   WHEN d.exe_status = 'FAILED' AND d.retry AND d.num_exes < d.max_tries THEN 'QUEUED'
                   WHEN d.exe_status = 'FAILED' THEN 'FAILED' END AS job_status
    FROM d),
ue AS (
  UPDATE job_exe SET status = e.exe_status, error_id = CASE WHEN e.exe_status = 'FAILED' THEN e.error_id END,
         error_message = CASE WHEN e.exe_status = 'FAILED' THEN e.message END,
         exit_code = e.exit_code, job_exit_code = e.exit_code, command_arguments = coalesce(e.args, job_exe.command_arguments),
         job_started = e.js, job_completed = e.jc, results = CASE WHEN e.exe_status = 'COMPLETED' THEN e.results END,
         results_manifest = e.manifest, log_path = coalesce(e.log, job_exe.log_path), discard_outputs = e.discard,
         ended = now(), last_modified = now()
    FROM e WHERE job_exe.id = e.exe_id AND job_exe.id = ANY($1::bigint[])
  RETURNING job_exe.id),
uj AS (
  UPDATE job SET status = e.job_status, error_id = CASE WHEN e.job_status = 'COMPLETED' THEN NULL ELSE e.error_id END,
         error_message = CASE WHEN e.job_status = 'COMPLETED' THEN NULL ELSE e.message END,
         output = CASE WHEN e.job_status = 'COMPLETED' THEN e.results ELSE job.output END,
         ended = CASE WHEN e.job_status = 'QUEUED' THEN NULL ELSE now() END,
         queued = CASE WHEN e.job_status = 'QUEUED' THEN now() ELSE job.queued END,
         last_status_change = now(), last_modified = now()
    FROM e WHERE job.id = e.job_id AND job.id = ANY($2::bigint[]) AND e.job_status IS NOT NULL
  RETURNING job.*),
rq AS (INSERT INTO queue (${QUEUE_COLUMNS}) SELECT ${QUEUE_VALUES} FROM uj WHERE status = 'QUEUED' ON CONFLICT (job_id) DO NOTHING),
-- A job that completes unpublishes the products of the jobs it superseded, down the chain (Scale's
-- unpublish_products_old). In this statement, not after it: a step after the commit that failed
-- would have the outcome retried, and the retry, finding the execution ended, would take its
-- outputs for another's and remove them.
old(id) AS (
  SELECT superseded_job_id FROM uj WHERE status = 'COMPLETED' AND NOT is_superseded AND superseded_job_id IS NOT NULL
  UNION SELECT o.superseded_job_id FROM job o JOIN old ON o.id = old.id WHERE o.superseded_job_id IS NOT NULL),
unpublished AS (
  UPDATE scale_file SET is_published = false, unpublished = now(), last_modified = now()
   WHERE job_id IN (SELECT id FROM old) AND is_published AND file_type = 'PRODUCT')
SELECT e.exe_id, e.job_id, e.exe_status, e.job_status, uj.started, uj.ended, uj.last_modified, uj.output, uj.recipe_id
  FROM e LEFT JOIN uj ON uj.id = e.job_id`,
);

/** A failure's words as stored: no NUL (PostgreSQL text refuses it), at most a few kilobytes. */
function capMessage(m: string | null | undefined): string | null {
  if (!m) return null;
  const clean = m.replace(/\u0000/g, '').trim();
  return clean.length > 4000 ? `${clean.slice(0, 4000)}…` : clean || null;
}

const errorKey = (o: Outcome) => `${o.jobTypeName ?? ''}|${o.errorName ?? 'unknown'}`;

export type Finisher = ReturnType<typeof createFinisher>;

export function createFinisher({ db, errors, files, events }: { db: Db; errors: ErrorService; files: FileService; events?: CoreEvents }) {
  /** Results JSON (job results 1.0) of a completed execution, from its products' new ids. */
  function resultsOf(o: Outcome, ids: Map<NewProduct, number>): unknown {
    const byOutput = new Map<string, { kind: string; ids: number[]; secondary: Record<string, number[]> }>();
    for (const p of o.products ?? []) {
      const entry = byOutput.get(p.jobOutput) ?? { kind: p.kind, ids: [], secondary: {} };
      if (p.secondaryOf) (entry.secondary[ids.get(p.secondaryOf)!] ??= []).push(ids.get(p)!);
      else entry.ids.push(ids.get(p)!);
      byOutput.set(p.jobOutput, entry);
    }
    // CWL secondary files by their primary's id: {"<primary id>": [ids]}.
    const withSecondary = (e: { secondary: Record<string, number[]> }) => (Object.keys(e.secondary).length ? { secondary_file_ids: e.secondary } : {});
    return {
      version: '1.0',
      output_data: [
        ...[...byOutput].map(([name, e]) => (o.directories?.[name] !== undefined ? { name, file_ids: e.ids, directory: o.directories[name] } : e.kind === 'files' ? { name, file_ids: e.ids, ...withSecondary(e) } : { name, file_id: e.ids[0], ...withSecondary(e) })),
        // An empty directory has no files, and is still an output.
        ...Object.entries(o.directories ?? {}).filter(([name]) => !byOutput.has(name)).map(([name, directory]) => ({ name, file_ids: [], directory })),
        ...Object.entries(o.jsonValues ?? {}).map(([name, value]) => ({ name, value })),
      ],
    };
  }

  async function run(q: Queryable, outcomes: Outcome[], productIds: Map<NewProduct, number>, errorOf: Map<string, { id: number; retry: boolean }>): Promise<{ applied: Applied[]; finished: FinishedJob[] }> {
    const col = <T>(f: (o: Outcome) => T) => outcomes.map(f);
    const err = (o: Outcome) => (o.status === 'FAILED' ? errorOf.get(errorKey(o))! : null);
    const res = await q.query(APPLY, [
      col((o) => o.exeId), col((o) => o.jobId), col((o) => o.exeNum), col((o) => o.status), col((o) => err(o)?.id ?? null), col((o) => err(o)?.retry ?? false),
      col((o) => o.exitCode ?? null), col((o) => o.commandArguments ?? null), col((o) => o.jobStarted ?? null), col((o) => o.jobCompleted ?? null),
      col((o) => (o.status === 'COMPLETED' ? JSON.stringify(resultsOf(o, productIds)) : null)),
      col((o) => (o.resultsManifest == null ? null : JSON.stringify(o.resultsManifest))), col((o) => o.logPath ?? null),
      col((o) => o.discardOutputs === true), col((o) => (o.status === 'FAILED' ? capMessage(o.message) : null)),
    ]);
    return {
      applied: res.rows.map((r) => ({ exeId: r.exe_id, jobId: r.job_id, exeStatus: r.exe_status, jobStatus: r.job_status, retried: r.job_status === 'QUEUED' })),
      finished: res.rows.filter((r) => r.job_status !== null).map((r) => ({ jobId: Number(r.job_id), status: r.job_status, started: r.started, ended: r.ended, lastModified: r.last_modified, output: r.output, recipeId: r.recipe_id === null ? null : Number(r.recipe_id) })),
    };
  }

  async function apply(outcomes: Outcome[]): Promise<Applied[]> {
    if (!outcomes.length) return [];
    const errorOf = new Map<string, { id: number; retry: boolean }>();
    for (const o of outcomes) {
      if (o.status === 'FAILED' && !errorOf.has(errorKey(o))) {
        const e = await errors.byName(o.errorName ?? 'unknown', o.jobTypeName ?? null).catch(() => errors.byName('unknown'));
        errorOf.set(errorKey(o), { id: e.id, retry: e.shouldBeRetried });
      }
    }
    const withProducts = outcomes.filter((o) => o.status === 'COMPLETED' && o.products?.length);
    let applied: Applied[];
    let finished: FinishedJob[];
    try {
      ({ applied, finished } = await record(outcomes, withProducts, errorOf));
    } catch (err) {
      // Results the database cannot store (a NUL character in an output value: the job's input said
      // so, found by the hostile-input tests) were retried forever, holding up every outcome in the
      // batch and the server's shutdown. The batch is applied one by one; the culprit's job fails.
      if (!(err instanceof Invalid)) throw err;
      if (outcomes.length > 1) {
        const each: Applied[] = [];
        for (const o of outcomes) each.push(...(await apply([o])));
        return each;
      }
      const [o] = outcomes;
      if (o.status === 'FAILED' && !o.jsonValues && o.resultsManifest == null) throw err;
      return apply([{ ...o, status: 'FAILED', errorName: BUILTIN.invalidResultsManifest, products: [], jsonValues: undefined, resultsManifest: null }]);
    }
    if (finished.length) events?.emit('finished', finished);
    // A recipe's job that moved marked its recipe for the engine (a trigger); no such job, no mark.
    if (applied.length) events?.emit('ended', applied.map((a) => a.jobId), { recipes: finished.some((f) => f.recipeId !== null) });
    // Parse results of completed jobs: their input files' metadata, and PARSE triggers.
    const done = new Set(applied.filter((a) => a.jobStatus === 'COMPLETED').map((a) => a.exeId));
    const parsed = outcomes.flatMap((o) => {
      const pr = (o.resultsManifest as { parse_results?: unknown } | null | undefined)?.parse_results;
      return done.has(o.exeId) && Array.isArray(pr) && pr.length ? [{ jobId: o.jobId, parseResults: pr }] : [];
    });
    if (parsed.length) events?.emit('parsed', parsed);
    return applied;
  }

  async function record(outcomes: Outcome[], withProducts: Outcome[], errorOf: Map<string, { id: number; retry: boolean }>): Promise<{ applied: Applied[]; finished: FinishedJob[] }> {
    // Without outputs to record, one statement is the whole transaction.
    if (!withProducts.length) return run(db, outcomes, new Map(), errorOf);
    return db.transaction(async (tx) => {
      // Record outputs only of executions still running; the rest are not ours to publish.
      const live = await tx.query<{ id: number }>(`SELECT id FROM job_exe WHERE id = ANY($1::bigint[]) AND status = 'RUNNING' FOR UPDATE`, [withProducts.map((o) => o.exeId)]);
      const liveIds = new Set(live.rows.map((r) => r.id));
      const products = withProducts.filter((o) => liveIds.has(o.exeId)).flatMap((o) => o.products!);
      const ids = await files.insertProducts(tx, products);
      return run(tx, outcomes, new Map(products.map((p, i) => [p, ids[i]])), errorOf);
    });
  }

  /** The stray outputs of these lost executions are gone. */
  async function outputsDiscarded(exeIds: number[]): Promise<void> {
    if (exeIds.length) await db.query(`UPDATE job_exe SET discard_outputs = false WHERE id = ANY($1::bigint[]) AND discard_outputs`, [exeIds]);
  }

  return { apply, outputsDiscarded };
}
