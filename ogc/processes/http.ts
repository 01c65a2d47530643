// HTTP plumbing of the OGC API - Processes door: exceptions in the spec's JSON shape, the
// representation a client asked for, absolute URLs and links.
import type { Request, Response } from 'express';
import { type Run, RUN, type RunFailure } from '../../src/core/runs/model.ts';
import { DomainError, Invalid } from '../../src/errors.ts';
import type { Urls } from '../../src/http/urls.ts';

export const EXCEPTIONS = 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/';
export const REL = 'http://www.opengis.net/def/rel/ogc/1.0/';
export const OPENAPI_JSON = 'application/vnd.oai.openapi+json;version=3.0';

/** An error answered as the spec's exception document {type, title, status, detail}. */
export class OgcError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const noSuchProcess = (id: string) => new OgcError(404, `${EXCEPTIONS}no-such-process`, 'No such process', `process ${JSON.stringify(id)} does not exist`);
export const noSuchJob = (id: string) => new OgcError(404, `${EXCEPTIONS}no-such-job`, 'No such job', `job ${JSON.stringify(id)} does not exist`);
export const resultNotReady = (id: string, status: string) => new OgcError(404, `${EXCEPTIONS}result-not-ready`, 'Result not ready', `job ${id} is ${status}; its results are not ready`);
/** A run that failed, or was dismissed, as the exception its results answer with. */
export function runFailed(run: Run, f: RunFailure): OgcError {
  if (run.status === RUN.DISMISSED) return new OgcError(410, 'dismissed', 'Job canceled', `${f.detail} and has no results`);
  return new OgcError(500, f.name, f.title, f.detail, { jobID: run.id, ...(f.category ? { category: f.category } : {}) });
}

export const invalidParameter = (detail: string, extra: Record<string, unknown> = {}) => new OgcError(400, 'InvalidParameterValue', 'Invalid parameter value', detail, extra);

/** Sends an exception. application/json, not problem+json: the OGC test suite accepts only the former in places. */
export function sendException(res: Response, err: OgcError): void {
  if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(err.status).type('application/json').json({ type: err.type, title: err.title, status: err.status, detail: err.message, ...err.extra });
}

/** Any failure as an OGC exception: the core's errors keep their meaning (a client mistake is a 4xx). */
export function toOgcError(err: unknown): OgcError | null {
  if (err instanceof OgcError) return err;
  if (err instanceof Invalid) return invalidParameter(err.message, { ...(err.field ? { field: err.field } : {}), ...(err.details.length > 1 ? { errors: err.details } : {}) });
  if (err instanceof DomainError) {
    const status = { 'not-found': 404, invalid: 400, conflict: 409, forbidden: 403, 'too-large': 413, unavailable: 503 }[err.kind];
    return new OgcError(status, err.kind, err.kind.replace(/-/g, ' '), err.message);
  }
  // decodeURIComponent on a path or query that is not percent-encoded UTF-8 (/jobs/%ff): it was a 500.
  if (err instanceof URIError) return invalidParameter(`the request URL is not valid percent-encoded UTF-8: ${err.message}`);
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  // body-parser's errors carry a type and a status.
  if (e?.type === 'entity.parse.failed') return new OgcError(400, 'InvalidParameterValue', 'Malformed JSON', `malformed JSON in the request body: ${e.message}`);
  if (e?.type === 'entity.too.large') return new OgcError(413, 'PayloadTooLarge', 'Request body too large', `the request body is larger than the limit of ${e.limit} bytes`);
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new OgcError(e.status, 'InvalidParameterValue', 'Bad request', e.message ?? 'bad request');
  return null;
}

/** The Prefer header's tokens, trimmed and lower-cased (clients send "respond-async " with a space). */
export function preferences(header: string | undefined): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (const part of (header ?? '').split(/[,;]/)) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (k) out.set(k.toLowerCase(), v === undefined ? true : v.replace(/^"|"$/g, ''));
  }
  return out;
}

/** Whether the client wants HTML: ?f=html, or an Accept that prefers text/html to JSON. JSON otherwise. */
export function wantsHtml(req: Request): boolean {
  const f = req.query.f;
  if (f === 'html') return true;
  if (f === 'json' || f === 'yaml') return false;
  const accept = req.headers.accept;
  if (!accept) return false;
  const best = req.accepts(['application/json', 'text/html']);
  return best === 'text/html' && !/application\/(json|[\w.+-]*\+json)/.test(accept);
}

/** self + alternate links for a resource offered as JSON and HTML. */
export function selfLinks(u: Urls, path: string, title: string, query: Record<string, string | number | undefined> = {}, html = false) {
  return [
    { href: u.to(path, { ...query, f: html ? 'html' : 'json' }), rel: 'self', type: html ? 'text/html' : 'application/json', title },
    { href: u.to(path, { ...query, f: html ? 'json' : 'html' }), rel: 'alternate', type: html ? 'application/json' : 'text/html', title: `${title} as ${html ? 'JSON' : 'HTML'}` },
  ];
}
