// Strikes: configured watchers, each run by one server process at a time (a lease on its row, so a
// dead process's Strike is taken over). A dir-watcher sweep lists the watched directory: files
// still ending in the transfer suffix are TRANSFERRING (size tracked); the rest are ingested in
// batches. An s3 monitor polls its bucket for objects not yet ingested or set aside.
// Each run of a Strike is a job of the system job type scale-strike (ingest-jobs.ts): made RUNNING
// when the Strike is created or started again, CANCELED when it is stopped; what its sweeps do is
// that job's log. This service is the one owner of that pairing: a cancel or a requeue of the job
// through the jobs API stops or restarts the Strike on the next sweep (reconcile).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db, Queryable, Row } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { listDir } from '../../storage/host-broker.ts';
import type { Logger } from '../../log.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { checkIngestRecipe, type IngestConfig, readStrikeConfig } from './config.ts';
import type { FoundFile, Ingester, SourceRoot } from './ingester.ts';
import { batchLines, type IngestJobs } from './ingest-jobs.ts';
import { EXE, FINAL_STATUSES, JOB, type JobStatus } from '../jobs/model.ts';
import type { JobType } from '../job-types/service.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { type Creatable, ingestNaming } from './naming.ts';

export interface Strike {
  id: number;
  name: string;
  title: string | null;
  description: string | null;
  configuration: Record<string, unknown>;
  isActive: boolean;
  /** Its current (or last) run: a scale-strike job. */
  jobId: number | null;
  created: Date;
  lastModified: Date;
}

const toStrike = (r: Row): Strike => ({
  id: r.id, name: r.name, title: r.title, description: r.description, configuration: r.configuration, isActive: r.is_active,
  jobId: r.job_id === null || r.job_id === undefined ? null : Number(r.job_id), created: r.created, lastModified: r.last_modified,
});

export interface StrikeFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  names?: string[];
}

const ORDERABLE: Record<string, string> = Object.fromEntries(['id', 'name', 'title', 'description', 'is_active', 'created', 'last_modified'].map((k) => [k, k]));

type LockedRow = Row & { job_status: JobStatus | null };

const BATCH = 500;
const SET_ASIDE = new Set(['deferred', 'duplicate']);

export type StrikeService = ReturnType<typeof createStrikeService>;

export function createStrikeService(deps: { db: Db; workspaces: WorkspaceService; ingester: Ingester; ingestJobs: IngestJobs; log?: Logger }) {
  const { db, workspaces, ingester, ingestJobs } = deps;
  // The lease holder's name; once started on a node it ends in @<node name>, so that this node's next
  // process (after a crash) takes its dead predecessor's leases at once instead of waiting them out.
  let me = `strike-${process.pid}-${randomUUID().slice(0, 8)}`;
  let node = '';
  const recovered = new Set<number>();

  /** The configuration checked, and its workspaces found (400 naming the field otherwise). */
  async function checked(json: unknown): Promise<IngestConfig> {
    const c = readStrikeConfig(json);
    if (c.source.kind === 'workspace') {
      const ws = await workspaces.byName(c.source.workspace);
      if (!ws) throw new Invalid('configuration.workspace', `workspace ${JSON.stringify(c.source.workspace)} does not exist`);
      const type = ws.jsonConfig.broker.type;
      if (c.monitor.type === 'dir-watcher' && type !== 'host') throw new Invalid('configuration.monitor.type', `a dir-watcher watches a host workspace; ${ws.name} is ${type}`);
      if (c.monitor.type === 's3' && type !== 's3') throw new Invalid('configuration.monitor.type', `an s3 monitor watches an s3 workspace; ${ws.name} is ${type}`);
    }
    for (const [i, r] of c.rules.entries()) {
      if (r.newWorkspace && !(await workspaces.byName(r.newWorkspace))) throw new Invalid(`configuration.files_to_ingest[${i}].${c.version === '1.0' ? 'workspace_name' : 'new_workspace'}`, `workspace ${JSON.stringify(r.newWorkspace)} does not exist`);
    }
    await checkIngestRecipe(db, c);
    return c;
  }

  async function get(id: number): Promise<Strike> {
    const res = await db.query('SELECT * FROM strike WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('strike', id);
    return toStrike(res.rows[0]);
  }

  async function list(): Promise<Strike[]> {
    return (await db.query('SELECT * FROM strike ORDER BY id')).rows.map(toStrike);
  }

  /** A page of Strikes (Scale's /strikes/ filters: last_modified range, names; ordered by last_modified). */
  async function page(f: StrikeFilter): Promise<ListResult<Strike>> {
    const where = new Where().range('last_modified', f.started, f.ended).anyOf('name', f.names, 'text');
    const res = await pagedList(db, { select: '*', from: 'strike', where, orderSql: orderBy(f.order, ORDERABLE, ['last_modified']), tiebreak: 'id', page: f });
    return { count: res.count, rows: res.rows.map(toStrike) };
  }

  const naming = ingestNaming(db, 'strike', checked);
  /** What create would say of this input, without creating anything (v6 /strikes/validation/). */
  const validate = naming.problems;

  const commandOf = (id: number) => `scale_strike -i ${id}`;

  /** The Strike's row locked, with its job's status. */
  async function locked(tx: Queryable, id: number): Promise<LockedRow | null> {
    const res = await tx.query('SELECT s.*, j.status AS job_status FROM strike s LEFT JOIN job j ON j.id = s.job_id WHERE s.id = $1 FOR UPDATE OF s', [id]);
    return (res.rows[0] as LockedRow | undefined) ?? null;
  }

  /**
   * Starts the Strike's run, in the caller's transaction: a requeued job (PENDING) runs again, a
   * RUNNING one goes on, otherwise a new job. `type` is read before the transaction (it may be made).
   */
  async function startRun(tx: Queryable, row: LockedRow, type: JobType): Promise<'running' | 'resumed' | 'started'> {
    let how: 'running' | 'resumed' | 'started' = 'running';
    if (row.job_status === JOB.PENDING && (await ingestJobs.resume(tx, Number(row.job_id), commandOf(row.id))) !== null) how = 'resumed';
    else if (row.job_status !== JOB.RUNNING) {
      const { jobId } = await ingestJobs.start(tx, type, { 'Strike ID': String(row.id) }, commandOf(row.id));
      await tx.query('UPDATE strike SET job_id = $2 WHERE id = $1', [row.id, jobId]);
      how = 'started';
    }
    await tx.query('UPDATE strike SET is_active = true, last_modified = now() WHERE id = $1 AND NOT is_active', [row.id]);
    return how;
  }

  /** Stops the Strike's run, in the caller's transaction: its job is CANCELED. */
  async function stopRun(tx: Queryable, row: LockedRow): Promise<void> {
    if (row.job_id !== null && row.job_status !== null && !FINAL_STATUSES.includes(row.job_status)) await ingestJobs.stop(tx, Number(row.job_id));
    await tx.query('UPDATE strike SET is_active = false, last_modified = now() WHERE id = $1 AND is_active', [row.id]);
  }

  /** What the Strike watches, for its log. */
  function describe(c: IngestConfig): string {
    const where = c.source.kind === 'dir' ? `directory ${c.source.dir}` : `workspace ${c.source.workspace}`;
    const how = c.monitor.type === 'dir-watcher' ? `dir-watcher, transfer suffix ${JSON.stringify(c.monitor.transferSuffix)}` : c.monitor.type;
    return `watching ${where} (${how}) with ${c.rules.length} rule(s)`;
  }

  async function create(given: Creatable): Promise<Strike> {
    const input = await naming.named(given);
    const c = await checked(input.configuration);
    const type = await ingestJobs.jobType('strike');
    let id: number;
    try {
      id = await db.transaction(async (tx) => {
        const res = await tx.query('INSERT INTO strike (name, title, description, configuration) VALUES ($1, $2, $3, $4) RETURNING id', [input.name, input.title ?? null, input.description ?? null, JSON.stringify(input.configuration)]);
        const made = Number(res.rows[0].id);
        await startRun(tx, (await locked(tx, made))!, type);
        return made;
      });
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`a Strike named ${JSON.stringify(input.name)} already exists`);
      throw err;
    }
    const s = await get(id);
    await ingestJobs.log(s.jobId, 'stdout', `Strike ${s.name} (id ${s.id}) started: ${describe(c)}`);
    return s;
  }

  /** Edits a Strike; `is_active` stops it (its job CANCELED) or starts it again (a new job, or its requeued one). */
  async function edit(id: number, input: { title?: unknown; description?: unknown; configuration?: unknown; is_active?: unknown }): Promise<Strike> {
    await get(id);
    if (input.configuration !== undefined) await checked(input.configuration);
    if (input.is_active !== undefined && typeof input.is_active !== 'boolean') throw new Invalid('is_active', 'must be a boolean');
    const type = input.is_active === true ? await ingestJobs.jobType('strike') : null;
    const how = await db.transaction(async (tx) => {
      const row = await locked(tx, id);
      if (!row) throw new NotFound('strike', id);
      await tx.query(
        `UPDATE strike SET title = CASE WHEN $2 THEN $3 ELSE title END, description = CASE WHEN $4 THEN $5 ELSE description END,
                configuration = coalesce($6::jsonb, configuration), last_modified = now() WHERE id = $1`,
        [id, input.title !== undefined, input.title ?? null, input.description !== undefined, input.description ?? null, input.configuration === undefined ? null : JSON.stringify(input.configuration)],
      );
      if (input.is_active === true) return startRun(tx, row, type!);
      if (input.is_active === false && (row.is_active || row.job_status === JOB.RUNNING || row.job_status === JOB.PENDING)) {
        await stopRun(tx, row);
        return 'stopped';
      }
      return null;
    });
    const s = await get(id);
    if (input.configuration !== undefined) await ingestJobs.log(s.jobId, 'stdout', `configuration changed: ${describe(readStrikeConfig(s.configuration))}`);
    if (how === 'stopped') await ingestJobs.log(s.jobId, 'stdout', `Strike ${s.name} stopped (is_active set to false)`);
    else if (how === 'started' || how === 'resumed') await ingestJobs.log(s.jobId, 'stdout', `Strike ${s.name} (id ${s.id}) started again: ${describe(readStrikeConfig(s.configuration))}`);
    return s;
  }

  /**
   * Keeps each Strike and its job in step when the job was moved through the jobs API: a Strike
   * whose job was canceled stops, one whose job was requeued (PENDING) starts again, and an active
   * Strike with no job (made before Strikes had jobs) gets one. Every server runs it on each sweep;
   * the row lock and the re-read under it make each change once.
   */
  async function reconcile(): Promise<void> {
    const res = await db.query<{ id: number }>(
      `SELECT s.id FROM strike s LEFT JOIN job j ON j.id = s.job_id
        WHERE (s.is_active AND (s.job_id IS NULL OR j.status = ANY($1::text[]))) OR j.status = $2 ORDER BY s.id`,
      [FINAL_STATUSES, JOB.PENDING],
    );
    if (!res.rows.length) return;
    const type = await ingestJobs.jobType('strike');
    for (const { id } of res.rows) {
      const done = await db.transaction(async (tx): Promise<string | null> => {
        const row = await locked(tx, id);
        if (!row) return null;
        if (row.job_status === JOB.PENDING) return (await startRun(tx, row, type)) === 'resumed' ? 'started again: its job was requeued' : null;
        if (!row.is_active) return null;
        if (row.job_id === null) return (await startRun(tx, row, type)) === 'started' ? 'started (it had no job yet)' : null;
        if (row.job_status !== null && FINAL_STATUSES.includes(row.job_status)) {
          await tx.query('UPDATE strike SET is_active = false, last_modified = now() WHERE id = $1', [id]);
          await ingestJobs.closeExecutions(tx, Number(row.job_id), EXE.CANCELED);
          return `stopped: its job is ${row.job_status}`;
        }
        return null;
      });
      if (done) {
        const s = await get(id);
        await ingestJobs.log(s.jobId, 'stdout', `Strike ${s.name} ${done}`);
      }
    }
  }

  /** Ingests a batch found by a sweep and writes what happened to the Strike's job log; returns the files ingested. */
  async function ingestLogged(s: Strike, c: IngestConfig, src: SourceRoot, files: FoundFile[]): Promise<number> {
    const r = await ingester.ingestBatch({ strikeId: s.id, scanId: null }, c, src, files);
    if (r.plan.length) await ingestJobs.log(s.jobId, 'stdout', batchLines(r));
    if (r.errored) await ingestJobs.log(s.jobId, 'stderr', `${r.errored} file(s) could not be ingested: their ingests (status ERRORED) say why`);
    return r.ingested;
  }

  async function sourceOf(c: IngestConfig): Promise<SourceRoot> {
    if (c.source.kind === 'dir') return { dir: c.source.dir, workspace: null, broker: null };
    const ws = await workspaces.byName(c.source.workspace);
    if (!ws) throw new Error(`workspace ${c.source.workspace} is gone`);
    const broker = workspaces.broker(ws);
    return { dir: ws.jsonConfig.broker.type === 'host' ? String(ws.jsonConfig.broker.host_path) : null, workspace: ws, broker };
  }

  /** One sweep of a dir-watcher: transfers tracked, finished files ingested. */
  async function sweepDir(s: Strike, c: IngestConfig, src: SourceRoot): Promise<number> {
    const suffix = c.monitor.type === 'dir-watcher' ? c.monitor.transferSuffix : '';
    await fs.mkdir(src.dir!, { recursive: true });
    const entries = (await listDir(src.dir!, src.dir!, false)).filter((f) => !SET_ASIDE.has(f.relPath.split('/')[0]));
    const moving = entries.filter((f) => suffix && f.relPath.endsWith(suffix));
    if (moving.length) {
      await db.query(
        `INSERT INTO ingest (file_name, strike_id, status, bytes_transferred, transfer_started, file_path, workspace_id)
         SELECT t.name, $1, 'TRANSFERRING', t.size, now(), t.path, $2 FROM unnest($3::text[], $4::bigint[], $5::text[]) AS t(name, size, path)
         ON CONFLICT (strike_id, file_name) WHERE status IN ('TRANSFERRING', 'QUEUED', 'INGESTING') DO UPDATE SET bytes_transferred = EXCLUDED.bytes_transferred, last_modified = now()`,
        [s.id, src.workspace?.id ?? null, moving.map((f) => f.relPath.slice(0, -suffix.length)), moving.map((f) => f.size), moving.map((f) => f.relPath)],
      );
    }
    let ready = entries.filter((f) => !(suffix && f.relPath.endsWith(suffix)));
    if (!ready.length) return 0;
    // A file that failed lately (same name and size) is tried again only after RETRY_AFTER_SECONDS.
    const failed = await db.query<{ file_path: string; file_size: string }>(
      `SELECT DISTINCT file_path, file_size::text FROM ingest WHERE strike_id = $1 AND status = 'ERRORED' AND retry_after > now() AND file_path = ANY($2::text[])`,
      [s.id, ready.map((f) => f.relPath)],
    );
    const waiting = new Set(failed.rows.map((r) => `${r.file_path}\u0000${r.file_size}`));
    ready = ready.filter((f) => !waiting.has(`${f.relPath}\u0000${f.size}`));
    if (!ready.length) return 0;
    // Transfers that finished (renamed without the suffix) are TRANSFERRED before they are ingested.
    const open = await db.query<{ id: number; file_name: string; status: string }>(
      `UPDATE ingest SET status = CASE WHEN status = 'TRANSFERRING' THEN 'TRANSFERRED' ELSE status END,
              transfer_ended = CASE WHEN status = 'TRANSFERRING' THEN now() ELSE transfer_ended END, last_modified = now()
        WHERE strike_id = $1 AND status IN ('TRANSFERRING', 'QUEUED', 'INGESTING') AND file_name = ANY($2::text[]) RETURNING id, file_name, status`,
      [s.id, ready.map((f) => f.relPath)],
    );
    const byName = new Map(open.rows.map((r) => [r.file_name, r]));
    const found: FoundFile[] = ready
      // A file whose ingest is still open elsewhere (another batch in flight) waits.
      .filter((f) => byName.get(f.relPath)?.status !== 'INGESTING' && byName.get(f.relPath)?.status !== 'QUEUED')
      .map((f) => ({ name: path.basename(f.relPath), relPath: f.relPath, size: f.size, ...(byName.has(f.relPath) ? { recordId: byName.get(f.relPath)!.id } : {}) }));
    let n = 0;
    for (let i = 0; i < found.length; i += BATCH) n += await ingestLogged(s, c, src, found.slice(i, i + BATCH));
    return n;
  }

  /** Objects of an s3 Strike's bucket not ingested yet, not set aside before, and not being ingested now. */
  async function unseen(s: Strike, src: SourceRoot, objects: { relPath: string; size: number }[]): Promise<FoundFile[]> {
    const known = await db.query<{ file_path: string }>(
      `SELECT file_path FROM scale_file WHERE workspace_id = $1 AND file_path = ANY($2::text[]) AND NOT is_deleted
       UNION SELECT file_path FROM ingest WHERE strike_id = $3 AND status IN ('DEFERRED', 'DUPLICATE', 'QUEUED', 'INGESTING') AND file_path = ANY($2::text[])`,
      [src.workspace!.id, objects.map((o) => o.relPath), s.id],
    );
    const skip = new Set(known.rows.map((r) => r.file_path));
    return objects.filter((o) => !skip.has(o.relPath)).map((o) => ({ name: path.basename(o.relPath), relPath: o.relPath, size: o.size }));
  }

  /** One poll of an s3 monitor: objects not ingested yet and not set aside before. */
  async function sweepS3(s: Strike, c: IngestConfig, src: SourceRoot): Promise<number> {
    const objects = await src.broker!.list({ recursive: true });
    if (!objects.length) return 0;
    const found = await unseen(s, src, objects);
    let n = 0;
    for (let i = 0; i < found.length; i += BATCH) n += await ingestLogged(s, c, src, found.slice(i, i + BATCH));
    return n;
  }

  /**
   * S3 bucket notifications (S3 event JSON, as S3, MinIO or an SQS relay send them): ObjectCreated
   * records of eventVersion 2.x for the Strike's bucket are ingested at once. A record that is not
   * one (another version, another event, another bucket, no key) is skipped and reported, never
   * retried forever (Scale #1450, #616).
   */
  async function notify(id: number, body: unknown): Promise<{ ingested: number; skipped: { record: number; reason: string }[] }> {
    const s = await get(id);
    const c = readStrikeConfig(s.configuration);
    if (c.monitor.type !== 's3') throw new Invalid('monitor', `Strike ${s.name} does not watch a bucket (its monitor is ${c.monitor.type})`);
    const records = (body as { Records?: unknown } | null)?.Records;
    if (!Array.isArray(records)) throw new Invalid('Records', 'is required: an S3 event notification has a Records array');
    const src = await sourceOf(c);
    const bucket = String(src.workspace!.jsonConfig.broker.bucket_name);
    const skipped: { record: number; reason: string }[] = [];
    const wanted = new Map<string, number>();
    records.forEach((r: any, i) => {
      if (!r || typeof r !== 'object') return skipped.push({ record: i, reason: 'not an object' });
      if (typeof r.eventVersion !== 'string' || !r.eventVersion.startsWith('2.')) return skipped.push({ record: i, reason: `eventVersion ${JSON.stringify(r.eventVersion ?? null)} is not 2.x` });
      if (typeof r.eventName !== 'string' || !r.eventName.startsWith('ObjectCreated')) return skipped.push({ record: i, reason: `event ${JSON.stringify(r.eventName ?? null)} is not an ObjectCreated event` });
      if (r.s3?.bucket?.name !== bucket) return skipped.push({ record: i, reason: `bucket ${JSON.stringify(r.s3?.bucket?.name ?? null)} is not ${bucket}` });
      if (typeof r.s3?.object?.key !== 'string' || !r.s3.object.key) return skipped.push({ record: i, reason: 'no object key' });
      let key: string;
      try {
        // Keys arrive URL-encoded, spaces as '+'.
        key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
      } catch {
        return skipped.push({ record: i, reason: 'the object key is not URL-encoded text' });
      }
      wanted.set(key, Number(r.s3.object.size ?? 0));
      return undefined;
    });
    if (!wanted.size) return { ingested: 0, skipped };
    const found = await unseen(s, src, [...wanted].map(([relPath, size]) => ({ relPath, size })));
    const ingested = found.length ? await ingestLogged(s, c, src, found) : 0;
    return { ingested, skipped };
  }

  /** Sweeps every active Strike this process holds the lease of (or takes over); returns the files ingested. */
  async function tick(leaseSeconds: number): Promise<number> {
    await reconcile().catch((err) => deps.log?.error('keeping Strikes and their jobs in step failed', { err }));
    const claimed = await db.query(
      `UPDATE strike SET monitor_owner = $1, monitor_lease = now() + make_interval(secs => $2)
        WHERE is_active AND (monitor_owner IS NULL OR monitor_owner = $1 OR monitor_lease < now()
                             OR ($3 <> '' AND split_part(monitor_owner, '@', 2) = $3)) RETURNING *`,
      [me, leaseSeconds, node],
    );
    let n = 0;
    for (const row of claimed.rows) {
      const s = toStrike(row);
      try {
        const c = readStrikeConfig(s.configuration);
        const src = await sourceOf(c);
        if (!recovered.has(s.id)) {
          await ingester.recoverOpen({ strikeId: s.id, scanId: null }, src);
          recovered.add(s.id);
        }
        n += c.monitor.type === 's3' ? await sweepS3(s, c, src) : await sweepDir(s, c, src);
      } catch (err) {
        deps.log?.error('Strike sweep failed', { strike: s.name, err });
        await ingestJobs.log(s.jobId, 'stderr', `sweep failed (tried again next time): ${(err as Error)?.message ?? String(err)}`);
      }
    }
    return n;
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  return {
    get, list, page, validate, create, edit, tick, notify, reconcile,
    /**
     * Sweeps every `pollMs` (Scale: 60 s); a sweep never overlaps the previous one. `nodeName` (one
     * process per node, as the scheduler requires) lets a restarted node take its leases back at once.
     */
    start(pollMs: number, nodeName = ''): void {
      if (timer) return;
      if (nodeName && !node) {
        node = nodeName;
        me = `${me}@${node}`;
      }
      const leaseSeconds = Math.max(30, Math.ceil((pollMs * 3) / 1000));
      timer = setInterval(() => {
        if (running) return;
        running = tick(leaseSeconds).catch((err) => deps.log?.error('Strike monitors failed', { err })).finally(() => (running = null));
      }, pollMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
      await db.query('UPDATE strike SET monitor_owner = NULL, monitor_lease = NULL WHERE monitor_owner = $1', [me]).catch(() => {});
    },
  };
}
