// Outcomes of a check as exceptions: a check passes when it returns, fails on CheckFailure (or any
// other error), is skipped on CheckSkip, and ends as a suite defect on CheckSuiteDefect (the server
// did what the official test suite means, but the suite itself cannot pass it). The expect* helpers
// build on them.
import { checkOgc } from '../../src/ogc-schemas.ts';
import { type HttpResponse, isJsonMediaType, mediaType } from './http.ts';
import { clip, isObj, type Obj } from './util.ts';

export class CheckFailure extends Error {}
export class CheckSkip extends Error {}
export class CheckSuiteDefect extends Error {}

export function fail(message: string): never {
  throw new CheckFailure(message);
}

export function skip(reason: string): never {
  throw new CheckSkip(reason);
}

/** The server passed what the official suite means to check, but the suite cannot pass it: say why. */
export function suiteDefect(reason: string): never {
  throw new CheckSuiteDefect(reason);
}

export function expect(cond: unknown, message: string): asserts cond {
  if (!cond) fail(message);
}

export function describeResponse(res: HttpResponse): string {
  return `${res.method} ${res.url} → ${res.status}`;
}

export function bodySnippet(res: HttpResponse): string {
  return res.text ? ` (body: ${clip(res.text)})` : '';
}

export function expectStatus(res: HttpResponse, codes: number | number[]): void {
  const list = Array.isArray(codes) ? codes : [codes];
  if (!list.includes(res.status)) fail(`${describeResponse(res)}, expected ${list.join(' or ')}${bodySnippet(res)}`);
}

export function parseJson(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text);
  } catch {
    return fail(`${describeResponse(res)}: body is not JSON${bodySnippet(res)}`);
  }
}

/**
 * The JSON body of `res`. `exact` demands the media type `application/json` itself; otherwise any
 * JSON media type (`application/problem+json` …) is accepted.
 */
export function expectJson(res: HttpResponse, exact = false): unknown {
  const mt = mediaType(res);
  const ok = exact ? mt === 'application/json' : isJsonMediaType(mt);
  if (!ok) fail(`${describeResponse(res)}: Content-Type is ${mt || 'missing'}, expected ${exact ? 'application/json' : 'a JSON media type'}`);
  return parseJson(res);
}

export function expectObject(res: HttpResponse, exact = false): Obj {
  const body = expectJson(res, exact);
  if (!isObj(body)) fail(`${describeResponse(res)}: body is not a JSON object${bodySnippet(res)}`);
  return body;
}

/** Fails when `data` does not validate against the Part 1 schema file. */
export function expectValid(schemaFile: string, data: unknown, label: string): void {
  const problems = checkOgc(schemaFile, data);
  if (problems.length) {
    const shown = problems.slice(0, 4).map((p) => `${p.path} ${p.message}`).join('; ');
    fail(`${label} does not validate against ${schemaFile}: ${shown}${problems.length > 4 ? ` (+${problems.length - 4} more)` : ''}`);
  }
}

export interface ExceptionExpectation {
  status?: number | number[];
  type?: string;
  /** Only `application/json` itself (not problem+json) is acceptable. */
  exactJson?: boolean;
}

/** Checks an exception response (status, JSON media type, exception.yaml, `type`); returns its body. */
export function expectException(res: HttpResponse, want: ExceptionExpectation): Obj {
  if (want.status !== undefined) expectStatus(res, want.status);
  else if (res.status < 400) fail(`${describeResponse(res)}, expected an error status${bodySnippet(res)}`);
  const body = expectObject(res, want.exactJson);
  expectValid('exception.yaml', body, `exception from ${res.method} ${res.url}`);
  if (want.type !== undefined && body.type !== want.type) fail(`${describeResponse(res)}: exception type is ${JSON.stringify(body.type)}, expected ${want.type}`);
  return body;
}
