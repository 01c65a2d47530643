// Core: the synchronous rows of the execute response table, and asynchronous job creation (A.29-A.34).
import { echoWithString, executeBody, inputsProducing, requireReference, requireSync, requireValue, twoOutputs } from '../echo.ts';
import { checkDocument, checkMultipart, checkRawRef, checkRawValueOne, execute } from '../execution.ts';
import { asyncRawValueJob } from '../jobs.ts';
import { describeResponse, expect, expectObject, expectStatus, expectValid } from '../lib/assert.ts';
import { mediaType } from '../lib/http.ts';
import type { Check } from '../types.ts';

export const coreExecuteResponseChecks: Check[] = [
  {
    id: 'A.29',
    title: '/conf/core/job-creation-sync-raw-value-one',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      requireSync(p);
      requireValue(p);
      checkRawValueOne(await execute(ctx, p, executeBody(p, { outputs: 'value', response: 'raw' })), p);
    },
  },
  {
    id: 'A.30',
    title: '/conf/core/job-creation-sync-raw-value-multi',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const [a, b] = twoOutputs(p);
      requireSync(p);
      requireValue(p);
      const outputs = { [a]: { transmissionMode: 'value' }, [b]: { transmissionMode: 'value' } };
      checkMultipart(await execute(ctx, p, executeBody(p, { outputs, response: 'raw', inputs: inputsProducing(p, [a, b]) })), p, { [a]: 'value', [b]: 'value' });
    },
  },
  {
    id: 'A.31',
    title: '/conf/core/job-creation-sync-raw-ref',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      requireSync(p);
      requireReference(p);
      await checkRawRef(ctx, await execute(ctx, p, executeBody(p, { outputs: 'reference', response: 'raw' })), 1);
    },
  },
  {
    id: 'A.32',
    title: '/conf/core/job-creation-sync-raw-mixed-multi',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const [a, b] = twoOutputs(p);
      requireSync(p);
      requireValue(p);
      requireReference(p);
      const outputs = { [a]: { transmissionMode: 'value' }, [b]: { transmissionMode: 'reference' } };
      checkMultipart(await execute(ctx, p, executeBody(p, { outputs, response: 'raw', inputs: inputsProducing(p, [a, b]) })), p, { [a]: 'value', [b]: 'reference' });
    },
  },
  {
    id: 'A.33',
    title: '/conf/core/job-creation-sync-document',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      requireSync(p);
      const modes = [...(p.value ? ['value' as const] : []), ...(p.reference ? ['reference' as const] : [])];
      expect(modes.length > 0, `process ${p.id} offers no output transmission mode`);
      for (const mode of modes) {
        await checkDocument(ctx, await execute(ctx, p, executeBody(p, { outputs: mode, response: 'document' })), p, [p.echoOutput]);
      }
      return `transmission ${modes.join(' and ')}`;
    },
  },
  {
    id: 'A.34',
    title: '/conf/core/job-creation-success-async',
    cls: 'core',
    async run(ctx) {
      const job = await asyncRawValueJob(ctx);
      expect(mediaType(job.res) === 'application/json', `${describeResponse(job.res)}: Content-Type ${mediaType(job.res)}, expected application/json`);
      const res = await ctx.get(job.jobUrl);
      expectStatus(res, 200);
      const status = expectObject(res);
      expectValid('statusInfo.yaml', status, `the job at Location ${job.jobUrl}`);
      expect(status.jobID === job.jobID, `${describeResponse(res)}: jobID ${String(status.jobID)}, the 201 said ${job.jobID}`);
    },
  },
];
