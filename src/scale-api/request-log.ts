// Every request gets an id (the caller's X-Request-Id when it is a sane token, else a new one),
// echoed in the response and carried by every log line written while it is served, in the core
// too (requestContext). Each response is logged once, with its status and duration.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { type Logger, requestContext } from '../log.ts';
import { routeLabel, type Telemetry } from '../telemetry/prometheus.ts';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestLog(log: Logger, telemetry?: Telemetry) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    const requestId = given && SANE_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      telemetry?.http(req.method, routeLabel(req, res.statusCode), res.statusCode, ms / 1000);
      requestContext.run({ requestId }, () => {
        const fields = { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 };
        if (res.statusCode >= 500) log.error('request failed', fields);
        else log.info('request', fields);
      });
    });
    requestContext.run({ requestId }, () => next());
  };
}
