// Trigger events read back: what happened (USER for a batch made by a caller, BATCH for a file a
// batch started a recipe for, INGEST, PARSE, clock ticks), for the records that point at them.
import type { Queryable } from '../../store/db.ts';

export interface TriggerEvent {
  id: number;
  type: string;
  rule: unknown;
  description: Record<string, unknown>;
  occurred: Date;
}

export async function eventsById(q: Queryable, ids: number[]): Promise<Map<number, TriggerEvent>> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return new Map();
  const res = await q.query('SELECT id, type, rule, description, occurred FROM trigger_event WHERE id = ANY($1::bigint[])', [wanted]);
  return new Map(res.rows.map((r) => [Number(r.id), { id: Number(r.id), type: r.type, rule: r.rule, description: r.description ?? {}, occurred: r.occurred }]));
}
