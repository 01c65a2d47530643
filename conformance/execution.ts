// Executing the echo process and reading what comes back, per the response table of 18-062r2
// clause 7 (sync raw value / multipart / 204+Link / document; async 201 + Location).
import { FINAL_STATUSES, JOB_TIMEOUT_MS, TEST_STRING } from './constants.ts';
import type { Context } from './context.ts';
import type { EchoProfile } from './echo.ts';
import { describeResponse, expect, expectObject, expectStatus, expectValid, fail, parseJson } from './lib/assert.ts';
import { type HttpResponse, isJsonMediaType, mediaType } from './lib/http.ts';
import { headerLinks, resolveHref } from './lib/links.ts';
import { contentId, parseMultipart } from './lib/multipart.ts';
import { clip, isObj, type Obj, sleep } from './lib/util.ts';

export function executionPath(p: EchoProfile): string {
  return `/processes/${encodeURIComponent(p.id)}/execution`;
}

export interface ExecuteOptions {
  /** The Prefer header (none by default). */
  prefer?: string;
  /** Accept header; none by default (a raw output may have any media type). */
  accept?: string | null;
}

export async function execute(ctx: Context, p: EchoProfile, body: unknown, opts: ExecuteOptions = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = opts.prefer !== undefined ? { prefer: opts.prefer } : {};
  // A synchronous execution may take as long as a job may.
  const res = await ctx.post(executionPath(p), body, { headers, accept: opts.accept ?? null, timeoutMs: JOB_TIMEOUT_MS });
  if (opts.prefer?.includes('respond-async')) {
    const location = res.headers.location;
    ctx.asyncRequests.push({ url: res.url, status: res.status, location: typeof location === 'string' ? location : undefined });
  }
  return res;
}

export interface AsyncJob {
  res: HttpResponse;
  location: string;
  /** The Location resolved against the request URL, without query or trailing slash. */
  jobUrl: string;
  jobID: string;
  status: Obj;
}

export function stripUrl(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

export function resultsUrl(jobUrl: string): string {
  return `${stripUrl(jobUrl)}/results`;
}

/** The parts of a 201 answer to an asynchronous execute request (fails when it is not one). */
export function asAsyncJob(res: HttpResponse): AsyncJob {
  expectStatus(res, 201);
  const location = res.headers.location;
  expect(typeof location === 'string' && location !== '', `${describeResponse(res)}: 201 without a Location header`);
  const status = expectObject(res);
  expectValid('statusInfo.yaml', status, `statusInfo of ${res.url}`);
  return { res, location, jobUrl: stripUrl(resolveHref(location, res.url)), jobID: String(status.jobID), status };
}

export async function startAsync(ctx: Context, p: EchoProfile, body: unknown, prefer = 'respond-async'): Promise<AsyncJob> {
  return asAsyncJob(await execute(ctx, p, body, { prefer }));
}

/** GETs the job status until `until(status)` holds; fails after `timeoutMs`. */
export async function pollJob(ctx: Context, jobUrl: string, until: (status: string) => boolean = (s) => FINAL_STATUSES.includes(s), timeoutMs = JOB_TIMEOUT_MS): Promise<Obj> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await ctx.get(jobUrl);
    expectStatus(res, 200);
    const body = expectObject(res);
    expectValid('statusInfo.yaml', body, `statusInfo of ${jobUrl}`);
    const status = String(body.status);
    if (until(status)) return body;
    if (Date.now() >= end) fail(`job ${jobUrl} is still ${status} after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(400);
  }
}

export function expectSuccessful(status: Obj, jobUrl: string): void {
  if (status.status !== 'successful') fail(`job ${jobUrl} ended ${String(status.status)}${typeof status.message === 'string' ? `: ${clip(status.message)}` : ''}`);
}

/** Starts an async job and waits for it to succeed. */
export async function runAsync(ctx: Context, p: EchoProfile, body: unknown): Promise<{ job: AsyncJob; final: Obj }> {
  const job = await startAsync(ctx, p, body);
  const final = await pollJob(ctx, job.jobUrl);
  expectSuccessful(final, job.jobUrl);
  return { job, final };
}

export function getResults(ctx: Context, jobUrl: string): Promise<HttpResponse> {
  return ctx.get(resultsUrl(jobUrl), { accept: null });
}

/** The value a raw single-value response carries (JSON parsed when it is JSON). */
export function rawValue(res: HttpResponse): unknown {
  return isJsonMediaType(mediaType(res)) ? parseJson(res) : res.text.trim();
}

function outputMediaType(p: EchoProfile): string | undefined {
  const schema = p.echoOutput !== undefined ? p.outputs[p.echoOutput]?.schema : undefined;
  return isObj(schema) && typeof schema.contentMediaType === 'string' ? schema.contentMediaType.toLowerCase() : undefined;
}

/** Row "sync raw value 1": 200, the media type of the output, the value as the body. */
export function checkRawValueOne(res: HttpResponse, p: EchoProfile, expected = TEST_STRING): void {
  expectStatus(res, 200);
  const mt = mediaType(res);
  expect(mt !== '', `${describeResponse(res)}: no Content-Type`);
  expect(!mt.startsWith('multipart/'), `${describeResponse(res)}: ${mt} for a single output, expected the value itself`);
  const declared = outputMediaType(p);
  if (declared) expect(mt === declared.split(';')[0].trim(), `${describeResponse(res)}: Content-Type ${mt}, the output is defined as ${declared}`);
  if (isJsonMediaType(mt)) {
    const v = parseJson(res);
    expect(v === expected, `${describeResponse(res)}: body ${clip(res.text)} is not the output value ${JSON.stringify(expected)}`);
  } else if (mt.startsWith('text/')) {
    expect(res.text.trim() === expected, `${describeResponse(res)}: body ${JSON.stringify(clip(res.text))} is not the output value ${expected}`);
  } else if (!declared) fail(`${describeResponse(res)}: media type ${mt} does not fit the string output ${p.echoOutput}`);
  else expect(res.text.includes(expected), `${describeResponse(res)}: body does not contain ${expected}`);
}

/** GETs a reference to an output; returns its value. */
async function fetchReference(ctx: Context, href: string, base: string): Promise<unknown> {
  const res = await ctx.get(resolveHref(href, base), { accept: null });
  expectStatus(res, 200);
  return rawValue(res);
}

/** Row "raw reference": 204, no body, a Link header per output (one of them leads to the value). */
export async function checkRawRef(ctx: Context, res: HttpResponse, outputs: number, expected = TEST_STRING): Promise<void> {
  expectStatus(res, 204);
  expect(res.body.length === 0, `${describeResponse(res)}: 204 with a body`);
  const links = headerLinks(res);
  expect(links.length >= outputs, `${describeResponse(res)}: ${links.length} Link header(s) for ${outputs} output(s) by reference`);
  const values: unknown[] = [];
  for (const l of links) {
    try {
      values.push(await fetchReference(ctx, l.href, res.url));
    } catch {
      // another link may be the output
    }
  }
  expect(values.includes(expected), `${describeResponse(res)}: no Link header leads to the output value ${expected} (links: ${links.map((l) => l.raw).join(', ')})`);
}

/** The value of one entry of a results document (inline, qualified or by reference). */
export async function resultEntryValue(ctx: Context, entry: unknown, base: string): Promise<unknown> {
  if (isObj(entry) && 'value' in entry) return entry.value;
  if (isObj(entry) && typeof entry.href === 'string') return fetchReference(ctx, entry.href, base);
  return entry;
}

/** Row "document": 200 application/json, a results document holding every requested output. */
export async function checkDocument(ctx: Context, res: HttpResponse, p: EchoProfile, requested: string[], expected = TEST_STRING): Promise<Obj> {
  expectStatus(res, 200);
  const body = expectObject(res, true);
  expectValid('results.yaml', body, `results document of ${res.url}`);
  for (const id of requested) expect(id in body, `${describeResponse(res)}: results document lacks output ${id}`);
  if (p.echoOutput !== undefined && requested.includes(p.echoOutput)) {
    const v = await resultEntryValue(ctx, body[p.echoOutput], res.url);
    expect(v === expected, `${describeResponse(res)}: output ${p.echoOutput} is ${clip(JSON.stringify(v) ?? 'undefined')}, expected ${JSON.stringify(expected)}`);
  }
  return body;
}

/** Rows "raw value multi" / "raw mixed multi": multipart/related, a part per output (Content-ID). */
export function checkMultipart(res: HttpResponse, p: EchoProfile, modes: Record<string, 'value' | 'reference'>, expected = TEST_STRING): void {
  expectStatus(res, 200);
  const mt = mediaType(res);
  expect(mt === 'multipart/related', `${describeResponse(res)}: Content-Type ${mt || 'missing'}, expected multipart/related`);
  const parts = parseMultipart(res);
  for (const [id, mode] of Object.entries(modes)) {
    const part = parts.find((x) => contentId(x) === id);
    expect(part, `${describeResponse(res)}: no part with Content-ID ${id} (got ${parts.map((x) => contentId(x) ?? '?').join(', ')})`);
    if (mode === 'reference') {
      expect(part.body.toString('utf8').trim() === '', `part ${id} (by reference) is not empty`);
      expect(part.headers['content-location'], `part ${id} (by reference) has no Content-Location`);
    } else if (id === p.echoOutput) {
      expect(part.body.toString('utf8').includes(expected), `part ${id} does not contain ${expected}`);
    }
  }
}

/**
 * Executes in the mode the process offers (sync if it can, else async and wait) asking for the echo
 * output by value, raw; returns the output value.
 */
export async function runToValue(ctx: Context, p: EchoProfile, body: Obj): Promise<unknown> {
  if (p.sync) {
    const res = await execute(ctx, p, body);
    expectStatus(res, 200);
    return rawValue(res);
  }
  const { job } = await runAsync(ctx, p, body);
  const res = await getResults(ctx, job.jobUrl);
  expectStatus(res, 200);
  return rawValue(res);
}

/**
 * Executes a request that must be refused (bad inputs): an exception answer (4xx), or, when the
 * server accepted it as a job, a job ending `failed`. Returns the answer.
 */
export async function runExpectingRejection(ctx: Context, p: EchoProfile, body: unknown): Promise<{ res: HttpResponse; failedJob?: string }> {
  const res = await execute(ctx, p, body, p.sync ? {} : { prefer: 'respond-async' });
  if (res.status === 201) {
    const job = asAsyncJob(res);
    const final = await pollJob(ctx, job.jobUrl);
    expect(final.status === 'failed', `${describeResponse(res)}: the job for an invalid request ended ${String(final.status)}, expected failed (or a 400 answer)`);
    return { res, failedJob: job.jobUrl };
  }
  expect(res.status >= 400 && res.status < 500, `${describeResponse(res)}, expected a 4xx exception for an invalid request${res.text ? ` (body: ${clip(res.text)})` : ''}`);
  return { res };
}
