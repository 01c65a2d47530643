// Scans: one-off sweeps of a workspace that already holds files, with Strike's rules. Each sweep is
// a job of the system job type scale-scan (ingest-jobs.ts), as in Scale: a dry run (the Scan's
// dry_run_job, which may run again and again) counts and reports what would happen (file_count);
// the ingesting run (its job) happens once, after which the Scan can no longer be run or edited.
// The sweep runs in the request that asks for it; its job records it (status, times, log). A job
// requeued through the jobs API sweeps again (tick), and a job whose server died mid-sweep is
// failed once its execution has been silent for STALE_SECONDS (tick), so none stays RUNNING.
import type { Db, Row } from '../../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import type { Logger } from '../../log.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { checkIngestRecipe, readScanConfig } from './config.ts';
import type { BatchResult, Ingester } from './ingester.ts';
import { batchLines, type IngestJobs } from './ingest-jobs.ts';
import { type Creatable, ingestNaming } from './naming.ts';

export interface Scan {
  id: number;
  name: string;
  title: string | null;
  description: string | null;
  configuration: Record<string, unknown>;
  fileCount: number | null;
  /** The ingesting run (a scale-scan job), once launched. */
  jobId: number | null;
  /** The latest dry run (a scale-scan job). */
  dryRunJobId: number | null;
  dryRunStarted: Date | null;
  dryRunEnded: Date | null;
  started: Date | null;
  ended: Date | null;
  created: Date;
  lastModified: Date;
}

const idOf = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const toScan = (r: Row): Scan => ({
  id: r.id, name: r.name, title: r.title, description: r.description, configuration: r.configuration, fileCount: r.file_count, jobId: idOf(r.job_id),
  dryRunJobId: idOf(r.dry_run_job_id), dryRunStarted: r.dry_run_started, dryRunEnded: r.dry_run_ended, started: r.started, ended: r.ended, created: r.created,
  lastModified: r.last_modified,
});

export interface ScanFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  names?: string[];
}

const ORDERABLE: Record<string, string> = Object.fromEntries(['id', 'name', 'title', 'description', 'file_count', 'created', 'last_modified'].map((k) => [k, k]));

const BATCH = 500;
/** A sweep touches its execution this often; one silent for STALE_SECONDS lost its server. */
const HEARTBEAT_MS = 30_000;
export const STALE_SECONDS = 300;

/** Scale's message when a Scan's ingesting run was launched already (ScanIngestJobAlreadyLaunched). */
export const ALREADY_LAUNCHED = 'Ingest Scan already launched';

type Plan = { file: string; status: string; workspace: string | null; path: string | null }[];

export type ScanService = ReturnType<typeof createScanService>;

export function createScanService(deps: { db: Db; workspaces: WorkspaceService; ingester: Ingester; ingestJobs: IngestJobs; log?: Logger }) {
  const { db, workspaces, ingester, ingestJobs } = deps;

  async function checked(json: unknown) {
    const c = readScanConfig(json);
    const name = c.source.kind === 'workspace' ? c.source.workspace : '';
    if (!(await workspaces.byName(name))) throw new Invalid('configuration.workspace', `workspace ${JSON.stringify(name)} does not exist`);
    for (const [i, r] of c.rules.entries()) if (r.newWorkspace && !(await workspaces.byName(r.newWorkspace))) throw new Invalid(`configuration.files_to_ingest[${i}].new_workspace`, `workspace ${JSON.stringify(r.newWorkspace)} does not exist`);
    await checkIngestRecipe(db, c);
    return c;
  }

  const naming = ingestNaming(db, 'scan', checked);

  async function get(id: number): Promise<Scan> {
    const res = await db.query('SELECT * FROM scan WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('scan', id);
    return toScan(res.rows[0]);
  }

  /** Scale's job data says "True" or "False" (Python's str of a bool). */
  const commandOf = (id: number, dryRun: boolean) => `scale_scan -i ${id} -d ${dryRun ? 'True' : 'False'}`;

  /**
   * Sweeps the workspace as the job `jobId` (RUNNING): a dry run reports, otherwise files are
   * ingested. Files already registered there are left alone. The job ends COMPLETED, or FAILED
   * with why; the Scan's times (and a dry run's file_count) are set either way.
   */
  async function sweep(id: number, jobId: number, dryRun: boolean): Promise<{ scan: Scan; result: BatchResult; plan: Plan; failed: string | null }> {
    const result: BatchResult = { ingested: 0, deferred: 0, duplicates: 0, errored: 0 };
    const plan: Plan = [];
    let failed: string | null = null;
    const beat = setInterval(() => void ingestJobs.heartbeat(jobId), HEARTBEAT_MS);
    beat.unref();
    try {
      const scan = await get(id);
      const c = await checked(scan.configuration);
      const ws = (await workspaces.byName((c.source as { workspace: string }).workspace))!;
      await ingestJobs.log(jobId, 'stdout', `Scan ${scan.name} (id ${id}): ${dryRun ? 'dry run of' : 'ingesting from'} workspace ${ws.name}${c.monitor.type === 'scan' && c.monitor.recursive ? ' (recursive)' : ''}`);
      const broker = workspaces.broker(ws);
      const all = await broker.list({ recursive: c.monitor.type === 'scan' && c.monitor.recursive });
      const known = all.length ? await db.query<{ file_path: string }>('SELECT file_path FROM scale_file WHERE workspace_id = $1 AND NOT is_deleted AND file_path = ANY($2::text[])', [ws.id, all.map((f) => f.relPath)]) : { rows: [] };
      const skip = new Set(known.rows.map((r) => r.file_path));
      const files = all.filter((f) => !skip.has(f.relPath)).map((f) => ({ name: f.relPath.split('/').pop()!, relPath: f.relPath, size: f.size }));
      if (skip.size) await ingestJobs.log(jobId, 'stdout', `${skip.size} file(s) already registered in ${ws.name}: left alone`);
      const src = { dir: null, workspace: ws, broker };
      for (let i = 0; i < files.length; i += BATCH) {
        const r = await ingester.ingestBatch({ strikeId: null, scanId: id }, c, src, files.slice(i, i + BATCH), { dryRun });
        for (const k of ['ingested', 'deferred', 'duplicates', 'errored'] as const) result[k] += r[k];
        plan.push(...r.plan);
        await ingestJobs.heartbeat(jobId);
      }
      await ingestJobs.log(jobId, 'stdout', batchLines({ ...result, plan }, dryRun));
      if (!dryRun && result.errored) await ingestJobs.log(jobId, 'stderr', `${result.errored} file(s) could not be ingested: their ingests (status ERRORED) say why`);
    } catch (err) {
      failed = (err as Error)?.message ?? String(err);
      deps.log?.error('Scan failed', { scan: id, err });
      await ingestJobs.log(jobId, 'stderr', `Scan failed: ${failed}`);
    } finally {
      clearInterval(beat);
    }
    const outcome = failed === null ? null : await ingestJobs.failure(failed);
    const scan = await db.transaction(async (tx) => {
      await ingestJobs.finish(tx, jobId, outcome);
      // file_count: the files the last sweep (dry run or not) found to ingest, as Scale counts them.
      const res = await tx.query(
        `UPDATE scan SET ${dryRun ? 'dry_run_ended' : 'ended'} = now(), file_count = coalesce($2, file_count), last_modified = now() WHERE id = $1 RETURNING *`,
        [id, failed === null ? result.ingested : null],
      );
      return toScan(res.rows[0]);
    });
    return { scan, result, plan, failed };
  }

  /** Runs the Scan's requeued jobs (PENDING) again, and fails those whose server stopped mid-sweep. */
  async function tick(): Promise<void> {
    const type = await ingestJobs.existing('scan');
    if (!type) return;
    for (const stale of await ingestJobs.jobsOf(type, 'RUNNING', STALE_SECONDS)) {
      await ingestJobs.log(stale.id, 'stderr', `no word from the server sweeping this Scan for ${STALE_SECONDS} s: it stopped`);
      const outcome = await ingestJobs.failure('the server process sweeping this Scan stopped before it was done');
      await db.transaction((tx) => ingestJobs.finish(tx, stale.id, outcome));
    }
    for (const job of await ingestJobs.jobsOf(type, 'PENDING')) {
      const id = Number(job.input?.json?.['Scan ID']);
      const dryRun = job.input?.json?.['Dry Run'] !== 'False';
      const resumed = await db.transaction(async (tx) => {
        const row = (await tx.query('SELECT id FROM scan WHERE id = $1 FOR UPDATE', [id])).rows[0];
        if (!row || (await ingestJobs.resume(tx, job.id, commandOf(id, dryRun))) === null) return false;
        await tx.query(
          `UPDATE scan SET ${dryRun ? 'dry_run_job_id = $2, dry_run_started = now(), dry_run_ended = NULL' : 'started = now(), ended = NULL'}, last_modified = now() WHERE id = $1`,
          dryRun ? [id, job.id] : [id],
        );
        return true;
      });
      if (!resumed) continue;
      await ingestJobs.log(job.id, 'stdout', 'requeued: sweeping again');
      // In the background: a long sweep must not hold up the others.
      void sweep(id, job.id, dryRun).catch((err) => deps.log?.error('requeued Scan failed', { scan: id, err }));
    }
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  return {
    get,
    async list(): Promise<Scan[]> {
      return (await db.query('SELECT * FROM scan ORDER BY id')).rows.map(toScan);
    },
    /** A page of Scans (Scale's /scans/ filters: last_modified range, names; ordered by last_modified). */
    async page(f: ScanFilter): Promise<ListResult<Scan>> {
      const where = new Where().range('last_modified', f.started, f.ended).anyOf('name', f.names, 'text');
      const res = await pagedList(db, { select: '*', from: 'scan', where, orderSql: orderBy(f.order, ORDERABLE, ['last_modified']), tiebreak: 'id', page: f });
      return { count: res.count, rows: res.rows.map(toScan) };
    },
    /** What create would say of this input, without creating anything (v6 /scans/validation/). */
    validate: naming.problems,
    async create(given: Creatable): Promise<Scan> {
      const input = await naming.named(given);
      await checked(input.configuration);
      try {
        const res = await db.query('INSERT INTO scan (name, title, description, configuration) VALUES ($1, $2, $3, $4) RETURNING *', [input.name, input.title ?? null, input.description ?? null, JSON.stringify(input.configuration)]);
        return toScan(res.rows[0]);
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`a Scan named ${JSON.stringify(input.name)} already exists`);
        throw err;
      }
    },
    /** Edits a Scan that has not ingested yet (Scale: 409 once its ingesting run was launched). */
    async edit(id: number, input: { title?: unknown; description?: unknown; configuration?: unknown }): Promise<Scan> {
      if ((await get(id)).jobId !== null) throw new Conflict(ALREADY_LAUNCHED);
      if (input.configuration !== undefined) await checked(input.configuration);
      const res = await db.query(
        `UPDATE scan SET title = CASE WHEN $2 THEN $3 ELSE title END, description = CASE WHEN $4 THEN $5 ELSE description END,
                configuration = coalesce($6::jsonb, configuration), last_modified = now() WHERE id = $1 AND job_id IS NULL RETURNING *`,
        [id, input.title !== undefined, input.title ?? null, input.description !== undefined, input.description ?? null, input.configuration === undefined ? null : JSON.stringify(input.configuration)],
      );
      if (!res.rows[0]) throw new Conflict(ALREADY_LAUNCHED);
      return toScan(res.rows[0]);
    },
    /**
     * Launches a sweep as a new scale-scan job and runs it (Scale's queue_scan): a dry run becomes
     * the Scan's dry_run_job, an ingesting run its job. Once the ingesting run was launched, neither
     * is possible any more (409, as Scale).
     */
    async process(id: number, opts: { dryRun: boolean }): Promise<{ scan: Scan; result: BatchResult; plan: Plan; failed: string | null }> {
      const scan = await get(id);
      if (scan.jobId !== null) throw new Conflict(ALREADY_LAUNCHED);
      await checked(scan.configuration);
      const type = await ingestJobs.jobType('scan');
      const jobId = await db.transaction(async (tx) => {
        const row = (await tx.query('SELECT job_id FROM scan WHERE id = $1 FOR UPDATE', [id])).rows[0];
        if (!row) throw new NotFound('scan', id);
        if (row.job_id !== null) throw new Conflict(ALREADY_LAUNCHED);
        const started = await ingestJobs.start(tx, type, { 'Scan ID': String(id), 'Dry Run': opts.dryRun ? 'True' : 'False' }, commandOf(id, opts.dryRun));
        await tx.query(
          `UPDATE scan SET ${opts.dryRun ? 'dry_run_job_id = $2, dry_run_started = now(), dry_run_ended = NULL' : 'job_id = $2, started = now(), ended = NULL'}, last_modified = now() WHERE id = $1`,
          [id, started.jobId],
        );
        return started.jobId;
      });
      return sweep(id, jobId, opts.dryRun);
    },
    tick,
    /** Looks after requeued and orphaned Scan jobs every `pollMs`; a pass never overlaps the previous one. */
    start(pollMs: number): void {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = tick().catch((err) => deps.log?.error('Scan jobs check failed', { err })).finally(() => (running = null));
      }, pollMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
