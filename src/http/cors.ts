// Cross-origin access to an API for a browser app served from another origin (scale-ui hosted
// elsewhere): SCALE_CORS_ORIGINS. Off unless configured. A request from an allowed Origin gets
// Access-Control-Allow-Origin (that origin echoed, with Allow-Credentials; or `*` when every origin
// is allowed, without credentials) and the response headers a client needs exposed; a preflight
// (OPTIONS with Access-Control-Request-Method) is answered here, before authentication, with 204.
// A disallowed origin gets no CORS header at all: its actual requests go on as any other (a
// same-origin POST carries an Origin too), its preflights are refused with 403.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** `*` (any origin) or the allowed origins, each serialised as `scheme://host[:port]`. */
export type CorsOrigins = '*' | string[];

export const CORS_METHODS = 'GET, HEAD, POST, PATCH, PUT, DELETE, OPTIONS';
/** Allowed when a preflight names no headers (or names them unreadably). */
export const CORS_DEFAULT_HEADERS = 'Authorization, Content-Type, Accept, Accept-Language, Idempotency-Key, X-Request-Id, Range, Prefer';
/** Response headers a cross-origin script may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSE_HEADERS = 'Location, Link, Retry-After, X-Request-Id, ETag, Content-Disposition, Content-Range, Accept-Ranges, Preference-Applied, Idempotent-Replayed, WWW-Authenticate';
/** Seconds a browser may cache a preflight's answer (Chromium caps it at 7200). */
export const CORS_MAX_AGE = 600;

/**
 * Reads SCALE_CORS_ORIGINS: empty → null (off); `*` → any origin; else a comma-separated list of
 * origins (`https://ui.example.org`, `http://localhost:4200`). Throws naming the bad entry.
 */
export function parseCorsOrigins(raw: string): CorsOrigins | null {
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (!entries.length) return null;
  if (entries.includes('*')) {
    if (entries.length > 1) throw new Error(`"*" allows every origin and cannot be listed with others (${raw})`);
    return '*';
  }
  const origins = new Set<string>();
  for (const entry of entries) {
    let u: URL;
    try {
      u = new URL(entry);
    } catch {
      throw new Error(`"${entry}" is not an origin: write scheme://host[:port], e.g. https://ui.example.org`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`"${entry}" is not an http(s) origin`);
    if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
      throw new Error(`"${entry}" is not an origin: no path, query or credentials (scheme://host[:port])`);
    }
    origins.add(u.origin);
  }
  return [...origins];
}

const TOKEN_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/** CORS for the requests `applies` picks (by path), allowing `origins`. */
export function cors(origins: CorsOrigins, applies: (path: string) => boolean): RequestHandler {
  const any = origins === '*';
  const allowed = new Set(any ? [] : origins);
  return (req: Request, res: Response, next: NextFunction) => {
    if (!applies(req.path)) return next();
    // The answer depends on the Origin sent: caches must keep one per origin.
    res.vary('Origin');
    const origin = req.get('origin');
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.get('access-control-request-method') !== undefined;
    if (preflight) res.vary('Access-Control-Request-Method').vary('Access-Control-Request-Headers');
    if (origin === undefined || !(any || allowed.has(origin))) {
      if (!preflight) return next();
      res.status(403).json({ type: 'Forbidden', title: 'Forbidden', status: 403, detail: `cross-origin requests from ${origin} are not allowed (SCALE_CORS_ORIGINS)` });
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    // Credentials (cookies of an authenticating proxy in front) only for origins named one by one.
    if (!any) res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (!preflight) {
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
      return next();
    }
    const asked = req.get('access-control-request-headers')?.trim();
    res.setHeader('Access-Control-Allow-Methods', CORS_METHODS);
    res.setHeader('Access-Control-Allow-Headers', asked && TOKEN_LIST.test(asked) ? asked : CORS_DEFAULT_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE));
    res.status(204).end();
  };
}
