// Body values read as Scale 6's util/rest.py reads them, and the Location header its views build:
// the v6 routes take what Scale's parse_* helpers take, so a client written against Scale (scale-ui,
// scripts) is answered the same here.
import type { Request } from 'express';
import { Invalid } from '../errors.ts';

/**
 * parse_bool: a string is read as true/t/1 or false/f/0 (any case, blanks around); anything else
 * is passed on as given (a JSON boolean, or a wrong type the schema then names).
 */
export function scaleBool(name: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', 't', '1'].includes(s)) return true;
  if (['false', 'f', '0'].includes(s)) return false;
  throw new Invalid(name, `must be a valid boolean, not ${JSON.stringify(v)}`);
}

/** parse_int: a string is read with Python's int() (blanks and a sign allowed); anything else is passed on. */
export function scaleInt(name: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (!/^\s*[+-]?\d{1,15}\s*$/.test(v)) throw new Invalid(name, `must be a valid integer, not ${JSON.stringify(v)}`);
  return Number(v.trim());
}

/** The fields of a body a Scale view reads; the rest are ignored, as Scale's views ignore them. */
export function picked(body: unknown, fields: readonly string[]): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Invalid(null, 'the request body must be a JSON object');
  return Object.fromEntries(fields.filter((k) => Object.hasOwn(body, k)).map((k) => [k, (body as Record<string, unknown>)[k]]));
}

/** An absolute URL of a path under this request's prefix, as Django REST's reverse(..., request=request) builds Location. */
export function absoluteUrl(req: Request, pathUnderPrefix: string): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}${pathUnderPrefix}`;
}

/** Problems reported under one field name renamed to another (the core's json_config is v6's configuration). */
export function renamed(err: unknown, from: string, to: string): unknown {
  if (!(err instanceof Invalid)) return err;
  const rename = (f: string | null) => (f === from || f?.startsWith(`${from}.`) ? `${to}${f.slice(from.length)}` : f);
  const problems = (err.details.length ? err.details : [{ field: err.field, message: err.field ? err.message.slice(err.field.length + 2) : err.message }]).map((p) => ({ field: rename(p.field), message: p.message }));
  return Invalid.many(problems);
}
