// Callbacks (the callback conformance class): a subscriber given with an execute request is told
// when its job starts running (inProgressUri), succeeds (successUri, with the results document) or
// fails (failedUri, with the exception). Each POST has a time limit and is retried with backoff a
// few times; a subscriber that never answers is given up on and never holds up or fails the job.
import type { Core } from '../../src/core/index.ts';
import type { Logger } from '../../src/log.ts';
import type { Catalog } from './catalog.ts';
import { urlsFor } from './http.ts';
import type { createJobHandlers } from './jobs.ts';
import { resultsDocument } from './results.ts';
import { statusInfo } from './status.ts';
import type { OgcStore } from './store.ts';

const ATTEMPTS = 5;
const POLL_MS = 500;

export function createCallbacks(deps: { core: Core; catalog: Catalog; store: OgcStore; jobs: ReturnType<typeof createJobHandlers>; timeoutSeconds: number; publicUrl: string | null; log?: Logger }) {
  const { core, store } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  /** What the job's state calls for: which URI to call and with what, or nothing yet. */
  async function message(jobId: number, status: string, base: string): Promise<{ state: string; final: boolean; uriKey: 'inProgressUri' | 'successUri' | 'failedUri'; body: unknown } | null> {
    const job = await core.jobs.get(jobId);
    const u = urlsFor(deps.publicUrl ?? base);
    const id = (await deps.catalog.processIds([job.jobTypeId])).get(job.jobTypeId)!;
    if (status === 'RUNNING') return { state: 'running', final: false, uriKey: 'inProgressUri', body: statusInfo(job, id, u) };
    if (status === 'COMPLETED') {
      const rev = await core.jobTypes.revision(job.jobTypeRevId);
      const requested = new Map<string, 'value' | 'reference'>(rev.interface.outputs.map((o) => [o.name, 'value']));
      return { state: 'successful', final: true, uriKey: 'successUri', body: await resultsDocument(core, u, job, rev.interface, requested) };
    }
    if (status === 'FAILED') {
      const e = await deps.jobs.failure(job);
      return { state: 'failed', final: true, uriKey: 'failedUri', body: { type: e.type, title: e.title, status: e.status, detail: e.message, ...e.extra, job: statusInfo(job, id, u) } };
    }
    return null;
  }

  async function post(uri: string, body: unknown): Promise<void> {
    const res = await fetch(uri, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(deps.timeoutSeconds * 1000) });
    await res.body?.cancel().catch(() => {});
    if (!res.ok) throw new Error(`${uri} answered ${res.status}`);
  }

  async function deliverDue(): Promise<void> {
    const due = await store.claimCallbacks(20, deps.timeoutSeconds * 2 + 5);
    await Promise.all(due.map(async (c) => {
      try {
        if (c.status === 'CANCELED') return store.notified(c.jobId, 'dismissed', true);
        const m = await message(c.jobId, c.status, c.baseUrl ?? 'http://localhost');
        // Nothing new to tell (still queued, or already told): look again shortly.
        if (!m || m.state === c.notified) return store.retryCallback(c.jobId, 0, 1);
        const uri = c.subscriber?.[m.uriKey];
        if (!uri) return store.notified(c.jobId, m.state, m.final);
        try {
          await post(uri, m.body);
          await store.notified(c.jobId, m.state, m.final);
        } catch (err) {
          const attempts = c.callbackAttempts + 1;
          deps.log?.warn('callback failed', { jobId: c.jobId, uri, attempt: attempts, err: (err as Error).message });
          if (attempts >= ATTEMPTS) await store.notified(c.jobId, m.state, m.final);
          else await store.retryCallback(c.jobId, attempts, 2 ** attempts);
        }
      } catch (err) {
        deps.log?.error('callback processing failed', { jobId: c.jobId, err });
      }
    }));
  }

  function tick(): void {
    if (running) return;
    running = deliverDue()
      .catch((err) => deps.log?.error('callback pass failed', { err }))
      .finally(() => {
        running = null;
      });
  }

  const onEnded = (ids: number[]) => {
    void store.callbacksDue(ids).then(tick, () => {});
  };

  return {
    start(): void {
      if (timer) return;
      timer = setInterval(tick, POLL_MS);
      timer.unref();
      core.events.on('ended', onEnded);
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      core.events.off('ended', onEnded);
      await running;
    },
  };
}
