// ScaleFile records: every file the system knows, in which workspace, where, how big, from where.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import mime from 'mime-types';
import type { Db, Queryable, Row } from '../../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { checkRelativePath } from '../../storage/host-broker.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { WorkspaceService } from '../workspaces/service.ts';

export type FileType = 'SOURCE' | 'PRODUCT';

/** The meta_data key of a file's CWL format IRI (kept for files a CWL run made or was given with one). */
export const CWL_FORMAT = 'cwl_format';
/** The meta_data key of the ids of a file's CWL secondary files (fetched beside it by its input's secondaryFiles patterns). */
export const CWL_SECONDARY_FILES = 'cwl_secondary_files';

export interface ScaleFile {
  id: number;
  workspaceId: number;
  workspaceName: string;
  workspaceBaseUrl: string | null;
  fileName: string;
  filePath: string;
  fileType: FileType;
  mediaType: string;
  fileSize: number;
  checksum: string | null;
  uuid: string;
  dataTypeTags: string[];
  metaData: Record<string, unknown>;
  geometry: unknown;
  centerPoint: unknown;
  countries: string[];
  dataStarted: Date | null;
  dataEnded: Date | null;
  sourceStarted: Date | null;
  sourceEnded: Date | null;
  /** Scale 6's source metadata (sourceSensorClass, … of a side-car, else the job's input files'). */
  sourceSensorClass: string | null;
  sourceSensor: string | null;
  sourceCollection: string | null;
  sourceTask: string | null;
  isDeleted: boolean;
  deleted: Date | null;
  jobId: number | null;
  jobExeId: number | null;
  jobTypeId: number | null;
  jobOutput: string | null;
  isPublished: boolean;
  published: Date | null;
  unpublished: Date | null;
  created: Date;
  lastModified: Date;
}

const SELECT = `f.*, w.name AS workspace_name, w.base_url AS workspace_base_url`;
const FROM = `scale_file f JOIN workspace w ON w.id = f.workspace_id`;
const ORDERABLE: Record<string, string> = {
  id: 'f.id', file_name: 'f.file_name', file_path: 'f.file_path', file_type: 'f.file_type', file_size: 'f.file_size',
  media_type: 'f.media_type', created: 'f.created', last_modified: 'f.last_modified', data_started: 'f.data_started', data_ended: 'f.data_ended',
};

export function toScaleFile(r: Row): ScaleFile {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    workspaceName: r.workspace_name,
    workspaceBaseUrl: r.workspace_base_url,
    fileName: r.file_name,
    filePath: r.file_path,
    fileType: r.file_type,
    mediaType: r.media_type,
    fileSize: r.file_size,
    checksum: r.checksum,
    uuid: r.uuid,
    dataTypeTags: r.data_type_tags ?? [],
    metaData: r.meta_data ?? {},
    geometry: r.geometry,
    centerPoint: r.center_point,
    countries: r.countries ?? [],
    dataStarted: r.data_started,
    dataEnded: r.data_ended,
    sourceStarted: r.source_started,
    sourceEnded: r.source_ended,
    sourceSensorClass: r.source_sensor_class ?? null,
    sourceSensor: r.source_sensor ?? null,
    sourceCollection: r.source_collection ?? null,
    sourceTask: r.source_task ?? null,
    isDeleted: r.is_deleted,
    deleted: r.deleted,
    jobId: r.job_id,
    jobExeId: r.job_exe_id,
    jobTypeId: r.job_type_id,
    jobOutput: r.job_output,
    isPublished: r.is_published,
    published: r.published,
    unpublished: r.unpublished ?? null,
    created: r.created,
    lastModified: r.last_modified,
  };
}

/** A side-car property that is a readable time (ISO 8601 with a zone), else null. */
function metaTime(meta: Record<string, unknown> | null | undefined, key: string): string | null {
  const v = meta?.[key];
  if (typeof v !== 'string' || !/(Z|[+-]\d\d:?\d\d)$/i.test(v)) return null;
  const t = new Date(v);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}

/** The media type a file name suggests, or application/octet-stream. */
export function mediaTypeFor(fileName: string): string {
  return mime.lookup(fileName) || 'application/octet-stream';
}

/** A safe file name: the last path segment, no control characters. */
export function cleanFileName(name: string): string {
  const base = path.basename(String(name).replace(/\\/g, '/')).replace(/[\x00-\x1f\x7f]/g, '').trim();
  if (!base || base === '.' || base === '..') throw new Invalid('file', 'has no usable file name');
  if (base.length > 250) throw new Invalid('file', 'file name must be at most 250 characters');
  return base;
}

export interface NewProduct {
  workspaceId: number;
  fileName: string;
  filePath: string;
  mediaType: string;
  fileSize: number;
  checksum: string;
  jobId: number;
  jobExeId: number;
  jobTypeId: number;
  jobOutput: string;
  dataStarted?: string | null;
  dataEnded?: string | null;
  geometry?: unknown;
  metaData?: Record<string, unknown> | null;
}

export interface FileListFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  fileTypes?: FileType[];
  fileNames?: string[];
  workspaceIds?: number[];
  jobIds?: number[];
  ids?: number[];
  /** Scale 6's v6 file filters (ScaleFile.objects.filter_files). */
  dataStarted?: Date;
  dataEnded?: Date;
  sourceStarted?: Date;
  sourceEnded?: Date;
  jobTypeIds?: number[];
  jobTypeNames?: string[];
  jobOutputs?: string[];
  recipeIds?: number[];
  recipeNodes?: string[];
  batchIds?: number[];
}

export type FileService = ReturnType<typeof createFileService>;

export function createFileService({ db, workspaces }: { db: Db; workspaces: WorkspaceService }) {
  async function get(id: number): Promise<ScaleFile> {
    const res = await db.query(`SELECT ${SELECT} FROM ${FROM} WHERE f.id = $1`, [id]);
    if (!res.rows[0]) throw new NotFound('file', id);
    return toScaleFile(res.rows[0]);
  }

  async function getMany(ids: number[], q: Queryable = db): Promise<Map<number, ScaleFile>> {
    if (!ids.length) return new Map();
    const res = await q.query(`SELECT ${SELECT} FROM ${FROM} WHERE f.id = ANY($1::bigint[])`, [ids]);
    return new Map(res.rows.map((r) => [r.id, toScaleFile(r)]));
  }

  async function list(f: FileListFilter): Promise<ListResult<ScaleFile>> {
    const where = new Where()
      .range('f.last_modified', f.started, f.ended)
      .anyOf('f.file_type', f.fileTypes, 'text')
      .anyOf('f.file_name', f.fileNames, 'text')
      .anyOf('f.workspace_id', f.workspaceIds, 'int')
      .anyOf('f.job_id', f.jobIds, 'bigint')
      .anyOf('f.id', f.ids, 'bigint')
      .range('f.data_started', f.dataStarted, null)
      .range('f.data_ended', null, f.dataEnded)
      .range('f.source_started', f.sourceStarted, null)
      .range('f.source_ended', null, f.sourceEnded)
      .anyOf('f.job_type_id', f.jobTypeIds, 'int')
      .anyOf('f.job_output', f.jobOutputs, 'text');
    if (f.jobTypeNames?.length) where.add('f.job_type_id IN (SELECT id FROM job_type WHERE name = ANY(?::text[]))', f.jobTypeNames);
    // A product's recipe, recipe node and batch are its job's.
    if (f.recipeIds?.length) where.add('f.job_id IN (SELECT id FROM job WHERE recipe_id = ANY(?::bigint[]))', f.recipeIds);
    if (f.batchIds?.length) where.add('f.job_id IN (SELECT id FROM job WHERE batch_id = ANY(?::int[]))', f.batchIds);
    if (f.recipeNodes?.length) where.add('f.job_id IN (SELECT n.job_id FROM recipe_node n JOIN job j ON j.id = n.job_id AND j.recipe_id = n.recipe_id WHERE n.node_name = ANY(?::text[]))', f.recipeNodes);
    const res = await pagedList(db, { select: SELECT, from: FROM, where, orderSql: orderBy(f.order, ORDERABLE, ['id']), tiebreak: 'f.id', page: f });
    return { count: res.count, rows: res.rows.map(toScaleFile) };
  }

  /**
   * Streams an upload into a workspace and records it as a SOURCE file. The bytes go straight to
   * the broker; nothing is buffered beyond the stream's own chunks.
   */
  async function upload(u: { workspaceId: number; fileName: string; filePath?: string; mediaType?: string; dataTypes?: string[]; metaData?: Record<string, unknown>; data: Readable; maxBytes?: number }): Promise<ScaleFile> {
    const ws = await workspaces.get(u.workspaceId);
    if (!ws.isActive) throw new Invalid('workspace', `workspace ${ws.name} is not active`);
    const fileName = cleanFileName(u.fileName);
    const relPath = u.filePath ? checkRelativePath(u.filePath) : `uploads/${randomUUID()}/${fileName}`;
    const taken = await db.query('SELECT id FROM scale_file WHERE workspace_id = $1 AND file_path = $2 AND NOT is_deleted', [ws.id, relPath]);
    if (taken.rows[0]) throw new Conflict(`file_path ${relPath} is already used by file ${taken.rows[0].id} in workspace ${ws.name}`);
    const broker = workspaces.broker(ws);
    const stored = await broker.write(relPath, u.data, { maxBytes: u.maxBytes });
    try {
      const res = await db.query(
        `INSERT INTO scale_file (workspace_id, file_name, file_path, file_type, media_type, file_size, checksum, uuid, data_type_tags, meta_data)
         VALUES ($1, $2, $3, 'SOURCE', $4, $5, $6, $7, $8, $9) RETURNING id`,
        [ws.id, fileName, relPath, u.mediaType || mediaTypeFor(fileName), stored.size, stored.checksum, randomUUID().replace(/-/g, ''), JSON.stringify(u.dataTypes ?? []), JSON.stringify(u.metaData ?? {})],
      );
      return get(res.rows[0].id);
    } catch (err) {
      await broker.delete(relPath).catch(() => {});
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`file_path ${relPath} is already used in workspace ${ws.name}`);
      throw err;
    }
  }

  /** Removes an upload whose request failed after it was stored (nothing can refer to it yet): its row and its bytes. */
  async function discard(id: number): Promise<void> {
    const res = await db.query<{ workspace_id: number; file_path: string }>(`DELETE FROM scale_file WHERE id = $1 AND file_type = 'SOURCE' AND job_id IS NULL RETURNING workspace_id, file_path`, [id]);
    const row = res.rows[0];
    if (!row) return;
    await workspaces.broker(await workspaces.get(row.workspace_id)).delete(row.file_path).catch(() => {});
  }

  /** Opens a file's bytes for download. */
  async function open(id: number, range?: { start: number; end: number }): Promise<{ file: ScaleFile; stream: Readable }> {
    const file = await get(id);
    if (file.isDeleted) throw new NotFound('file', id);
    const ws = await workspaces.get(file.workspaceId);
    const stream = await workspaces.broker(ws).read(file.filePath, range);
    return { file, stream };
  }

  /** Records output files of an execution (inside the caller's transaction). */
  async function insertProducts(q: Queryable, products: NewProduct[]): Promise<number[]> {
    if (!products.length) return [];
    const col = <K extends keyof NewProduct>(k: K) => products.map((p) => p[k] ?? null);
    // Published as ProductFile.objects.publish_products does: unless the job was superseded meanwhile.
    // Source times and metadata as ProductFile.objects.upload_files sets them: the side-car's
    // sourceStarted, sourceSensorClass, … else what the job's input files say (the earliest start,
    // the latest end, the greatest of each name; a SOURCE input's start and end are its data times).
    const res = await q.query<{ id: number; file_path: string }>(
      `INSERT INTO scale_file (workspace_id, file_name, file_path, file_type, media_type, file_size, checksum, uuid,
                               job_id, job_exe_id, job_type_id, job_output, data_started, data_ended, geometry, meta_data, is_published, published,
                               source_started, source_ended, source_sensor_class, source_sensor, source_collection, source_task)
       SELECT ws, fn, fp, 'PRODUCT', mt, fs, ck, md5(fp || clock_timestamp()::text), j, je, jt, jo, ds, de, g, coalesce(md, '{}'),
              NOT coalesce(pj.is_superseded, false), CASE WHEN NOT coalesce(pj.is_superseded, false) THEN now() END,
              coalesce(ss, s.started), coalesce(se, s.ended),
              coalesce(md->>'sourceSensorClass', s.sensor_class), coalesce(md->>'sourceSensor', s.sensor),
              coalesce(md->>'sourceCollection', s.collection), coalesce(md->>'sourceTask', s.task)
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[], $9::int[], $10::text[],
                     $11::timestamptz[], $12::timestamptz[], $13::jsonb[], $14::jsonb[], $15::timestamptz[], $16::timestamptz[])
           AS u(ws, fn, fp, mt, fs, ck, j, je, jt, jo, ds, de, g, md, ss, se)
         LEFT JOIN job pj ON pj.id = u.j
         LEFT JOIN LATERAL (
           SELECT min(coalesce(f.source_started, CASE WHEN f.file_type = 'SOURCE' THEN f.data_started END)) AS started,
                  max(coalesce(f.source_ended, CASE WHEN f.file_type = 'SOURCE' THEN f.data_ended END)) AS ended,
                  max(f.source_sensor_class) AS sensor_class, max(f.source_sensor) AS sensor,
                  max(f.source_collection) AS collection, max(f.source_task) AS task
             FROM job jj JOIN scale_file f ON f.id = ANY(scale_job_input_file_ids(jj.input)) WHERE jj.id = u.j) s ON true
       RETURNING id, file_path`,
      [col('workspaceId'), col('fileName'), col('filePath'), col('mediaType'), col('fileSize'), col('checksum'), col('jobId'), col('jobExeId'),
        col('jobTypeId'), col('jobOutput'), col('dataStarted'), col('dataEnded'), products.map((p) => (p.geometry == null ? null : JSON.stringify(p.geometry))),
        products.map((p) => (p.metaData == null ? null : JSON.stringify(p.metaData))), products.map((p) => metaTime(p.metaData, 'sourceStarted')),
        products.map((p) => metaTime(p.metaData, 'sourceEnded'))],
    );
    // Product paths are unique (they include the execution id), so they identify the new rows.
    const byPath = new Map(res.rows.map((r) => [r.file_path, r.id]));
    return products.map((p) => byPath.get(p.filePath)!);
  }

  /** Applies input side-cars: what a job learned about its (source) input files. */
  async function updateMetadata(updates: { fileId: number; geometry?: unknown; dataStarted?: string | null; dataEnded?: string | null; dataTypes?: string[]; metaData?: Record<string, unknown> }[]): Promise<void> {
    for (const u of updates) {
      await db.query(
        `UPDATE scale_file SET geometry = coalesce($2::jsonb, geometry), data_started = coalesce($3::timestamptz, data_started),
                data_ended = coalesce($4::timestamptz, data_ended), data_type_tags = coalesce($5::jsonb, data_type_tags),
                meta_data = meta_data || coalesce($6::jsonb, '{}'), last_modified = now()
          WHERE id = $1`,
        [u.fileId, u.geometry == null ? null : JSON.stringify(u.geometry), u.dataStarted ?? null, u.dataEnded ?? null,
          u.dataTypes ? JSON.stringify(u.dataTypes) : null, u.metaData ? JSON.stringify(u.metaData) : null],
      );
    }
  }

  return { get, getMany, list, upload, discard, open, insertProducts, updateMetadata };
}
