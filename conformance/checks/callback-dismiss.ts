// Callback and Dismiss (A.80-A.82): a subscriber receives the results; a running job is dismissed.
import { CALLBACK_TIMEOUT_MS, EXCEPTION, PAUSE_SECONDS, REL, TEST_STRING } from '../constants.ts';
import type { Context } from '../context.ts';
import { echoWithString, executeBody, requireAsync } from '../echo.ts';
import { type AsyncJob, pollJob, startAsync } from '../execution.ts';
import { describeResponse, expect, expectException, expectObject, expectStatus, expectValid, fail, skip } from '../lib/assert.ts';
import type { HttpResponse } from '../lib/http.ts';
import { jsonLinks, resolveHref, withRel } from '../lib/links.ts';
import { clip, sleep, uniqueId } from '../lib/util.ts';
import type { Check } from '../types.ts';

/** Whether a callback body delivers the results: the value itself, or a link to results holding it. */
async function deliversResults(ctx: Context, body: string): Promise<boolean> {
  if (body.includes(TEST_STRING)) return true;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return false;
  }
  for (const l of withRel(jsonLinks(json), REL.results)) {
    const res = await ctx.get(resolveHref(l.href, ctx.base), { accept: null });
    if (res.status === 200 && res.text.includes(TEST_STRING)) return true;
  }
  return false;
}

/** A job dismissed while (ideally) running, and the DELETE answer; shared by A.81 and A.82. */
function dismissal(ctx: Context): Promise<{ job: AsyncJob; res: HttpResponse; wasRunning: boolean }> {
  return ctx.memo('dismissal', async () => {
    const p = await echoWithString(ctx);
    requireAsync(p);
    if (!p.dismiss) skip(`process ${p.id} does not list dismiss in jobControlOptions`);
    const inputs = p.pauseInput ? { [p.pauseInput]: PAUSE_SECONDS * 2 } : {};
    const job = await startAsync(ctx, p, executeBody(p, { inputs, outputs: 'value', response: 'raw' }));
    let wasRunning = false;
    if (p.pauseInput) {
      // Give it up to 10 s to start; dismissing a job still accepted is fine too.
      const s = await pollJob(ctx, job.jobUrl, (st) => st !== 'accepted', 10_000).catch(() => undefined);
      wasRunning = s?.status === 'running';
    }
    return { job, res: await ctx.delete(job.jobUrl), wasRunning };
  });
}

export const callbackDismissChecks: Check[] = [
  {
    id: 'A.80',
    title: '/conf/callback/job-callback',
    cls: 'callback',
    async run(ctx) {
      const p = await echoWithString(ctx);
      requireAsync(p);
      const server = await ctx.localServer();
      const token = uniqueId('cb');
      const subscriber = {
        successUri: server.url(`/callback/${token}/success`),
        inProgressUri: server.url(`/callback/${token}/in-progress`),
        failedUri: server.url(`/callback/${token}/failed`),
      };
      const job = await startAsync(ctx, p, executeBody(p, { outputs: 'value', subscriber }));
      const hit = await server.waitFor((r) => r.path.startsWith(`/callback/${token}/success`) || r.path.startsWith(`/callback/${token}/failed`), CALLBACK_TIMEOUT_MS);
      if (!hit) fail(`no callback to ${subscriber.successUri} within ${CALLBACK_TIMEOUT_MS / 1000} s of job ${job.jobUrl}`);
      expect(hit.path.includes('/success'), `job ${job.jobUrl} called failedUri: ${clip(hit.body.toString('utf8'))}`);
      const body = hit.body.toString('utf8');
      expect(await deliversResults(ctx, body), `the success callback (${hit.method}) does not deliver the results: ${clip(body) || 'empty body'}`);
      const progress = server.received.filter((r) => r.path.startsWith(`/callback/${token}/in-progress`)).length;
      return `${hit.method} to successUri with the results${progress ? `, ${progress} in-progress callback(s)` : ''}`;
    },
  },
  {
    id: 'A.81',
    title: '/conf/dismiss/job-dismiss-op',
    cls: 'dismiss',
    async run(ctx) {
      const { res, wasRunning } = await dismissal(ctx);
      expectStatus(res, 200);
      return wasRunning ? 'dismissed a running job' : 'dismissed a job (no pause input: it may have finished already)';
    },
  },
  {
    id: 'A.82',
    title: '/conf/dismiss/job-dismiss-success',
    cls: 'dismiss',
    async run(ctx) {
      const { job, res } = await dismissal(ctx);
      expectStatus(res, 200);
      const body = expectObject(res);
      expectValid('statusInfo.yaml', body, `the DELETE ${job.jobUrl} answer`);
      expect(body.status === 'dismissed', `${describeResponse(res)}: status ${String(body.status)}, expected dismissed`);
      expect(body.jobID === job.jobID, `${describeResponse(res)}: jobID ${String(body.jobID)}, expected ${job.jobID}`);
      let after = await ctx.get(job.jobUrl);
      for (let i = 0; i < 10 && after.status !== 404; i++) {
        await sleep(500);
        after = await ctx.get(job.jobUrl);
      }
      expectException(after, { status: 404, type: EXCEPTION.noSuchJob });
    },
  },
];
