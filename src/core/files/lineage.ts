// Sources and products (seed 002 "Source File Services" and "Product Services"): the filtered
// lists of SOURCE and PRODUCT files, and their lineage. A product's producing job is
// scale_file.job_id; the files a job consumed are the ids in its job.input, read by the SQL
// function scale_job_input_file_ids (migration 008), whose GIN index answers "which jobs took
// file N". Lineage is transitive, as Scale's file ancestry links were: a product's sources are the
// source files upstream of it through any number of jobs, and a source's products every product
// downstream of it. Each lineage question is one recursive query, never one query per file.
import type { Db } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { NotFound } from '../../errors.ts';
import { type FileType, type ScaleFile, toScaleFile } from './service.ts';

export const PRODUCT_TIME_FIELDS = ['source', 'data', 'last_modified'] as const;
export const SOURCE_TIME_FIELDS = ['data', 'last_modified'] as const;
export type ProductTimeField = (typeof PRODUCT_TIME_FIELDS)[number];
export type SourceTimeField = (typeof SOURCE_TIME_FIELDS)[number];

/**
 * Whether a source was parsed: a job reported parse results for it (results manifest parse_results),
 * which records meta_data.parsed (src/core/triggers/service.ts).
 */
const IS_PARSED = "(f.meta_data->>'parsed' IS NOT NULL)";

const SELECT = `f.*, w.name AS workspace_name, w.base_url AS workspace_base_url`;
const FROM = `scale_file f JOIN workspace w ON w.id = f.workspace_id`;

const COMMON_ORDERABLE: Record<string, string> = {
  id: 'f.id', file_name: 'f.file_name', file_path: 'f.file_path', media_type: 'f.media_type', file_size: 'f.file_size',
  created: 'f.created', deleted: 'f.deleted', is_deleted: 'f.is_deleted', last_modified: 'f.last_modified',
  data_started: 'f.data_started', data_ended: 'f.data_ended', workspace: 'f.workspace_id', workspace__id: 'f.workspace_id', workspace__name: 'w.name',
};
const jobTypeCol = (col: string) => `(SELECT ${col} FROM job_type t WHERE t.id = f.job_type_id)`;
const PRODUCT_ORDERABLE: Record<string, string> = {
  ...COMMON_ORDERABLE,
  source_started: 'f.source_started', source_ended: 'f.source_ended', published: 'f.published', is_published: 'f.is_published',
  job_output: 'f.job_output', job_type: 'f.job_type_id', job_type__id: 'f.job_type_id', job_type__name: jobTypeCol('name'),
  job_type__version: jobTypeCol('version'), job_type__category: jobTypeCol('category'), job: 'f.job_id', job__id: 'f.job_id',
  job_exe: 'f.job_exe_id', job_exe__id: 'f.job_exe_id',
};
const SOURCE_ORDERABLE: Record<string, string> = { ...COMMON_ORDERABLE };

interface FileFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  fileNames?: string[];
  /** Only these files (a lineage); an empty list matches nothing. */
  within?: number[];
}

export interface ProductFilter extends FileFilter {
  timeField?: ProductTimeField;
  jobTypeIds?: number[];
  jobTypeNames?: string[];
  jobTypeCategories?: string[];
  jobIds?: number[];
  jobOutputs?: string[];
  isOperational?: boolean;
  isPublished?: boolean;
}

export interface SourceFilter extends FileFilter {
  timeField?: SourceTimeField;
  isParsed?: boolean;
}

/** A file's place in the lineage, upstream and downstream. */
export interface Upstream {
  sources: ScaleFile[];
  /** Products upstream (inputs of the producing job that were themselves products, and theirs). */
  products: ScaleFile[];
}

export interface Downstream {
  /** Jobs that took the file, or a product downstream of it, as input. */
  jobIds: number[];
  /** Products of those jobs. */
  productIds: number[];
}

/** started/ended against Scale's time_field: last_modified (default), the data times or the source times. */
function timeRange(where: Where, field: ProductTimeField | undefined, started?: Date | null, ended?: Date | null): void {
  if (field === 'data' || field === 'source') {
    if (started) where.add(`f.${field}_started >= ?`, started);
    if (ended) where.add(`f.${field}_ended <= ?`, ended);
  } else where.range('f.last_modified', started, ended);
}

function fileWhere(type: FileType, f: FileFilter & { timeField?: ProductTimeField }): Where {
  const where = new Where().add('f.file_type = ?', type);
  timeRange(where, f.timeField, f.started, f.ended);
  where.anyOf('f.file_name', f.fileNames, 'text');
  if (f.within) where.add('f.id = ANY(?::bigint[])', f.within);
  return where;
}

export type Lineage = ReturnType<typeof createLineage>;

export function createLineage({ db }: { db: Db }) {
  async function list(f: FileFilter, where: Where, orderable: Record<string, string>): Promise<ListResult<ScaleFile>> {
    const orderSql = orderBy(f.order, orderable, ['last_modified']); // checked even when nothing can match
    if (f.within && !f.within.length) return { count: 0, rows: [] };
    const res = await pagedList(db, { select: SELECT, from: FROM, where, orderSql, tiebreak: 'f.id', page: f });
    return { count: res.count, rows: res.rows.map(toScaleFile) };
  }

  async function listProducts(f: ProductFilter): Promise<ListResult<ScaleFile>> {
    const where = fileWhere('PRODUCT', f)
      .anyOf('f.job_type_id', f.jobTypeIds, 'int')
      .anyOf('f.job_id', f.jobIds, 'bigint')
      .anyOf('f.job_output', f.jobOutputs, 'text');
    // On job_type through sub-selects, so the scale_file indexes still serve the page.
    if (f.jobTypeNames?.length) where.add('f.job_type_id IN (SELECT id FROM job_type WHERE name = ANY(?::text[]))', f.jobTypeNames);
    if (f.jobTypeCategories?.length) where.add('f.job_type_id IN (SELECT id FROM job_type WHERE category = ANY(?::text[]))', f.jobTypeCategories);
    if (f.isOperational !== undefined) where.add('f.job_type_id IN (SELECT id FROM job_type WHERE is_operational = ?)', f.isOperational);
    if (f.isPublished !== undefined) where.add('f.is_published = ?', f.isPublished);
    return list(f, where, PRODUCT_ORDERABLE);
  }

  async function listSources(f: SourceFilter): Promise<ListResult<ScaleFile>> {
    const where = fileWhere('SOURCE', f);
    if (f.isParsed !== undefined) where.add(`${IS_PARSED} = ?`, f.isParsed);
    return list(f, where, SOURCE_ORDERABLE);
  }

  /** A product or source by id, or by file name (the newest such file), as Scale's details took either. */
  async function get(type: FileType, ref: number | string): Promise<ScaleFile> {
    const entity = type === 'PRODUCT' ? 'product' : 'source file';
    const res =
      typeof ref === 'number'
        ? await db.query(`SELECT ${SELECT} FROM ${FROM} WHERE f.id = $1 AND f.file_type = $2`, [ref, type])
        : await db.query(
            `SELECT ${SELECT} FROM ${FROM} WHERE f.file_name = $1 AND f.file_type = $2
              ORDER BY f.is_deleted, ${type === 'PRODUCT' ? 'f.published DESC NULLS LAST,' : ''} f.created DESC, f.id DESC LIMIT 1`,
            [ref, type],
          );
    if (!res.rows[0]) throw new NotFound(entity, ref);
    return toScaleFile(res.rows[0]);
  }

  /**
   * Everything upstream of each of the given products: the inputs of its job, and for inputs that
   * are products the inputs of their jobs, and so on. One recursive query for all of them.
   */
  async function upstream(productIds: number[]): Promise<Map<number, Upstream>> {
    const out = new Map(productIds.map((id) => [id, { sources: [] as ScaleFile[], products: [] as ScaleFile[] }]));
    if (!productIds.length) return out;
    const res = await db.query(
      `WITH RECURSIVE up(origin, file_id) AS (
         SELECT p.id, x.id FROM scale_file p JOIN job j ON j.id = p.job_id
                CROSS JOIN LATERAL unnest(scale_job_input_file_ids(j.input)) AS x(id)
          WHERE p.id = ANY($1::bigint[])
         UNION
         SELECT up.origin, x.id FROM up JOIN scale_file p ON p.id = up.file_id JOIN job j ON j.id = p.job_id
                CROSS JOIN LATERAL unnest(scale_job_input_file_ids(j.input)) AS x(id)
       )
       SELECT up.origin AS lineage_origin, ${SELECT} FROM up JOIN scale_file f ON f.id = up.file_id JOIN workspace w ON w.id = f.workspace_id
        ORDER BY up.origin, f.id`,
      [productIds],
    );
    for (const r of res.rows) {
      const file = toScaleFile(r);
      const entry = out.get(Number(r.lineage_origin))!;
      (file.fileType === 'SOURCE' ? entry.sources : entry.products).push(file);
    }
    return out;
  }

  /** The jobs that consumed a file, directly or through products made from it, and their products. */
  async function downstream(fileId: number): Promise<Downstream> {
    const res = await db.query<{ job_id: number; product_id: number | null }>(
      `WITH RECURSIVE consumers(job_id) AS (
         SELECT j.id FROM job j WHERE scale_job_input_file_ids(j.input) @> ARRAY[$1::bigint]
         UNION
         SELECT j.id FROM consumers c JOIN scale_file p ON p.job_id = c.job_id
                JOIN job j ON scale_job_input_file_ids(j.input) @> ARRAY[p.id]
       )
       SELECT c.job_id, p.id AS product_id FROM consumers c LEFT JOIN scale_file p ON p.job_id = c.job_id AND p.file_type = 'PRODUCT'
        ORDER BY c.job_id, p.id`,
      [fileId],
    );
    const jobIds = [...new Set(res.rows.map((r) => Number(r.job_id)))];
    const productIds = res.rows.filter((r) => r.product_id !== null).map((r) => Number(r.product_id));
    return { jobIds, productIds };
  }

  return { listProducts, listSources, get, upstream, downstream };
}
