// Idempotency keys (draft-ietf-httpapi-idempotency-key-header): a client that sends an
// Idempotency-Key with a request that makes a job or a recipe may send the request again — after a
// timeout, a cut connection, a server killed mid-request — and gets what the first one made, never
// a second. The key is written in the transaction that makes the thing, so a crash leaves both or
// neither. Keys are kept for SCALE_IDEMPOTENCY_HOURS.
import type { Db, Queryable } from '../store/db.ts';
import { Conflict } from '../errors.ts';

export interface IdempotencyKey {
  /** The client's key, scoped by who sent it (so two callers' keys never meet). */
  key: string;
  /** A digest of the request (method, path, body): one key names one request. */
  fingerprint: string;
}

export type Made = 'job' | 'recipe';

/** A concurrent request with the same key committed first: this transaction is rolled back. */
class KeyTaken extends Error {}

export type Idempotency = ReturnType<typeof createIdempotency>;

export function createIdempotency({ db, keepHours }: { db: Db; keepHours: number }) {
  /** What an earlier request with this key made, or null; another request under the key is a conflict. */
  async function find(k: IdempotencyKey, kind: Made, q: Queryable = db): Promise<number | null> {
    const res = await q.query<{ kind: string; made_id: string; fingerprint: string }>(
      `SELECT kind, made_id, fingerprint FROM idempotency_key WHERE key = $1 AND created > now() - make_interval(hours => $2)`, [k.key, keepHours]);
    const row = res.rows[0];
    if (!row) return null;
    if (row.fingerprint !== k.fingerprint || row.kind !== kind) {
      throw new Conflict('Idempotency-Key: this key was sent before with a different request; use a new key for a new request');
    }
    return Number(row.made_id);
  }

  /**
   * Runs `make` in a transaction that also records the key; callers have looked with find() first
   * (before checking the request, which a replay skips). Two requests with one key at once: the
   * second waits for the first's transaction, then rolls back its own and answers with the first's
   * (`replayed`).
   */
  async function once(k: IdempotencyKey | undefined, kind: Made, make: (tx: Queryable) => Promise<number>): Promise<{ id: number; replayed: boolean }> {
    if (!k) return { id: await db.transaction(make), replayed: false };
    try {
      const id = await db.transaction(async (tx) => {
        const made = await make(tx);
        // An expired row under the key is replaced; a live one (a concurrent request) is kept.
        const res = await tx.query(
          `INSERT INTO idempotency_key (key, fingerprint, kind, made_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, kind = EXCLUDED.kind, made_id = EXCLUDED.made_id, created = now()
             WHERE idempotency_key.created <= now() - make_interval(hours => $5)
           RETURNING key`,
          [k.key, k.fingerprint, kind, made, keepHours],
        );
        if (!res.rows.length) throw new KeyTaken();
        return made;
      });
      return { id, replayed: false };
    } catch (err) {
      if (!(err instanceof KeyTaken)) throw err;
      const id = await find(k, kind);
      if (id === null) throw new Conflict('Idempotency-Key: a request with this key is in progress; try again');
      return { id, replayed: true };
    }
  }

  /** Forgets keys past their time (run with the minute's housekeeping). */
  async function purge(): Promise<number> {
    const res = await db.query(`DELETE FROM idempotency_key WHERE created <= now() - make_interval(hours => $1)`, [keepHours]);
    return res.rowCount ?? 0;
  }

  return { find, once, purge };
}
