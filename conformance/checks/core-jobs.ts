// Core: job status, results of asynchronous jobs and their exceptions (A.35-A.47).
import { EXCEPTION } from '../constants.ts';
import type { Context } from '../context.ts';
import { echoWithString, executeBody, inputsProducing, requireAsync, requireReference, requireSync, requireValue, twoOutputs } from '../echo.ts';
import { checkDocument, checkMultipart, checkRawRef, checkRawValueOne, execute, getResults, pollJob, runAsync, startAsync } from '../execution.ts';
import { asyncRawValueJob, finishedRawValueJob, pausedJob } from '../jobs.ts';
import { describeResponse, expect, expectException, expectObject, expectStatus, expectValid, skip } from '../lib/assert.ts';
import { headerLinks, resolveHref } from '../lib/links.ts';
import type { Obj } from '../lib/util.ts';
import { uniqueId } from '../lib/util.ts';
import type { Check } from '../types.ts';

/** A job to look at: the shared async job, or the one a sync execution links as rel=monitor. */
async function someJobUrl(ctx: Context): Promise<string> {
  const p = await echoWithString(ctx);
  if (p.async) return (await asyncRawValueJob(ctx)).jobUrl;
  const res = await execute(ctx, p, executeBody(p));
  const monitor = headerLinks(res).find((l) => l.rel === 'monitor');
  if (!monitor) skip(`process ${p.id} is sync-only and the server links no job (rel=monitor) to sync executions`);
  return resolveHref(monitor.href, res.url);
}

export const coreJobChecks: Check[] = [
  {
    id: 'A.35',
    title: '/conf/core/job-op',
    cls: 'core',
    async run(ctx) {
      expectStatus(await ctx.get(await someJobUrl(ctx)), 200);
    },
  },
  {
    id: 'A.36',
    title: '/conf/core/job-success',
    cls: 'core',
    async run(ctx) {
      const res = await ctx.get(await someJobUrl(ctx));
      expectStatus(res, 200);
      expectValid('statusInfo.yaml', expectObject(res), `the status of ${res.url}`);
    },
  },
  {
    id: 'A.37',
    title: '/conf/core/job-exception-no-such-job',
    cls: 'core',
    async run(ctx) {
      expectException(await ctx.get(`/jobs/${uniqueId('no-such-job')}`), { status: 404, type: EXCEPTION.noSuchJob });
    },
  },
  {
    id: 'A.38',
    title: '/conf/core/job-results',
    cls: 'core',
    async run(ctx) {
      const { job } = await finishedRawValueJob(ctx);
      checkRawValueOne(await getResults(ctx, job.jobUrl), await echoWithString(ctx));
    },
  },
  {
    id: 'A.39',
    title: '/conf/core/job-results-sync',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      requireSync(p);
      const res = await execute(ctx, p, executeBody(p));
      expectStatus(res, 200);
      const monitor = headerLinks(res).find((l) => l.rel === 'monitor');
      if (!monitor) return 'no Link rel=monitor: the server creates no job for sync executions';
      const status = await ctx.get(resolveHref(monitor.href, res.url));
      expectStatus(status, 200);
      const body = expectObject(status);
      expect(body.status === 'successful', `${describeResponse(status)}: the monitored job is ${String(body.status)}, expected successful`);
    },
  },
  {
    id: 'A.40',
    title: '/conf/core/job-results-async-raw-value-one',
    cls: 'core',
    async run(ctx) {
      const { job } = await finishedRawValueJob(ctx);
      checkRawValueOne(await getResults(ctx, job.jobUrl), await echoWithString(ctx));
    },
  },
  {
    id: 'A.41',
    title: '/conf/core/job-results-async-raw-value-multi',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const [a, b] = twoOutputs(p);
      requireAsync(p);
      requireValue(p);
      const outputs = { [a]: { transmissionMode: 'value' }, [b]: { transmissionMode: 'value' } };
      const { job } = await runAsync(ctx, p, executeBody(p, { outputs, response: 'raw', inputs: inputsProducing(p, [a, b]) }));
      checkMultipart(await getResults(ctx, job.jobUrl), p, { [a]: 'value', [b]: 'value' });
    },
  },
  {
    id: 'A.42',
    title: '/conf/core/job-results-async-raw-ref',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      requireAsync(p);
      requireReference(p);
      const { job } = await runAsync(ctx, p, executeBody(p, { outputs: 'reference', response: 'raw' }));
      await checkRawRef(ctx, await getResults(ctx, job.jobUrl), 1);
    },
  },
  {
    id: 'A.43',
    title: '/conf/core/job-results-async-raw-mixed-multi',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      const [a, b] = twoOutputs(p);
      requireAsync(p);
      requireValue(p);
      requireReference(p);
      const outputs = { [a]: { transmissionMode: 'value' }, [b]: { transmissionMode: 'reference' } };
      const { job } = await runAsync(ctx, p, executeBody(p, { outputs, response: 'raw', inputs: inputsProducing(p, [a, b]) }));
      checkMultipart(await getResults(ctx, job.jobUrl), p, { [a]: 'value', [b]: 'reference' });
    },
  },
  {
    id: 'A.44',
    title: '/conf/core/job-results-async-document',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      requireAsync(p);
      requireValue(p);
      const { job } = await runAsync(ctx, p, executeBody(p, { outputs: 'value', response: 'document' }));
      await checkDocument(ctx, await getResults(ctx, job.jobUrl), p, [p.echoOutput]);
    },
  },
  {
    id: 'A.45',
    title: '/conf/core/job-results-failed (no-such-job)',
    cls: 'core',
    async run(ctx) {
      expectException(await ctx.get(`/jobs/${uniqueId('no-such-job')}/results`), { status: 404, type: EXCEPTION.noSuchJob });
    },
  },
  {
    id: 'A.46',
    title: '/conf/core/job-results-exception-results-not-ready',
    cls: 'core',
    async run(ctx) {
      const job = await pausedJob(ctx);
      const status = await ctx.get(job.jobUrl);
      expectStatus(status, 200);
      const state = expectObject(status).status;
      expect(state === 'accepted' || state === 'running', `${describeResponse(status)}: the paused job is already ${String(state)}`);
      expectException(await getResults(ctx, job.jobUrl), { status: 404, type: EXCEPTION.resultNotReady });
    },
  },
  {
    id: 'A.47',
    title: '/conf/core/job-results-failed',
    cls: 'core',
    async run(ctx) {
      const p = await echoWithString(ctx);
      if (!p.failInput) skip(`process ${p.id} has no boolean fail input to make a job fail`);
      const body = executeBody(p, { inputs: { [p.failInput]: true }, outputs: 'value', response: 'raw' });
      let exception: Obj;
      if (p.async) {
        const job = await startAsync(ctx, p, body);
        const final = await pollJob(ctx, job.jobUrl);
        expect(final.status === 'failed', `job ${job.jobUrl} with ${p.failInput}=true ended ${String(final.status)}, expected failed`);
        exception = expectException(await getResults(ctx, job.jobUrl), {});
      } else {
        exception = expectException(await execute(ctx, p, body), {});
      }
      const type = String(exception.type);
      expect(type !== EXCEPTION.noSuchJob && type !== EXCEPTION.resultNotReady, `the results of a failed job answer with exception type ${type}`);
      return `exception type ${type}`;
    },
  },
];
