// The WPS door at /wps: GET KVP and POST XML for WPS 2.0 and 1.0.0, WPS-T DeployProcess and
// UndeployProcess, and /wps/status/{job} (the stored WPS 1.0.0 ExecuteResponse an asynchronous
// execution's statusLocation points to). Every failure is an OWS ExceptionReport; nothing else.
import { AuthError, requireScope } from '../../src/auth/middleware.ts';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from '../../src/log.ts';
import { DomainError, Invalid } from '../../src/errors.ts';
import type { DeployService } from '../../src/core/deploy/service.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import { readBody } from '../../src/http/read-body.ts';
import { urls, type Urls } from '../../src/http/urls.ts';
import { exceptionReport, WpsError, type WpsVersion } from './errors.ts';
import { fromKvp, fromXml, kvpOf, type WpsRequest } from './request.ts';
import { createWpsService, type WpsAnswer, type WpsService } from './service.ts';
import { createWpsTransactions, type WpsTransactions } from './transactional.ts';
import { parseXml, XmlError } from './xml.ts';

export interface WpsRouterOptions {
  publicUrl: string | null;
  maxBodyBytes: number;
  log: Logger;
}

/** The version a failure is reported in: what the request asked for, when it can be told. */
function versionOf(hint: string | undefined): WpsVersion {
  return hint === '1.0.0' ? '1.0.0' : '2.0.0';
}

const bodyErrors = (limit: number) => ({
  tooLarge: () => new WpsError('SizeExceeded', `the request is larger than the limit of ${limit} bytes`, 'request', 413),
  broken: (err: Error) => new WpsError('InvalidParameterValue', `the request body was not received in full (${err.message})`, 'request', 400),
});

/** The WPS door over the core's runs and deploy services. */
export function wpsDoor(core: { runs: RunService; deploy: DeployService; events: { on(e: 'jobTypesChanged', f: () => void): unknown } }, opts: WpsRouterOptions & { syncSeconds: number }): Router {
  const service = createWpsService({ runs: core.runs, events: core.events, syncSeconds: opts.syncSeconds });
  return wpsRouter(service, createWpsTransactions({ deploy: core.deploy, runs: core.runs }), opts);
}

export function wpsRouter(service: WpsService, transactions: WpsTransactions, opts: WpsRouterOptions): Router {
  const router = Router();

  function send(res: Response, a: WpsAnswer): void {
    res.status(a.status).setHeader('Content-Type', a.contentType);
    res.end(a.body);
  }

  function fail(res: Response, req: Request, err: unknown, version: WpsVersion): void {
    let e: WpsError;
    const status = (err as { status?: unknown })?.status;
    if (err instanceof WpsError) e = err;
    else if (err instanceof XmlError) e = new WpsError('InvalidParameterValue', err.message, 'request');
    else if (err instanceof DomainError && err.kind === 'unavailable') e = new WpsError('ServerBusy', err.message, undefined, 503);
    // The core's verdict on a value (text the database cannot store, …), and the router's on a path
    // it cannot decode (/wps/status/%ff): the client's mistakes, which were 500s.
    else if (err instanceof Invalid) e = new WpsError('InvalidParameterValue', err.message, err.field ?? 'request');
    else if (typeof status === 'number' && status >= 400 && status < 500) e = new WpsError('InvalidParameterValue', (err as Error).message, 'request', status);
    else {
      opts.log.error('WPS request failed', { method: req.method, url: req.originalUrl, err });
      e = new WpsError('NoApplicableCode', 'internal server error', undefined, 500);
    }
    const r = exceptionReport(e, version);
    if (e.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(r.status).setHeader('Content-Type', 'application/xml; charset=utf-8');
    res.end(r.body);
  }

  /** The scope each operation needs: running and dismissing execute, WPS-T deploy, the rest read. */
  function authorise(r: WpsRequest, res: Response): void {
    const scope = r.op === 'Execute' || r.op === 'Dismiss' ? 'execute' : r.op === 'DeployProcess' || r.op === 'UndeployProcess' ? 'deploy' : 'read';
    try {
      requireScope(res, scope);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      throw new WpsError(err.status === 401 ? 'Unauthorized' : 'Forbidden', err.message, 'Authorization', err.status);
    }
  }

  async function dispatch(r: WpsRequest, req: Request, u: Urls): Promise<WpsAnswer> {
    authorise(r, req.res!);
    switch (r.op) {
      case 'GetCapabilities':
        return service.getCapabilities(r.version, u);
      case 'DescribeProcess':
        return service.describeProcess(r.ids, r.version, u);
      case 'Execute':
        return service.execute(r.execute, r.version, u);
      case 'GetStatus':
        return service.getStatus(r.jobId);
      case 'GetResult':
        return service.getResult(r.jobId, u);
      case 'Dismiss':
        return service.dismiss(r.jobId);
      case 'DeployProcess':
        return transactions.deploy(r.xml, r.version, u);
      case 'UndeployProcess':
        return transactions.undeploy(r.id, r.version);
    }
  }

  router.get('/wps', async (req, res) => {
    const q = kvpOf(req.query as Record<string, unknown>);
    const version = versionOf(q.get('version') ?? q.get('acceptversions')?.split(',')[0]?.trim());
    try {
      const r = fromKvp(q);
      send(res, await dispatch(r, req, urls(req, opts.publicUrl)));
    } catch (err) {
      fail(res, req, err, version);
    }
  });

  router.post('/wps', async (req, res) => {
    let version: WpsVersion = '2.0.0';
    try {
      const text = await readBody(req, opts.maxBodyBytes, bodyErrors(opts.maxBodyBytes));
      const root = parseXml(text);
      version = root.ns === 'http://www.opengis.net/wps/1.0.0' ? '1.0.0' : '2.0.0';
      send(res, await dispatch(fromXml(root), req, urls(req, opts.publicUrl)));
    } catch (err) {
      fail(res, req, err, version);
    }
  });

  router.get('/wps/status/:jobId', async (req, res) => {
    try {
      send(res, await service.status1(req.params.jobId, urls(req, opts.publicUrl)));
    } catch (err) {
      fail(res, req, err, '1.0.0');
    }
  });

  router.all('/wps/status/:jobId', (req, res) => fail(res, req, new WpsError('OperationNotSupported', `${req.method} is not supported: use GET`, req.method, 405), '1.0.0'));
  router.all('/wps', (req, res) => fail(res, req, new WpsError('OperationNotSupported', `${req.method} is not supported: use GET (KVP) or POST (XML)`, req.method, 405), '2.0.0'));
  router.use('/wps', (err: unknown, req: Request, res: Response, next: NextFunction) => (res.headersSent ? next(err) : fail(res, req, err, '2.0.0')));
  return router;
}
