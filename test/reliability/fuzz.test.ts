// Fuzzing every front door (issue 12, point 3). Property-based tests of the parsers every request
// goes through, then a request fuzzer: at least 10,000 malformed, truncated, oversized, wrongly
// typed and random requests over every route of the Scale API, OGC API - Processes, WPS / WPS-T,
// the dashboard and /metrics — routes read from the running app's routers and the OGC OpenAPI
// document, bodies generated from the real schemas and the WPS request examples, then damaged.
// Every answer must be a 4xx with its door's error document (or a 2xx for what happens to be
// valid), never a 5xx; the process must not crash; and a rejected request must leave the database
// exactly as it found it (a checksum of every table around each batch).
//
// FUZZ_SEED=n reproduces a run (the seed is printed); FUZZ_REQUESTS=n sends more (default 10,000).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { check } from '../../src/schemas.ts';
import { parseTimeParam } from '../../src/core/time.ts';
import { DomainError } from '../../src/errors.ts';
import { parseXml, XmlError } from '../../ogc/wps/xml.ts';
import { fromKvp, fromXml, kvpOf } from '../../ogc/wps/request.ts';
import { WpsError } from '../../ogc/wps/errors.ts';
import { dbKinds, type DbKind } from '../helpers/db.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  allRoutes, type Answer, checksumDiff, damage, damageArb, dbChecksum, type Door, exceptionReportNs, fromSchema, type FuzzRequest, judge, mutate, mutateXml,
  mutationArb, nest, pool, type Pools, queryNames, type Route, ROOT, schemaById, sendHttp, sendRaw, wpsTemplates, xmlMutationArb,
} from './fuzz-kit.ts';
import { record } from './report.ts';

const FULL = process.env.RELIABILITY_SCALE === 'full';
const SEED = Number(process.env.FUZZ_SEED ?? 1_204_2026);
/** 10,000 in npm test; 50,000 per database in npm run reliability (RELIABILITY_SCALE=full); FUZZ_REQUESTS overrides both. */
const COUNT = Number(process.env.FUZZ_REQUESTS ?? (FULL ? 50_000 : 10_000));
/** npm test fuzzes the embedded database; the full run PostgreSQL too when DATABASE_URL is set; FUZZ_DB=pglite|postgres picks one. */
const KINDS: DbKind[] = process.env.FUZZ_DB ? dbKinds().filter((k) => k === process.env.FUZZ_DB) : FULL ? dbKinds() : ['pglite'];
const BATCH = 50;
const CONCURRENCY = 8;
const MAX_BODY = 65_536;
const TOKEN = 'fuzz-admin-token-0123456789abcdef';
const METHODS = http.METHODS.filter((m) => m !== 'CONNECT');
const XSD = path.join(ROOT, 'schemas', 'xsd');

interface Ctx {
  routes: Route[];
  query: string[];
  pools: Pools & { processes: string[]; ogcJobs: string[]; strings: string[] };
  templates: string[];
  packages: { json: unknown[]; text: string[] };
}

// ---------------------------------------------------------------- what a request is made of

const ODD_SEGMENTS = [
  '0', '-1', '999999999', '99999999999999999999', '1.5', '1e3', 'abc', 'null', '__proto__', 'constructor', '%00', '..%2F..%2Fetc%2Fpasswd', '%E0%A4%A', '%ff', '..', '.', '%2e%2e',
  'a%20b', '%F0%9F%99%82', 'x'.repeat(3000), '1%0d%0aX-Injected:%201', '%3Cscript%3E', "'%20OR%201=1", '0x10', '+1', '%09', '~', '%25',
];
const QUERY_VALUES = [
  '1', '2', '0', '-1', '1000', '1001', '99999999999999999', '1.5', 'abc', '', 'true', 'false', 'yes', 'null', 'NaN', 'Infinity', '1e400',
  '2020-01-01T00:00:00Z', '2020-13-45T99:99:99Z', '0000-01-01T00:00:00Z', '-271821-04-20T00:00:00Z', '275760-09-13T00:00:00.001Z', '9999999-01-01', 'now', 'P1D', 'PT1H', '-P1D', 'P100000Y', 'PT', 'P',
  'json', 'html', 'xml', 'yaml', 'COMPLETED', 'RUNNING', 'QUEUED', 'successful', 'failed', 'accepted', 'process', 'job-types', 'errors', 'ingests', 'status', '-status', 'id,-last_modified', 'nonexistent_column',
  "' OR '1'='1", '1;DROP TABLE job', '%00', '%E0%A4%A', '%ff', 'x'.repeat(5000), '../../etc/passwd', 'http://127.0.0.1:1/x', '[]', '{}', 'a,b,,c', ',,,',
];
const ACCEPTS = ['application/json', 'text/html', 'application/xml', 'text/xml', '*/*', 'application/yaml', 'text/plain', '', 'garbage', 'text/html;q=0.9, */*;q=0.1', 'application/json;q=0', 'multipart/related', 'image/png', 'x/'.repeat(500)];
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=nope', 'application/geo+json', 'text/plain', 'application/xml', 'text/xml',
  'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=zzz', 'application/x-www-form-urlencoded', 'application/cwl+yaml', 'application/cwl', 'application/ogcapppkg+json', 'application/octet-stream',
  '', ';', 'garbage', 'application/json; boundary=x; charset=utf-8; q=1', 'APPLICATION/JSON', 'application/json, text/plain',
];
const AUTHS = [...Array<undefined>(60).fill(undefined), `Bearer ${TOKEN}`, `Bearer ${TOKEN}`, 'Bearer', 'Bearer ', 'Bearer not-a-token', 'Basic dXNlcjpwYXNz', 'bearer  x y', 'Digest x', `Bearer ${'t'.repeat(8000)}`, 'Bearer \u00ff\u00fe'];

const weighted = <T>(...xs: [number, fc.Arbitrary<T>][]) => fc.oneof(...xs.map(([weight, arbitrary]) => ({ weight, arbitrary })));

function segmentArb(name: string, ctx: Ctx): fc.Arbitrary<string> {
  const p = ctx.pools;
  const own: Record<string, string[]> = {
    id: p.ids.map(String), exe_num: ['1', '2'], num: ['1', '2'], key: [...p.ids.map(String), ...p.names], ref: p.ids.map(String),
    name: ['job-types', 'errors', 'ingests'], stream: ['stdout', 'stderr', 'combined'], processID: p.processes, processId: p.processes, jobId: p.ogcJobs, outputId: ['message', 'result'],
  };
  return weighted<string>(
    [6, fc.constantFrom(...(own[name] ?? p.ids.map(String)).map((x) => encodeURIComponent(x)))],
    [3, fc.constantFrom(...ODD_SEGMENTS)],
    [1, fc.string({ maxLength: 20, unit: 'binary' }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '')))],
  );
}

function pathArb(route: Route, ctx: Ctx): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  return fc.tuple(fc.tuple(...names.map((n) => segmentArb(n, ctx))), fc.constantFrom('index.html', 'js/app.js', 'nope.js', '../../package.json', '%2e%2e/%2e%2e/package.json', 'jobs/1', '', 'x/y/z', 'css/x.css'), fc.constantFrom('keep', 'keep', 'keep', 'keep', 'no-slash', 'double-slash', 'upper'))
    .map(([vals, rest, shape]) => {
      let i = 0;
      let p = route.path.replace(/:(\w+)/g, () => vals[i++]).replace(/\/\*$/, `/${rest}`);
      if (shape === 'no-slash' && p.length > 1) p = p.replace(/\/$/, '');
      if (shape === 'double-slash') p = p.replace(/\//, '//');
      if (shape === 'upper') p = p.toUpperCase();
      return p;
    });
}

const queryArb = (ctx: Ctx) =>
  fc.array(fc.tuple(weighted([8, fc.constantFrom(...ctx.query)], [1, fc.constantFrom('', 'a[b]', '__proto__', 'x'.repeat(300), '%ff')]), weighted([8, fc.constantFrom(...QUERY_VALUES)], [1, fc.string({ maxLength: 30 })])), { maxLength: 5 })
    .map((pairs) => pairs.map(([k, v]) => `${/%/.test(k) ? k : encodeURIComponent(k)}=${/^%|%$/.test(v) ? v : encodeURIComponent(v)}`).join('&'));

/** WPS KVP: each operation's valid parameters, some dropped, some replaced. */
const KVP_BASES = [
  'service=WPS&request=GetCapabilities', 'service=WPS&request=GetCapabilities&AcceptVersions=1.0.0,2.0.0', 'service=WPS&version=2.0.0&request=DescribeProcess&identifier=echo',
  'service=WPS&version=1.0.0&request=DescribeProcess&identifier=ALL', 'service=WPS&version=1.0.0&request=Execute&identifier=echo&DataInputs=message=hi;pause=0&RawDataOutput=message',
  'service=WPS&version=1.0.0&request=Execute&identifier=echo&DataInputs=message=@xlink:href=http%3A%2F%2F127.0.0.1%3A1%2Fx&ResponseDocument=message&storeExecuteResponse=true&status=true&lineage=true',
  'service=WPS&version=2.0.0&request=GetStatus&jobid=1', 'service=WPS&version=2.0.0&request=GetResult&jobid=1', 'service=WPS&version=2.0.0&request=Dismiss&jobid=1', 'service=WPS&version=2.0.0&request=DeployProcess',
];
const kvpArb = (ctx: Ctx) =>
  fc.tuple(fc.constantFrom(...KVP_BASES), fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'replace', 'add', 'case')), { maxLength: 3 }), fc.constantFrom(...QUERY_VALUES, ...ctx.pools.processes, ...ctx.pools.ogcJobs))
    .map(([base, ops, v]) => {
      let pairs = base.split('&');
      for (const [at, op] of ops) {
        const i = at % pairs.length;
        if (op === 'drop') pairs.splice(i, 1);
        else if (op === 'replace') pairs[i] = `${pairs[i].split('=')[0]}=${encodeURIComponent(v)}`;
        else if (op === 'add') pairs.push(`${['service', 'version', 'request', 'identifier', 'jobid', 'DataInputs', 'RawDataOutput', 'ResponseDocument', 'lineage', 'status', 'AcceptVersions'][at % 11]}=${encodeURIComponent(v)}`);
        else pairs[i] = pairs[i].toUpperCase();
        if (!pairs.length) pairs = ['x=1'];
      }
      return pairs.join('&');
    });

interface Body {
  kind: string;
  type?: string;
  data?: Buffer;
  headers?: Record<string, string>;
}

function jsonBodyArb(route: Route, ctx: Ctx, all: [unknown, unknown][]): fc.Arbitrary<Body> {
  const schemas = route.schemas.length ? route.schemas : all;
  const fromSchemas = fc.oneof(...schemas.map(([s, root]) => fromSchema(s, root, ctx.pools)));
  return weighted<Body>(
    [10, fc.tuple(fromSchemas, fc.array(mutationArb, { maxLength: 3 }), damageArb).map(([v, ms, d]) => ({ kind: ms.length || d.op !== 'none' ? `schema-json-mutated${d.op !== 'none' ? `-${d.op}` : ''}` : 'schema-json', data: damage(Buffer.from(JSON.stringify(mutate(v, ms)) ?? 'null'), d) }))],
    [2, fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'random-json', data: Buffer.from(JSON.stringify(v) ?? 'null') }))],
    [1, fc.constantFrom(1000, 10_000, 30_000).map((n) => ({ kind: 'deep-json', data: Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`) }))],
    [1, fc.constantFrom(200, 1000).map((n) => ({ kind: 'deep-json', data: Buffer.from(JSON.stringify({ inputs: nest(n), name: nest(n), job_type_id: 1 })) }))],
    [1, fc.nat({ max: 3 }).map((n) => ({ kind: 'oversized', data: Buffer.from(JSON.stringify({ name: 'o'.repeat(MAX_BODY + n * 50_000) })) }))],
    [1, fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'random-bytes', data: Buffer.from(b) }))],
    [1, fc.constant({ kind: 'no-body' })],
  );
}

function packageBodyArb(ctx: Ctx): fc.Arbitrary<Body> {
  return weighted<Body>(
    [4, fc.tuple(fc.constantFrom(...ctx.packages.json), fc.array(mutationArb, { maxLength: 3 }), fc.constantFrom('application/ogcapppkg+json', 'application/json', 'application/cwl+json'), damageArb)
      .map(([v, ms, type, d]) => ({ kind: 'package-json', type, data: damage(Buffer.from(JSON.stringify(mutate(v, ms)) ?? 'null'), d) }))],
    [2, fc.tuple(fc.constantFrom(...ctx.packages.text), fc.nat(), fc.constantFrom('application/cwl+yaml', 'application/cwl', 'text/yaml'), fc.constantFrom('none', 'truncate', 'anchor-bomb', 'tab', 'deep'))
      .map(([text, at, type, op]) => {
        let t = text;
        if (op === 'truncate') t = t.slice(0, at % t.length);
        else if (op === 'anchor-bomb') t = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n${t}`;
        else if (op === 'tab') t = t.replace(/\n /, '\n\t');
        else if (op === 'deep') t = `${'['.repeat(5000)}${']'.repeat(5000)}`;
        return { kind: `package-cwl-${op}`, type, data: Buffer.from(t) };
      })],
    [1, fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: 'package-random', type: 'application/ogcapppkg+json', data: Buffer.from(JSON.stringify(v) ?? 'null') }))],
  );
}

const xmlBodyArb = (ctx: Ctx) =>
  fc.tuple(fc.constantFrom(...ctx.templates), fc.array(xmlMutationArb, { maxLength: 3 }), damageArb, fc.constantFrom('application/xml', 'text/xml', 'application/xml; charset=utf-8', 'text/plain', ''))
    .map(([t, ms, d, type]): Body => ({ kind: ms.length || d.op !== 'none' ? 'xml-mutated' : 'xml', type, data: damage(Buffer.from(mutateXml(t, ms, [...ctx.pools.processes, ...ctx.pools.ogcJobs])), d) }));

function multipartArb(): fc.Arbitrary<Body> {
  const field = fc.tuple(fc.constantFrom('workspace', 'workspace_id', 'file_path', 'media_type', 'data_type', 'nope', 'import', ''), fc.constantFrom('default', '1', '999', 'nope', '../../../etc', '/abs/path', 'a/../../b', 'text/plain', 'x'.repeat(20_000), '', '\u0000'));
  return fc.tuple(fc.array(field, { maxLength: 30 }), fc.constantFrom('a.txt', '../../escape.txt', '', 'x'.repeat(300), 'a\u0000b', '.hidden', 'dir/file.txt', '\u202egnp.exe'), fc.uint8Array({ maxLength: 200 }), fc.constantFrom('ok', 'ok', 'no-close', 'wrong-boundary', 'no-boundary', 'truncated', 'no-file', 'two-files'), fc.nat())
    .map(([fields, name, content, shape, at]) => {
      const b = 'fuzzBoundary7MA4YWxk';
      const part = (n: string, v: string | Buffer, file?: string) => Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${n}"${file !== undefined ? `; filename="${file}"` : ''}\r\n${file !== undefined ? 'Content-Type: text/plain\r\n' : ''}\r\n`), Buffer.from(v), Buffer.from('\r\n')]);
      const parts = fields.map(([k, v]) => part(k, v));
      if (shape !== 'no-file') parts.push(part('file', Buffer.from(content), name));
      if (shape === 'two-files') parts.push(part('file2', 'again', 'b.txt'));
      let data = Buffer.concat([...parts, Buffer.from(shape === 'no-close' ? '' : `--${b}--\r\n`)]);
      if (shape === 'truncated') data = data.subarray(0, at % Math.max(1, data.length));
      const type = shape === 'wrong-boundary' ? 'multipart/form-data; boundary=other' : shape === 'no-boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${b}`;
      return { kind: `multipart-${shape}`, type, data };
    });
}

const rawFileArb = fc.tuple(fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'), fc.constantFrom('{"import":{"version":"6"}}', '{', 'garbage')), fc.constantFrom('conf.json', '../../x.json', '', 'x'.repeat(1000)), fc.constantFrom('application/json', 'application/octet-stream', 'text/plain', 'multipart/form-data'))
  .map(([text, name, type]): Body => ({ kind: 'raw-file', type, data: Buffer.from(text), headers: name ? { 'x-file-name': name } : {} }));

/** Requests no HTTP client sends: broken request lines, bad framing, smuggling shapes, bytes. */
const RAW: [string, Buffer, boolean?][] = [
  ['raw-garbage-line', Buffer.from('GARBAGE\r\n\r\n')],
  ['raw-bad-version', Buffer.from('GET /scale/jobs/ HTTP/9.9\r\nHost: x\r\n\r\n')],
  ['raw-nul-header', Buffer.from('GET /scale/jobs/ HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 'latin1')],
  ['raw-unknown-method', Buffer.from('FOO /wps HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['raw-connect', Buffer.from('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n')],
  ['raw-http2-preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
  ['raw-truncated-body', Buffer.from('POST /scale/job-types/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"name": "trunc'), true],
  ['raw-truncated-xml', Buffer.from('POST /wps HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 900\r\n\r\n<wps:Execute xmlns:wps="http://www.opengis.net/wps/2.0"'), true],
  ['raw-truncated-upload', Buffer.from('POST /scale/files/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 900\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc'), true],
  ['raw-bad-chunk', Buffer.from('POST /processes/echo/execution HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n')],
  ['raw-cl-and-te', Buffer.from('POST /scale/queue/new-job/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n')],
  ['raw-negative-length', Buffer.from('POST /scale/errors/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}')],
  ['raw-two-lengths', Buffer.from('POST /scale/errors/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}')],
  ['raw-long-url', Buffer.from(`GET /scale/jobs/?page=${'9'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)],
  ['raw-header-injection', Buffer.from('GET /processes HTTP/1.1\r\nHost: x\r\nAccept: text/html\rX-Injected: 1\r\n\r\n')],
  ['raw-obs-fold', Buffer.from('GET /processes HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n  text/html\r\n\r\n')],
  ['raw-http10-no-host', Buffer.from('GET /scale/status/ HTTP/1.0\r\n\r\n')],
  ['raw-absolute-uri', Buffer.from('GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n')],
  ['raw-asterisk', Buffer.from('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['raw-many-headers', Buffer.from(`GET /processes HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`)],
];

function requestArb(ctx: Ctx): fc.Arbitrary<FuzzRequest> {
  const jsonSchemas = [...new Set(ctx.routes.flatMap((r) => (r.door === 'scale' ? r.schemas : [])).map((x) => x[0]))].map((x): [unknown, unknown] => [x, x]);
  const common = fc.tuple(fc.constantFrom(...ACCEPTS), fc.constantFrom(...AUTHS), fc.constantFrom(...CONTENT_TYPES), fc.nat({ max: 9 }), fc.constantFrom(undefined, undefined, undefined, 'respond-async', 'wait=100000', 'return=minimal', 'respond-async, wait=5', 'garbage'), fc.constantFrom(undefined, undefined, undefined, 'bytes=0-1', 'bytes=-1', 'bytes=9999999-', 'bytes=x', 'bytes=1-0,0-0,0-0'));
  // Each route's arbitraries are built once (building them from the schemas is the costly part).
  const routeArb = (route: Route): fc.Arbitrary<FuzzRequest> => {
    const declared = route.methods.includes('ALL') ? METHODS : route.methods;
    const methodArb = weighted([7, fc.constantFrom(...declared)], [3, fc.constantFrom(...METHODS)]);
    const wpsGet = route.door === 'wps' && route.path === '/wps';
    const json = jsonBodyArb(route, ctx, jsonSchemas);
    const read = weighted([9, fc.constant<Body>({ kind: wpsGet ? 'kvp' : 'query' })], [1, json.map((b) => ({ ...b, kind: `${b.kind}-on-read` }))]);
    const write = route.body === 'xml' ? xmlBodyArb(ctx) : route.body === 'multipart' ? multipartArb() : route.body === 'raw-file' ? weighted([2, rawFileArb], [1, multipartArb()]) : json;
    const pkg = route.body === 'package' ? packageBodyArb(ctx) : json;
    const bodyFor = (method: string) => (['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(method) ? read : method === 'POST' || method === 'PUT' ? pkg === json ? write : pkg : write);
    return fc.tuple(methodArb, pathArb(route, ctx), wpsGet ? kvpArb(ctx) : queryArb(ctx), common)
      .chain(([method, p, query, [accept, auth, oddType, typeRoll, prefer, range]]) =>
        bodyFor(method).map((body): FuzzRequest => {
          const headers: Record<string, string> = {};
          if (accept) headers.accept = accept;
          if (auth) headers.authorization = auth;
          if (prefer) headers.prefer = prefer;
          if (range) headers.range = range;
          Object.assign(headers, body.headers ?? {});
          // Mostly the media type the body is in; sometimes any other.
          const type = typeRoll === 0 ? oddType : (body.type ?? (body.data ? 'application/json' : undefined));
          if (body.data && type !== undefined) headers['content-type'] = type;
          return { kind: body.kind, door: route.door, route: route.path, method, target: query ? `${p}?${query}` : p, headers, body: body.data };
        }));
  };
  // Doors weighted so each gets its share, however many routes it has (the Scale API has three prefixes).
  const share: Record<Door, number> = { scale: 40, ogc: 25, wps: 22, ui: 5, metrics: 3 };
  const doors = (Object.keys(share) as Door[]).filter((d) => ctx.routes.some((r) => r.door === d));
  const routed = weighted(...doors.map((d): [number, fc.Arbitrary<FuzzRequest>] => [share[d], fc.oneof(...ctx.routes.filter((r) => r.door === d).map(routeArb))]));
  const hugeHeaders = fc.tuple(fc.constantFrom(...ctx.routes), fc.constantFrom(20_000, 70_000), fc.constantFrom('cookie', 'x-request-id', 'accept', 'authorization', 'user-agent')).map(([route, n, h]): FuzzRequest => ({
    kind: 'huge-header', door: route.door, method: 'GET', target: route.path.replace(/:\w+/g, '1').replace(/\*$/, ''), headers: { [h]: h === 'authorization' ? `Bearer ${'a'.repeat(n)}` : 'h'.repeat(n) },
  }));
  const oddHeaders = fc.tuple(fc.constantFrom(...ctx.routes), fc.constantFrom<[string, string]>(...([['x-request-id', '\u00ff\u00fe\u00fd'], ['x-request-id', 'a b c; <x>'], ['x-forwarded-for', 'not-an-ip, ::1, 999.1.1.1'], ['host', '169.254.169.254'], ['host', 'evil.example'], ['x-forwarded-proto', 'gopher'], ['x-forwarded-host', 'evil.example'], ['if-none-match', '*'], ['if-modified-since', 'yesterday'], ['content-length', '5'], ['expect', '100-continue'], ['transfer-encoding', 'gzip'], ['content-encoding', 'gzip'], ['content-encoding', 'br']] as [string, string][])))
    .map(([route, [k, v]]): FuzzRequest => ({ kind: `header-${k}`, door: route.door, method: route.methods.includes('GET') ? 'GET' : 'POST', target: route.path.replace(/:\w+/g, '1').replace(/\*$/, ''), headers: { [k]: v, ...(k === 'content-encoding' || k === 'transfer-encoding' ? { 'content-type': 'application/json' } : {}) }, body: k === 'content-encoding' || k === 'transfer-encoding' ? Buffer.from('{"not":"gzip"}') : undefined }));
  const raw = fc.constantFrom(...RAW).map(([kind, bytes, half]): FuzzRequest => ({ kind: half ? `${kind}-halfclose` : kind, door: 'scale', method: 'RAW', target: bytes.toString('latin1').split(' ')[1] ?? '/', headers: {}, raw: bytes }));
  const randomRaw = fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b): FuzzRequest => ({ kind: 'raw-random-bytes', door: 'scale', method: 'RAW', target: '?', headers: {}, raw: Buffer.from(b) }));
  return weighted<FuzzRequest>([94, routed], [2, hugeHeaders], [2, oddHeaders], [1, raw], [1, randomRaw]);
}

// ---------------------------------------------------------------- the run

/** Every row of the tables a request can change, by table and id (FUZZ_DEBUG_DB=1: to show what a rejected request changed). */
async function rowsOf(db: TestServer['db']): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of ['job', 'queue', 'run', 'scale_file', 'job_type', 'recipe', 'recipe_type', 'workspace', 'error', 'strike', 'scan', 'recipe_update', 'recipe_node']) {
    for (const r of (await db.query(`SELECT * FROM "${table}"`)).rows) out.set(`${table}/${r.id ?? r.job_id ?? r.recipe_id}`, JSON.stringify(r));
  }
  return out;
}

for (const kind of KINDS) describe(`fuzzing every front door (issue 12, point 3; ${kind})`, function () {
  this.timeout(600_000);
  let t: TestServer;
  let dataDir: string;
  let ctx: Ctx;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  before(async () => {
    process.prependListener('uncaughtException', onCrash);
    process.prependListener('unhandledRejection', onCrash);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-fuzz-'));
    t = await startServer(kind, {
      SCALE_DATA_DIR: dataDir, SCALE_WORKSPACE_ROOTS: dataDir, SCALE_SCHEDULER: 'off', SCALE_CLOCK_TICK_MS: '3600000', SCALE_STRIKE_POLL_MS: '3600000', SCALE_PGLITE_VACUUM_SECONDS: '0',
      SCALE_OGC_SYNC_SECONDS: '0', SCALE_OGC_FETCH_SECONDS: '1', SCALE_OGC_CALLBACK_SECONDS: '0.2', SCALE_MAX_BODY_BYTES: String(MAX_BODY), SCALE_OGC_MAX_BODY_BYTES: String(4 * MAX_BODY), SCALE_OGC_LIST_CACHE_MS: '0',
      SCALE_AUTH_TOKENS: `${TOKEN}:admin`, SCALE_ANONYMOUS_SCOPES: 'read,execute,deploy,admin',
    });
    // Something for the ids to find: a job type, a file, a queued job, a recipe type and recipe, an OGC job.
    const api = () => request(t.app);
    const jt = (await api().post('/scale/job-types/').send({
      name: 'fuzz-target', version: '1.0', is_paused: true, cpus_required: 0.1, mem_required: 16,
      interface: { command: '/bin/true', command_arguments: '${p} ${f}', input_data: [{ name: 'p', type: 'property' }, { name: 'f', type: 'file' }], output_data: [{ name: 'out', type: 'file' }] },
    }).expect(201)).body;
    const file = (await api().post('/scale/files/').field('workspace', 'default').attach('file', Buffer.from('fuzz'), 'fuzz.txt').expect(201)).body;
    const job = (await api().post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { input_data: [{ name: 'p', value: 'x' }, { name: 'f', file_id: file.id }] } }).expect(201)).body;
    const rt = (await api().post('/scale/recipe-types/').send({
      name: 'fuzz-recipe', definition: {
        input_data: [{ name: 'image', type: 'file' }, { name: 'label', type: 'property' }],
        jobs: [{ name: 'one', job_type: { name: jt.name, version: jt.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'f' }, { recipe_input: 'label', job_input: 'p' }] }],
      },
    }).expect(201)).body;
    const recipe = (await api().post('/scale/queue/new-recipe/').send({ recipe_type_id: rt.id, recipe_data: { input_data: [{ name: 'image', file_id: file.id }, { name: 'label', value: 'x' }] } }).expect(201)).body;
    const ogc = await api().post('/processes/echo/execution').set('prefer', 'respond-async').send({ inputs: { message: 'fuzz' } }).expect(201);
    const openapi = (await api().get('/api').expect(200)).body;
    const pkgTemplate = {
      processDescription: { process: { id: 'fuzz-pkg', version: '1.0.0', title: 'Fuzzed', inputs: { text: { title: 't', schema: { type: 'string', contentMediaType: 'text/plain' } }, n: { title: 'n', schema: { type: 'integer' }, minOccurs: 0 } }, outputs: { result: { title: 'r', schema: { type: 'string', contentMediaType: 'text/plain' } } } } },
      executionUnit: { type: 'docker', image: 'fuzz/app:1.0', config: { cpuMin: 0.25 }, bindings: { inputBindings: { n: { prefix: '--n', position: 0 }, text: { position: 1 } }, outputBindings: { result: { glob: 'result.txt' } } } },
    };
    const cwlDir = path.join(ROOT, 'test', 'fixtures', 'cwl');
    ctx = {
      routes: allRoutes(t.app, openapi),
      query: queryNames(openapi),
      pools: {
        ids: [...new Set([1, 2, 3, jt.id, file.id, job.id, rt.id, recipe?.id ?? 1, 999_999])],
        names: [jt.name, rt.name, 'echo', 'default'],
        hrefs: [`http://127.0.0.1:1/x.txt`, 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:1/', 'not a url', `/scale/files/${file.id}/content`],
        strings: ['x'],
        processes: ['echo', jt.name, rt.name, 'no-such-process', 'fuzz-pkg', 'fuzzed-wpst'],
        ogcJobs: [String(ogc.body.jobID), String(job.id), '999999', 'run-1', 'wf-999'],
      },
      templates: wpsTemplates(),
      packages: { json: [pkgTemplate, { executionUnit: [{ href: 'fuzz/app:1.0' }], deploymentProfileName: 'http://www.opengis.net/profiles/eoc/dockerizedApplication' }, { executionUnit: { type: 'cwl', href: 'http://127.0.0.1:1/x.cwl' } }], text: fs.readdirSync(cwlDir).filter((f) => f.endsWith('.cwl')).map((f) => fs.readFileSync(path.join(cwlDir, f), 'utf8')) },
    };
  });

  after(async () => {
    process.removeListener('uncaughtException', onCrash);
    process.removeListener('unhandledRejection', onCrash);
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // ---- properties of the parsers every request passes through

  it('properties: the parsers refuse anything with their own client error, never another exception', () => {
    const only = (what: string, fn: () => unknown, ...allowed: Function[]) => {
      try {
        fn();
      } catch (err) {
        if (!allowed.some((c) => err instanceof c)) throw new Error(`${what} threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
      }
    };
    const runs = { seed: SEED, numRuns: 2000 };
    // WPS XML: any text, the real request shapes damaged, deep nesting.
    const templates = wpsTemplates();
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.tuple(fc.constantFrom(...templates), fc.array(xmlMutationArb, { maxLength: 4 })).map(([x, ms]) => mutateXml(x, ms, ['echo', '1']))), (text) => {
      only('parseXml/fromXml', () => fromXml(parseXml(text)), XmlError, WpsError);
    }), runs);
    // WPS KVP: any keys and values.
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('service', 'version', 'request', 'identifier', 'jobid', 'datainputs', 'rawdataoutput', 'responsedocument', 'acceptversions', 'lineage', 'status', 'storeexecuteresponse', 'x'), fc.oneof(fc.string(), fc.constantFrom('WPS', '1.0.0', '2.0.0', 'Execute', 'GetCapabilities', 'DescribeProcess', 'GetStatus', 'message=a@x=;b=@xlink:href=c', '@@;;=='))), (q) => {
      only('fromKvp', () => fromKvp(kvpOf(q)), WpsError);
    }), runs);
    // Time parameters: dates, durations, anything.
    fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom(...QUERY_VALUES), fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString()))), (v) => {
      only('parseTimeParam', () => parseTimeParam('started', v), DomainError);
    }), runs);
    // Schema checks: any JSON against every request schema.
    const ids = fs.readdirSync(path.join(ROOT, 'schemas', 'scale-api')).map((f) => `scale-api/${f.replace(/\.json$/, '')}`);
    fc.assert(fc.property(fc.constantFrom(...ids), fc.jsonValue({ maxDepth: 5 }), (id, v) => {
      assert.ok(Array.isArray(check(id, v)));
    }), { seed: SEED, numRuns: 1000 });
    // The generator's own promise: bodies drawn from a schema without damage mostly pass it (so the fuzzer reaches past validation).
    const sample = fc.sample(fromSchema(schemaById('scale-api/queue-new-job'), schemaById('scale-api/queue-new-job'), { ids: [1, 2], names: ['a'], hrefs: ['http://x/'] }), { seed: SEED, numRuns: 200 });
    const passing = sample.filter((v) => !check('scale-api/queue-new-job', v).length).length;
    assert.ok(passing > 150, `${passing}/200 generated bodies pass their schema`);
  });

  it(`properties: Scale JSON bodies drawn from the schemas and damaged never get a 5xx (shrinking to the smallest failing body)`, async () => {
    const routes = ctx.routes.filter((r) => r.door === 'scale' && r.body === 'json' && r.schemas.length && r.path.startsWith('/scale/') && !/\/v[56]\//.test(r.path));
    const arb = fc.constantFrom(...routes).chain((r) =>
      fc.tuple(fc.constant(r), fc.oneof(...r.schemas.map(([s, root]) => fromSchema(s, root, ctx.pools))), fc.array(mutationArb, { maxLength: 2 }), pathArb(r, ctx)),
    );
    let sent = 0;
    await fc.assert(fc.asyncProperty(arb, async ([r, v, ms, p]) => {
      const method = r.methods.find((m) => m !== 'GET' && m !== 'HEAD') ?? 'POST';
      const res = await (request(t.app) as any)[method.toLowerCase()](p).set('content-type', 'application/json').send(JSON.stringify(mutate(v, ms)) ?? 'null');
      sent++;
      assert.ok(res.status < 500, `${method} ${p} → ${res.status} ${res.text.slice(0, 300)}`);
      if (res.status >= 400) assert.equal(typeof res.body.detail, 'string', `${method} ${p} → ${res.status} without detail`);
    }), { seed: SEED, numRuns: 300 });
    record({ area: 'fuzzing', what: `property: schema-derived Scale bodies, mutated (fast-check, shrinking; ${kind})`, tried: sent, held: true, figures: { seed: SEED, '5xx': 0 } });
  });

  it(`the request fuzzer: ${COUNT} requests over every route of every door; no 5xx, well-formed errors, no crash, the database untouched by rejections`, async () => {
    console.log(`      fuzz seed ${SEED} (FUZZ_SEED to reproduce), ${COUNT} requests, ${ctx.routes.length} route templates, ${ctx.query.length} query parameter names`);
    const byDoor = Object.fromEntries(ctx.routes.reduce((m, r) => m.set(r.door, (m.get(r.door) ?? 0) + 1), new Map<Door, number>()));
    assert.ok(ctx.routes.length >= 90 && Object.keys(byDoor).length === 5, `routes per door: ${JSON.stringify(byDoor)}`);
    const arb = requestArb(ctx);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const port = (t.http!.address() as { port: number }).port;
    const tally = { sent: 0, byDoor: {} as Record<string, number>, byKind: {} as Record<string, number>, byStatus: {} as Record<string, number>, fiveXx: 0, rejected: 0, verified: 0, unverified: 0, acceptedWrites: 0, resent: 0 };
    const failures: string[] = [];
    const failureGroups = new Map<string, string>();
    const dbFailures: string[] = [];
    const wpsSamples = new Map<string, string>();
    const slowest: [number, string][] = [];
    const t0 = Date.now();
    for (let b = 0; b * BATCH < COUNT; b++) {
      const batch = fc.sample(arb, { seed: SEED + b, numRuns: Math.min(BATCH, COUNT - b * BATCH) });
      // Work an earlier batch's accepted writes left for the background (the recipe engine's marks,
      // whose jobs it then updates) is let finish first, so it is not taken for a rejected request's doing.
      for (let wait = 0; wait < 100 && Number((await t.db.query('SELECT count(*) AS n FROM recipe_update')).rows[0].n) > 0; wait++) await new Promise((r) => setTimeout(r, 20));
      const before = await dbChecksum(t.db);
      const rowsBefore = process.env.FUZZ_DEBUG_DB ? await rowsOf(t.db) : null;
      const answers = await pool(batch, CONCURRENCY, async (r): Promise<Answer> => {
        if (r.raw) {
          const t1 = performance.now();
          return { ...(await sendRaw(port, r.raw, 1000, { halfClose: r.kind.endsWith('-halfclose') })), ms: performance.now() - t1 };
        }
        return sendHttp(agent, port, r, r.kind === 'header-content-length' ? 2000 : 20_000);
      });
      const after = await dbChecksum(t.db);
      batch.forEach((r, i) => slowest.push([answers[i].ms, `${r.kind} ${r.method} ${r.target.slice(0, 120)} → ${answers[i].status}`]));
      slowest.sort((a, b) => b[0] - a[0]).splice(5);
      if (process.env.FUZZ_VERBOSE) console.log(`      batch ${b}: ${((Date.now() - t0) / 1000).toFixed(1)} s, slowest ${slowest[0]?.[0].toFixed(0)} ms ${slowest[0]?.[1]}`);
      let writes = 0;
      let rejected = 0;
      batch.forEach((r, i) => {
        const a = answers[i];
        tally.sent++;
        if (a.retried) tally.resent++;
        tally.byDoor[r.door] = (tally.byDoor[r.door] ?? 0) + 1;
        const kind = r.kind.replace(/-on-\w+$/, '');
        tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
        tally.byStatus[String(a.status ?? 'none')] = (tally.byStatus[String(a.status ?? 'none')] ?? 0) + 1;
        if ((a.status ?? 0) >= 500) tally.fiveXx++;
        if (a.status === null || a.status >= 400) rejected++;
        // WPS runs Execute (1.0.0) and Dismiss (2.0) by GET too (KVP): an accepted one writes like any POST.
        else if (!['GET', 'HEAD', 'OPTIONS'].includes(r.method) || (r.door === 'wps' && /request=(execute|dismiss)/i.test(r.target))) writes++;
        const problem = judge(r, a);
        if (problem) failureGroups.set(`${r.route ?? r.kind} ${r.method} ${problem.slice(0, 3)}`, `#${b * BATCH + i} ${r.kind} ${r.method} ${r.target.slice(0, 200)} → ${problem.slice(0, 300)}`);
        if (problem) failures.push(`#${b * BATCH + i} (FUZZ_SEED=${SEED} batch ${b} item ${i}) ${r.kind} ${r.method} ${r.target.slice(0, 200)} [${JSON.stringify(r.headers).slice(0, 200)}] body ${r.body?.subarray(0, 200).toString('utf8') ?? '-'}\n        → ${problem}`);
        if (a.status && a.status >= 400 && /xml/.test(String(a.headers['content-type']))) {
          const text = a.body.toString('utf8');
          const code = /exceptionCode="(\w+)"/.exec(text)?.[1] ?? '?';
          const ns = 'ns' in exceptionReportNs(text) ? (exceptionReportNs(text) as { ns: string }).ns : '?';
          if (!wpsSamples.has(`${ns} ${code} ${a.status}`)) wpsSamples.set(`${ns} ${code} ${a.status}`, text);
        }
      });
      tally.rejected += rejected;
      tally.acceptedWrites += writes;
      const changed = checksumDiff(before, after);
      if (writes === 0) {
        tally.verified += rejected;
        if (changed.length) {
          const suspects = batch.map((r, i) => [r, answers[i]] as const).filter(([r]) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method)).map(([r, a]) => `${r.kind} ${r.method} ${r.target.slice(0, 100)} → ${a.status} ${a.body.subarray(0, 160).toString('utf8')}`);
          dbFailures.push(`batch ${b} (FUZZ_SEED=${SEED}): no request was accepted, yet ${changed.join(', ')} changed; the batch's writes:\n          ${suspects.join('\n          ')}`);
          if (rowsBefore) {
            const rowsAfter = await rowsOf(t.db);
            for (const [k, v] of rowsAfter) if (rowsBefore.get(k) !== v) console.log(`      changed row ${k}: ${rowsBefore.get(k) ?? '(new)'}\n        → ${v}`);
            for (const k of rowsBefore.keys()) if (!rowsAfter.has(k)) console.log(`      deleted row ${k}`);
          }
        }
      } else tally.unverified += rejected;
    }
    agent.destroy();
    const seconds = (Date.now() - t0) / 1000;

    // The ExceptionReports seen, one of each (version, code, status), against the official XSDs.
    let xsdChecked = 0;
    const xsdProblems: string[] = [];
    try {
      execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-ows-'));
      for (const [ns, xsd] of [['http://www.opengis.net/ows/2.0', 'wps/2.0/wps.xsd'], ['http://www.opengis.net/ows/1.1', 'wps/1.0.0/wpsAll.xsd']]) {
        const files = [...wpsSamples.entries()].filter(([k]) => k.startsWith(`${ns} `)).map(([k, text], i) => {
          const f = path.join(dir, `${i}-${k.replace(/\W+/g, '_')}.xml`);
          fs.writeFileSync(f, text);
          return f;
        });
        if (!files.length) continue;
        try {
          execFileSync('xmllint', ['--nonet', '--noout', '--schema', path.join(XSD, xsd), ...files], { stdio: 'pipe' });
        } catch (err) {
          xsdProblems.push(String((err as { stderr?: Buffer }).stderr ?? err).slice(0, 2000));
        }
        xsdChecked += files.length;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      console.log('      xmllint not installed: ExceptionReports checked for their root and namespace only');
    }

    // Still alive, and nothing polluted Object.prototype through a __proto__ key.
    await request(t.app).get('/scale/status/').expect(200);
    assert.equal((({}) as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');

    console.log(`      ${tally.sent} requests in ${seconds.toFixed(1)} s; by door ${JSON.stringify(tally.byDoor)}; statuses ${JSON.stringify(tally.byStatus)}`);
    console.log(`      kinds ${JSON.stringify(tally.byKind)}`);
    console.log(`      slowest: ${slowest.map(([ms, what]) => `${ms.toFixed(0)} ms ${what}`).join('; ')}`);
    console.log(`      rejected ${tally.rejected} (database checked unchanged around ${tally.verified}; ${tally.unverified} shared a batch with an accepted write), accepted writes ${tally.acceptedWrites}, resent after a kept-alive socket closed under them ${tally.resent}, ExceptionReports validated against the XSDs ${xsdChecked}`);
    const held = !failures.length && !dbFailures.length && !crashes.length && !xsdProblems.length;
    for (const [door, n] of Object.entries(tally.byDoor)) {
      record({ area: 'fuzzing', what: `request fuzzer, ${door} door (${kind})`, tried: n, held, figures: { seed: SEED } });
    }
    record({
      area: 'fuzzing', what: `request fuzzer, every door (malformed, truncated, oversized, wrongly typed, random; methods, headers, query strings, raw bytes; ${kind})`, tried: tally.sent, held,
      figures: { seed: SEED, '5xx': tally.fiveXx, 'bad answers': failures.length, crashes: crashes.length, 'rejected, database checked unchanged': tally.verified, 'database changed by a rejection': dbFailures.length, 'ExceptionReports validated (XSD)': xsdChecked, seconds: Math.round(seconds) },
    });
    assert.deepEqual(crashes.map(String), [], 'uncaught exceptions or unhandled rejections in the server');
    if (failures.length) console.log(`      bad answers by route, method and status, one example each:\n${[...failureGroups.entries()].map(([k, v]) => `        ${k}: ${v}`).join('\n')}`);
    assert.ok(failures.length === 0, `${failures.length} bad answers (first 15):\n${failures.slice(0, 15).join('\n')}`);
    if (dbFailures.length) console.log(`      the database changed around rejected requests:\n        ${dbFailures.join('\n        ')}`);
    assert.equal(dbFailures.length, 0, `${dbFailures.length} batches of rejected requests changed the database (listed above)`);
    assert.deepEqual(xsdProblems, [], 'ExceptionReports that do not validate');
    assert.ok(tally.verified > COUNT / 3, `only ${tally.verified} rejections were checked against the database`);
  });
});
