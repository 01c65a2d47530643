// OGC API - Processes - Part 2: deploy (POST /processes), replace (PUT /processes/{id}), undeploy
// (DELETE /processes/{id}), the deployed package (GET /processes/{id}/package) and Weaver's
// visibility (GET/PUT /processes/{id}/visibility). Bodies are read as text so the package can be
// given back exactly as sent; changing a process needs a bearer token when tokens are configured.
import { parse as parseYaml } from 'yaml';
import type { Request, Response } from 'express';
import { AuthError, requireScope } from '../../src/auth/middleware.ts';
import type { Core } from '../../src/core/index.ts';
import { Conflict, DomainError } from '../../src/core/domain-errors.ts';
import { type CwlDeployment, type Deployed, WorkflowNotFound } from '../../src/core/job-types/cwl-packages.ts';
import { type AppPackage, type ExecutionUnit, readAppPackage } from '../../seed-mapping/ogc-app-package.ts';
import { checkOgc } from '../schemas.ts';
import { invalidParameter, OgcError, type Urls } from './http.ts';
import type { AllowList } from './fetch-guard.ts';
import { fetchWithin } from './inputs.ts';

export const EXCEPTIONS_2 = 'http://www.opengis.net/def/exceptions/ogcapi-processes-2/1.0/';
const JSON_TYPES = ['application/json', 'application/ogcapppkg+json'];
const CWL_TYPES = ['application/cwl', 'application/cwl+json', 'application/cwl+yaml'];
const MAX_DEPTH = 64;

/** The deepest nesting of a JSON value (iteratively: a hostile body must not overflow the stack). */
export function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (d > MAX_DEPTH) break;
    if (v && typeof v === 'object') for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
}

export interface DeployOptions {
  maxBodyBytes: number;
  /** Private addresses a package's CWL href may point at (SCALE_FETCH_ALLOW). */
  fetchAllow?: AllowList;
}

/** The exception a core refusal becomes here, with Part 2's type URIs. */
function part2Error(err: unknown, u: Urls): unknown {
  if (err instanceof WorkflowNotFound) return new OgcError(400, `${EXCEPTIONS_2}workflow-not-found`, 'Workflow not found', err.message);
  if (err instanceof Conflict) {
    const id = (err as Conflict & { processId?: string }).processId;
    return new OgcError(409, `${EXCEPTIONS_2}duplicated-process`, 'Duplicated process', err.message, id ? { location: u.to(`/processes/${encodeURIComponent(id)}`) } : {});
  }
  if (err instanceof DomainError && err.kind === 'forbidden') return new OgcError(403, `${EXCEPTIONS_2}immutable-process`, 'Immutable process', err.message);
  if (err instanceof DomainError && err.kind === 'not-found') return new OgcError(404, 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-process', 'No such process', err.message);
  return err;
}

export function createDeployHandlers(deps: { core: Core; options: DeployOptions; summary: (d: Deployed, u: Urls) => Promise<Record<string, unknown>> }) {
  const { core, options } = deps;

  /** Changing processes needs the deploy scope (the app's authentication checked it for this door's routes; WPS-T comes here too). */
  function authorise(req: Request): void {
    try {
      requireScope(req.res, 'deploy');
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      throw new OgcError(err.status, `https://www.rfc-editor.org/rfc/rfc9110#status.${err.status}`, err.status === 401 ? 'Unauthorized' : 'Forbidden', err.message);
    }
  }

  /** The request body as text, up to the limit. */
  function readText(req: Request): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > options.maxBodyBytes) {
          req.removeAllListeners('data');
          req.resume();
          reject(new OgcError(413, 'PayloadTooLarge', 'Request body too large', `the package is larger than the limit of ${options.maxBodyBytes} bytes`));
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  function mediaTypeOf(req: Request): string {
    const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (![...JSON_TYPES, ...CWL_TYPES].includes(type)) {
      throw new OgcError(415, `${EXCEPTIONS_2}unsupported-media-type`, 'Unsupported media type', `deploy an OGC Application Package (${JSON_TYPES.join(', ')}) or CWL (${CWL_TYPES.join(', ')}), not ${JSON.stringify(type || 'nothing')}`);
    }
    return type;
  }

  /** Reads and checks an Application Package; problems answer 400 naming the field. */
  function parsePackage(text: string): AppPackage {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw invalidParameter(`the package is not JSON: ${(err as Error).message}`);
    }
    if (depthOf(body) > MAX_DEPTH) throw invalidParameter(`the package nests deeper than ${MAX_DEPTH} levels`);
    const r = readAppPackage(body);
    if (!r.value) throw invalidParameter(r.problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '), { ...(r.problems[0]?.field ? { field: r.problems[0].field } : {}), errors: r.problems });
    if (r.value.process) {
      const problems = checkOgc('process.yaml', r.value.process);
      if (problems.length) throw invalidParameter(`processDescription is not a valid OGC process description: ${problems.slice(0, 5).map((p) => `${p.path} ${p.message}`).join('; ')}`, { field: 'processDescription', errors: problems });
    }
    return r.value;
  }

  /** A CWL document fetched by reference (the package's href, or a step's relative `run`), up to the body limit. */
  async function fetchCwl(href: string, field: string): Promise<string> {
    const res = await fetchWithin(href, field, 30, options.fetchAllow);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > options.maxBodyBytes) throw invalidParameter(`${field}: the CWL document at ${href} is larger than ${options.maxBodyBytes} bytes`, { field });
    return body.toString('utf8');
  }

  /** What a CWL deployment reads: the body itself, or the package's execution unit (by value or by href). */
  async function cwlDeployment(w: string | null, text: string, mediaType: string, pkg: AppPackage | null): Promise<CwlDeployment> {
    const base = { w, raw: text, mediaType, load: null, fallbackId: null };
    if (!pkg) return { ...base, cwl: text, id: null };
    const unit = pkg.unit as Extract<ExecutionUnit, { kind: 'cwl' }>;
    const id = pkg.process?.id ?? null;
    if (!unit.href) return { ...base, cwl: unit.value, id };
    const href = unit.href;
    const cwl = await fetchCwl(href, 'executionUnit.href');
    const stem = decodeURIComponent(new URL(href).pathname.split('/').pop() ?? '').replace(/\.(cwl|ya?ml|json)$/i, '');
    // Steps' relative `run` references are fetched beside the document, as cwltool does.
    const load = async (ref: string) => {
      const parsed = parseYaml(await fetchCwl(new URL(ref, href).toString(), `run ${ref}`), { maxAliasCount: 50 });
      return parsed && typeof parsed === 'object' ? parsed : null;
    };
    return { ...base, cwl, id, load, fallbackId: /^[A-Za-z0-9][\w.-]*$/.test(stem) ? stem : null };
  }

  /** Deploys (or replaces) what a body holds: an Application Package, or CWL. Authorisation is the caller's. */
  async function deployText(text: string, mediaType: string, w: string | null, replaceId: string | null): Promise<Deployed> {
    const cwlBody = CWL_TYPES.includes(mediaType);
    const pkg = cwlBody ? null : parsePackage(text);
    if (cwlBody || pkg!.unit.kind === 'cwl') {
      const d = await cwlDeployment(w, text, mediaType, pkg);
      return replaceId === null ? core.cwl.deploy(d) : core.cwl.replace(replaceId, d);
    }
    const d = { pkg: pkg!, raw: text, mediaType };
    if (replaceId !== null && (await core.cwl.activeWorkflow(replaceId))) throw invalidParameter(`process ${replaceId} is a CWL workflow: replace it with CWL`);
    return { kind: 'tool', jobType: replaceId === null ? await core.packages.deploy(d) : await core.packages.replace(replaceId, d) };
  }

  async function deployOrReplace(req: Request, replaceId: string | null): Promise<Deployed> {
    authorise(req);
    const mediaType = mediaTypeOf(req);
    const text = await readText(req);
    const w = typeof req.query.w === 'string' && req.query.w ? req.query.w : null;
    return deployText(text, mediaType, w, replaceId);
  }

  /** Undeploys a process: a workflow, or a job type. */
  async function undeployProcess(id: string): Promise<void> {
    if (await core.cwl.activeWorkflow(id)) await core.cwl.undeployWorkflow(id);
    else await core.packages.undeploy(id);
  }

  const idOf = (d: Deployed) => (d.kind === 'tool' ? d.jobType.name : d.recipeType.name);

  return {
    authorise,
    deployText,
    undeployProcess,
    idOf,
    async deploy(req: Request, res: Response, u: Urls): Promise<void> {
      try {
        const d = await deployOrReplace(req, null);
        res.status(201).setHeader('Location', u.to(`/processes/${encodeURIComponent(idOf(d))}`));
        res.json(await deps.summary(d, u));
      } catch (err) {
        throw part2Error(err, u);
      }
    },
    async replace(req: Request, res: Response, u: Urls, id: string): Promise<void> {
      try {
        const d = await deployOrReplace(req, id);
        res.status(200).json(await deps.summary(d, u));
      } catch (err) {
        throw part2Error(err, u);
      }
    },
    async undeploy(req: Request, res: Response, u: Urls, id: string): Promise<void> {
      try {
        authorise(req);
        await undeployProcess(id);
        res.status(204).end();
      } catch (err) {
        throw part2Error(err, u);
      }
    },
    async packageOf(_req: Request, res: Response, u: Urls, id: string): Promise<void> {
      try {
        const wf = await core.cwl.activeWorkflow(id);
        const p = wf ? { body: wf.deployedPackage, mediaType: wf.deployedMediaType } : await core.packages.packageOf(id);
        res.status(200).setHeader('Content-Type', p.mediaType);
        res.end(p.body);
      } catch (err) {
        throw part2Error(err, u);
      }
    },
    async visibility(req: Request, res: Response, u: Urls, id: string): Promise<void> {
      try {
        if (req.method === 'GET') {
          const jt = await core.packages.activeByName(id);
          if (!jt) throw new OgcError(404, 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-process', 'No such process', `process ${JSON.stringify(id)} does not exist`);
          res.json({ value: jt.visibility });
          return;
        }
        authorise(req);
        const value = req.body?.value;
        if (value !== 'public' && value !== 'private') throw invalidParameter('value must be "public" or "private"', { field: 'value' });
        const jt = await core.packages.setVisibility(id, value);
        res.json({ value: jt.visibility });
      } catch (err) {
        throw part2Error(err, u);
      }
    },
  };
}
