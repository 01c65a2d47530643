// The server's resources that several checks look at, fetched once per run.
import { OAS30_JSON } from './constants.ts';
import type { Context } from './context.ts';
import { describeResponse, expect, expectObject, expectStatus, fail } from './lib/assert.ts';
import { type HttpResponse, mediaType } from './lib/http.ts';
import { jsonLinks, type Link, resolveHref, withRel } from './lib/links.ts';
import { type ApiDoc, loadApiDoc } from './lib/openapi.ts';
import { isObj, type Obj } from './lib/util.ts';

export interface JsonResource {
  res: HttpResponse;
  body: Obj;
  links: Link[];
}

async function getJson(ctx: Context, path: string): Promise<JsonResource> {
  const res = await ctx.get(path);
  expectStatus(res, 200);
  const body = expectObject(res);
  return { res, body, links: jsonLinks(body) };
}

export function landing(ctx: Context): Promise<JsonResource> {
  return ctx.memo('landing', () => getJson(ctx, '/'));
}

export function conformance(ctx: Context): Promise<JsonResource> {
  return ctx.memo('conformance', () => getJson(ctx, '/conformance'));
}

export async function conformsTo(ctx: Context): Promise<string[]> {
  const { body, res } = await conformance(ctx);
  expect(Array.isArray(body.conformsTo), `${describeResponse(res)}: no conformsTo array`);
  return (body.conformsTo as unknown[]).filter((c): c is string => typeof c === 'string');
}

const MAX_PAGES = 20;

/** Every process summary of the list at `start`, following `next` links (at most 20 pages), read now. */
export async function listProcesses(ctx: Context, start = '/processes'): Promise<Obj[]> {
  const out: Obj[] = [];
  let url: string | undefined = ctx.url(start);
  const seen = new Set<string>();
  for (let page = 0; url && page < MAX_PAGES && !seen.has(url); page++) {
    seen.add(url);
    const { body, links, res } = await getJson(ctx, url);
    expect(Array.isArray(body.processes), `${describeResponse(res)}: no processes array`);
    out.push(...(body.processes as unknown[]).filter(isObj));
    const next = withRel(links, 'next')[0];
    url = next ? resolveHref(next.href, res.url) : undefined;
  }
  return out;
}

/** Every process summary, following `next` links (at most 20 pages), read once per run. */
export function processSummaries(ctx: Context): Promise<Obj[]> {
  return ctx.memo('process-summaries', () => listProcesses(ctx));
}

export interface Description {
  id: string;
  res: HttpResponse;
}

const MAX_DESCRIPTIONS = 50;

/** GET /processes/{id} for every listed process (at most 50). */
export function descriptions(ctx: Context): Promise<Description[]> {
  return ctx.memo('descriptions', async () => {
    const ids = (await processSummaries(ctx)).map((p) => p.id).filter((id): id is string => typeof id === 'string');
    const out: Description[] = [];
    for (const id of ids.slice(0, MAX_DESCRIPTIONS)) out.push({ id, res: await ctx.get(`/processes/${encodeURIComponent(id)}`) });
    return out;
  });
}

/** The JSON bodies of the process descriptions that answered 200. */
export async function descriptionBodies(ctx: Context): Promise<{ id: string; body: Obj }[]> {
  const out: { id: string; body: Obj }[] = [];
  for (const d of await descriptions(ctx)) {
    if (d.res.status !== 200) continue;
    try {
      out.push({ id: d.id, body: expectObject(d.res) });
    } catch {
      // reported by A.14
    }
  }
  return out;
}

/** The service-desc link of the landing page (preferring an OpenAPI JSON one). */
export async function serviceDescLink(ctx: Context): Promise<Link | undefined> {
  const { links } = await landing(ctx);
  const descs = withRel(links, 'service-desc');
  return descs.find((l) => /openapi\+json/i.test(l.type ?? '')) ?? descs.find((l) => /json/i.test(l.type ?? '')) ?? descs[0];
}

/** The OpenAPI document linked as service-desc. */
export function apiDoc(ctx: Context): Promise<ApiDoc> {
  return ctx.memo('api-doc', async () => {
    const link = await serviceDescLink(ctx);
    if (!link) fail('the landing page has no service-desc link to an API definition');
    const { res } = await landing(ctx);
    const url = resolveHref(link.href, res.url);
    const fetchText = async (u: string) => {
      const r = await ctx.get(u, { accept: `${OAS30_JSON}, application/json;q=0.9, application/yaml;q=0.5, */*;q=0.1` });
      expectStatus(r, 200);
      return { text: r.text, mediaType: mediaType(r) };
    };
    try {
      return await loadApiDoc(fetchText, url, ctx.base);
    } catch (e) {
      return fail(`API definition at ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

/** apiDoc, or undefined when the server offers none that can be read. */
export async function optionalApiDoc(ctx: Context): Promise<ApiDoc | undefined> {
  try {
    return await apiDoc(ctx);
  } catch {
    return undefined;
  }
}
