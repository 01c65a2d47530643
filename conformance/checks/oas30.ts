// OpenAPI 3.0 (A.58-A.63): the definition's media types and structure, and whether it documents
// what the server did during this run (every exchange the checks had with it is recorded).
import { OAS30_JSON } from '../constants.ts';
import type { Context, Exchange } from '../context.ts';
import { echo } from '../echo.ts';
import { asyncRawValueJob } from '../jobs.ts';
import { describeResponse, expect, expectStatus, fail } from '../lib/assert.ts';
import { mediaType } from '../lib/http.ts';
import { resolveHref, withRel } from '../lib/links.ts';
import { type ApiDoc, apiPath, documentedResponse, METHODS, operation, type Operation, operationFor, paths } from '../lib/openapi.ts';
import { openApi30Problems } from '../lib/openapi-validate.ts';
import { isObj, type Obj } from '../lib/util.ts';
import { apiDoc, landing, serviceDescLink } from '../resources.ts';
import type { Check } from '../types.ts';

function contentTypes(response: Obj): string[] {
  return isObj(response.content) ? Object.keys(response.content).map((k) => k.split(';')[0].trim().toLowerCase()) : [];
}

function mediaTypeDocumented(response: Obj, mt: string): boolean {
  const types = contentTypes(response);
  if (types.length === 0 || mt === '') return true;
  return types.some((t) => t === mt || t === '*/*' || (t.endsWith('/*') && mt.startsWith(t.slice(0, -1))));
}

/** Problems with how the document covers one exchange (undefined when it is not an API path). */
function exchangeProblem(api: ApiDoc, ctx: Context, x: Exchange): string | undefined {
  const path = apiPath(api, x.url, ctx.origin);
  if (path === undefined) return undefined;
  const op = operationFor(api, x.method, path);
  if (!op) return undocumentedOperation(api, x, path);
  const response = documentedResponse(api, op, x.status);
  if (!response) return `${x.method} ${op.template}: status ${x.status} is not documented`;
  const mt = x.mediaType.split(';')[0].trim().toLowerCase();
  if (x.status !== 204 && !mediaTypeDocumented(response, mt)) return `${x.method} ${op.template} ${x.status}: media type ${mt} is not documented (${contentTypes(response).join(', ')})`;
  return undefined;
}

/** An exchange whose path matches a template but whose method is not documented. */
function undocumentedOperation(api: ApiDoc, x: Exchange, path: string): string | undefined {
  const anyMethod = METHODS.some((m) => operationFor(api, m, path));
  return anyMethod ? `${x.method} ${path}: the path is documented but not this method` : undefined;
}

function reviewExchanges(ctx: Context, api: ApiDoc, errors: boolean): string {
  const problems = new Set<string>();
  let seen = 0;
  for (const x of ctx.exchanges) {
    if (x.status >= 400 !== errors) continue;
    seen++;
    const p = exchangeProblem(api, ctx, x);
    if (p) problems.add(p);
  }
  if (problems.size) fail([...problems].slice(0, 6).join('; ') + (problems.size > 6 ? ` (+${problems.size - 6} more)` : ''));
  return `${seen} ${errors ? 'error' : 'successful'} responses of this run are documented`;
}

/** Operations every Processes API has, with a sample path for each. */
function requiredOperations(ctx: Context, p: { id: string }): [string, string][] {
  const id = encodeURIComponent(p.id);
  const ops: [string, string][] = [
    ['get', '/'],
    ['get', '/conformance'],
    ['get', '/processes'],
    ['get', `/processes/${id}`],
    ['post', `/processes/${id}/execution`],
    ['get', '/jobs/some-job'],
    ['get', '/jobs/some-job/results'],
  ];
  if (ctx.declares('job-list')) ops.push(['get', '/jobs']);
  if (ctx.declares('dismiss')) ops.push(['delete', '/jobs/some-job']);
  return ops;
}

async function sampleValueFor(ctx: Context, name: string): Promise<string | undefined> {
  if (/process/i.test(name)) return ctx.echoId;
  if (/job/i.test(name)) return (await asyncRawValueJob(ctx).catch(() => undefined))?.jobID;
  if (/output/i.test(name)) return (await echo(ctx).catch(() => undefined))?.echoOutput;
  return undefined;
}

async function implementationProblem(ctx: Context, api: ApiDoc, op: Operation): Promise<string | undefined> {
  let path = op.template;
  for (const m of op.template.matchAll(/\{([^}]+)\}/g)) {
    const v = await sampleValueFor(ctx, m[1]);
    if (v === undefined) return undefined;
    path = path.replace(m[0], encodeURIComponent(v));
  }
  // No Accept header: the default representation (a raw result may have any media type).
  const res = await ctx.get(`${ctx.origin}${api.basePath}${path}`, { accept: null });
  const response = documentedResponse(api, op, res.status);
  if (!response) return `${describeResponse(res)}: status not documented for GET ${op.template}`;
  if (res.status !== 204 && !mediaTypeDocumented(response, mediaType(res))) return `${describeResponse(res)}: media type ${mediaType(res)} not documented for GET ${op.template}`;
  return undefined;
}

export const oas30Checks: Check[] = [
  {
    id: 'A.58',
    title: '/conf/oas30/completeness',
    cls: 'oas30',
    async run(ctx) {
      const api = await apiDoc(ctx);
      const missing = requiredOperations(ctx, { id: ctx.echoId }).filter(([m, p]) => !operationFor(api, m, p)).map(([m, p]) => `${m.toUpperCase()} ${p}`);
      if (missing.length) fail(`the OpenAPI document has no operation for ${missing.join(', ')}`);
      return reviewExchanges(ctx, api, false);
    },
  },
  {
    id: 'A.59',
    title: '/conf/oas30/exceptions-codes',
    cls: 'oas30',
    async run(ctx) {
      return reviewExchanges(ctx, await apiDoc(ctx), true);
    },
  },
  {
    id: 'A.60',
    title: '/conf/oas30/oas-definition-1',
    cls: 'oas30',
    async run(ctx) {
      const { links, res: lres } = await landing(ctx);
      const desc = await serviceDescLink(ctx);
      expect(desc, 'the landing page has no rel service-desc link');
      const res = await ctx.get(resolveHref(desc.href, lres.url), { accept: OAS30_JSON });
      expectStatus(res, 200);
      const ct = String(res.headers['content-type'] ?? '').toLowerCase();
      expect(mediaType(res) === 'application/vnd.oai.openapi+json', `${describeResponse(res)}: Content-Type ${ct || 'missing'}, expected ${OAS30_JSON}`);
      const version = /version\s*=\s*"?([\d.]+)/.exec(ct)?.[1];
      expect(version === undefined || version === '3.0', `${describeResponse(res)}: Content-Type ${ct}, expected version=3.0`);
      const doc = withRel(links, 'service-doc')[0];
      expect(doc, 'the landing page has no rel service-doc link to the HTML API definition');
      const hres = await ctx.get(resolveHref(doc.href, lres.url), { accept: 'text/html' });
      expectStatus(hres, 200);
      expect(mediaType(hres) === 'text/html', `${describeResponse(hres)}: Content-Type ${mediaType(hres) || 'missing'}, expected text/html`);
      return version === undefined ? 'the JSON media type has no version parameter' : undefined;
    },
  },
  {
    id: 'A.61',
    title: '/conf/oas30/oas-definition-2',
    cls: 'oas30',
    async run(ctx) {
      const api = await apiDoc(ctx);
      const problems = openApi30Problems(api);
      if (problems.length) fail(`${api.url}: ${problems.slice(0, 6).join('; ')}${problems.length > 6 ? ` (+${problems.length - 6} more)` : ''}`);
      return 'structural OpenAPI 3.0 check (version, info, paths, operations, responses, parameters, $refs)';
    },
  },
  {
    id: 'A.62',
    title: '/conf/oas30/oas-impl',
    cls: 'oas30',
    async run(ctx) {
      const api = await apiDoc(ctx);
      const problems: string[] = [];
      let tried = 0;
      for (const template of Object.keys(paths(api)).slice(0, 60)) {
        const op = operation(api, template, 'get');
        if (!op) continue;
        tried++;
        const p = await implementationProblem(ctx, api, op);
        if (p) problems.push(p);
      }
      if (problems.length) fail(problems.slice(0, 6).join('; '));
      return `${tried} GET operations called with the parameters this run knows; other methods are covered by A.58/A.59`;
    },
  },
  {
    id: 'A.63',
    title: '/conf/oas30/security',
    cls: 'oas30',
    async run(ctx) {
      const api = await apiDoc(ctx);
      const components = isObj(api.doc.components) ? api.doc.components : {};
      const schemes = isObj(components.securitySchemes) ? Object.keys(components.securitySchemes) : [];
      const requirements: unknown[] = Array.isArray(api.doc.security) ? [...api.doc.security] : [];
      for (const item of Object.values(paths(api))) {
        if (!isObj(item)) continue;
        for (const m of METHODS) if (isObj(item[m]) && Array.isArray((item[m] as Obj).security)) requirements.push(...((item[m] as Obj).security as unknown[]));
      }
      const undefinedSchemes = new Set(requirements.filter(isObj).flatMap((r) => Object.keys(r)).filter((k) => !schemes.includes(k)));
      if (undefinedSchemes.size) fail(`security requirements name undefined schemes: ${[...undefinedSchemes].join(', ')}`);
      // A 403 immutable-process (Part 2: a built-in process cannot be undeployed) refuses the action, not the credentials.
      const refused = ctx.exchanges.filter((x) => x.status === 401 || (x.status === 403 && !x.exceptionType?.endsWith('/immutable-process')));
      if (refused.length && schemes.length === 0) fail(`the server answered ${refused[0].status} to ${refused[0].method} ${refused[0].url} but documents no security scheme`);
      return schemes.length ? `structural: schemes ${schemes.join(', ')} documented and referenced consistently` : 'structural: no security schemes documented and no request was refused with 401/403';
    },
  },
];
