// The Idempotency-Key request header (draft-ietf-httpapi-idempotency-key-header), read for the
// core's create operations. A key is scoped by the caller the authentication middleware named (a
// token's id; anonymous callers share one scope), and the request is fingerprinted (method, path,
// body) so that one key names one request.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { Invalid } from '../errors.ts';
import type { IdempotencyKey } from '../core/idempotency.ts';
import type { AuthContext } from './middleware.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Set on an answer given again for a key seen before (as Stripe and others do). */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export function idempotencyKeyOf(req: Request, res: Response): IdempotencyKey | undefined {
  const raw = req.get(IDEMPOTENCY_HEADER);
  if (raw === undefined) return undefined;
  // The draft makes it a structured-field string ("…"); a bare value is taken as sent.
  const trimmed = raw.trim();
  const key = /^"(.*)"$/.exec(trimmed)?.[1] ?? trimmed;
  if (!key || key.length > 255 || /[^\x20-\x7e]/.test(key)) throw new Invalid(IDEMPOTENCY_HEADER, 'must be 1 to 255 printable ASCII characters');
  const caller = (res.locals.auth as AuthContext | undefined)?.grant?.id ?? 'anonymous';
  const fingerprint = createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n`).update(JSON.stringify(req.body ?? null)).digest('hex');
  return { key: `${caller}:${key}`, fingerprint };
}
