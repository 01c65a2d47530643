// Paged, filtered, ordered lists: the shape every Scale list endpoint shares.
import { Invalid } from '../errors.ts';
import type { Queryable, Row } from './db.ts';

export interface Page {
  page: number; // 1-based
  pageSize: number;
}

export interface ListRequest extends Page {
  /** API field names, '-' prefixed for descending. */
  order: string[];
}

export interface ListResult<T> {
  count: number;
  rows: T[];
}

/** Collects WHERE clauses and their positional parameters. */
export class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  /** Adds a clause; each `?` in it becomes the next $n placeholder for the given values in turn. */
  add(clause: string, ...values: unknown[]): this {
    let i = 0;
    const sql = clause.replace(/\?/g, () => {
      this.params.push(values[i++]);
      return `$${this.params.length}`;
    });
    this.clauses.push(sql);
    return this;
  }

  /** Adds `expr = ANY(?)` when values is non-empty. */
  anyOf(expr: string, values: unknown[] | undefined, type: string): this {
    if (values && values.length) this.add(`${expr} = ANY(?::${type}[])`, values);
    return this;
  }

  range(expr: string, started?: Date | null, ended?: Date | null): this {
    if (started) this.add(`${expr} >= ?`, started);
    if (ended) this.add(`${expr} <= ?`, ended);
    return this;
  }

  sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** ILIKE patterns that find each word anywhere in a value (the word's own %, _ and \\ taken literally). */
export const containing = (words: string[]): string[] => words.map((k) => `%${k.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);

/** Turns API order fields into SQL, rejecting fields not in `orderable`. */
export function orderBy(order: string[], orderable: Record<string, string>, fallback: string[]): string {
  const parts = (order.length ? order : fallback).map((field) => {
    const desc = field.startsWith('-');
    const name = desc ? field.slice(1) : field;
    // Own fields only: `order=toString` must not find Object.prototype's.
    const expr = Object.hasOwn(orderable, name) ? orderable[name] : undefined;
    if (!expr) {
      throw new Invalid('order', `cannot order by ${JSON.stringify(name)}; choose from ${Object.keys(orderable).join(', ')}`);
    }
    // PostgreSQL's default null ordering (last ascending, first descending) keeps a backward
    // index scan usable for descending orders; an explicit NULLS LAST would force a sort.
    return `${expr} ${desc ? 'DESC' : 'ASC'}`;
  });
  return parts.join(', ');
}

/**
 * Runs the count and the page query for `select ... from ... where` and returns both.
 * `select` is the column list; `from` includes joins. `tiebreak` keeps paging stable.
 */
export async function pagedList<T = Row>(
  db: Queryable,
  q: { select: string; from: string; where: Where; orderSql: string; tiebreak: string; page: Page },
): Promise<ListResult<T>> {
  const whereSql = q.where.sql();
  const offset = (q.page.page - 1) * q.page.pageSize;
  const n = q.where.params.length;
  const [count, rows] = await Promise.all([
    db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${q.from} ${whereSql}`, q.where.params),
    db.query<T>(
      `SELECT ${q.select} FROM ${q.from} ${whereSql} ORDER BY ${q.orderSql}, ${q.tiebreak} LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...q.where.params, q.page.pageSize, offset],
    ),
  ]);
  return { count: count.rows[0]?.count ?? 0, rows: rows.rows };
}
