// Per-caller rate limiting: a token bucket per bearer token (or per client address for anonymous
// callers) refilled at SCALE_RATE_LIMIT requests per minute with bursts up to SCALE_RATE_LIMIT_BURST.
// An empty bucket answers 429 with Retry-After. Buckets live in this process (each server process
// limits on its own); idle full buckets are dropped.
import type { NextFunction, Request, Response } from 'express';
import type { AuthContext } from './middleware.ts';

export interface RateLimit {
  perMinute: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function rateLimit(limit: RateLimit) {
  const buckets = new Map<string, Bucket>();
  const perMs = limit.perMinute / 60_000;
  let swept = Date.now();
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/ui' || req.path.startsWith('/ui/')) return next();
    const now = Date.now();
    if (now - swept > 60_000) {
      // A bucket idle long enough to be full again carries no state worth keeping.
      for (const [k, b] of buckets) if (b.tokens + (now - b.at) * perMs >= limit.burst) buckets.delete(k);
      swept = now;
    }
    const grant = (res.locals.auth as AuthContext | undefined)?.grant;
    const key = grant ? `token:${grant.id}` : `addr:${req.ip ?? req.socket.remoteAddress ?? '?'}`;
    const b = buckets.get(key) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) {
      const wait = Math.ceil((1 - b.tokens) / perMs / 1000);
      res.setHeader('Retry-After', String(wait));
      res.status(429).json({
        type: 'https://www.rfc-editor.org/rfc/rfc6585#section-4', title: 'Too Many Requests', status: 429,
        detail: `more than ${limit.perMinute} requests a minute (bursts of ${limit.burst}); try again in ${wait} s`,
      });
      return;
    }
    b.tokens -= 1;
    next();
  };
}
