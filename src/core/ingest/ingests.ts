// Ingest records as the API lists them (seed 002 /ingests/, /ingests/{id}/ or by file name,
// /ingests/status/, and a source file's ingests, /sources/{id}/ingests/).
import type { Db, Row } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { NotFound } from '../../errors.ts';

/** Scale 6's ingest statuses (ingest/models.py Ingest.INGEST_STATUSES), in the order an ingest takes them. */
export const INGEST_STATUSES = ['TRANSFERRING', 'TRANSFERRED', 'DEFERRED', 'QUEUED', 'INGESTING', 'INGESTED', 'ERRORED', 'DUPLICATE'] as const;
/** The statuses an ingest list may be filtered by. */
export const INGEST_FILTER_STATUSES = INGEST_STATUSES;

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
    /**
     * Ingest status per Strike as Scale's IngestManager.get_status gives it: every Strike, its
     * INGESTED files counted in hourly slots by the time of their data (the source file's
     * data_started; the range keeps files whose data ends after `started` and starts before `ended`)
     * or of their ingest (ingest_ended), each day from started's to ended's (today's when not given)
     * filled with 24 slots, empty ones as zeros.
     */
    async status(f: { started?: Date | null; ended?: Date | null; useIngestTime: boolean; now?: Date }): Promise<{ strikeId: number; mostRecent: Date | null; files: number; size: number; values: { time: Date; files: number; size: number }[] }[]> {
      const dated = f.useIngestTime ? 'i.ingest_ended' : 'sf.data_started';
      const where = new Where().add("i.status = 'INGESTED'").add('i.strike_id IS NOT NULL').add(`${dated} IS NOT NULL`);
      if (f.started) where.add(`${f.useIngestTime ? 'i.ingest_ended' : 'sf.data_ended'} >= ?`, f.started);
      if (f.ended) where.add(`${f.useIngestTime ? 'i.ingest_ended' : 'sf.data_started'} <= ?`, f.ended);
      const [strikes, res] = await Promise.all([
        db.query<{ id: number }>('SELECT id FROM strike ORDER BY id'),
        db.query<{ strike_id: number; hour: Date; files: number; size: string; most_recent: Date }>(
          `SELECT i.strike_id, date_trunc('hour', ${dated} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, count(*)::int AS files, coalesce(sum(i.file_size), 0)::text AS size, max(${dated}) AS most_recent
             FROM ingest i LEFT JOIN scale_file sf ON sf.id = i.source_file_id ${where.sql()} GROUP BY 1, 2 ORDER BY 1, 2`,
          where.params,
        ),
      ]);
      const DAY = 86_400_000;
      const now = f.now ?? new Date();
      const dayOf = (d: Date) => Math.floor(d.getTime() / DAY) * DAY;
      const first = dayOf(f.started ?? now);
      const last = dayOf(f.ended ?? now);
      const out = new Map<number, { strikeId: number; mostRecent: Date | null; files: number; size: number; slots: Map<number, { files: number; size: number }> }>();
      for (const s of strikes.rows) out.set(Number(s.id), { strikeId: Number(s.id), mostRecent: null, files: 0, size: 0, slots: new Map() });
      for (const r of res.rows) {
        const e = out.get(Number(r.strike_id));
        if (!e) continue;
        e.files += r.files;
        e.size += Number(r.size);
        if (!e.mostRecent || r.most_recent > e.mostRecent) e.mostRecent = r.most_recent;
        e.slots.set(new Date(r.hour).getTime(), { files: r.files, size: Number(r.size) });
      }
      return [...out.values()].map(({ slots, ...e }) => {
        const values: { time: Date; files: number; size: number }[] = [];
        for (let day = first; day <= last; day += DAY) {
          for (let h = 0; h < 24; h++) {
            const time = day + h * 3600_000;
            values.push({ time: new Date(time), ...(slots.get(time) ?? { files: 0, size: 0 }) });
          }
        }
        return { ...e, values };
      });
    },
  };
}
