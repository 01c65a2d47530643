// The request fuzzer's parts: the routes of every front door read from the running app (the Express
// routers' stacks and the OGC OpenAPI document, so a new route is fuzzed without anyone listing it),
// request bodies generated from the real schemas (schemas/ and the served OpenAPI document) and then
// mutated, WPS XML from the standard's own request examples and the WPS-T shapes, the senders (a
// keep-alive HTTP client and a raw socket for what no HTTP client will send), the checks an answer
// must pass, and a checksum of the database to prove a rejected request changed nothing.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import type { Db } from '../../src/store/db.ts';

export const ROOT = path.join(import.meta.dirname, '..', '..');
export const SCHEMAS = path.join(ROOT, 'schemas');

export type Door = 'scale' | 'ogc' | 'wps' | 'ui' | 'metrics';
export const doorOf = (p: string): Door =>
  p === '/scale' || p.startsWith('/scale/') ? 'scale' : p === '/wps' || p.startsWith('/wps/') ? 'wps' : p === '/ui' || p.startsWith('/ui/') ? 'ui' : p === '/metrics' ? 'metrics' : 'ogc';

// ---------------------------------------------------------------- routes

export type BodyKind = 'json' | 'xml' | 'multipart' | 'raw-file' | 'package' | 'none';

export interface Route {
  door: Door;
  /** Express-style template: /scale/jobs/:id/ (OpenAPI {x} turned into :x); a trailing * is any rest of the path. */
  path: string;
  /** Methods the code declares for it (upper case); ALL for a catch-all. */
  methods: string[];
  body: BodyKind;
  /** Request body schemas: [schema, the document its $refs resolve in]. */
  schemas: [unknown, unknown][];
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Every route of the Express app: routes of nested routers with their mount prefixes, and path-mounted middleware as prefix routes. */
export function expressRoutes(app: { router: { stack: Layer[] } }): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const l of stack) {
      if (l.route) {
        for (const p of [l.route.path].flat()) out.push({ path: prefix + p, methods: Object.keys(l.route.methods).map((m) => (m === '_all' ? 'ALL' : m.toUpperCase())) });
      } else if (l.handle?.stack) {
        const rp = l.rawPath;
        walk(l.handle.stack, prefix + (l.slash || rp === '/' || typeof rp !== 'string' ? '' : rp));
      } else if (typeof l.rawPath === 'string' && l.rawPath !== '/' && !l.slash) {
        out.push({ path: `${prefix}${l.rawPath}/*`, methods: ['ALL'] });
      }
    }
  };
  walk(app.router.stack, '');
  return out;
}

/** The request body schema ids each Scale router route reads (`body(req, 'scale-api/…')` after `r.post('/path'`). */
export function scaleBodySchemas(): Map<string, string[]> {
  const dir = path.join(ROOT, 'src', 'scale-api');
  const out = new Map<string, string[]>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const marks: { at: number; key?: string; schema?: string }[] = [
      ...[...text.matchAll(/\br\.(get|post|patch|put|delete)\(\s*'([^']+)'/g)].map((m) => ({ at: m.index, key: `${m[1].toUpperCase()} ${m[2]}` })),
      ...[...text.matchAll(/'(scale-api\/[\w-]+)'/g)].map((m) => ({ at: m.index, schema: m[1] })),
    ].sort((a, b) => a.at - b.at);
    let current: string | null = null;
    for (const m of marks) {
      if (m.key) current = m.key;
      else if (current && m.schema) out.set(current, [...new Set([...(out.get(current) ?? []), m.schema])]);
    }
  }
  return out;
}

/** Query parameter names the code reads (Scale's Query helpers, WPS KVP keys, req.query.x) and the OpenAPI document declares. */
export function queryNames(openapi: any): string[] {
  const names = new Set<string>();
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  for (const f of [...files(path.join(ROOT, 'src', 'scale-api')), ...files(path.join(ROOT, 'ogc'))]) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\.(?:one|all|int|ints|strings|bool|time)\(\s*'([a-z_]+)'/g)) names.add(m[1]);
    for (const m of text.matchAll(/\bq\.get\('([a-z_]+)'\)/g)) names.add(m[1]);
    for (const m of text.matchAll(/req\.query\.(\w+)/g)) names.add(m[1]);
    for (const m of text.matchAll(/queryInt\(req, '(\w+)'/g)) names.add(m[1]);
  }
  for (const ops of Object.values<any>(openapi.paths ?? {})) {
    for (const op of Object.values<any>(ops)) for (const p of op?.parameters ?? []) if (p.in === 'query') names.add(p.name);
  }
  return [...names].sort();
}

const JSON_TYPES = ['application/json', 'application/ogcapppkg+json', 'application/cwl+json'];

/**
 * A body schema as the fuzzer draws from it. Diagnostics queue `num` jobs or recipes by design (up to
 * 10,000 a request): drawn as the schema allows, a few valid requests would bury the run under
 * tens of thousands of jobs. The fuzzer asks for at most 3; the bound itself is tested in scale-v6.test.ts.
 */
function fuzzable(id: string): unknown {
  const s = schemaById(id) as any;
  if (id !== 'scale-api/diagnostics') return s;
  return { ...s, properties: { ...s.properties, num: { ...s.properties.num, maximum: 3 } } };
}

/** Routes from the app and the OGC OpenAPI document (each OGC operation with its request body schema). */
export function allRoutes(app: any, openapi: any): Route[] {
  const schemas = scaleBodySchemas();
  const byPath = new Map<string, Route>();
  const add = (p: string, methods: string[], body: BodyKind, sch: [unknown, unknown][]) => {
    const r = byPath.get(p);
    if (r) {
      r.methods = [...new Set([...r.methods, ...methods])];
      r.schemas.push(...sch);
      if (r.body === 'none') r.body = body;
    } else byPath.set(p, { door: doorOf(p), path: p, methods, body, schemas: [...sch] });
  };
  for (const r of expressRoutes(app)) {
    const door = doorOf(r.path);
    const writes = r.methods.some((m) => m !== 'GET' && m !== 'HEAD');
    let body: BodyKind = 'none';
    const sch: [unknown, unknown][] = [];
    if (door === 'wps' && r.methods.includes('POST')) body = 'xml';
    else if (/\/files\/$/.test(r.path) && r.methods.includes('POST')) body = 'multipart';
    else if (/\/configuration\/upload\/$/.test(r.path)) body = 'raw-file';
    else if (writes) {
      body = 'json';
      const rel = r.path.replace(/^\/scale(?:\/v[56])?/, '');
      for (const m of r.methods) for (const id of schemas.get(`${m} ${rel}`) ?? []) sch.push([fuzzable(id), fuzzable(id)]);
    }
    add(r.path, r.methods, body, sch);
  }
  for (const [p, ops] of Object.entries<any>(openapi.paths ?? {})) {
    const tpl = p.replace(/\{(\w+)\}/g, ':$1');
    for (const [method, op] of Object.entries<any>(ops)) {
      const content = op?.requestBody?.content ?? {};
      const sch: [unknown, unknown][] = [];
      for (const t of JSON_TYPES) if (content[t]?.schema) sch.push([content[t].schema, openapi]);
      const deploying = Object.keys(content).some((t) => t.includes('cwl') || t.includes('ogcapppkg'));
      add(tpl, [method.toUpperCase()], deploying ? 'package' : Object.keys(content).length ? 'json' : 'none', sch);
    }
  }
  return [...byPath.values()];
}

// ---------------------------------------------------------------- schemas → values

let registry: Map<string, unknown> | null = null;
/** Every JSON schema under schemas/, by $id, id and path. */
export function schemaById(id: string): unknown {
  if (!registry) {
    registry = new Map();
    const list = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : []));
    for (const f of list(SCHEMAS)) {
      const s = JSON.parse(fs.readFileSync(f, 'utf8'));
      registry.set(path.relative(SCHEMAS, f), s);
      registry.set(path.relative(SCHEMAS, f).replace(/\.json$/, ''), s);
      if (typeof s.$id === 'string') registry.set(s.$id.replace(/#$/, ''), s);
      if (typeof s.id === 'string') registry.set(s.id.replace(/#$/, ''), s);
    }
  }
  const s = registry.get(id.replace(/#$/, ''));
  if (!s) throw new Error(`no schema ${id}`);
  return s;
}

/** Open `type: object` holes in the API schemas, filled from the document schemas the core checks them against. */
const HOLES: Record<string, string[]> = {
  job_data: ['scale/job-data-1.0'],
  recipe_data: ['scale/recipe-data-1.0'],
  interface: ['scale/job-interface-1.0'],
  definition: ['scale/recipe-definition-6', 'scale/recipe-definition-1.0'],
  configuration: ['scale/job-configuration-6', 'scale/strike-configuration-6', 'scale/scan-configuration-6', 'scale/configuration-1.0'],
  json_config: ['scale/workspace-config-1.0'],
  manifest: ['seed/seed.manifest.schema.json'],
  error_mapping: ['scale/error-interface-1.0'],
  import: ['scale/configuration-1.0'],
};

export interface Pools {
  ids: number[];
  names: string[];
  hrefs: string[];
}

const WORDS = ['fuzz', 'echo', 'default', 'a', 'x-1', 'job', 'recipe', 'input_file', 'output', 'message', 'PROPERTY', 'file', 'files'];

function resolveRef(ref: string, root: any): [any, any] {
  if (ref.startsWith('#')) {
    let node = root;
    for (const part of ref.slice(2).split('/').filter(Boolean)) node = node?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))];
    return [node, root];
  }
  const [doc, frag] = ref.split('#');
  const r = schemaById(doc) as any;
  return frag ? resolveRef(`#${frag}`, r) : [r, r];
}

function stringFor(s: any, pools: Pools): fc.Arbitrary<string> {
  if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'uri' || s.format === 'url' || s.format === 'uri-reference') return fc.constantFrom(...pools.hrefs);
  if (s.format === 'email') return fc.constant('fuzz@example.com');
  const bounded = { minLength: s.minLength ?? 0, maxLength: Math.max(s.minLength ?? 0, Math.min(s.maxLength ?? 16, 16)) };
  if (typeof s.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= (s.maxLength ?? 64) && x.length >= (s.minLength ?? 0));
    } catch {
      /* a pattern fast-check cannot read: fall through */
    }
  }
  return fc.oneof(fc.constantFrom(...[...WORDS, ...pools.names].filter((w) => w.length >= bounded.minLength && w.length <= (s.maxLength ?? 1e9))), fc.string(bounded));
}

const built = new WeakMap<object, Map<string, fc.Arbitrary<unknown>>>();

/** An arbitrary of values that mostly satisfy the schema (draft-04/07 or OpenAPI 3.0), by a best-effort reading of it (built once per schema node). */
export function fromSchema(schema: any, root: any, pools: Pools, depth = 0, key = ''): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object') return buildFromSchema(schema, root, pools, depth, key);
  let byPlace = built.get(schema);
  if (!byPlace) built.set(schema, (byPlace = new Map()));
  const place = `${depth}|${key}|${pools.ids.join(',')}`;
  let arb = byPlace.get(place);
  if (!arb) byPlace.set(place, (arb = buildFromSchema(schema, root, pools, depth, key)));
  return arb;
}

function buildFromSchema(schema: any, root: any, pools: Pools, depth: number, key: string): fc.Arbitrary<unknown> {
  if (schema === true || schema === undefined || schema === null || typeof schema !== 'object') return fc.constantFrom<unknown>('x', 1, true, null, {});
  if (depth > 7) return fc.constantFrom<unknown>(null, 'x', 1, {}, []);
  if (typeof schema.$ref === 'string') {
    const [s, r] = resolveRef(schema.$ref, root);
    return fromSchema(s, r, pools, depth + 1, key);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length) return fc.constantFrom(...schema.enum);
  for (const k of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(schema[k]) && schema[k].length) return fc.oneof(...schema[k].map((s: any) => fromSchema({ ...schema, [k]: undefined, ...s }, root, pools, depth + 1, key)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length) {
    const merged: any = { ...schema, allOf: undefined, properties: { ...(schema.properties ?? {}) }, required: [...(schema.required ?? [])] };
    for (let s of schema.allOf) {
      if (s.$ref) s = resolveRef(s.$ref, root)[0];
      Object.assign(merged.properties, s?.properties ?? {});
      merged.required.push(...(s?.required ?? []));
      if (s?.type && !merged.type) merged.type = s.type;
    }
    return fromSchema(merged, root, pools, depth + 1, key);
  }
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ['object'] : schema.items ? ['array'] : null;
  if (!type) return fc.constantFrom<unknown>('x', 1, true, {}, []);
  return fc.oneof(...type.map((t: string): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'object': {
        const props: Record<string, any> = schema.properties ?? {};
        if (!Object.keys(props).length && HOLES[key]) return fc.oneof(...HOLES[key].map((id) => { const s = schemaById(id); return fromSchema(s, s, pools, depth + 1); }));
        const model: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, v] of Object.entries(props)) model[k] = fromSchema(v, root, pools, depth + 1, k);
        for (const k of schema.required ?? []) if (!(k in model)) model[k] = fc.constantFrom<unknown>(...WORDS);
        const required: string[] = schema.required ?? [];
        return fc.record(model, { requiredKeys: [...new Set<string>(required)] as never[] }).map((o) => o as Record<string, unknown>);
      }
      case 'array': {
        const min = schema.minItems ?? 0;
        return fc.array(fromSchema(schema.items ?? {}, root, pools, depth + 1, key), { minLength: min, maxLength: Math.max(min, Math.min(schema.maxItems ?? 3, 3)) });
      }
      case 'string':
        return stringFor(schema, pools);
      case 'integer': {
        const min = schema.minimum ?? -5;
        const max = schema.maximum ?? Math.max(min + 10, 1000);
        return fc.oneof(fc.constantFrom(...pools.ids.filter((i) => i >= min && i <= max), min), fc.integer({ min, max: Math.min(max, 2 ** 31 - 1) }));
      }
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      default:
        return fc.constant('x');
    }
  }));
}

// ---------------------------------------------------------------- mutations

/** Odd values: wrong types, extremes, injections, prototype keys. */
export const ODD_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, -0, 2 ** 53, -(2 ** 63), 1e308, -1e308, 123456789012345678901234567890, '', ' ', '0', '-1', 'null', 'true', '1e400', 'NaN',
  '\u0000', '\ud800', '\uffff', '💥'.repeat(50), '<script>alert(1)</script>', "' OR 1=1 --", '"; DROP TABLE job; --', '${jndi:ldap://x/a}', '$(touch /tmp/fuzz-marker)', '`id`',
  '../../../../etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini', '%00', '%2e%2e%2f', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:1/',
  'a\r\nX-Injected: 1', '\u202e', 'x'.repeat(5000), [], [[[]]], {}, { '': '' }, [null], [1, 'a', {}],
  JSON.parse('{"__proto__": {"polluted": "yes"}}'), { constructor: { prototype: { polluted: 'yes' } } },
];

export type Mutation = { op: 'delete' | 'odd' | 'extra' | 'huge-string' | 'huge-array' | 'deep' | 'swap-type'; at: number; n: number; k: string };

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'odd', 'odd', 'extra', 'huge-string', 'huge-array', 'deep', 'swap-type'),
  at: fc.nat(),
  n: fc.nat({ max: ODD_VALUES.length * 7 }),
  k: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'id', 'name', 'type', 'value', 'href', 'inputs', ''), fc.string({ maxLength: 12 })),
});

/** Every container (object or array) in a value, with the keys that lead to it. */
function containers(v: unknown, out: unknown[] = [], depth = 0): unknown[] {
  if (v && typeof v === 'object' && depth < 50) {
    out.push(v);
    for (const x of Object.values(v)) containers(x, out, depth + 1);
  }
  return out;
}

export function nest(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Applies mutations to a copy of a JSON value; the value itself may be replaced. */
export function mutate(value: unknown, ms: Mutation[]): unknown {
  let root: unknown = value === undefined ? {} : structuredClone(value);
  for (const m of ms) {
    const cs = containers(root);
    // A fresh copy each time: a shared one could be mutated in place later (or become its own child).
    const odd = JSON.parse(JSON.stringify(ODD_VALUES[m.n % ODD_VALUES.length]));
    if (!cs.length) {
      root = m.op === 'deep' ? nest(200 + (m.n % 50) * 10) : odd;
      continue;
    }
    const c = cs[m.at % cs.length] as Record<string, unknown>;
    const keys = Object.keys(c);
    // An empty array's slot is its first index (a named key such as "length" would be its length).
    const key = keys.length ? keys[m.at % keys.length] : Array.isArray(c) ? '0' : m.k;
    switch (m.op) {
      case 'delete':
        if (Array.isArray(c)) c.splice(Number(key), 1);
        else delete c[key];
        break;
      case 'odd':
        c[key] = odd;
        break;
      case 'extra':
        if (Array.isArray(c)) c.push(odd);
        else Object.defineProperty(c, m.k, { value: odd, enumerable: true, writable: true, configurable: true });
        break;
      case 'huge-string':
        c[key] = 'Z'.repeat(1000 * (1 + (m.n % 300)));
        break;
      case 'huge-array':
        c[key] = Array.from({ length: 100 * (1 + (m.n % 100)) }, (_, i) => i);
        break;
      case 'deep':
        c[key] = nest(50 + (m.n % 50) * 20);
        break;
      case 'swap-type': {
        const v = c[key];
        c[key] = typeof v === 'string' ? (Number(v) || 7) : typeof v === 'number' ? String(v) : Array.isArray(v) ? { ...v } : v && typeof v === 'object' ? Object.values(v) : typeof v === 'boolean' ? 'yes' : 'x';
        break;
      }
    }
  }
  return root;
}

/** Byte-level damage to a serialised body. */
export type Damage = { op: 'none' | 'truncate' | 'bad-utf8' | 'garbage' | 'empty' | 'bom' | 'nul'; at: number };
export const damageArb: fc.Arbitrary<Damage> = fc.record({ op: fc.constantFrom('none', 'none', 'none', 'truncate', 'bad-utf8', 'garbage', 'empty', 'bom', 'nul'), at: fc.nat() });

export function damage(buf: Buffer, d: Damage): Buffer {
  const at = buf.length ? d.at % buf.length : 0;
  switch (d.op) {
    case 'none':
      return buf;
    case 'truncate':
      return buf.subarray(0, at);
    case 'bad-utf8':
      return Buffer.concat([buf.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf8]), buf.subarray(at)]);
    case 'garbage':
      return Buffer.from(Array.from({ length: 1 + (d.at % 512) }, (_, i) => (d.at * 31 + i * 7919) % 256));
    case 'empty':
      return Buffer.alloc(0);
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf]);
    case 'nul':
      return Buffer.concat([buf.subarray(0, at), Buffer.from([0]), buf.subarray(at)]);
  }
}

// ---------------------------------------------------------------- WPS XML

const W2 = 'xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0" xmlns:xlink="http://www.w3.org/1999/xlink"';
const W1 = 'xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink"';

/** WPS request documents: the standard's own request examples (2.0 and 1.0.0) and the shapes this server reads (WPS-T included). */
export function wpsTemplates(): string[] {
  const ex2 = path.join(SCHEMAS, 'xsd', 'wps', '2.0', 'xml-examples');
  const ex1 = path.join(SCHEMAS, 'xsd', 'wps', '1.0.0', 'examples');
  const files = [
    ...fs.readdirSync(ex2).filter((f) => /RequestExample\.xml$/.test(f)).map((f) => path.join(ex2, f)),
    ...fs.readdirSync(ex1).filter((f) => /_request[^S]*\.xml$/.test(f) && !/SOAP/.test(f)).map((f) => path.join(ex1, f)),
  ];
  return [
    ...files.map((f) => fs.readFileSync(f, 'utf8')),
    `<wps:GetCapabilities ${W2} service="WPS"><ows:AcceptVersions><ows:Version>2.0.0</ows:Version></ows:AcceptVersions></wps:GetCapabilities>`,
    `<wps:DescribeProcess ${W2} service="WPS" version="2.0.0"><ows:Identifier>echo</ows:Identifier></wps:DescribeProcess>`,
    `<wps:Execute ${W2} service="WPS" version="2.0.0" response="document" mode="async"><ows:Identifier>echo</ows:Identifier><wps:Input id="message"><wps:Data>hello</wps:Data></wps:Input><wps:Input id="pause"><wps:Data>0</wps:Data></wps:Input><wps:Output id="message" transmission="value"/></wps:Execute>`,
    `<wps:Execute ${W2} service="WPS" version="2.0.0" response="raw" mode="sync"><ows:Identifier>echo</ows:Identifier><wps:Input id="message"><wps:Data><wps:LiteralValue>hi</wps:LiteralValue></wps:Data></wps:Input><wps:Input id="complex"><wps:Reference xlink:href="http://127.0.0.1:1/x.xml" mimeType="text/xml"/></wps:Input></wps:Execute>`,
    `<wps:Execute ${W1} service="WPS" version="1.0.0"><ows:Identifier>echo</ows:Identifier><wps:DataInputs><wps:Input><ows:Identifier>message</ows:Identifier><wps:Data><wps:LiteralData>hi</wps:LiteralData></wps:Data></wps:Input><wps:Input><ows:Identifier>bbox</ows:Identifier><wps:Data><wps:BoundingBoxData crs="EPSG:4326" dimensions="2"><ows:LowerCorner>0 0</ows:LowerCorner><ows:UpperCorner>1 1</ows:UpperCorner></wps:BoundingBoxData></wps:Data></wps:Input></wps:DataInputs><wps:ResponseForm><wps:ResponseDocument storeExecuteResponse="true" status="true" lineage="true"><wps:Output asReference="false"><ows:Identifier>message</ows:Identifier></wps:Output></wps:ResponseDocument></wps:ResponseForm></wps:Execute>`,
    `<wps:GetStatus ${W2} service="WPS" version="2.0.0"><wps:JobID>1</wps:JobID></wps:GetStatus>`,
    `<wps:GetResult ${W2} service="WPS" version="2.0.0"><wps:JobID>1</wps:JobID></wps:GetResult>`,
    `<wps:Dismiss ${W2} service="WPS" version="2.0.0"><wps:JobID>1</wps:JobID></wps:Dismiss>`,
    `<wps:DeployProcess service="WPS" version="2.0.0" ${W2}><wps:ProcessOffering jobControlOptions="async-execute dismiss" outputTransmission="value reference"><wps:Process><ows:Title>Fuzzed</ows:Title><ows:Identifier>fuzzed-wpst</ows:Identifier><wps:Input minOccurs="1" maxOccurs="1"><ows:Title>Images</ows:Title><ows:Identifier>files</ows:Identifier><wps:ComplexData><wps:Format mimeType="application/zip" default="true"/></wps:ComplexData></wps:Input><wps:Input minOccurs="0" maxOccurs="1"><ows:Title>Band</ows:Title><ows:Identifier>band</ows:Identifier><wps:LiteralData><wps:Format mimeType="text/plain" default="true"/><LiteralDataDomain><ows:AnyValue/><ows:DataType>integer</ows:DataType></LiteralDataDomain></wps:LiteralData></wps:Input><wps:Output><ows:Title>Out</ows:Title><ows:Identifier>output</ows:Identifier><wps:ComplexData><wps:Format mimeType="image/tiff" default="true"/></wps:ComplexData></wps:Output></wps:Process></wps:ProcessOffering><wps:DeploymentProfile><wps:DeploymentProfileName>http://www.opengis.net/profiles/eoc/dockerizedApplication</wps:DeploymentProfileName><wps:ExecutionUnit><wps:Reference href="docker.registry.host/fuzzed:1.0"/></wps:ExecutionUnit></wps:DeploymentProfile></wps:DeployProcess>`,
    `<wps:DeployProcess service="WPS" version="2.0.0" ${W2}><wps:ProcessOffering jobControlOptions="async-execute"><wps:Process><ows:Title>wf</ows:Title><ows:Identifier>fuzzed-wf</ows:Identifier><ows:Metadata xlink:role="http://www.opengis.net/eoc/applicationContext/cwl" xlink:href="http://127.0.0.1:1/wf.cwl"/></wps:Process></wps:ProcessOffering><wps:DeploymentProfile><wps:DeploymentProfileName>http://www.opengis.net/profiles/eoc/workflow</wps:DeploymentProfileName></wps:DeploymentProfile></wps:DeployProcess>`,
    `<wps:UndeployProcess service="WPS" version="2.0.0" ${W2}><ows:Identifier>fuzzed-wpst</ows:Identifier></wps:UndeployProcess>`,
  ];
}

export type XmlMutation = { op: 'identifier' | 'drop-element' | 'attr' | 'namespace' | 'entity' | 'dtd' | 'text' | 'deep' | 'huge' | 'cdata' | 'href' | 'jobid' | 'root'; at: number; n: number };
export const xmlMutationArb: fc.Arbitrary<XmlMutation> = fc.record({
  op: fc.constantFrom('identifier', 'identifier', 'drop-element', 'attr', 'namespace', 'entity', 'dtd', 'text', 'deep', 'huge', 'cdata', 'href', 'jobid', 'root'),
  at: fc.nat(),
  n: fc.nat({ max: 1000 }),
});

const XML_ODD = ['', 'echo', 'ALL', 'no-such-process', '1', '999999999', '-1', 'ab&amp;c', '&lt;x&gt;', 'é'.repeat(40), '../../etc/passwd', 'x'.repeat(3000), '0x41', '1e400', 'true', 'urn:x'];
const XML_HREFS = ['file:///etc/passwd', 'http://127.0.0.1:1/x', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:1/', 'gopher://x', 'not a url', 'http://localhost:1/', ''];

/** String-level damage to an XML request, guided by its shape (elements, attributes, namespaces). */
export function mutateXml(xml: string, ms: XmlMutation[], ids: string[]): string {
  let s = xml;
  for (const m of ms) {
    const pick = <T>(xs: T[]) => xs[m.n % xs.length];
    switch (m.op) {
      case 'identifier':
        s = s.replace(/(<(?:ows:)?Identifier>)([^<]*)(<\/)/, `$1${pick([...ids, ...XML_ODD])}$3`);
        break;
      case 'jobid':
        s = s.replace(/(<wps:JobID>)([^<]*)(<\/)/, `$1${pick([...ids, ...XML_ODD])}$3`);
        break;
      case 'drop-element': {
        const tags = [...s.matchAll(/<([\w:]+)[^>]*\/>|<([\w:]+)[^>]*>[^<]*<\/\2>/g)];
        if (tags.length) {
          const t = tags[m.at % tags.length];
          s = s.slice(0, t.index) + s.slice(t.index + t[0].length);
        }
        break;
      }
      case 'attr': {
        const attrs = [...s.matchAll(/ ([\w:]+)="([^"]*)"/g)].filter((a) => !a[1].startsWith('xmlns'));
        if (attrs.length) {
          const a = attrs[m.at % attrs.length];
          s = s.slice(0, a.index) + (m.n % 3 === 0 ? '' : ` ${a[1]}="${pick(XML_ODD).replace(/"/g, '')}"`) + s.slice(a.index + a[0].length);
        }
        break;
      }
      case 'namespace':
        s = s.replace(pick([/http:\/\/www\.opengis\.net\/wps\/2\.0/g, /http:\/\/www\.opengis\.net\/wps\/1\.0\.0/g, /http:\/\/www\.opengis\.net\/ows\/2\.0/g, /http:\/\/www\.opengis\.net\/ows\/1\.1/g]), pick(['http://www.opengis.net/wps/1.0.0', 'http://www.opengis.net/wps/2.0', 'urn:fuzz', '']));
        break;
      case 'entity':
        s = s.replace(/>([^<]+)</, `>${pick(['&xxe;', '&#0;', '&#xD800;', '&#x110000;', '&amp', '&lt;&gt;&quot;', '&#65;', '&unknown;'])}<`);
        break;
      case 'dtd':
        s = s.replace(/^(<\?xml[^>]*\?>)?/, `$1${pick(['<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', '<!DOCTYPE x SYSTEM "http://127.0.0.1:1/x.dtd">', '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p">%p;]>', '<!doctype x>'])}`);
        break;
      case 'text': {
        const at = m.at % (s.length + 1);
        s = s.slice(0, at) + pick(['<', '>', '&', '"', "'", '</x>', '<x>', '\u0000', '\uFFFE', '<?pi x?>', '<!-- -->', ']]>', '<![CDATA[', 'x:y="1"']) + s.slice(at);
        break;
      }
      case 'deep':
        s = s.replace(/(<wps:Data>|<ows:Identifier>|<wps:JobID>)/, `$1${'<d>'.repeat(50 + m.n * 5)}${'</d>'.repeat(50 + m.n * 5)}`);
        break;
      case 'huge':
        s = s.replace(/(<wps:Data>|<ows:Title>|<ows:Identifier>)/, `$1${'H'.repeat(1000 * (1 + (m.n % 200)))}`);
        break;
      case 'cdata':
        s = s.replace(/<wps:Data>([^<]*)</, `<wps:Data><![CDATA[${pick(['<a>', ']]', '{"a":1}', '\u0000'])}]]><`);
        break;
      case 'href':
        s = s.replace(/(href=")([^"]*)(")/, `$1${pick(XML_HREFS)}$3`);
        break;
      case 'root':
        s = s.replace(/<(\/?)wps:(\w+)/, `<$1wps:${pick(['Execute', 'GetCapabilities', 'DescribeProcess', 'GetStatus', 'GetResult', 'Dismiss', 'DeployProcess', 'UndeployProcess', 'Foo', ''])}`);
        break;
    }
  }
  return s;
}

// ---------------------------------------------------------------- sending

export interface FuzzRequest {
  /** What kind of damage: for the tally and the report. */
  kind: string;
  door: Door;
  /** The route template it was made for (or what it aims at). */
  route?: string;
  method: string;
  /** Path and query, as sent. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Bytes written to a raw socket instead (what no HTTP client sends). */
  raw?: Buffer;
}

export interface Answer {
  status: number | null;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The connection ended without an answer (allowed for raw requests only). */
  noAnswer?: string;
  /** Sent on a kept-alive connection; sent again on a fresh one when that one was already closing. */
  reused?: boolean;
  retried?: boolean;
  ms: number;
}

export async function sendHttp(agent: http.Agent | false, port: number, r: FuzzRequest, timeoutMs = 20_000): Promise<Answer> {
  const a = await sendOnce(agent, port, r, timeoutMs);
  // A kept-alive socket the server closed as this request went out (Node's documented race, see
  // request.reusedSocket): the request never reached it. Sent again on a fresh connection.
  if (a.reused && a.status === null && /socket hang up|ECONNRESET/.test(a.noAnswer ?? '')) return { ...(await sendOnce(false, port, r, timeoutMs)), retried: true };
  return a;
}

function sendOnce(agent: http.Agent | false, port: number, r: FuzzRequest, timeoutMs: number): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    const done = (a: Omit<Answer, 'ms'>) => resolve({ ...a, ms: performance.now() - t0 });
    try {
      req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.target, headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) }, agent });
    } catch (err) {
      // The HTTP client itself refuses it (invalid characters): send the same bytes on a raw socket.
      resolve(sendRaw(port, rawBytes(r), timeoutMs).then((a) => ({ ...a, ms: performance.now() - t0 })));
      return;
    }
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 4 * 1024 * 1024) chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        done({ status: res.statusCode ?? null, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        done({ status: res.statusCode ?? null, headers: res.headers, body: Buffer.concat(chunks), noAnswer: `response cut: ${err.message}` });
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      done({ status: null, headers: {}, body: Buffer.alloc(0), noAnswer: err.message, reused: req.reusedSocket });
    });
    req.end(r.body);
  });
}

export function rawBytes(r: FuzzRequest): Buffer {
  if (r.raw) return r.raw;
  const head = [`${r.method} ${r.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), ...(r.body ? [`Content-Length: ${r.body.length}`] : []), '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), r.body ?? Buffer.alloc(0)]);
}

/** Writes bytes to a fresh connection and reads whatever comes back until it closes (or the time runs out). */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 5_000, opts: { halfClose?: boolean } = {}): Promise<Omit<Answer, 'ms'>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1');
    let settled = false;
    const finish = (why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks);
      const head = text.subarray(0, Math.max(0, text.indexOf('\r\n\r\n'))).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const headers: http.IncomingHttpHeaders = {};
      for (const line of head.split('\r\n').slice(1)) {
        const c = line.indexOf(':');
        if (c > 0) headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
      }
      resolve({ status: m ? Number(m[1]) : null, headers, body: text.subarray(text.indexOf('\r\n\r\n') + 4), ...(m ? {} : { noAnswer: why ?? 'closed without an answer' }) });
    };
    const timer = setTimeout(() => finish('no answer in time'), timeoutMs);
    sock.on('connect', () => {
      sock.write(bytes);
      if (opts.halfClose) sock.end();
    });
    sock.on('data', (c) => {
      chunks.push(c);
      // One whole answer is enough: the server may keep the connection open for the next request.
      const text = Buffer.concat(chunks);
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = text.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (length ? text.length - end - 4 >= Number(length[1]) : /\r\ntransfer-encoding: *chunked/i.test(head) ? text.subarray(end).includes('\r\n0\r\n\r\n') : /^HTTP\/1\.[01] (1\d\d|204|304)/.test(head)) finish();
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (err) => finish(err.message));
  });
}

/** Runs fn over items with at most `n` at a time, keeping the order of results. */
export async function pool<T, U>(items: T[], n: number, fn: (x: T, i: number) => Promise<U>): Promise<U[]> {
  const out = new Array<U>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

// ---------------------------------------------------------------- checks

const xml = new XMLParser({ ignoreAttributes: false, removeNSPrefix: false, processEntities: false });
export const OWS_NS = ['http://www.opengis.net/ows/1.1', 'http://www.opengis.net/ows/2.0'];

/** The OWS version of an ExceptionReport (its namespace), or a reason it is not one. */
export function exceptionReportNs(text: string): { ns: string } | { problem: string } {
  let doc: any;
  try {
    doc = xml.parse(text);
  } catch (err) {
    return { problem: `not XML: ${(err as Error).message}` };
  }
  const rootName = Object.keys(doc).find((k) => k !== '?xml');
  if (!rootName) return { problem: 'no root element' };
  const [prefix, local] = rootName.includes(':') ? rootName.split(':') : ['', rootName];
  if (local !== 'ExceptionReport') return { problem: `root is ${rootName}, not ows:ExceptionReport` };
  const ns = doc[rootName][prefix ? `@_xmlns:${prefix}` : '@_xmlns'];
  if (!OWS_NS.includes(ns)) return { problem: `ExceptionReport in namespace ${ns}` };
  if (!JSON.stringify(doc[rootName]).includes('exceptionCode')) return { problem: 'no exceptionCode' };
  return { ns };
}

/** Why an answer is not acceptable for this request, or null: no 5xx, and a 4xx carries its door's error document. */
export function judge(r: FuzzRequest, a: Answer): string | null {
  // A request that promised a body it never sent (Content-Length: 5, no bytes) may rightly be waited for.
  if (a.status === null) return r.raw || r.kind.startsWith('raw') || r.kind === 'header-content-length' ? null : `no answer: ${a.noAnswer}`;
  // OWS Common 2.0 (06-121r9, table 28) gives OperationNotSupported HTTP 501: the one 5xx a client's mistake earns, by the standard.
  if (a.status === 501 && r.door === 'wps' && /xml/.test(String(a.headers['content-type'])) && (r.method === 'HEAD' || /exceptionCode="OperationNotSupported"/.test(a.body.toString('utf8')))) return null;
  if (a.status >= 500) return `${a.status}: ${a.body.toString('utf8').slice(0, 300)}`;
  if (a.status < 200) return `status ${a.status}`;
  const type = String(a.headers['content-type'] ?? '');
  const text = a.body.toString('utf8');
  if (a.status >= 300 && a.status < 400) return r.method === 'GET' || r.method === 'HEAD' ? null : `redirect ${a.status} for ${r.method}`;
  if (a.status < 300) {
    if (/json/.test(type) && r.method !== 'HEAD' && a.body.length) {
      try {
        JSON.parse(text);
      } catch {
        return `${a.status} with a JSON content type and a body that is not JSON`;
      }
    }
    return null;
  }
  // 4xx
  if (r.method === 'HEAD') return null;
  // Node's own HTTP parser refuses before any door sees the request (431 headers too large, 400 bad request line): no body.
  if ((a.status === 431 || a.status === 400 || a.status === 413 || a.status === 414) && !type && !a.body.length && a.headers.connection === 'close') return null;
  if (/xml/.test(type)) {
    const ns = exceptionReportNs(text);
    return 'problem' in ns ? `${a.status} XML that is no ExceptionReport: ${ns.problem}` : null;
  }
  if (r.door === 'wps' && /^\/wps(?:\/status\/[^/]+)?$/.test(r.target.split('?')[0]) && a.status !== 404) {
    // The WPS door answers every failure with an ExceptionReport (a path it does not serve falls to the shared 404).
    if (!(a.status === 401 || a.status === 403) || !/json/.test(type)) return `${a.status} from the WPS door is not XML (${type}): ${text.slice(0, 200)}`;
  }
  if (r.door === 'ui' && /text\/plain/.test(type) && text.length) return null;
  if (!/json/.test(type)) return `${a.status} without a JSON error body (${type}): ${text.slice(0, 200)}`;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return `${a.status} with a JSON content type and a body that is not JSON: ${text.slice(0, 200)}`;
  }
  if (r.door === 'scale' && typeof body?.detail !== 'string') return `${a.status} Scale error without detail: ${text.slice(0, 200)}`;
  if (typeof body?.detail !== 'string' && typeof body?.title !== 'string') return `${a.status} error without detail or title: ${text.slice(0, 200)}`;
  return null;
}

// ---------------------------------------------------------------- the database

/** Columns background work rewrites on its own clock: the callback sender leases a subscriber's row every poll until its job moves, and marks it notified when it does. */
const BOOKKEEPING: Record<string, string[]> = { run: ['callback_next', 'callback_attempts', 'notified', 'callback_done', 'stage_lease'] };

/** Row count and a content hash of every table: what a rejected request must leave as it found it. */
export async function dbChecksum(db: Db): Promise<Map<string, string>> {
  // Left out, being derived from the tables checked: the metrics roll-ups (a cache of the job tables an
  // accepted read may fill: plot data rolls up an overdue hour first) and recipe_update (the recipe
  // engine's work queue, marked by a trigger when a job's status changes and emptied in the background).
  const tables = (await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'metrics\\_%' AND table_name <> 'recipe_update' ORDER BY 1`)).rows.map((r) => r.name);
  const row = (t: string) => `(to_jsonb(x)${(BOOKKEEPING[t] ?? []).map((c) => ` - '${c}'`).join('')})::text`;
  const sql = tables.map((t) => `SELECT '${t}' AS name, count(*)::int AS n, md5(coalesce(string_agg(md5(${row(t)}), '' ORDER BY md5(${row(t)})), '')) AS h FROM "${t}" x`).join(' UNION ALL ');
  const rows = (await db.query<{ name: string; n: number; h: string }>(sql)).rows;
  return new Map(rows.map((r) => [r.name, `${r.n}:${r.h}`]));
}

export function checksumDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
}
