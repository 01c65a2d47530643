// An OpenAPI 3.0 document as served by the API: loading (JSON or YAML, external $refs fetched
// once), $ref resolution, and lookups of operations, parameters and documented responses.
import YAML from 'yaml';
import { isObj, type Obj } from './util.ts';

export interface ApiDoc {
  url: string;
  mediaType: string;
  doc: Obj;
  /** Every document by URL (without fragment), the main one included. */
  docs: Map<string, unknown>;
  /** Path prefix of the API on the server (from `servers[0].url`), '' for the root. */
  basePath: string;
}

export type TextFetcher = (url: string) => Promise<{ text: string; mediaType: string }>;

export function parseDocument(text: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return JSON.parse(text);
  return YAML.parse(text);
}

function collectRefs(node: unknown, out: string[]): void {
  if (Array.isArray(node)) for (const n of node) collectRefs(n, out);
  else if (isObj(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
}

function withoutHash(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.toString();
}

/** Loads the document at `url` and every document its `$ref`s point to (at most 100). */
export async function loadApiDoc(fetchText: TextFetcher, url: string, landingUrl: string): Promise<ApiDoc> {
  const main = await fetchText(url);
  const doc = parseDocument(main.text);
  if (!isObj(doc)) throw new Error(`${url} is not a JSON/YAML object`);
  const docs = new Map<string, unknown>([[withoutHash(url), doc]]);
  const queue: [unknown, string][] = [[doc, withoutHash(url)]];
  while (queue.length && docs.size < 100) {
    const [node, base] = queue.shift() as [unknown, string];
    const refs: string[] = [];
    collectRefs(node, refs);
    for (const ref of refs) {
      if (ref.startsWith('#')) continue;
      let target: string;
      try {
        target = withoutHash(new URL(ref, base).toString());
      } catch {
        continue;
      }
      if (docs.has(target)) continue;
      try {
        const sub = parseDocument((await fetchText(target)).text);
        docs.set(target, sub);
        queue.push([sub, target]);
      } catch {
        docs.set(target, undefined);
      }
    }
  }
  return { url, mediaType: main.mediaType, doc, docs, basePath: basePathOf(doc, url, landingUrl) };
}

function basePathOf(doc: Obj, docUrl: string, landingUrl: string): string {
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const first = servers.find(isObj);
  const raw = first && typeof first.url === 'string' ? first.url.replace(/\{[^}]*\}/g, 'x') : undefined;
  let path: string;
  try {
    path = raw === undefined ? new URL(landingUrl).pathname : new URL(raw, docUrl).pathname;
  } catch {
    path = new URL(landingUrl).pathname;
  }
  return path.replace(/\/+$/, '');
}

function pointer(root: unknown, fragment: string): unknown {
  if (fragment === '' || fragment === '/') return root;
  let node = root;
  for (const raw of fragment.replace(/^\//, '').split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObj(node)) node = node[key];
    else return undefined;
  }
  return node;
}

export interface Resolved {
  value: unknown;
  /** URL of the document the value lives in (for relative $refs inside it). */
  base: string;
}

/** Follows `$ref`s until a value without one (undefined when a reference cannot be resolved). */
export function deref(api: ApiDoc, value: unknown, base = withoutHash(api.url)): Resolved {
  let cur = value;
  let curBase = base;
  for (let i = 0; i < 20 && isObj(cur) && typeof cur.$ref === 'string'; i++) {
    const target = new URL(cur.$ref, curBase);
    const fragment = decodeURIComponent(target.hash.replace(/^#/, ''));
    target.hash = '';
    curBase = target.toString();
    cur = pointer(api.docs.get(curBase), fragment);
  }
  return { value: cur, base: curBase };
}

/** Every `$ref` in the loaded documents that does not resolve. */
export function unresolvedRefs(api: ApiDoc): string[] {
  const bad: string[] = [];
  for (const [url, doc] of api.docs) {
    const refs: string[] = [];
    collectRefs(doc, refs);
    for (const ref of refs) {
      try {
        if (deref(api, { $ref: ref }, url).value === undefined) bad.push(ref);
      } catch {
        bad.push(ref);
      }
    }
  }
  return [...new Set(bad)];
}

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export function paths(api: ApiDoc): Obj {
  return isObj(api.doc.paths) ? api.doc.paths : {};
}

function templateRegex(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]*\\?\}/g, '[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/** The API-relative path of an absolute URL on the server, or undefined when it is outside the API. */
export function apiPath(api: ApiDoc, url: string, origin: string): string | undefined {
  const u = new URL(url);
  if (u.origin !== origin) return undefined;
  if (!u.pathname.startsWith(api.basePath)) return undefined;
  const rest = u.pathname.slice(api.basePath.length);
  return rest === '' ? '/' : rest;
}

/** The path template of the document that best matches `path` (fewest parameters wins). */
export function matchTemplate(api: ApiDoc, path: string): string | undefined {
  const candidates = Object.keys(paths(api)).filter((t) => templateRegex(t).test(path));
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates[0];
}

export interface Operation {
  template: string;
  method: string;
  op: Obj;
  pathItem: Obj;
  base: string;
}

export function operation(api: ApiDoc, template: string, method: string): Operation | undefined {
  const item = deref(api, paths(api)[template]);
  if (!isObj(item.value)) return undefined;
  const op = item.value[method.toLowerCase()];
  return isObj(op) ? { template, method: method.toLowerCase(), op, pathItem: item.value, base: item.base } : undefined;
}

/** The operation behind a request to `path` (API-relative), if the document has one. */
export function operationFor(api: ApiDoc, method: string, path: string): Operation | undefined {
  const template = matchTemplate(api, path);
  return template === undefined ? undefined : operation(api, template, method);
}

const parameterBase = new WeakMap<Obj, string>();

/** Path-level and operation-level parameters, resolved (operation-level ones win). */
export function parameters(api: ApiDoc, op: Operation): Obj[] {
  const byKey = new Map<string, Obj>();
  for (const list of [op.pathItem.parameters, op.op.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      const { value: r, base } = deref(api, p, op.base);
      if (!isObj(r)) continue;
      parameterBase.set(r, base);
      byKey.set(`${String(r.in)}:${String(r.name)}`, r);
    }
  }
  return [...byKey.values()];
}

export function queryParameter(api: ApiDoc, op: Operation, name: string): Obj | undefined {
  return parameters(api, op).find((p) => p.in === 'query' && p.name === name);
}

/** The response object documented for `status` (exact code, `4XX` range, or `default`). */
export function documentedResponse(api: ApiDoc, op: Operation, status: number): Obj | undefined {
  const responses = isObj(op.op.responses) ? op.op.responses : {};
  const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default'].find((k) => k in responses);
  if (key === undefined) return undefined;
  const r = deref(api, responses[key], op.base).value;
  return isObj(r) ? r : {};
}

/** The schema of a parameter, resolved. */
export function parameterSchema(api: ApiDoc, param: Obj): Obj | undefined {
  const s = deref(api, param.schema, parameterBase.get(param)).value;
  return isObj(s) ? s : undefined;
}
