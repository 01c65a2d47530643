// The Db port: the only way the core talks to its database. Two adapters implement it
// (PGlite embedded, PostgreSQL through pg); both speak the same SQL.
import { Invalid } from '../errors.ts';

export type Row = Record<string, any>;

export interface QueryResult<T = Row> {
  rows: T[];
  rowCount: number;
}

/**
 * A statement the hot paths run again and again: PostgreSQL keeps it prepared per connection, so
 * it is parsed and planned once rather than on every call. (PGlite runs the text as is.)
 */
export interface Statement {
  name: string;
  text: string;
}

export const statement = (name: string, text: string): Statement => ({ name, text });

export interface Queryable {
  query<T = Row>(sql: string | Statement, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn inside one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /** Connections now: open, idle, and requests waiting for one (for monitoring). */
  stats?(): { total: number; idle: number; waiting: number };
}

/** PostgreSQL error codes the core reacts to. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function pgErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * Text PostgreSQL cannot hold — a NUL character (22021), a \u0000 escape in jsonb (22P05), an
 * unpaired surrogate in jsonb (22P02 on type json) — only ever arrives in a request: the caller's
 * mistake (a 400 naming it), not a server failure (it was a 500 on every door, found by fuzzing).
 */
export function unstorableText(err: unknown): unknown {
  const code = pgErrorCode(err);
  const message = String((err as Error)?.message ?? '');
  if (code === '22021' || code === '22P05' || (code === '22P02' && /type json/.test(message))) {
    return Object.assign(new Invalid(null, `a value holds text the database cannot store (${message}): NUL characters and unpaired surrogates are not accepted`), { code, cause: err });
  }
  return err;
}

/**
 * The Db port over an open transaction: everything done through it (nested "transactions" too) is
 * part of that one transaction. Lets a unit of work run whole services inside one transaction.
 */
export function withinTransaction(tx: Queryable, kind: Db['kind']): Db {
  return {
    kind,
    query: (sql, params) => tx.query(sql, params),
    transaction: (fn) => fn(tx),
    exec: async () => {
      throw new Error('exec is not available inside a transaction');
    },
    close: async () => {},
  };
}
