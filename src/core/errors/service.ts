// The error catalogue: Scale's builtin errors plus the ones users register.
import fs from 'node:fs';
import type { Db, Queryable, Row } from '../../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { ErrorCategory, ScaleError } from './model.ts';

const BUILTINS: { errors: { name: string; title: string; description: string; category: ErrorCategory; should_be_retried: boolean; exit_code: number | null; created: string }[] } =
  JSON.parse(fs.readFileSync(new URL('./builtin-errors.json', import.meta.url), 'utf8'));

// Errors of this server that Scale's catalogue has no name for.
const SERVER_ERRORS: (typeof BUILTINS)['errors'] = [
  {
    name: 'recipe-input', title: 'Recipe Input', category: 'DATA', should_be_retried: false, exit_code: null, created: '2026-11-26T00:00:00Z',
    description: 'The recipe could not give this job the input it requires (a parent produced no data for a required input).',
  },
  {
    name: 'input-fetch', title: 'Input Fetch', category: 'DATA', should_be_retried: false, exit_code: null, created: '2026-12-07T00:00:00Z',
    description: 'An input given by reference could not be fetched: the URL was refused, did not answer in time, answered with an error, or was too large.',
  },
];

const ORDERABLE: Record<string, string> = {
  id: 'id',
  name: 'name',
  title: 'title',
  category: 'category',
  created: 'created',
  last_modified: 'last_modified',
};

export function toError(r: Row): ScaleError {
  return {
    id: r.id,
    name: r.name,
    jobTypeName: r.job_type_name,
    title: r.title,
    description: r.description,
    category: r.category,
    isBuiltin: r.is_builtin,
    shouldBeRetried: r.should_be_retried,
    exitCode: r.exit_code,
    created: r.created,
    lastModified: r.last_modified,
  };
}

export interface ErrorListFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  names?: string[];
  categories?: ErrorCategory[];
}

export interface NewError {
  name: string;
  title?: string;
  description?: string;
  category: ErrorCategory;
  shouldBeRetried?: boolean;
}

export type ErrorService = ReturnType<typeof createErrorService>;

export function createErrorService({ db }: { db: Db }) {
  // Errors are read on every failed execution; names never change, so cache by name.
  const byNameCache = new Map<string, ScaleError>();

  async function seedBuiltins(): Promise<void> {
    const e = [...BUILTINS.errors, ...SERVER_ERRORS];
    await db.query(
      `INSERT INTO error (name, title, description, category, is_builtin, should_be_retried, exit_code, created, last_modified)
       SELECT n, t, d, c, true, r, x, cr, cr
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::int[], $7::timestamptz[]) AS u(n, t, d, c, r, x, cr)
       ON CONFLICT DO NOTHING`,
      [e.map((x) => x.name), e.map((x) => x.title), e.map((x) => x.description), e.map((x) => x.category), e.map((x) => x.should_be_retried), e.map((x) => x.exit_code), e.map((x) => x.created)],
    );
  }

  async function get(id: number): Promise<ScaleError> {
    const res = await db.query('SELECT * FROM error WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('error', id);
    return toError(res.rows[0]);
  }

  async function getMany(ids: number[]): Promise<Map<number, ScaleError>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT * FROM error WHERE id = ANY($1::int[])', [ids]);
    return new Map(res.rows.map((r) => [r.id, toError(r)]));
  }

  /**
   * An error by name: the job type's own (SEED errors belong to their job type) when a job type is
   * given and has one, else the global one (builtin or user-registered). NotFound when neither exists.
   */
  async function byName(name: string, jobTypeName: string | null = null): Promise<ScaleError> {
    const key = `${jobTypeName ?? ''}\u0000${name}`;
    const cached = byNameCache.get(key);
    if (cached) return cached;
    const res = await db.query(
      `SELECT * FROM error WHERE name = $1 AND (job_type_name IS NULL OR job_type_name = $2)
        ORDER BY job_type_name NULLS LAST LIMIT 1`,
      [name, jobTypeName],
    );
    if (!res.rows[0]) throw new NotFound('error', name);
    const err = toError(res.rows[0]);
    byNameCache.set(key, err);
    return err;
  }

  /** Registers (or updates) a job type's own errors, as a SEED manifest declares them. */
  async function upsertForJobType(q: Queryable, jobTypeName: string, list: { name: string; title: string; description: string; category: ErrorCategory }[]): Promise<void> {
    if (!list.length) return;
    await q.query(
      `INSERT INTO error (name, job_type_name, title, description, category, should_be_retried)
       SELECT n, $1, t, d, c, false FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(n, t, d, c)
       ON CONFLICT ((coalesce(job_type_name, '')), name) DO UPDATE
         SET title = EXCLUDED.title, description = EXCLUDED.description, category = EXCLUDED.category, last_modified = now()`,
      [jobTypeName, list.map((e) => e.name), list.map((e) => e.title), list.map((e) => e.description), list.map((e) => e.category)],
    );
    for (const e of list) byNameCache.delete(`${jobTypeName}\u0000${e.name}`);
  }

  /** Which of the given names are not registered errors. */
  async function missingNames(names: string[]): Promise<string[]> {
    if (!names.length) return [];
    const res = await db.query<{ name: string }>('SELECT name FROM error WHERE job_type_name IS NULL AND name = ANY($1::text[])', [names]);
    const found = new Set(res.rows.map((r) => r.name));
    return [...new Set(names)].filter((n) => !found.has(n));
  }

  async function list(f: ErrorListFilter): Promise<ListResult<ScaleError>> {
    const where = new Where().range('last_modified', f.started, f.ended).anyOf('name', f.names, 'text').anyOf('category', f.categories, 'text');
    const res = await pagedList(db, { select: '*', from: 'error', where, orderSql: orderBy(f.order, ORDERABLE, ['id']), tiebreak: 'id', page: f });
    return { count: res.count, rows: res.rows.map(toError) };
  }

  async function create(e: NewError): Promise<ScaleError> {
    if (e.category === 'SYSTEM') throw new Invalid('category', 'SYSTEM errors are builtin; register ALGORITHM or DATA errors');
    try {
      const res = await db.query(
        `INSERT INTO error (name, title, description, category, should_be_retried) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [e.name, e.title ?? e.name, e.description ?? '', e.category, e.shouldBeRetried ?? false],
      );
      return toError(res.rows[0]);
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`an error named ${JSON.stringify(e.name)} already exists`);
      throw err;
    }
  }

  async function edit(id: number, patch: { title?: string; description?: string; category?: ErrorCategory }): Promise<ScaleError> {
    const current = await get(id);
    if (current.isBuiltin) throw new Invalid(null, `error ${current.name} is builtin and cannot be edited`);
    const res = await db.query(
      `UPDATE error SET title = coalesce($2, title), description = coalesce($3, description), category = coalesce($4, category), last_modified = now()
        WHERE id = $1 RETURNING *`,
      [id, patch.title ?? null, patch.description ?? null, patch.category ?? null],
    );
    const updated = toError(res.rows[0]);
    byNameCache.clear();
    return updated;
  }

  return { seedBuiltins, get, getMany, byName, upsertForJobType, missingNames, list, create, edit };
}
