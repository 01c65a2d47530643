// The official suite's HTTP and validation helpers for its Jobs tests (jobs/Jobs.java of
// ets-ogcapi-processes10 at 75abd1f): requests sent as its Apache HttpClient sends them (the URL
// strings it would refuse, the headers Accept: application/json and Content-Type: application/json;
// charset=UTF-8, Prefer: respond-async in sendPostRequestASync), Location and readTree as it reads
// them, validateResponse (the status-code and media-type rules of its bundled OpenAPI document, with
// the runner's schema validation of the published v1.0 schemas in place of openapi4j and networknt),
// validateMultipartResponse as javax.mail reads the body, and loopOverStatus. Used by
// conformance/checks/ets-jobs.ts.
import { checkOgc } from '../../src/ogc-schemas.ts';
import { FINAL_STATUSES, JOB_TIMEOUT_MS, TEST_STRING } from '../constants.ts';
import type { Context } from '../context.ts';
import { describeResponse, expect, fail, skip, suiteDefect } from '../lib/assert.ts';
import type { HttpResponse } from '../lib/http.ts';
import { clip, isObj, sleep } from '../lib/util.ts';
import { asText, get, type Suite } from './fixture.ts';

// ---- sending, as the suite's HttpClient does ----

/** What Apache HttpClient does with a URL string: HttpGet/HttpPost throw on characters a java.net.URI refuses, and a URL without a host is refused when sent. */
function javaUrl(url: string, what: string): string {
  const bad = /[<>"\s{}|\\^`]/.exec(url);
  if (bad) fail(`${what} ${JSON.stringify(url)}: java.lang.IllegalArgumentException: Illegal character in URI (${JSON.stringify(bad[0])}); the suite GETs it as it is`);
  if (!/^https?:\/\/[^/]/i.test(url)) fail(`${what} ${JSON.stringify(url)}: ClientProtocolException (no target host); the suite GETs it as it is, so it must be an absolute http(s) URL`);
  return url;
}

export async function post(ctx: Context, s: Suite, body: unknown, prefer?: string): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
  if (prefer !== undefined) headers.prefer = prefer;
  return ctx.request('POST', s.executeUrl, { body: JSON.stringify(body), headers, accept: 'application/json', timeoutMs: JOB_TIMEOUT_MS });
}

export function expectCodes(res: HttpResponse, codes: number[]): void {
  expect(codes.includes(res.status), `Got unexpected status code: ${res.status} (${describeResponse(res)}${res.text ? `, body: ${clip(res.text)}` : ''})`);
}

export function modeNpe(): never {
  fail('NullPointerException: jobControlOptions names neither sync-execute nor async-execute, so the suite has no execution mode');
}

/** Jobs.sendPostRequestSync(node, check). */
export async function sendSync(ctx: Context, s: Suite, body: unknown, check = false): Promise<HttpResponse> {
  const res = await post(ctx, s, body);
  if (check) expectCodes(res, [200, 201]);
  return res;
}

/** Jobs.sendPostRequestASync: Prefer: respond-async, and the status the execution mode allows. */
export async function sendAsync(ctx: Context, s: Suite, body: unknown): Promise<HttpResponse> {
  const res = await post(ctx, s, body, 'respond-async');
  if (s.mode === null) modeNpe();
  if (s.mode === 'EITHER') expectCodes(res, [200, 201]);
  if (s.mode === 'ONLY_ASYNC') expectCodes(res, [201]);
  return res;
}

export function get_(ctx: Context, url: string, accept: string | null, what: string): Promise<HttpResponse> {
  return ctx.request('GET', javaUrl(url, what), { accept });
}

/** `getFirstHeader("location").getValue()`: an NPE without one. */
export function location(res: HttpResponse): string {
  const l = res.headers.location;
  if (typeof l !== 'string') fail(`NullPointerException: ${describeResponse(res)} has no Location header`);
  return l;
}

/** ObjectMapper.readTree on the body. */
export function readTree(res: HttpResponse): unknown {
  if (res.text.trim() === '') fail(`${describeResponse(res)}: empty body, which the suite parses as JSON`);
  try {
    return JSON.parse(res.text);
  } catch {
    return fail(`${describeResponse(res)}: the suite parses the body as JSON: ${clip(res.text)}`);
  }
}

export function contentType(res: HttpResponse): string {
  const ct = res.headers['content-type'];
  if (typeof ct !== 'string') fail(`NullPointerException: ${describeResponse(res)} has no Content-Type header`);
  return ct;
}

export function typeOnly(ct: string): string {
  return ct.split(';')[0].trim().toLowerCase();
}

export function schemaProblems(file: string, data: unknown): string | undefined {
  const problems = checkOgc(file, data);
  if (problems.length === 0) return undefined;
  return problems
    .slice(0, 3)
    .map((p) => `${p.path} ${p.message}`)
    .join('; ');
}

type Operation = 'getJobs' | 'getStatus' | 'getResult' | 'execute';

/** The response schemas of the suite's bundled api-processes10.yaml, by status (then default). */
const RESPONSES: Record<Operation, Record<string, string | null>> = {
  getJobs: { 200: 'jobList.yaml', 404: 'exception.yaml', default: 'exception.yaml' },
  getStatus: { 200: 'statusInfo.yaml', 404: 'exception.yaml', default: 'exception.yaml' },
  getResult: { 200: 'results.yaml', 404: 'exception.yaml', 500: 'exception.yaml', default: 'exception.yaml' },
  // 200 is the oneOf below (media type /*); 201 has no content, so openapi4j falls through to default.
  execute: { 200: null, 404: 'exception.yaml', default: 'exception.yaml' },
};

/**
 * Which branches of the bundled execute 200 `oneOf` (results, exception, object, binary string,
 * byte string, string, number, boolean) a body matches, as openapi4j decides: `results` has no
 * `type`, so it takes every non-object, and `format: binary` is any string.
 */
function executeOkBranches(body: unknown): string[] {
  const m: string[] = [];
  if (!isObj(body) || checkOgc('results.yaml', body).length === 0) m.push('results');
  if (isObj(body) && checkOgc('exception.yaml', body).length === 0) m.push('exception');
  if (isObj(body)) m.push('object');
  if (typeof body === 'string') {
    m.push('string (binary)');
    if (body.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(body)) m.push('string (byte)');
    m.push('string');
  }
  if (typeof body === 'number') m.push('number');
  if (typeof body === 'boolean') m.push('boolean');
  return m;
}

const ONEOF_DEFECT =
  'suite defect: the suite validates a sync 200 against the execute 200 oneOf of its bundled OpenAPI document, which more than one branch matches for every result shaped as the standard says (results has no type, "type: object" takes every object, "format: binary" every string); the workaround for it (checkForIssue54, ETS issue #54) has been unused since the merge f4ebd2b';

/**
 * Jobs.validateResponse: the body parsed as JSON, problem+json read as json, an execute 200 read as
 * media type /*, then validated (openapi4j) by status code against the bundled document.
 */
export function validateResponse(res: HttpResponse, op: Operation): void {
  const body = readTree(res);
  let ct = contentType(res);
  if (ct === 'application/problem+json') ct = 'application/json';
  if (op === 'execute' && res.status === 200) {
    const branches = executeOkBranches(body);
    if (branches.length === 1) return;
    const why = `${describeResponse(res)}: "More than 1 schema is valid" (${branches.join(', ')})`;
    // A suite defect only when the server did execute the echo: its result holds the test string.
    expect(res.text.includes(TEST_STRING), `${why}, and the result does not contain ${TEST_STRING}: ${clip(res.text)}`);
    suiteDefect(`${why}; ${ONEOF_DEFECT}`);
  }
  validateAs(res, op, ct, body);
}

/** The tests that build openapi4j's Response themselves: the Content-Type as sent (no problem+json mapping). */
export function validateRaw(res: HttpResponse, op: Operation): void {
  const body = readTree(res);
  validateAs(res, op, contentType(res), body);
}

function validateAs(res: HttpResponse, op: Operation, ct: string, body: unknown): void {
  const table = RESPONSES[op];
  const file = table[String(res.status)] ?? table.default;
  expect(typeOnly(ct) === 'application/json', `${describeResponse(res)}: Content type '${typeOnly(ct)}' is not allowed in body (the suite's OpenAPI document has application/json for ${op} ${res.status})`);
  const problems = file ? schemaProblems(file, body) : undefined;
  expect(problems === undefined, `${describeResponse(res)}: the body is not valid against ${file} (${op} ${res.status}): ${problems}`);
}

/** validateResponseAgainstSchema (the published schema, networknt). */
export function validateAgainst(file: string, res: HttpResponse): void {
  const problems = schemaProblems(file, readTree(res));
  expect(problems === undefined, `${describeResponse(res)}: Unable to validate the response document against: ${file}: ${problems}`);
}

/** Jobs.validateMultipartResponse: javax.mail reads the body (boundary: its first line starting "--"); some part whose content is a String contains teststring. */
export function validateMultipart(res: HttpResponse): void {
  const lines = res.text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.startsWith('--'));
  expect(first >= 0, `${describeResponse(res)}: The multipart response failed the validity check because Missing start boundary`);
  const boundary = lines[first].trimEnd();
  const parts: string[][] = [];
  let cur: string[] | null = [];
  for (const line of lines.slice(first + 1)) {
    if (line.trimEnd() === `${boundary}--`) break;
    if (line.trimEnd() === boundary) {
      if (cur) parts.push(cur);
      cur = [];
    } else cur?.push(line);
  }
  if (cur && cur.length) parts.push(cur);
  expect(parts.length > 0, `${describeResponse(res)}: Error with multipart response`);
  for (const part of parts) {
    const blank = part.findIndex((l) => l === '');
    const headers = (blank < 0 ? part : part.slice(0, blank)).map((h) => h.toLowerCase());
    let content = blank < 0 ? '' : part.slice(blank + 1).join('\n');
    const ct = headers.find((h) => h.startsWith('content-type:'))?.slice(13).trim() ?? 'text/plain';
    // getContent() is a String for text/* (and no Content-Type); otherwise an InputStream, whose toString() is an object id.
    if (!ct.startsWith('text/')) continue;
    if (headers.some((h) => /^content-transfer-encoding:\s*base64/.test(h))) content = Buffer.from(content, 'base64').toString('utf8');
    if (content.includes(TEST_STRING)) return;
  }
  fail(`${describeResponse(res)}: The multipart response failed the validity check because The input test string was not detected in one of the parts of the multipart response. (only text/* parts, or parts without Content-Type, are read as text)`);
}

function isFinal(doc: unknown): boolean {
  return FINAL_STATUSES.includes(asText(get(doc, 'status')));
}

/**
 * Jobs.loopOverStatus: follows the results link (GET without Accept, must contain teststring) or
 * else a monitor/status link, sleeping 5 s after each, at most 4 polls for the whole class. The
 * replay ends a sleep early once the job has finished (a job's status only moves forward, so the
 * suite's later GET would find the same), which keeps its outcome and saves the waiting.
 */
export async function loopOverStatus(ctx: Context, s: Suite, doc: unknown): Promise<string> {
  if (s.attempts >= 4) fail('Server did not return result in 20 seconds. (the suite polls a job status 4 times, 5 s apart, in all its tests together)');
  if (asText(get(doc, 'status')) === 'failed') fail('Process failed to execute.');
  const links = get(doc, 'links');
  if (!Array.isArray(links)) fail(`${links === undefined ? 'NullPointerException' : 'ClassCastException'}: the status document has no links array`);
  const rel = (l: unknown) => {
    const r = get(l, 'rel');
    if (r === undefined) fail('NullPointerException: a link of the status document has no rel');
    return asText(r);
  };
  const href = (l: unknown) => {
    const h = get(l, 'href');
    if (h === undefined) fail('NullPointerException: a link of the status document has no href');
    return asText(h);
  };
  for (const l of links) {
    if (rel(l) !== 'http://www.opengis.net/def/rel/ogc/1.0/results') continue;
    const res = await get_(ctx, href(l), null, 'the results link');
    expect(res.text.includes(TEST_STRING), `Response does not contain ${TEST_STRING}: ${describeResponse(res)}: ${clip(res.text)}`);
    return `results link → ${res.status}, contains ${TEST_STRING} after ${s.attempts} status poll(s)`;
  }
  for (const l of links) {
    const r = rel(l);
    if (r !== 'monitor' && r !== 'status') continue;
    const url = href(l);
    const res = await get_(ctx, url, 'application/json', `the ${r} link`);
    const next = readTree(res);
    // Thread.sleep(5000), ended early when the job is seen finished.
    const end = Date.now() + 5000;
    while (!isFinal(next) && Date.now() < end) {
      await sleep(250);
      try {
        if (isFinal(JSON.parse((await ctx.get(url)).text))) break;
      } catch {
        // keep waiting
      }
    }
    s.attempts++;
    return loopOverStatus(ctx, s, next);
  }
  fail("No result (rel='http://www.opengis.net/def/rel/ogc/1.0/results') or monitor (rel='monitor') links were found in response.");
}

/** Jobs.loopOverStatusReturnsFailed: true only when the status is already failed (its monitor-link branch compares strings with ==). */
export function statusIsFailed(doc: unknown): boolean {
  return asText(get(doc, 'status')) === 'failed';
}

/** The "Content-Type: multipart/related" text test of testJobCreationOp/Request (sync path and job status): the literal inside the body. */
export function syncOrStatusBody(res: HttpResponse): string | void {
  if (res.text.includes('Content-Type: multipart/related')) {
    if (!contentType(res).startsWith('multipart/related')) skip(`The value of the Content-Type header of the response is ${contentType(res)} but the response payload states Content-Type: multipart/related`);
    validateMultipart(res);
    return 'multipart';
  }
  validateRaw(res, 'getStatus');
}
