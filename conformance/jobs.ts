// Asynchronous jobs several checks share, each started once per run.
import { PAUSE_SECONDS } from './constants.ts';
import type { Context } from './context.ts';
import { echoWithString, executeBody, requireAsync, requireValue } from './echo.ts';
import { type AsyncJob, expectSuccessful, pollJob, startAsync } from './execution.ts';
import { skip } from './lib/assert.ts';
import type { Obj } from './lib/util.ts';

/** An async job asking for the echo output raw by value (A.34-A.40, ETS). */
export function asyncRawValueJob(ctx: Context): Promise<AsyncJob> {
  return ctx.memo('async-raw-value-job', async () => {
    const p = await echoWithString(ctx);
    requireAsync(p);
    requireValue(p);
    return startAsync(ctx, p, executeBody(p, { outputs: 'value', response: 'raw' }));
  });
}

/** asyncRawValueJob once it has succeeded, with its final status. */
export function finishedRawValueJob(ctx: Context): Promise<{ job: AsyncJob; final: Obj }> {
  return ctx.memo('async-raw-value-final', async () => {
    const job = await asyncRawValueJob(ctx);
    const final = await pollJob(ctx, job.jobUrl);
    expectSuccessful(final, job.jobUrl);
    return { job, final };
  });
}

/** An async job told to wait PAUSE_SECONDS first (needs a pause input). */
export function pausedJob(ctx: Context): Promise<AsyncJob> {
  return ctx.memo('paused-job', async () => {
    const p = await echoWithString(ctx);
    requireAsync(p);
    requireValue(p);
    if (!p.pauseInput) skip(`process ${p.id} has no pause input to keep a job running`);
    return startAsync(ctx, p, executeBody(p, { inputs: { [p.pauseInput]: PAUSE_SECONDS }, outputs: 'value', response: 'raw' }));
  });
}
