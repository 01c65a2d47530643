// Core: creating jobs, execution modes and inputs (A.16-A.28).
import { TEST_STRING } from '../constants.ts';
import type { Context } from '../context.ts';
import { type EchoProfile, echoWithString, executeBody } from '../echo.ts';
import { asAsyncJob, checkRawValueOne, execute, runExpectingRejection, runToValue } from '../execution.ts';
import { describeResponse, expect, expectStatus, expectValid, fail, parseJson, skip } from '../lib/assert.ts';
import { headerValues, mediaType } from '../lib/http.ts';
import { DATA_PATH } from '../lib/local-server.ts';
import { clip, isObj, type Obj } from '../lib/util.ts';
import { isArraySchema, isBboxSchema, isBinarySchema, isObjectSchema, maxOccursAbove1, sampleValue } from '../lib/values.ts';
import type { Check } from '../types.ts';

function expectEcho(value: unknown, how: string): void {
  expect(value === TEST_STRING, `${how}: the output is ${clip(JSON.stringify(value) ?? 'undefined')}, expected ${JSON.stringify(TEST_STRING)}`);
}

/** A.21: the string input inline. */
function inlineRun(ctx: Context): Promise<void> {
  return ctx.memo('input-inline', async () => {
    const p = await echoWithString(ctx);
    expectEcho(await runToValue(ctx, p, executeBody(p, { outputs: 'value', response: 'raw' })), 'inline input');
  });
}

/** A.22: the string input by reference to the local test-data server. */
function referenceRun(ctx: Context): Promise<string> {
  return ctx.memo('input-ref', async () => {
    const p = await echoWithString(ctx);
    const server = await ctx.localServer();
    const href = server.url(DATA_PATH);
    const before = server.received.length;
    const value = await runToValue(ctx, p, executeBody(p, { value: { href, type: 'text/plain' }, outputs: 'value', response: 'raw' }));
    const fetched = server.received.slice(before).some((r) => r.path.startsWith(DATA_PATH));
    expect(fetched, `the server never fetched the input reference ${href}`);
    expectEcho(value, `input by reference ${href}`);
    return `input fetched from ${href}`;
  });
}

/** The sync answer of the matrix for the default request (raw, all outputs). */
function checkSyncDefault(res: Awaited<ReturnType<typeof execute>>, p: EchoProfile): void {
  expectStatus(res, 200);
  if (Object.keys(p.outputs).length === 1) checkRawValueOne(res, p);
  else expect(mediaType(res) === 'multipart/related', `${describeResponse(res)}: ${mediaType(res)} for several outputs, expected multipart/related`);
}

/** Runs the echo with one extra input of a kind; skips when the echo has none. */
async function runWithInputKind(ctx: Context, kind: string, pick: (d: Obj) => boolean, value: (d: Obj) => unknown): Promise<string> {
  const p = await echoWithString(ctx);
  const id = Object.keys(p.inputs).find((k) => pick(p.inputs[k]));
  if (id === undefined) skip(`process ${p.id} has no ${kind} input`);
  await runToValue(ctx, p, executeBody(p, { inputs: { [id]: value(p.inputs[id]) }, outputs: 'value', response: 'raw' }));
  return `input ${id}`;
}

function schemaOf(d: Obj): Obj {
  return isObj(d.schema) ? d.schema : {};
}

export const coreExecuteChecks: Check[] = [
  {
    id: 'A.16',
    title: '/conf/core/job-creation-op',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const notes: string[] = [];
      if (p.sync) {
        expectStatus(await execute(ctx, p, executeBody(p)), 200);
        notes.push('sync 200');
      }
      if (p.async) {
        const res = await execute(ctx, p, executeBody(p), { prefer: 'respond-async' });
        if (p.sync && res.status === 200) notes.push('Prefer respond-async answered synchronously');
        else {
          asAsyncJob(res);
          notes.push('async 201');
        }
      }
      expect(p.sync || p.async, `process ${p.id} offers neither sync-execute nor async-execute`);
      return notes.join(', ');
    },
  },
  {
    id: 'A.17',
    title: '/conf/core/job-creation-auto-execution-mode',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const res = await execute(ctx, p, executeBody(p), { prefer: 'respond-async' });
      if (p.async && !p.sync) {
        asAsyncJob(res);
        return 'async-only process: 201';
      }
      if (p.sync && !p.async) {
        checkSyncDefault(res, p);
        return 'sync-only process: executed synchronously';
      }
      if (res.status === 200) {
        checkSyncDefault(res, p);
        return 'either mode: the server chose sync (SHOULD honour respond-async)';
      }
      asAsyncJob(res);
      const applied = headerValues(res, 'preference-applied').join(', ');
      return `either mode: 201${applied.includes('respond-async') ? ', Preference-Applied: respond-async' : ', no Preference-Applied header (SHOULD)'}`;
    },
  },
  {
    id: 'A.18',
    title: '/conf/core/job-creation-default-execution-mode',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const res = await execute(ctx, p, executeBody(p));
      if (p.async && !p.sync) {
        asAsyncJob(res);
        return 'async-only process: 201';
      }
      checkSyncDefault(res, p);
    },
  },
  {
    id: 'A.19',
    title: '/conf/core/job-creation-request',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const bodies = [executeBody(p), executeBody(p, { outputs: 'value', response: 'raw' }), executeBody(p, { outputs: 'value', response: 'document' })];
      for (const body of bodies) {
        expectValid('execute.yaml', body, `execute request ${JSON.stringify(body)}`);
        const res = await execute(ctx, p, body, p.sync ? {} : { prefer: 'respond-async' });
        expectStatus(res, p.sync ? 200 : 201);
      }
    },
  },
  {
    id: 'A.20',
    title: '/conf/core/job-creation-inputs',
    cls: 'core',
    async run(ctx) {
      await inlineRun(ctx);
      await referenceRun(ctx);
    },
  },
  {
    id: 'A.21',
    title: '/conf/core/job-creation-input-inline',
    cls: 'core',
    run: (ctx) => inlineRun(ctx),
  },
  {
    id: 'A.22',
    title: '/conf/core/job-creation-input-ref',
    cls: 'core',
    run: (ctx) => referenceRun(ctx),
  },
  {
    id: 'A.23',
    title: '/conf/core/job-creation-input-array',
    cls: 'core',
    run: (ctx) =>
      runWithInputKind(
        ctx,
        'array (maxOccurs > 1 or type array)',
        (d) => maxOccursAbove1(d) || isArraySchema(d.schema),
        (d) => (isArraySchema(d.schema) ? sampleValue(d.schema) : [sampleValue(d.schema)]),
      ),
  },
  {
    id: 'A.24',
    title: '/conf/core/job-creation-input-inline-object',
    cls: 'core',
    run: (ctx) => runWithInputKind(ctx, 'object', (d) => isObjectSchema(d.schema), (d) => ({ value: sampleValue(d.schema), mediaType: 'application/json' })),
  },
  {
    id: 'A.25',
    title: '/conf/core/job-creation-input-inline-mixed',
    cls: 'core',
    run: (ctx) =>
      runWithInputKind(
        ctx,
        'mixed-type (oneOf)',
        (d) => Array.isArray(schemaOf(d).oneOf),
        (d) => {
          const branch = (schemaOf(d).oneOf as unknown[])[0];
          const mt = isObj(branch) && typeof branch.contentMediaType === 'string' ? branch.contentMediaType : 'application/json';
          return { value: sampleValue(branch), mediaType: mt };
        },
      ),
  },
  {
    id: 'A.26',
    title: '/conf/core/job-creation-input-inline-binary',
    cls: 'core',
    run: (ctx) =>
      runWithInputKind(
        ctx,
        'binary (base64)',
        (d) => isBinarySchema(d.schema),
        (d) => {
          const b64 = Buffer.from(TEST_STRING).toString('base64');
          const mt = schemaOf(d).contentMediaType;
          return typeof mt === 'string' ? { value: b64, mediaType: mt, encoding: 'base64' } : b64;
        },
      ),
  },
  {
    id: 'A.27',
    title: '/conf/core/job-creation-input-inline-bbox',
    cls: 'core',
    run: (ctx) =>
      runWithInputKind(ctx, 'bounding box', (d) => isBboxSchema(d.schema), () => ({ bbox: [51.9, 7, 52, 7.1], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' })),
  },
  {
    id: 'A.28',
    title: '/conf/core/job-creation-input-validation',
    cls: 'core',
    async run(ctx) {
      await inlineRun(ctx);
      const p = await echoWithString(ctx);
      const cases: { what: string; input: string; body: Obj }[] = [{ what: 'a number for a string input', input: p.stringInput, body: executeBody(p, { value: 12345 }) }];
      const min = p.inputs[p.stringInput].minOccurs;
      if (min === undefined || (typeof min === 'number' && min >= 1)) cases.push({ what: 'a missing required input', input: p.stringInput, body: executeBody(p, { omitString: true }) });
      if (p.pauseInput) cases.push({ what: 'a string for a numeric input', input: p.pauseInput, body: executeBody(p, { inputs: { [p.pauseInput]: 'not-a-number' } }) });
      const notes: string[] = [];
      for (const c of cases) {
        const { res, failedJob } = await runExpectingRejection(ctx, p, c.body);
        if (failedJob) {
          notes.push(`${c.what}: job failed`);
          continue;
        }
        expect(/json/.test(mediaType(res)), `${describeResponse(res)} for ${c.what}: the exception is ${mediaType(res) || 'untyped'}, expected JSON`);
        expectValid('exception.yaml', parseJson(res), `the exception for ${c.what}`);
        if (!res.text.includes(c.input)) fail(`${describeResponse(res)} for ${c.what}: the exception does not name the input ${c.input}: ${clip(res.text)}`);
        notes.push(`${c.what}: ${res.status}`);
      }
      return notes.join('; ');
    },
  },
];
