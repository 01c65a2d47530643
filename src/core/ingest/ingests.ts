// Ingest records as the API lists them (seed 002 /ingests/, /ingests/{id}/ or by file name,
// /ingests/status/, and a source file's ingests, /sources/{id}/ingests/).
import type { Db, Row } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { NotFound } from '../../errors.ts';

export const INGEST_STATUSES = ['TRANSFERRING', 'TRANSFERRED', 'DEFERRED', 'INGESTING', 'INGESTED', 'ERRORED', 'DUPLICATE'] as const;

export interface Ingest {
  id: number;
  fileName: string;
  strikeId: number | null;
  scanId: number | null;
  status: string;
  bytesTransferred: number | null;
  transferStarted: Date | null;
  transferEnded: Date | null;
  mediaType: string | null;
  fileSize: number | null;
  dataTypes: string[];
  filePath: string | null;
  workspaceId: number | null;
  newFilePath: string | null;
  newWorkspaceId: number | null;
  error: string | null;
  ingestStarted: Date | null;
  ingestEnded: Date | null;
  sourceFileId: number | null;
  created: Date;
  lastModified: Date;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const toIngest = (r: Row): Ingest => ({
  id: Number(r.id), fileName: r.file_name, strikeId: r.strike_id, scanId: r.scan_id, status: r.status, bytesTransferred: num(r.bytes_transferred), transferStarted: r.transfer_started,
  transferEnded: r.transfer_ended, mediaType: r.media_type, fileSize: num(r.file_size), dataTypes: r.data_type_tags ?? [], filePath: r.file_path, workspaceId: r.workspace_id,
  newFilePath: r.new_file_path, newWorkspaceId: r.new_workspace_id, error: r.error, ingestStarted: r.ingest_started, ingestEnded: r.ingest_ended, sourceFileId: num(r.source_file_id),
  created: r.created, lastModified: r.last_modified,
});

const ORDERABLE: Record<string, string> = Object.fromEntries(['id', 'file_name', 'status', 'created', 'last_modified', 'ingest_started', 'ingest_ended', 'file_size'].map((k) => [k, k]));

export interface IngestFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  statuses?: string[];
  strikeIds?: number[];
  scanIds?: number[];
  fileNames?: string[];
  /** Ingests that made these source files. */
  sourceFileIds?: number[];
}

export function createIngestQueries(db: Db) {
  return {
    async list(f: IngestFilter): Promise<ListResult<Ingest>> {
      const where = new Where().range('last_modified', f.started, f.ended).anyOf('status', f.statuses, 'text').anyOf('strike_id', f.strikeIds, 'int').anyOf('scan_id', f.scanIds, 'int').anyOf('file_name', f.fileNames, 'text')
        .anyOf('source_file_id', f.sourceFileIds, 'bigint');
      const res = await pagedList(db, { select: '*', from: 'ingest', where, orderSql: orderBy(f.order, ORDERABLE, ['-last_modified']), tiebreak: 'id', page: f });
      return { count: res.count, rows: res.rows.map(toIngest) };
    },
    async get(id: number): Promise<Ingest> {
      const res = await db.query('SELECT * FROM ingest WHERE id = $1', [id]);
      if (!res.rows[0]) throw new NotFound('ingest', id);
      return toIngest(res.rows[0]);
    },
    /** The newest ingest of a file name (Scale 5's /ingests/{file_name}/). */
    async byFileName(fileName: string): Promise<Ingest> {
      const res = await db.query('SELECT * FROM ingest WHERE file_name = $1 ORDER BY created DESC, id DESC LIMIT 1', [fileName]);
      if (!res.rows[0]) throw new NotFound('ingest', fileName);
      return toIngest(res.rows[0]);
    },
    /** Ingested files and bytes per Strike, per hour (seed 002 /ingests/status/). */
    async status(f: { started?: Date | null; ended?: Date | null; useIngestTime: boolean }): Promise<{ strikeId: number; mostRecent: Date | null; files: number; size: number; values: { time: Date; files: number; size: number }[] }[]> {
      const col = f.useIngestTime ? 'ingest_ended' : 'transfer_ended';
      const where = new Where().add("status = 'INGESTED'").add('strike_id IS NOT NULL').range(col, f.started, f.ended);
      const res = await db.query<{ strike_id: number; hour: Date; files: number; size: string; most_recent: Date }>(
        `SELECT strike_id, date_trunc('hour', ${col}) AS hour, count(*)::int AS files, coalesce(sum(file_size), 0)::text AS size, max(${col}) AS most_recent
           FROM ingest ${where.sql()} GROUP BY strike_id, hour ORDER BY strike_id, hour`,
        where.params,
      );
      const out = new Map<number, { strikeId: number; mostRecent: Date | null; files: number; size: number; values: { time: Date; files: number; size: number }[] }>();
      for (const r of res.rows) {
        const e = out.get(r.strike_id) ?? { strikeId: r.strike_id, mostRecent: null, files: 0, size: 0, values: [] };
        e.files += r.files;
        e.size += Number(r.size);
        if (!e.mostRecent || r.most_recent > e.mostRecent) e.mostRecent = r.most_recent;
        e.values.push({ time: r.hour, files: r.files, size: Number(r.size) });
        out.set(r.strike_id, e);
      }
      return [...out.values()];
    },
  };
}
