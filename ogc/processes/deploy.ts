// OGC API - Processes - Part 2: deploy (POST /processes), replace (PUT /processes/{id}), undeploy
// (DELETE /processes/{id}), the deployed package (GET /processes/{id}/package) and Weaver's
// visibility (GET/PUT /processes/{id}/visibility), over the core's deploy service. Bodies are read as
// text so the package can be given back exactly as sent; changing a process needs the deploy scope.
import type { Request, Response } from 'express';
import { AuthError, requireScope } from '../../src/auth/middleware.ts';
import { CWL_MEDIA_TYPES, type DeployService, PACKAGE_MEDIA_TYPES } from '../../src/core/deploy/service.ts';
import type { Deployed } from '../../src/core/job-types/cwl-packages.ts';
import { WorkflowNotFound } from '../../src/core/job-types/cwl-packages.ts';
import { Conflict, DomainError } from '../../src/errors.ts';
import { readBody } from '../../src/http/read-body.ts';
import type { Urls } from '../../src/http/urls.ts';
import { EXCEPTIONS, invalidParameter, OgcError } from './http.ts';

export const EXCEPTIONS_2 = 'http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/';

/** The exception a core refusal becomes here, with Part 2's type URIs. */
function part2Error(err: unknown, u: Urls): unknown {
  if (err instanceof WorkflowNotFound) return new OgcError(400, `${EXCEPTIONS_2}workflow-not-found`, 'Workflow not found', err.message);
  if (err instanceof Conflict) {
    const id = (err as Conflict & { processId?: string }).processId;
    return new OgcError(409, `${EXCEPTIONS_2}duplicated-process`, 'Duplicated process', err.message, id ? { location: u.to(`/processes/${encodeURIComponent(id)}`) } : {});
  }
  if (err instanceof DomainError && err.kind === 'forbidden') return new OgcError(403, `${EXCEPTIONS_2}immutable-process`, 'Immutable process', err.message);
  if (err instanceof DomainError && err.kind === 'not-found') return new OgcError(404, `${EXCEPTIONS}no-such-process`, 'No such process', err.message);
  return err;
}

/** A deploy's answer says what it could not check: `warnings`, beside the process summary. */
function withWarnings(summary: Record<string, unknown>, d: Deployed): Record<string, unknown> {
  return d.warnings?.length ? { ...summary, warnings: d.warnings } : summary;
}

export function createDeployHandlers(deps: { deploy: DeployService; maxBodyBytes: number; summary: (d: Deployed, u: Urls) => Promise<Record<string, unknown>> }) {
  const { deploy } = deps;

  /** Changing processes needs the deploy scope (the app's authentication checked the caller). */
  function authorise(req: Request): void {
    try {
      requireScope(req.res, 'deploy');
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      throw new OgcError(err.status, `https://www.rfc-editor.org/rfc/rfc9110#status.${err.status}`, err.status === 401 ? 'Unauthorized' : 'Forbidden', err.message);
    }
  }

  function mediaTypeOf(req: Request): string {
    const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (![...PACKAGE_MEDIA_TYPES, ...CWL_MEDIA_TYPES].includes(type)) {
      throw new OgcError(415, `${EXCEPTIONS_2}unsupported-media-type`, 'Unsupported media type', `deploy an OGC Application Package (${PACKAGE_MEDIA_TYPES.join(', ')}) or CWL (${CWL_MEDIA_TYPES.join(', ')}), not ${JSON.stringify(type || 'nothing')}`);
    }
    return type;
  }

  async function requestOf(req: Request) {
    authorise(req);
    const mediaType = mediaTypeOf(req);
    const text = await readBody(req, deps.maxBodyBytes, {
      tooLarge: () => new OgcError(413, 'PayloadTooLarge', 'Request body too large', `the package is larger than the limit of ${deps.maxBodyBytes} bytes`),
      broken: (err) => invalidParameter(`the request body was not received in full (${err.message})`),
    });
    return { text, mediaType, w: typeof req.query.w === 'string' && req.query.w ? req.query.w : null };
  }

  /** Runs a handler, its core refusals worded as Part 2 exceptions. */
  const part2 = <A extends unknown[]>(h: (req: Request, res: Response, u: Urls, ...a: A) => Promise<void>) => async (req: Request, res: Response, u: Urls, ...a: A) => {
    try {
      await h(req, res, u, ...a);
    } catch (err) {
      throw part2Error(err, u);
    }
  };

  return {
    deploy: part2(async (req, res, u) => {
      const d = await deploy.deploy(await requestOf(req));
      res.status(201).setHeader('Location', u.to(`/processes/${encodeURIComponent(deploy.idOf(d))}`));
      res.json(withWarnings(await deps.summary(d, u), d));
    }),
    replace: part2(async (req, res, u, id: string) => {
      const d = await deploy.replace(id, await requestOf(req));
      res.status(200).json(withWarnings(await deps.summary(d, u), d));
    }),
    undeploy: part2(async (req, res, _u, id: string) => {
      authorise(req);
      await deploy.undeploy(id);
      res.status(204).end();
    }),
    packageOf: part2(async (_req, res, _u, id: string) => {
      const p = await deploy.packageOf(id);
      res.status(200).setHeader('Content-Type', p.mediaType);
      res.end(p.body);
    }),
    visibility: part2(async (req, res, _u, id: string) => {
      if (req.method === 'GET') {
        const value = await deploy.visibility(id);
        if (value === null) throw new OgcError(404, `${EXCEPTIONS}no-such-process`, 'No such process', `process ${JSON.stringify(id)} does not exist`);
        res.json({ value });
        return;
      }
      authorise(req);
      const value = req.body?.value;
      if (value !== 'public' && value !== 'private') throw invalidParameter('value must be "public" or "private"', { field: 'value' });
      res.json({ value: await deploy.setVisibility(id, value) });
    }),
  };
}
