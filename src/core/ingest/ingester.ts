// Brings a batch of found files in (Scale's ingest job, per file, done here in batches so a
// thousand files cost a handful of statements): the first matching rule decides where each goes;
// no rule → DEFERRED (moved aside to deferred/); the same name and size already ingested →
// DUPLICATE (moved aside to duplicate/); otherwise QUEUED (recorded, waiting for its batch, as
// Scale's ingest waits for its ingest job) → INGESTING (the batch moves it) → moved into its
// workspace at <new_file_path>/YYYY/MM/DD/<name> → INGESTED with its SOURCE file. The record is written before
// the file moves, so a crash in between is finished, not repeated, on restart (recoverOpen).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db, Queryable } from '../../store/db.ts';
import type { Broker } from '../../storage/broker.ts';
import { hashFile } from '../../storage/host-broker.ts';
import { mediaTypeFor } from '../files/service.ts';
import type { Workspace, WorkspaceService } from '../workspaces/service.ts';
import { readSidecar } from '../jobs/seed-capture.ts';
import { type IngestConfig, matchRule, targetPath } from './config.ts';

const SIDECAR = '.metadata.json';
/** How long a file whose ingest failed waits before it is tried again. */
export const RETRY_AFTER_SECONDS = 300;

/** A file a monitor or scanner found: its name, where it is relative to the source root, and its size. */
export interface FoundFile {
  name: string;
  relPath: string;
  size: number;
  /** An open TRANSFERRING record for it (dir-watcher), to carry on instead of starting another. */
  recordId?: number;
}

/** Where files are found: a directory on this machine, or a workspace (host or S3). */
export interface SourceRoot {
  dir: string | null;
  workspace: Workspace | null;
  broker: Broker | null;
}

export interface IngestOwner {
  strikeId: number | null;
  scanId: number | null;
}

export interface BatchResult {
  ingested: number;
  deferred: number;
  duplicates: number;
  errored: number;
}

export type Ingester = ReturnType<typeof createIngester>;

export function createIngester(deps: {
  db: Db;
  workspaces: WorkspaceService;
  onIngested?: (files: { ingestId: number; fileId: number; owner: IngestOwner }[]) => Promise<void>;
  updateMetadata?: (updates: { fileId: number; geometry?: unknown; dataStarted?: string | null; dataEnded?: string | null; dataTypes?: string[]; metaData?: Record<string, unknown> }[]) => Promise<void>;
}) {
  const { db, workspaces } = deps;

  /** The file on this machine: itself for a directory, a cached download for a workspace. */
  async function localOf(src: SourceRoot, relPath: string): Promise<string> {
    if (src.dir) return path.join(src.dir, relPath);
    if (src.broker!.type === 'host') return src.broker!.localPath(relPath);
    // An S3 object is downloaded once, to a private copy the target broker may move or upload.
    const cached = await src.broker!.localPath(relPath);
    const own = `${cached}.${randomUUID()}.ingest`;
    await fs.copyFile(cached, own);
    return own;
  }

  /** Moves a deferred or duplicate file aside (a directory source), so it is not found again. */
  async function moveAside(src: SourceRoot, relPath: string, folder: 'deferred' | 'duplicate'): Promise<void> {
    if (!src.dir) return;
    const to = path.join(src.dir, folder, path.basename(relPath));
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rename(path.join(src.dir, relPath), to);
  }

  async function writeRecords(q: Queryable, owner: IngestOwner, rows: { file: FoundFile; status: string; workspaceId: number | null; newPath: string | null; newWorkspaceId: number | null; dataTypes: string[] }[]): Promise<number[]> {
    if (!rows.length) return [];
    // Records already open (a transfer seen earlier) are carried on; the rest are new.
    const ids = new Array<number>(rows.length);
    const fresh = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.file.recordId === undefined);
    const open = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.file.recordId !== undefined);
    if (fresh.length) {
      const res = await q.query<{ id: number }>(
        `INSERT INTO ingest (file_name, strike_id, scan_id, status, file_size, bytes_transferred, media_type, data_type_tags, file_path, workspace_id, new_file_path, new_workspace_id, transfer_ended, ingest_started)
         SELECT t.name, $1, $2, t.status, t.size, t.size, t.media, t.tags::jsonb, t.path, t.ws, t.new_path, t.new_ws, now(), NULL
           FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[], $11::int[]) WITH ORDINALITY
                AS t(name, status, size, media, tags, path, ws, new_path, new_ws, n)
          ORDER BY t.n RETURNING id`,
        [owner.strikeId, owner.scanId, fresh.map(({ r }) => r.file.name), fresh.map(({ r }) => r.status), fresh.map(({ r }) => r.file.size), fresh.map(({ r }) => mediaTypeFor(r.file.name)),
          fresh.map(({ r }) => JSON.stringify(r.dataTypes)), fresh.map(({ r }) => r.file.relPath), fresh.map(({ r }) => r.workspaceId), fresh.map(({ r }) => r.newPath), fresh.map(({ r }) => r.newWorkspaceId)],
      );
      res.rows.forEach((row, k) => (ids[fresh[k].i] = row.id));
    }
    for (const { r, i } of open) {
      await q.query(
        `UPDATE ingest SET status = $2, file_size = $3, bytes_transferred = $3, transfer_ended = now(), file_path = $4, new_file_path = $5, new_workspace_id = $6,
                data_type_tags = $7, ingest_started = NULL, last_modified = now() WHERE id = $1`,
        [r.file.recordId, r.status, r.file.size, r.file.relPath, r.newPath, r.newWorkspaceId, JSON.stringify(r.dataTypes)],
      );
      ids[i] = r.file.recordId!;
    }
    return ids;
  }

  /**
   * Ingests a batch. `dryRun` (Scan) only says what would happen. Files that vanish or cannot be
   * read become ERRORED ingests with the reason; nothing throws for one file.
   */
  async function ingestBatch(owner: IngestOwner, config: IngestConfig, src: SourceRoot, files: FoundFile[], opts: { dryRun?: boolean } = {}): Promise<BatchResult & { plan: { file: string; status: string; workspace: string | null; path: string | null }[] }> {
    const now = new Date();
    // <file>.metadata.json beside <file> (SEED side-car GeoJSON) is its metadata, not a file of its
    // own; one whose file is not here yet (still being copied) waits for it.
    const names = new Set(files.map((f) => f.relPath));
    const sidecars = new Map<string, FoundFile>();
    files = files.filter((f) => {
      if (!f.relPath.endsWith(SIDECAR)) return true;
      const base = f.relPath.slice(0, -SIDECAR.length);
      if (names.has(base)) sidecars.set(base, f);
      return false;
    });
    const wsByName = new Map<string, Workspace | null>();
    const wsNamed = async (name: string) => {
      if (!wsByName.has(name)) wsByName.set(name, await workspaces.byName(name));
      return wsByName.get(name)!;
    };
    // Same name and size as a SOURCE file already in: a duplicate (Scale #1885).
    const dupRes = files.length
      ? await db.query<{ file_name: string; file_size: string }>(
        `SELECT DISTINCT f.file_name, f.file_size::text FROM scale_file f JOIN unnest($1::text[], $2::bigint[]) AS c(name, size) ON f.file_name = c.name AND f.file_size = c.size
          WHERE f.file_type = 'SOURCE' AND NOT f.is_deleted`,
        [files.map((f) => f.name), files.map((f) => f.size)],
      )
      : { rows: [] };
    const dups = new Set(dupRes.rows.map((r) => `${r.file_name}\u0000${r.file_size}`));
    const seen = new Set<string>();
    const rows: Parameters<typeof writeRecords>[2] = [];
    const plan: { file: string; status: string; workspace: string | null; path: string | null }[] = [];
    for (const file of files) {
      const rule = matchRule(config.rules, file.name);
      const key = `${file.name}\u0000${file.size}`;
      if (!rule) {
        rows.push({ file, status: 'DEFERRED', workspaceId: src.workspace?.id ?? null, newPath: null, newWorkspaceId: null, dataTypes: [] });
        plan.push({ file: file.relPath, status: 'DEFERRED', workspace: null, path: null });
        continue;
      }
      if (dups.has(key) || seen.has(key)) {
        rows.push({ file, status: 'DUPLICATE', workspaceId: src.workspace?.id ?? null, newPath: null, newWorkspaceId: null, dataTypes: rule.dataTypes });
        plan.push({ file: file.relPath, status: 'DUPLICATE', workspace: null, path: null });
        continue;
      }
      seen.add(key);
      const target = rule.newWorkspace ? await wsNamed(rule.newWorkspace) : src.workspace;
      // A Scan rule that names no new place registers the file where it is.
      const inPlace = config.monitor.type === 'scan' && !rule.newWorkspace && !rule.newFilePath;
      const newPath = inPlace ? file.relPath : targetPath(rule, file.name, now);
      rows.push({ file, status: target ? 'QUEUED' : 'ERRORED', workspaceId: src.workspace?.id ?? null, newPath, newWorkspaceId: target?.id ?? null, dataTypes: rule.dataTypes });
      plan.push({ file: file.relPath, status: target ? 'INGESTED' : 'ERRORED', workspace: target?.name ?? rule.newWorkspace, path: newPath });
    }
    const result: BatchResult = { ingested: 0, deferred: 0, duplicates: 0, errored: 0 };
    if (opts.dryRun) {
      for (const p of plan) {
        if (p.status === 'INGESTED') result.ingested++;
        else if (p.status === 'DEFERRED') result.deferred++;
        else if (p.status === 'DUPLICATE') result.duplicates++;
        else result.errored++;
      }
      return { ...result, plan };
    }
    const ids = await writeRecords(db, owner, rows);
    // The batch starts: its QUEUED ingests are INGESTING (one statement for the batch).
    const queued = ids.filter((_, i) => rows[i].status === 'QUEUED');
    if (queued.length) {
      await db.query(`UPDATE ingest SET status = 'INGESTING', ingest_started = now(), last_modified = now() WHERE id = ANY($1::bigint[]) AND status = 'QUEUED'`, [queued]);
    }

    const errors: { id: number; reason: string }[] = [];
    const done: { id: number; wsId: number; path: string; name: string; size: number; checksum: string; tags: string[] }[] = [];
    const work = rows.map((r, i) => ({ r, id: ids[i] }));
    // A few at a time: renames are quick, S3 uploads are not.
    const pool = 8;
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(pool, work.length) }, async () => {
      while (next < work.length) {
        const { r, id } = work[next++];
        try {
          if (r.status === 'DEFERRED') await moveAside(src, r.file.relPath, 'deferred');
          else if (r.status === 'DUPLICATE') await moveAside(src, r.file.relPath, 'duplicate');
          else if (r.status === 'ERRORED') errors.push({ id, reason: `workspace ${JSON.stringify(matchRule(config.rules, r.file.name)?.newWorkspace)} does not exist` });
          else {
            const ws = await workspaces.get(r.newWorkspaceId!);
            let stored;
            if (src.workspace && ws.id === src.workspace.id && r.newPath === r.file.relPath) {
              stored = await hashFile(await src.broker!.localPath(r.file.relPath));
            } else {
              const local = await localOf(src, r.file.relPath);
              stored = await workspaces.broker(ws).putFile(local, r.newPath!);
              if (src.broker && src.broker.type !== 'host' && !src.dir) await src.broker.delete(r.file.relPath);
            }
            done.push({ id, wsId: ws.id, path: r.newPath!, name: r.file.name, size: stored.size, checksum: stored.checksum, tags: r.dataTypes });
          }
        } catch (err: any) {
          const reason = err?.code === 'ENOENT' ? 'the file vanished before it could be ingested' : err?.code === 'EACCES' || err?.code === 'EPERM' ? `permission denied: ${err.message}` : (err?.message ?? String(err));
          errors.push({ id, reason });
        }
      }
    }));
    await finish(done, errors);
    if (sidecars.size) await applySidecars(src, done, sidecars, rows.map((r, i) => ({ relPath: r.file.relPath, id: ids[i] })));
    result.deferred = rows.filter((r) => r.status === 'DEFERRED').length;
    result.duplicates = rows.filter((r) => r.status === 'DUPLICATE').length;
    result.ingested = done.length;
    result.errored = errors.length;
    if (done.length && deps.onIngested) {
      const rec = await db.query<{ id: number; source_file_id: number }>('SELECT id, source_file_id FROM ingest WHERE id = ANY($1::bigint[])', [done.map((d) => d.id)]);
      await deps.onIngested(rec.rows.map((r) => ({ ingestId: r.id, fileId: Number(r.source_file_id), owner })));
    }
    return { ...result, plan };
  }

  /** Reads each ingested file's side-car into its geometry, times and data types, then removes the side-car from the source. */
  async function applySidecars(src: SourceRoot, done: { id: number }[], sidecars: Map<string, FoundFile>, byPath: { relPath: string; id: number }[]): Promise<void> {
    const ingested = new Set(done.map((d) => d.id));
    for (const { relPath, id } of byPath) {
      const side = sidecars.get(relPath);
      if (!side || !ingested.has(id)) continue;
      try {
        const local = src.dir ? path.join(src.dir, side.relPath) : await src.broker!.localPath(side.relPath);
        const r = await readSidecar(local);
        const fileId = (await db.query<{ source_file_id: string }>('SELECT source_file_id FROM ingest WHERE id = $1', [id])).rows[0]?.source_file_id;
        if (r.geo && fileId && deps.updateMetadata) {
          const tags = (await db.query<{ data_type_tags: string[] }>('SELECT data_type_tags FROM scale_file WHERE id = $1', [fileId])).rows[0]?.data_type_tags ?? [];
          await deps.updateMetadata([{ fileId: Number(fileId), geometry: r.geo.geoJson, dataStarted: r.geo.dataStarted, dataEnded: r.geo.dataEnded, dataTypes: [...new Set([...tags, ...(r.geo.dataTypes ?? [])])], metaData: r.geo.properties }]);
        } else if (r.error) {
          await db.query('UPDATE ingest SET error = $2 WHERE id = $1', [id, `side-car ignored: ${r.error}`]);
        }
        if (src.dir) await fs.rm(path.join(src.dir, side.relPath), { force: true });
        else await src.broker!.delete(side.relPath);
      } catch (err) {
        await db.query('UPDATE ingest SET error = $2 WHERE id = $1', [id, `side-car ignored: ${(err as Error).message}`]);
      }
    }
  }

  /** Registers the moved files as SOURCE files and closes their ingests (one transaction). */
  async function finish(done: { id: number; wsId: number; path: string; name: string; size: number; checksum: string; tags: string[] }[], errors: { id: number; reason: string; retryNow?: boolean }[]): Promise<void> {
    await db.transaction(async (tx) => {
      if (done.length) {
        await tx.query(
          `WITH f AS (
             INSERT INTO scale_file (workspace_id, file_name, file_path, file_type, media_type, file_size, checksum, uuid, data_type_tags)
             SELECT t.ws, t.name, t.path, 'SOURCE', t.media, t.size, t.checksum, md5(random()::text || clock_timestamp()::text || t.path), t.tags::jsonb
               FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS t(ws, name, path, media, size, checksum, tags)
             RETURNING id, workspace_id, file_path)
           UPDATE ingest i SET status = 'INGESTED', source_file_id = f.id, ingest_ended = now(), last_modified = now()
             FROM f, unnest($8::bigint[], $1::int[], $3::text[]) AS d(ingest_id, ws, path)
            WHERE i.id = d.ingest_id AND f.workspace_id = d.ws AND f.file_path = d.path`,
          [done.map((d) => d.wsId), done.map((d) => d.name), done.map((d) => d.path), done.map((d) => mediaTypeFor(d.name)), done.map((d) => d.size), done.map((d) => d.checksum), done.map((d) => JSON.stringify(d.tags)), done.map((d) => d.id)],
        );
      }
      if (errors.length) {
        // A failure is retried from its source after a pause (not every sweep); an interrupted ingest at once.
        await tx.query(
          `UPDATE ingest i SET status = 'ERRORED', error = e.reason, ingest_ended = now(), last_modified = now(),
                  retry_after = CASE WHEN e.retry_now THEN NULL ELSE now() + make_interval(secs => $4) END
             FROM unnest($1::bigint[], $2::text[], $3::boolean[]) AS e(id, reason, retry_now) WHERE i.id = e.id`,
          [errors.map((e) => e.id), errors.map((e) => e.reason), errors.map((e) => e.retryNow === true), RETRY_AFTER_SECONDS],
        );
      }
    });
  }

  /**
   * Finishes what a dead process left QUEUED or INGESTING: a file already at its target is registered; one
   * still at its source is ingested again by the next sweep (its record is closed as ERRORED only
   * when it is nowhere).
   */
  async function recoverOpen(owner: IngestOwner, src: SourceRoot): Promise<number> {
    const open = await db.query<{ id: number; file_name: string; file_path: string; new_file_path: string; new_workspace_id: number; data_type_tags: string[] }>(
      `SELECT id, file_name, file_path, new_file_path, new_workspace_id, data_type_tags FROM ingest WHERE status IN ('QUEUED', 'INGESTING') AND ${owner.strikeId !== null ? 'strike_id = $1' : 'scan_id = $1'}`,
      [owner.strikeId ?? owner.scanId],
    );
    const done: Parameters<typeof finish>[0] = [];
    const errors: Parameters<typeof finish>[1] = [];
    for (const r of open.rows) {
      const ws = await workspaces.get(r.new_workspace_id);
      const broker = workspaces.broker(ws);
      const size = await broker.size(r.new_file_path).catch(() => null);
      if (size !== null) {
        const local = await broker.localPath(r.new_file_path);
        const stored = await hashFile(local);
        done.push({ id: r.id, wsId: ws.id, path: r.new_file_path, name: r.file_name, size, checksum: stored.checksum, tags: r.data_type_tags });
        continue;
      }
      const stillThere = src.dir ? await fs.stat(path.join(src.dir, r.file_path)).then(() => true, () => false) : src.broker ? await src.broker.size(r.file_path).then(() => true, () => false) : false;
      // Still at its source: the record goes back to TRANSFERRED-and-closed; the next sweep opens a fresh one.
      errors.push({ id: r.id, reason: stillThere ? 'interrupted by a restart; ingested again from its source' : 'interrupted by a restart and the file is gone', retryNow: true });
    }
    await finish(done, errors);
    return open.rows.length;
  }

  return { ingestBatch, recoverOpen };
}
