// HTTP plumbing shared by the Scale routers: JSON bodies, schema validation, and the mapping of
// core failures to Scale's error responses ({"detail": "..."} with the field at fault named).
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DomainError, Invalid } from '../errors.ts';
import { check } from '../schemas.ts';
import type { Logger } from '../log.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<DomainError['kind'], number> = { 'not-found': 404, invalid: 400, conflict: 409, forbidden: 403, 'too-large': 413, unavailable: 503 };

/** Parses JSON bodies up to `limit` bytes; a body in another media type is refused with 415. */
export function jsonBody(limit: number): RequestHandler[] {
  const parse = express.json({ limit, strict: false, type: ['application/json', 'application/*+json'] });
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      return next(new HttpError(415, `unsupported media type ${JSON.stringify(req.headers['content-type'] ?? '')}; send application/json`));
    }
    next();
  };
  return [requireJson, parse];
}

/** The body as an object, validated against a schema under schemas/ (a missing body counts as {}). */
export function body<T = Record<string, any>>(req: Request, schemaId: string): T {
  return checked<T>(req.body === undefined ? {} : req.body, schemaId);
}

/** A request body (or the part of it an endpoint reads) as an object, validated against a schema. */
export function checked<T = Record<string, any>>(b: unknown, schemaId: string): T {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new Invalid(null, 'the request body must be a JSON object');
  const problems = check(schemaId, b);
  if (problems.length) throw Invalid.many(problems);
  return b as T;
}

/** Whether a request came in under /scale/v6/ (the routers are the same under every prefix). */
export const isV6 = (req: Request): boolean => req.baseUrl.endsWith('/v6');

/** A route whose /v6/ requests are answered by their own handler (Scale 6's view), the others by `other`. */
export const orV6 =
  (v6: RequestHandler, other: RequestHandler): RequestHandler =>
  (req, res, next) =>
    (isV6(req) ? v6 : other)(req, res, next);

/** Parses a positive integer path parameter; anything else is an unknown id (404). */
export function idParam(req: Request, name = 'id', entity = 'object'): number {
  const raw = req.params[name];
  const id = Number(raw);
  if (!/^\d{1,15}$/.test(String(raw)) || !Number.isSafeInteger(id) || id < 1) throw new HttpError(404, `${entity} ${JSON.stringify(raw)} does not exist`);
  return id;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: any, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof DomainError) {
      const payload: Record<string, unknown> = { detail: err.message };
      if (err instanceof Invalid) {
        if (err.field) payload.field = err.field;
        if (err.details.length > 1) payload.errors = err.details;
      }
      res.status(STATUS[err.kind]).json(payload);
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json({ detail: err.message });
      return;
    }
    // Errors raised by body-parser carry a type and a status.
    switch (err?.type) {
      case 'entity.parse.failed':
        res.status(400).json({ detail: `malformed JSON in the request body: ${err.message}` });
        return;
      case 'entity.too.large':
        res.status(413).json({ detail: `the request body is larger than the limit of ${err.limit} bytes` });
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        res.status(415).json({ detail: err.message });
        return;
      case 'request.aborted':
        res.status(400).json({ detail: 'the request body was not received in full' });
        return;
    }
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      res.status(err.status).json({ detail: err.message ?? 'bad request' });
      return;
    }
    log.error('request failed', { method: req.method, url: req.originalUrl, err });
    res.status(500).json({ detail: 'internal server error' });
  };
}
