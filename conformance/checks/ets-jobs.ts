// A replay of the 33 Jobs tests of the official suite (ets-ogcapi-processes10, jobs/Jobs.java at
// 75abd1f), one check per test method (ETS-JOBS.<method>), run in TestNG's default order (by method
// name): the table of the test methods and the checks the runner imports. Each builds its request as
// the suite does, with the suite's fixture (../ets/fixture.ts: the process description parsed as
// CommonFixture.createInput/createOutput parse it, the inputs filled in by Jobs.addInput and the
// suite's special builders, every output asked for with {"transmissionMode": "value"}), and sends and
// judges it with the suite's helpers (../ets/requests.ts: the same headers, Accept: application/json,
// Content-Type: application/json; charset=UTF-8, Prefer: respond-async with or without its trailing
// space, and the same assertions). Two things differ, and say so: the GeoTIFF the suite's build leaves
// out (so its binary test dies of a NullPointerException) is sent as the suite means to send it, and
// the one it fetches from raw.githubusercontent.com is served by the runner's local server. The
// suite's own OpenAPI and JSON Schema validators are replaced by the runner's schema validation (the
// published v1.0 schemas), with the bundled OpenAPI document's status-code and media-type rules. Where
// no correct server can pass a test as the suite wrote it, the check ends as a suite defect (with the
// reason) once the server did what the test means (conformance/README.md, "Replaying the suite's Jobs
// tests").
import { randomUUID } from 'node:crypto';
import { EXCEPTION, TEST_STRING } from '../constants.ts';
import type { Context } from '../context.ts';
import { CheckFailure, CheckSuiteDefect, describeResponse, expect, fail, skip, suiteDefect } from '../lib/assert.ts';
import { TEST_GEOTIFF } from '../lib/geotiff.ts';
import { headerValues } from '../lib/http.ts';
import { GEOTIFF_PATH } from '../lib/local-server.ts';
import { clip, type Obj } from '../lib/util.ts';
import {
  addBinaryInput, addInput, allOutputs, asText, defaultBody, get, isBinaryInput, noOutputsBody, objectBody, oneOutputBody, sent, specialInputs, type Suite, suite, supportsAsync, tiffFormat, VALUE_OUTPUT,
} from '../ets/fixture.ts';
import {
  contentType, expectCodes, get_, location, loopOverStatus, modeNpe, post, readTree, schemaProblems, sendAsync, sendSync, statusIsFailed, syncOrStatusBody, typeOnly, validateAgainst, validateMultipart, validateRaw, validateResponse,
} from '../ets/requests.ts';
import type { Check } from '../types.ts';

const ASYNC_NOT_SUPPORTED = 'This test is skipped because the server has not declared support for asynchronous execution mode.';

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
