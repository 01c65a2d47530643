// A replay of the 33 Jobs tests of the official suite (ets-ogcapi-processes10, jobs/Jobs.java at
// 75abd1f), one check per test method (ETS-JOBS.<method>), run in TestNG's default order (by method
// name). Each builds its request as the suite does: the process description parsed as
// CommonFixture.createInput/createOutput parse it, the inputs filled in by Jobs.addInput and the
// suite's special builders, every output asked for with {"transmissionMode": "value"}, the same
// headers (Accept: application/json, Content-Type: application/json; charset=UTF-8, Prefer:
// respond-async with or without its trailing space), and the same assertions. Two things differ, and
// say so: the GeoTIFF the suite's build leaves out (so its binary test dies of a NullPointerException)
// is sent as the suite means to send it, and the one it fetches from raw.githubusercontent.com is
// served by the runner's local server. The suite's own OpenAPI and JSON Schema validators are
// replaced by the runner's schema validation (the published v1.0 schemas), with the bundled OpenAPI
// document's status-code and media-type rules. Where no correct server can pass a test as the suite
// wrote it, the check ends as a suite defect (with the reason) once the server did what the test
// means (conformance/README.md, "Replaying the suite's Jobs tests").
import { randomUUID } from 'node:crypto';
import { checkOgc } from '../../src/ogc-schemas.ts';
import { EXCEPTION, FINAL_STATUSES, JOB_TIMEOUT_MS, TEST_STRING } from '../constants.ts';
import type { Context } from '../context.ts';
import { CheckFailure, CheckSuiteDefect, describeResponse, expect, fail, skip, suiteDefect } from '../lib/assert.ts';
import { TEST_GEOTIFF } from '../lib/geotiff.ts';
import { headerValues, type HttpResponse } from '../lib/http.ts';
import { GEOTIFF_PATH } from '../lib/local-server.ts';
import { clip, isObj, type Obj, sleep } from '../lib/util.ts';
import type { Check } from '../types.ts';

// ---- the suite's model of the process description (CommonFixture.Input / Output / Type) ----

interface SuiteType {
  /** `type` as Jackson's asText() gives it. */
  def: string;
  binary: boolean;
  contentMediaType?: string;
}

interface SuiteInput {
  id: string;
  types: SuiteType[];
  /** `format` of a top-level string schema. */
  format?: string;
  bbox: boolean;
}

interface SuiteOutput {
  id: string;
  types: SuiteType[];
  bbox: boolean;
}

type Mode = 'ONLY_SYNC' | 'ONLY_ASYNC' | 'EITHER' | null;

interface Suite {
  inputs: SuiteInput[];
  outputs: SuiteOutput[];
  /** Jobs.supportedExecutionModes; null when jobControlOptions names neither mode (the suite then NPEs). */
  mode: Mode;
  /** Jobs.executeEndpoint: the landing page + /processes/{id}/execution, concatenated as strings. */
  executeUrl: string;
  /** Jobs.attempts: the status polls loopOverStatus has made, shared by every test (never reset). */
  attempts: number;
}

class SuiteSetupError extends Error {}

/** Jackson's JsonNode.asText(): text as it is, numbers and booleans printed, containers "". */
function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return '';
}

/** JsonNode.get(name) on any node: only objects have fields. */
function get(node: unknown, name: string): unknown {
  return isObj(node) ? node[name] : undefined;
}

/** Reading `node.get(name)` where the suite dereferences it without a null check. */
function need(node: unknown, name: string, where: string): unknown {
  const v = get(node, name);
  if (v === undefined) throw new SuiteSetupError(`NullPointerException: ${where} has no "${name}"`);
  return v;
}

function hasBboxProperty(schema: unknown): boolean {
  const props = get(schema, 'properties');
  return isObj(props) && Object.keys(props).includes('bbox');
}

/** The string-type details createInput reads (top level: also input.format; oneOf children: format only for byte). */
function stringType(schema: unknown, type: SuiteType, input: SuiteInput | null): void {
  const format = get(schema, 'format');
  if (format !== undefined) {
    if (input) input.format = asText(format);
    if (asText(format) === 'byte') type.binary = true;
  }
  const cmt = get(schema, 'contentMediaType');
  if (cmt !== undefined) type.contentMediaType = asText(cmt);
  const encoding = get(schema, 'contentEncoding');
  if (encoding !== undefined && asText(encoding) === 'binary') type.binary = true;
}

/** CommonFixture.checkAllOfForBbox: NPE on an allOf element without "format". */
function allOfBbox(schema: unknown, where: string): boolean {
  const allOf = get(schema, 'allOf');
  if (!Array.isArray(allOf)) return false;
  for (const element of allOf) {
    const format = get(element, 'format');
    if (format === undefined) throw new SuiteSetupError(`NullPointerException in checkAllOfForBbox: an allOf element of ${where} has no "format"`);
    if (asText(format) === 'ogc-bbox') return true;
  }
  return false;
}

/** CommonFixture.createInput. */
function createInput(schema: unknown, id: string): SuiteInput {
  const input: SuiteInput = { id, types: [], bbox: false };
  const where = `inputs.${id}.schema`;
  if (!isObj(schema)) return input; // a boolean or null schema: JsonNode.get finds nothing
  const typeNode = schema.type;
  if (typeNode !== undefined) {
    const type: SuiteType = { def: asText(typeNode), binary: false };
    if (type.def === 'object') {
      if (hasBboxProperty(schema)) input.bbox = true;
    } else if (type.def === 'string') stringType(schema, type, input);
    else if (type.def === 'array') {
      const itemsType = get(schema.items, 'type');
      if (itemsType !== undefined) input.types.push({ def: asText(itemsType), binary: false });
    }
    input.types.push(type);
    return input;
  }
  const oneOf = schema.oneOf;
  if (oneOf !== undefined) {
    if (!Array.isArray(oneOf)) return input;
    for (const child of oneOf) {
      const childType = get(child, 'type');
      if (childType === undefined) continue;
      const type: SuiteType = { def: asText(childType), binary: false };
      if (type.def === 'object') {
        if (hasBboxProperty(child)) input.bbox = true;
      } else if (type.def === 'string') stringType(child, type, null);
      else if (type.def === 'array') {
        const itemsType = get(get(child, 'items'), 'type');
        if (itemsType !== undefined) input.types.push({ def: asText(itemsType), binary: false });
      }
      input.types.push(type);
    }
    return input;
  }
  if (allOfBbox(schema, where)) input.bbox = true;
  return input;
}

/** CommonFixture.createOutput. */
function createOutput(schema: unknown, id: string): SuiteOutput {
  const output: SuiteOutput = { id, types: [], bbox: false };
  if (!isObj(schema)) return output;
  if (schema.type !== undefined) {
    if (asText(schema.type) === 'array') output.types.push({ def: 'array', binary: false });
  } else if (allOfBbox(schema, `outputs.${id}.schema`)) output.bbox = true;
  return output;
}

/** Jobs.parseEchoProcess: a map of inputs/outputs is read in document order; an array is ignored; absent is an NPE. */
function parseDescriptions<T>(description: Obj, key: 'inputs' | 'outputs', create: (schema: unknown, id: string) => T): T[] {
  const node = description[key];
  if (node === undefined || node === null) throw new SuiteSetupError(`NullPointerException: the process description has no "${key}"`);
  if (!isObj(node)) return [];
  return Object.entries(node).map(([id, d]) => {
    const schema = get(d, 'schema');
    if (schema === undefined) throw new SuiteSetupError(`NullPointerException: ${key}.${id} has no "schema"`);
    return create(schema, id);
  });
}

function modeOf(description: Obj): Mode {
  const jco = description.jobControlOptions;
  if (!Array.isArray(jco)) return null;
  const sync = jco.some((o) => asText(o) === 'sync-execute');
  const async = jco.some((o) => asText(o) === 'async-execute');
  return sync && async ? 'EITHER' : sync ? 'ONLY_SYNC' : async ? 'ONLY_ASYNC' : null;
}

async function getDescription(ctx: Context): Promise<Obj> {
  const res = await ctx.get(`${ctx.base}/processes/${ctx.echoId}`, { accept: 'application/json' });
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw new SuiteSetupError(`Could not parse echo process: ${describeResponse(res)} is not JSON`);
  }
  if (!isObj(body)) throw new SuiteSetupError(`NullPointerException: ${describeResponse(res)} is not a JSON object`);
  return body;
}

/** Jobs.setup (@BeforeClass): when it fails, TestNG skips every test of the class. */
function suite(ctx: Context): Promise<Suite> {
  return ctx.memo('ets-jobs-suite', async () => {
    try {
      const description = await getDescription(ctx);
      const inputs = parseDescriptions(description, 'inputs', createInput);
      const outputs = parseDescriptions(description, 'outputs', createOutput);
      return { inputs, outputs, mode: modeOf(description), executeUrl: `${ctx.base}/processes/${ctx.echoId}/execution`, attempts: 0 };
    } catch (e) {
      if (e instanceof SuiteSetupError) fail(`the suite's Jobs setup fails ("Could set up endpoint", ${e.message}), so TestNG skips every Jobs test`);
      throw e;
    }
  });
}

/** Jobs.echoProcessSupportsAsync: the description read again, async-execute in jobControlOptions. */
async function supportsAsync(ctx: Context): Promise<boolean> {
  try {
    const jco = (await getDescription(ctx)).jobControlOptions;
    return Array.isArray(jco) && jco.some((o) => asText(o) === 'async-execute');
  } catch {
    return false;
  }
}

const ASYNC_NOT_SUPPORTED = 'This test is skipped because the server has not declared support for asynchronous execution mode.';

// ---- the request builders of Jobs.java ----

const BOGUS_BBOX = { crs: 'urn:ogc:def:crs:EPSG:6.6:4326', bbox: [345345345, 345345345, 345345345, 345345345] };
const VALUE_OUTPUT = { transmissionMode: 'value' };

/** Jobs.addInput: plain strings get "teststring", bbox inputs a bogus bbox, objects {"value": "teststring"}, the rest nothing. */
function addInput(input: SuiteInput, inputs: Obj): void {
  for (const type of input.types) {
    if (type.def === 'string') {
      if (input.format === undefined && type.contentMediaType === undefined) inputs[input.id] = TEST_STRING;
    } else if (input.bbox) inputs[input.id] = { ...BOGUS_BBOX, bbox: [...BOGUS_BBOX.bbox] };
    else if (type.def === 'object') addObjectInput(input, inputs);
  }
}

function addObjectInput(input: SuiteInput, inputs: Obj): void {
  inputs[input.id] = { value: TEST_STRING };
}

function allOutputs(s: Suite): Obj {
  return Object.fromEntries(s.outputs.map((o) => [o.id, { ...VALUE_OUTPUT }]));
}

/** Jobs.createExecuteJsonNode (with `response` when given). */
function defaultBody(s: Suite, response?: 'raw' | 'document'): Obj {
  const inputs: Obj = {};
  for (const input of s.inputs) addInput(input, inputs);
  if (Object.keys(inputs).length === 0) fail('No supported input found. Only plain string input is supported. (the suite gives no value to any input of this description)');
  return { inputs, outputs: allOutputs(s), ...(response ? { response } : {}) };
}

/** Jobs.createExecuteJsonNodeNoOutputs. */
function noOutputsBody(s: Suite): Obj {
  const inputs: Obj = {};
  for (const input of s.inputs) addInput(input, inputs);
  return { inputs };
}

/**
 * The builders that give the first input matching `special` a special value and every other input
 * the addInput value (createExecuteJsonNodeWith{Object,MixedInput,BinaryInput,Href} and the Raw*
 * builders). Returns the inputs and the id of the special input, if any.
 */
function specialInputs(s: Suite, special: (i: SuiteInput) => boolean, value: (i: SuiteInput, inputs: Obj) => void): { inputs: Obj; found?: string } {
  const inputs: Obj = {};
  let found: string | undefined;
  for (const input of s.inputs) {
    if (found === undefined && special(input)) {
      value(input, inputs);
      found = input.id;
    } else addInput(input, inputs);
  }
  return { inputs, found };
}

const isObjectInput = (i: SuiteInput) => i.types.some((t) => t.def === 'object');
const isBinaryInput = (i: SuiteInput) => i.types.some((t) => t.binary);

/** createExecuteJsonNodeWithObject / WithMixedInput / RawMixedMulti / RawRef / RawValueMulti (the same code). */
function objectBody(s: Suite): { body: Obj; found?: string } {
  const { inputs, found } = specialInputs(s, isObjectInput, addObjectInput);
  return { body: { inputs, outputs: allOutputs(s) }, found };
}

/** `format.mediaType` only when the input's contentMediaType contains "tiff" (addBinaryInput, addHrefInput). */
function tiffFormat(input: SuiteInput): Obj {
  const format: Obj = {};
  for (const type of input.types) if (type.def === 'string' && type.contentMediaType?.includes('tiff')) format.mediaType = type.contentMediaType;
  return format;
}

/** addBinaryInput as it would run with its test data (testgeotiff.tiff) on the class path. */
function addBinaryInput(input: SuiteInput, inputs: Obj): void {
  inputs[input.id] = { value: TEST_GEOTIFF.toString('base64'), format: { ...tiffFormat(input), encoding: 'base64' } };
}

// ---- sending, as the suite's HttpClient does ----

/** What Apache HttpClient does with a URL string: HttpGet/HttpPost throw on characters a java.net.URI refuses, and a URL without a host is refused when sent. */
function javaUrl(url: string, what: string): string {
  const bad = /[<>"\s{}|\\^`]/.exec(url);
  if (bad) fail(`${what} ${JSON.stringify(url)}: java.lang.IllegalArgumentException: Illegal character in URI (${JSON.stringify(bad[0])}); the suite GETs it as it is`);
  if (!/^https?:\/\/[^/]/i.test(url)) fail(`${what} ${JSON.stringify(url)}: ClientProtocolException (no target host); the suite GETs it as it is, so it must be an absolute http(s) URL`);
  return url;
}

async function post(ctx: Context, s: Suite, body: unknown, prefer?: string): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
  if (prefer !== undefined) headers.prefer = prefer;
  return ctx.request('POST', s.executeUrl, { body: JSON.stringify(body), headers, accept: 'application/json', timeoutMs: JOB_TIMEOUT_MS });
}

function expectCodes(res: HttpResponse, codes: number[]): void {
  expect(codes.includes(res.status), `Got unexpected status code: ${res.status} (${describeResponse(res)}${res.text ? `, body: ${clip(res.text)}` : ''})`);
}

function modeNpe(): never {
  fail('NullPointerException: jobControlOptions names neither sync-execute nor async-execute, so the suite has no execution mode');
}

/** Jobs.sendPostRequestSync(node, check). */
async function sendSync(ctx: Context, s: Suite, body: unknown, check = false): Promise<HttpResponse> {
  const res = await post(ctx, s, body);
  if (check) expectCodes(res, [200, 201]);
  return res;
}

/** Jobs.sendPostRequestASync: Prefer: respond-async, and the status the execution mode allows. */
async function sendAsync(ctx: Context, s: Suite, body: unknown): Promise<HttpResponse> {
  const res = await post(ctx, s, body, 'respond-async');
  if (s.mode === null) modeNpe();
  if (s.mode === 'EITHER') expectCodes(res, [200, 201]);
  if (s.mode === 'ONLY_ASYNC') expectCodes(res, [201]);
  return res;
}

function get_(ctx: Context, url: string, accept: string | null, what: string): Promise<HttpResponse> {
  return ctx.request('GET', javaUrl(url, what), { accept });
}

/** `getFirstHeader("location").getValue()`: an NPE without one. */
function location(res: HttpResponse): string {
  const l = res.headers.location;
  if (typeof l !== 'string') fail(`NullPointerException: ${describeResponse(res)} has no Location header`);
  return l;
}

/** ObjectMapper.readTree on the body. */
function readTree(res: HttpResponse): unknown {
  if (res.text.trim() === '') fail(`${describeResponse(res)}: empty body, which the suite parses as JSON`);
  try {
    return JSON.parse(res.text);
  } catch {
    return fail(`${describeResponse(res)}: the suite parses the body as JSON: ${clip(res.text)}`);
  }
}

function contentType(res: HttpResponse): string {
  const ct = res.headers['content-type'];
  if (typeof ct !== 'string') fail(`NullPointerException: ${describeResponse(res)} has no Content-Type header`);
  return ct;
}

function typeOnly(ct: string): string {
  return ct.split(';')[0].trim().toLowerCase();
}

function schemaProblems(file: string, data: unknown): string | undefined {
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
function validateResponse(res: HttpResponse, op: Operation): void {
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
function validateRaw(res: HttpResponse, op: Operation): void {
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
function validateAgainst(file: string, res: HttpResponse): void {
  const problems = schemaProblems(file, readTree(res));
  expect(problems === undefined, `${describeResponse(res)}: Unable to validate the response document against: ${file}: ${problems}`);
}

/** Jobs.validateMultipartResponse: javax.mail reads the body (boundary: its first line starting "--"); some part whose content is a String contains teststring. */
function validateMultipart(res: HttpResponse): void {
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
async function loopOverStatus(ctx: Context, s: Suite, doc: unknown): Promise<string> {
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
function statusIsFailed(doc: unknown): boolean {
  return asText(get(doc, 'status')) === 'failed';
}

/** The "Content-Type: multipart/related" text test of testJobCreationOp/Request (sync path and job status): the literal inside the body. */
function syncOrStatusBody(res: HttpResponse): string | void {
  if (res.text.includes('Content-Type: multipart/related')) {
    if (!contentType(res).startsWith('multipart/related')) skip(`The value of the Content-Type header of the response is ${contentType(res)} but the response payload states Content-Type: multipart/related`);
    validateMultipart(res);
    return 'multipart';
  }
  validateRaw(res, 'getStatus');
}

/** The sync-only branch of testJobCreationOp/Request: a sync result read as a job status. */
async function syncResultAsStatus(ctx: Context, s: Suite): Promise<string> {
  const res = await sendSync(ctx, s, defaultBody(s));
  try {
    syncOrStatusBody(res);
  } catch (e) {
    if (!(e instanceof CheckFailure)) throw e;
    const why = e.message;
    if (res.status === 200 && res.text.includes(TEST_STRING)) {
      suiteDefect(`${why}; suite defect: for a process without async-execute the suite reads the sync result as a job status (statusInfo), or as multipart only when the body itself contains the text "Content-Type: multipart/related"`);
    }
    throw e;
  }
  return `sync-only: ${res.status}`;
}

function sent(body: Obj): string {
  const inputs = isObj(body.inputs) ? Object.keys(body.inputs) : [];
  const outputs = isObj(body.outputs) ? Object.keys(body.outputs) : undefined;
  return `inputs {${inputs.join(', ')}}${outputs ? `, outputs {${outputs.join(', ')}}` : ', no outputs'}${body.response ? `, response ${String(body.response)}` : ''}`;
}

// ---- the test methods ----

type Run = (ctx: Context, s: Suite) => Promise<string | void>;

/** A test that POSTs a body without Prefer and asserts 200 or 201 (sendPostRequestSync, then the status check). */
function syncTest(build: (s: Suite) => Obj): Run {
  return async (ctx, s) => {
    const body = build(s);
    const res = await sendSync(ctx, s, body);
    expectCodes(res, [200, 201]);
    return `${sent(body)} → ${res.status}`;
  };
}

/** Which input the object builder gave {"value": "teststring"} (the first with an object type, bbox inputs included). */
function objectNote(found: string | undefined): string {
  return found === undefined ? 'no object input' : `${found} = {"value":"${TEST_STRING}"} (the first input with an object type)`;
}

/** testJobCreationInputInline{Mixed,Object}: the object builder, no Prefer, 200 or 201. */
const objectTest: Run = async (ctx, s) => {
  const { body, found } = objectBody(s);
  const res = await sendSync(ctx, s, body);
  expectCodes(res, [200, 201]);
  return `${sent(body)}, ${objectNote(found)} → ${res.status}`;
};

/** testJobResultsAsyncRaw{MixedMulti,Ref,ValueMulti}: the object builder, Prefer: respond-async, Location, the status validated. */
const asyncStatusTest: Run = async (ctx, s) => {
  if (!(await supportsAsync(ctx))) skip(ASYNC_NOT_SUPPORTED);
  const { body, found } = objectBody(s);
  const res = await sendAsync(ctx, s, body);
  expectCodes(res, [200, 201]);
  const status = await get_(ctx, location(res), 'application/json', 'the Location');
  validateRaw(status, 'getStatus');
  return `${sent(body)}, ${objectNote(found)}, Prefer respond-async → ${res.status}; status → ${status.status}`;
};

/** testJobCreationOp / testJobSuccess: own POST with "respond-async " (trailing space); the status GET has no Accept header. */
const trailingSpaceStatusTest: Run = async (ctx, s) => {
  const body = defaultBody(s);
  const res = await post(ctx, s, body, 'respond-async ');
  expectCodes(res, [200, 201]);
  const status = await get_(ctx, location(res), null, 'the Location');
  validateRaw(status, 'getStatus');
  return `Prefer "respond-async " → ${res.status}; status without Accept → ${status.status} ${typeOnly(contentType(status))}`;
};

const TESTS: Record<string, { requirement: string; run: Run }> = {
  testJobCreationAutoExecutionMode: {
    requirement: '/req/core/job-creation-op',
    async run(ctx, s) {
      if (!(await supportsAsync(ctx))) skip(`${ASYNC_NOT_SUPPORTED} Also note that the specification does not mandate that servers create a job as a result of executing a process synchronously (See Clause 7.11.4 of OGC 18-062r2)`);
      const body = defaultBody(s);
      const res = await sendAsync(ctx, s, body);
      if (s.mode === 'ONLY_SYNC') expectCodes(res, [200]);
      if (s.mode === 'ONLY_ASYNC') expectCodes(res, [201]);
      if (s.mode === 'EITHER') expectCodes(res, [200, 201]);
      return `${sent(body)}, Prefer respond-async → ${res.status}`;
    },
  },
  testJobCreationDefaultExecutionMode: {
    requirement: '/req/core/job-creation-op',
    async run(ctx, s) {
      const body = defaultBody(s);
      const res = await sendSync(ctx, s, body);
      if (s.mode === null) modeNpe();
      expectCodes(res, s.mode === 'ONLY_ASYNC' ? [200, 201] : [200]);
      return `${sent(body)} → ${res.status}`;
    },
  },
  testJobCreationDefaultOutputs: { requirement: '/req/core/job-creation-op', run: syncTest(noOutputsBody) },
  testJobCreationInputArray: {
    requirement: '/req/core/job-creation-input-array',
    run: syncTest((s) => {
      const inputs: Obj = {};
      let found = false;
      for (const input of s.inputs) {
        if (!found && input.types.some((t) => t.def === 'array')) {
          // addArrayInput: the first item type decides; Java's switch knows integer, double, float and string.
          const item = input.types.find((t) => t.def !== 'array');
          if (!item) fail(`NoSuchElementException: No item type for array input "${input.id}" specified.`);
          const values: Record<string, unknown[]> = { integer: [1, 2, 3], double: [1.1, 2.2, 3.3], float: [1.1, 2.2, 3.3], string: ['test1', 'test2', 'test3'] };
          inputs[input.id] = values[item.def] ?? [];
          found = true;
        } else addInput(input, inputs);
      }
      const output = s.outputs.find((o) => o.types.some((t) => t.def === 'array'));
      if (!found) skip('No input of type array found.');
      return { inputs, outputs: output ? { [output.id]: { ...VALUE_OUTPUT } } : {} };
    }),
  },
  testJobCreationInputInline: { requirement: '/req/core/job-creation-input-inline', run: syncTest((s) => defaultBody(s)) },
  testJobCreationInputInlineBbox: {
    requirement: '/req/core/job-creation-input-inline-bbox',
    run: syncTest((s) => {
      const { inputs, found } = specialInputs(
        s,
        (i) => i.bbox,
        (i, all) => {
          all[i.id] = { bbox: [51.9, 7, 52, 7.1], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' };
        },
      );
      const outputs = Object.fromEntries(s.outputs.filter((o) => o.bbox).map((o) => [o.id, { ...VALUE_OUTPUT }]));
      if (found === undefined) skip('No input of type bounding box found.');
      return { inputs, outputs };
    }),
  },
  testJobCreationInputInlineBinary: {
    requirement: '/req/core/job-creation-input-binary',
    async run(ctx, s) {
      const { inputs, found } = specialInputs(s, isBinaryInput, addBinaryInput);
      if (Object.keys(inputs).length === 0) skip('No input of type binary found.');
      const body = { inputs, outputs: allOutputs(s) };
      const res = await sendSync(ctx, s, body);
      expectCodes(res, [200, 201]);
      const note = `${sent(body)} → ${res.status}`;
      if (found === undefined) return `${note} (no binary input: the suite sends its default request)`;
      const format = (inputs[found] as { format: Obj }).format;
      suiteDefect(
        `${note}, the test GeoTIFF (${TEST_GEOTIFF.length} bytes) sent to input ${found} as {"value": <base64>, "format": ${JSON.stringify(format)}}, as the suite means to; suite defect: the official build excludes its test data (pom.xml <exclude>**/testdata/*.*</exclude>), so addBinaryInput's getResource("org/opengis/cite/testdata/testgeotiff.tiff") is null and the test fails with a NullPointerException whenever the process has a binary input`,
      );
    },
  },
  testJobCreationInputInlineMixed: { requirement: '/req/core/job-creation-input-inline-mixed', run: objectTest },
  testJobCreationInputInlineObject: { requirement: '/req/core/job-creation-input-inline-object', run: objectTest },
  testJobCreationInputRef: {
    requirement: '/req/core/job-creation-input-ref',
    async run(ctx, s) {
      const server = await ctx.localServer();
      const href = server.url(GEOTIFF_PATH);
      const { inputs, found } = specialInputs(s, isBinaryInput, (i, all) => {
        all[i.id] = { href, format: tiffFormat(i) };
      });
      const body = { inputs, outputs: allOutputs(s) };
      const before = server.received.length;
      const res = await sendSync(ctx, s, body);
      const ct = contentType(res);
      const fetched = server.received.slice(before).some((r) => r.path.startsWith(GEOTIFF_PATH));
      const note = `${sent(body)}${found ? ` (${found} by reference to ${href}${fetched ? ', fetched' : ', never fetched'})` : ''} → ${res.status}`;
      if (ct.startsWith('multipart/related')) {
        validateMultipart(res);
        return `${note} multipart/related, a text part contains ${TEST_STRING}`;
      }
      if (res.status === 200) validateResponse(res, 'execute');
      else if (res.status === 201) validateResponse(await get_(ctx, location(res), 'application/json', 'the Location'), 'getStatus');
      else fail(`Got unexpected status code: ${res.status} (${describeResponse(res)}${res.text ? `, body: ${clip(res.text)}` : ''})`);
      return note;
    },
  },
  testJobCreationInputValidation: {
    requirement: '/req/core/job-creation-input-validation',
    async run(ctx, s) {
      const notes: string[] = [];
      const body = defaultBody(s);
      const res = await sendSync(ctx, s, body);
      const ct = contentType(res);
      let defect: string | undefined;
      if (ct.startsWith('multipart/related')) {
        validateMultipart(res);
        notes.push(`${sent(body)} → ${res.status} multipart/related`);
      } else if (res.status === 200) {
        try {
          validateResponse(res, 'execute');
        } catch (e) {
          if (!(e instanceof CheckSuiteDefect)) throw e;
          defect = e.message;
        }
        notes.push(`${sent(body)} → 200 ${typeOnly(ct)}`);
      } else if (res.status === 201) {
        const status = await get_(ctx, location(res), 'application/json', 'the Location');
        notes.push(`${sent(body)} → 201; ${await loopOverStatus(ctx, s, readTree(status))}`);
      } else fail(`Got unexpected status code: ${res.status} (${describeResponse(res)}${res.text ? `, body: ${clip(res.text)}` : ''})`);
      // The wrong-format request: every input with a contentMediaType gets {"type": "wrong/type_<uuid>"}.
      const wrong: Obj = {};
      const wrongIds: string[] = [];
      for (const input of s.inputs) {
        if (input.types.some((t) => t.contentMediaType !== undefined)) {
          wrong[input.id] = { type: `wrong/type_${randomUUID()}` };
          wrongIds.push(input.id);
        } else addInput(input, wrong);
      }
      if (wrongIds.length === 0) skip('No input with specified format found, skipping test.');
      const bad = await sendSync(ctx, s, { inputs: wrong, outputs: allOutputs(s) });
      const badBody = readTree(bad);
      if (bad.status === 201) {
        const status = await get_(ctx, location(bad), 'application/json', 'the Location');
        expect(statusIsFailed(readTree(status)), `${describeResponse(bad)} for a wrong format: the job's first status is ${asText(get(readTree(status), 'status'))}; the suite wants it already failed`);
      } else {
        expect(bad.status === 400 || bad.status === 500, `Was expecting a Status Code of 400 or 500 but found ${bad.status} (See Table 10 of OGC API - Processes - Part 1, OGC 18-062r2). (${describeResponse(bad)})`);
        const badCt = contentType(bad);
        expect(badCt === 'application/json' || badCt.startsWith('application/json;'), `${describeResponse(bad)}: Content-Type ${badCt}; the suite wants application/json itself (not problem+json)`);
        const problems = schemaProblems('exception.yaml', badBody);
        expect(problems === undefined, `Unable to validate the response document against: exception.yaml: ${problems}`);
      }
      notes.push(`wrong format for ${wrongIds.join(', ')} → ${bad.status}`);
      if (defect) suiteDefect(`${notes.join('; ')}; ${defect}`);
      return notes.join('; ');
    },
  },
  testJobCreationInputs: { requirement: '/req/core/job-creation-inputs', run: syncTest((s) => defaultBody(s)) },
  testJobCreationOp: {
    requirement: '/req/core/job-creation-op',
    async run(ctx, s) {
      if (await supportsAsync(ctx)) return trailingSpaceStatusTest(ctx, s);
      return syncResultAsStatus(ctx, s);
    },
  },
  testJobCreationRequest: {
    requirement: '/req/core/job-creation-request',
    async run(ctx, s) {
      if (!(await supportsAsync(ctx))) return syncResultAsStatus(ctx, s);
      const body = defaultBody(s);
      const res = await sendAsync(ctx, s, body);
      expectCodes(res, [200, 201]);
      const status = await get_(ctx, location(res), 'application/json', 'the Location');
      const how = syncOrStatusBody(status);
      return `${sent(body)}, Prefer respond-async → ${res.status}; status → ${status.status}${how ? ` ${how}` : ''}`;
    },
  },
  testJobCreationSuccessAsync: {
    requirement: '/req/core/job-creation-success-async',
    async run(ctx, s) {
      if (!(await supportsAsync(ctx))) skip(ASYNC_NOT_SUPPORTED);
      const body = defaultBody(s);
      const res = await sendAsync(ctx, s, body);
      expectCodes(res, [200, 201]);
      const status = await get_(ctx, location(res), 'application/json', 'the Location');
      validateResponse(status, 'getStatus');
      return `Prefer respond-async → ${res.status}; status → ${status.status}`;
    },
  },
  testJobCreationSyncDocument: { requirement: '/req/core/job-creation-sync-document', run: syncTest((s) => defaultBody(s, 'document')) },
  testJobCreationSyncRawMixedMulti: { requirement: '/req/core/job-creation-sync-raw-mixed-multi', run: syncTest((s) => defaultBody(s, 'raw')) },
  testJobCreationSyncRawRef: { requirement: '/req/core/job-creation-sync-raw-ref', run: syncTest((s) => defaultBody(s, 'raw')) },
  testJobCreationSyncRawValueMulti: { requirement: '/req/core/job-creation-sync-raw-value-multi', run: syncTest((s) => defaultBody(s, 'raw')) },
  testJobCreationSyncRawValueOne: {
    requirement: '/req/core/job-creation-sync-raw-value-one',
    async run(ctx, s) {
      const body = oneOutputBody(s);
      const res = await sendSync(ctx, s, body, true);
      expect(res.text.includes(TEST_STRING), `${describeResponse(res)}: the body does not contain ${TEST_STRING}: ${clip(res.text)}`);
      return `${sent(body)} → ${res.status}, contains ${TEST_STRING}`;
    },
  },
  testJobExceptionNoSuchJob: {
    requirement: '/req/core/job-exception-no-such-job',
    async run(ctx) {
      const res = await get_(ctx, `${ctx.base}/jobs/invalid-job-${randomUUID()}`, 'application/json', 'the job URL');
      validateResponse(res, 'getJobs');
      return `${res.status}, validated as the suite does (against the job list operation)`;
    },
  },
  testJobOp: { requirement: '/req/core/job', run: syncTest((s) => defaultBody(s)) },
  testJobResults: {
    requirement: '/req/core/job-results',
    async run(ctx, s) {
      const body = defaultBody(s);
      if (!(await supportsAsync(ctx))) {
        const res = await sendSync(ctx, s, body);
        expectCodes(res, [200]);
        return `sync-only: ${res.status}`;
      }
      const res = await sendAsync(ctx, s, body);
      expectCodes(res, [201]);
      const status = await get_(ctx, location(res), 'application/json', 'the Location');
      expect(status.status === 200, `Expected status code 200 but found ${status.status} (${describeResponse(status)})`);
      validateAgainst('statusInfo.yaml', status);
      return `Prefer respond-async → 201; status → 200, a valid statusInfo`;
    },
  },
  testJobResultsAsyncDocument: {
    requirement: '/req/core/job-results-async-document',
    async run(ctx, s) {
      if (!(await supportsAsync(ctx))) skip(ASYNC_NOT_SUPPORTED);
      const body = defaultBody(s, 'document');
      const res = await sendAsync(ctx, s, body);
      expectCodes(res, [200, 201]);
      return `${sent(body)}, Prefer respond-async → ${res.status}`;
    },
  },
  testJobResultsAsyncRawMixedMulti: { requirement: '/req/core/job-results-async-raw-mixed-multi', run: asyncStatusTest },
  testJobResultsAsyncRawRef: { requirement: '/req/core/job-results-async-raw-ref', run: asyncStatusTest },
  testJobResultsAsyncRawValueMulti: { requirement: '/req/core/job-results-async-raw-value-multi', run: asyncStatusTest },
  testJobResultsAsyncRawValueOne: {
    requirement: '/req/core/job-results-async-raw-value-one',
    async run(ctx, s) {
      if (!(await supportsAsync(ctx))) skip(ASYNC_NOT_SUPPORTED);
      const body = oneOutputBody(s);
      const res = await sendAsync(ctx, s, body);
      expectCodes(res, [200, 201]);
      if (res.status === 200) {
        const value = readTree(res);
        expect(asText(value) === TEST_STRING, `${describeResponse(res)}: expected [${TEST_STRING}] but found [${asText(value)}] (the suite reads a 200 answer as a JSON value)`);
        return `${sent(body)}, Prefer respond-async → 200 "${TEST_STRING}"`;
      }
      if (res.text.trim() !== '') readTree(res);
      const status = await get_(ctx, location(res), 'application/json', 'the Location');
      return `${sent(body)}, Prefer respond-async → 201; ${await loopOverStatus(ctx, s, readTree(status))}`;
    },
  },
  testJobResultsExceptionResultsNotReady: {
    requirement: '/req/core/job-results-exception-results-not-ready',
    async run(ctx, s) {
      if (!(await supportsAsync(ctx))) skip('This test is skipped because the server has not declared support for asynchronous execution mode.');
      // createExecuteJsonNodeWithPauseInput: only the first input (addInput), pause: 5, the output of the first input's id, raw.
      const first = s.inputs[0];
      if (!first) fail('IndexOutOfBoundsException: the process has no inputs');
      const inputs: Obj = {};
      addInput(first, inputs);
      const output = s.outputs.find((o) => o.id === first.id);
      if (!s.inputs.some((i) => i.id === 'pause')) skip('No input with id pause found.');
      inputs.pause = 5;
      const body = { inputs, outputs: output ? { [output.id]: { ...VALUE_OUTPUT } } : {}, response: 'raw' };
      const res = await sendAsync(ctx, s, body);
      const jobUrl = location(res);
      await get_(ctx, jobUrl, 'application/json', 'the Location');
      const results = await get_(ctx, `${jobUrl}/results`, 'application/json', 'the Location + "/results"');
      expect(results.status === 404, `Failed Abstract test A.46 (Step 3). The response to the /jobs/{jobID}/results request did not return a 404 status code. (${describeResponse(results)})`);
      const type = get(readTree(results), 'type');
      if (type === undefined) fail(`NullPointerException: ${describeResponse(results)}: the body has no "type"`);
      expect(
        asText(type) === EXCEPTION.resultNotReady,
        `Failed Abstract test A.46 (Step 4). The document did not contain an exception of type ${EXCEPTION.resultNotReady} (${describeResponse(results)}: ${JSON.stringify(type)})`,
      );
      validateAgainst('exception.yaml', results);
      return `${sent(body)}, Prefer respond-async → ${res.status}; Location + /results → 404 result-not-ready`;
    },
  },
  testJobResultsFailed: {
    requirement: '/req/core/job-results-failed',
    async run(ctx, s) {
      const res = await sendSync(ctx, s, { 'invalid-execute-request': 'true)' });
      expect(res.status > 200, `Got unexpected status code: ${res.status} (${describeResponse(res)})`);
      validateResponse(res, 'execute');
      return `{"invalid-execute-request": "true)"} → ${res.status}`;
    },
  },
  testJobResultsNoSuchJob: {
    requirement: '/req/core/job-results-exception-no-such-job',
    async run(ctx) {
      const res = await get_(ctx, `${ctx.base}/jobs/invalid-job-${randomUUID()}/results`, 'application/json', 'the results URL');
      validateResponse(res, 'getResult');
      return `${res.status}`;
    },
  },
  testJobResultsSync: {
    requirement: '/req/core/job-results-sync',
    async run(ctx, s) {
      const res = await sendSync(ctx, s, defaultBody(s), true);
      const values = headerValues(res, 'link');
      if (values.length === 0) return `${res.status}, no Link header`;
      const monitor = values.find((v) => v.includes('rel=monitor'));
      if (monitor === undefined) {
        const quoted = values.find((v) => /;\s*rel\s*=\s*"(?:[^"]*\s)?monitor(?:\s[^"]*)?"/i.test(v));
        const message = `Permission 7 and Requirement 33 of OGC 18-062r2 state that for servers that support the creation of a job for synchronously executed processes, a successful execution of the operation SHALL include an HTTP Link header with rel=monitor pointing to the created job. (Link: ${values.join(' | ')})`;
        if (!quoted) fail(message);
        const url = /<([^>]*)>/.exec(quoted)?.[1];
        if (url) await statusBehind(ctx, url);
        suiteDefect(`${message}; suite defect: the suite looks for the literal text rel=monitor, and this link says rel="monitor" (RFC 8288 allows both)`);
      }
      const statusUrl = monitor.split(';')[0];
      const bracketed = /^\s*<([^>]*)>\s*$/.exec(statusUrl);
      if (bracketed) {
        await statusBehind(ctx, bracketed[1]);
        suiteDefect(
          `Link: ${monitor}; the job it links is a valid statusInfo; suite defect: the suite GETs the text before the first ';' verbatim, ${JSON.stringify(statusUrl)} (brackets included), and new HttpGet throws IllegalArgumentException on "<", so it fails on every Link header written as RFC 8288 requires`,
        );
      }
      const status = await get_(ctx, statusUrl, 'application/json', 'the monitor link');
      validateResponse(status, 'getStatus');
      return `Link ${monitor}; the job status → ${status.status}`;
    },
  },
  testJobSuccess: {
    requirement: '/req/core/job-success',
    async run(ctx, s) {
      if (!(await supportsAsync(ctx))) skip(`${ASYNC_NOT_SUPPORTED} Also note that the specification does not mandate that servers create a job as a result of executing a process synchronously (See Clause 7.11.4 of OGC 18-062r2)`);
      return trailingSpaceStatusTest(ctx, s);
    },
  },
};

/** What testJobResultsSync means to check behind a monitor link: a job status (the replay reads the link as RFC 8288 does). */
async function statusBehind(ctx: Context, url: string): Promise<void> {
  const status = await get_(ctx, url, 'application/json', 'the monitor link (the URL inside <…>)');
  validateResponse(status, 'getStatus');
}

/** Jobs.createExecuteJsonNodeOneOutput: every input (addInput), only the output with the first input's id, raw. */
function oneOutputBody(s: Suite): Obj {
  const first = s.inputs[0];
  if (!first) fail('IndexOutOfBoundsException: the process has no inputs');
  const inputs: Obj = {};
  for (const input of s.inputs) addInput(input, inputs);
  const output = s.outputs.find((o) => o.id === first.id);
  return { inputs, outputs: output ? { [output.id]: { ...VALUE_OUTPUT } } : {}, response: 'raw' };
}

/** The 33 test methods in TestNG's default order (by name, as String.compareTo sorts). */
export const ETS_JOBS_METHODS = Object.keys(TESTS).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export const etsJobsChecks: Check[] = ETS_JOBS_METHODS.map((method) => ({
  id: `ETS-JOBS.${method}`,
  title: TESTS[method].requirement,
  cls: 'core',
  async run(ctx: Context) {
    return TESTS[method].run(ctx, await suite(ctx));
  },
}));
