// Callbacks (the callback conformance class): a subscriber given with an execute request is told
// when its job (or workflow run) starts running (inProgressUri), succeeds (successUri, with the results document) or
// fails (failedUri, with the exception). Each POST has a time limit and is retried with backoff a
// few times; a subscriber that never answers is given up on and never holds up or fails the job.
import type { Core } from '../../src/core/index.ts';
import type { Logger } from '../../src/log.ts';
import type { Catalog } from './catalog.ts';
import { urlsFor } from './http.ts';
import type { createJobHandlers } from './jobs.ts';
import { resultsDocument } from './results.ts';
import { statusInfo } from './status.ts';
import type { CallbackKind, OgcJob, OgcStore } from './store.ts';
import type { WorkflowRuns } from './workflow-runs.ts';

const ATTEMPTS = 5;

type Message = { state: string; final: boolean; uriKey: 'inProgressUri' | 'successUri' | 'failedUri'; body: unknown };

/** A job or a workflow run with a subscriber to call back, and what its state calls for. */
interface Due {
  kind: CallbackKind;
  id: number;
  subscriber: OgcJob['subscriber'];
  notified: string | null;
  attempts: number;
  message: () => Promise<Message | 'dismissed' | null>;
}
const POLL_MS = 500;

export function createCallbacks(deps: { core: Core; catalog: Catalog; store: OgcStore; jobs: ReturnType<typeof createJobHandlers>; runs: Pick<WorkflowRuns, 'statusOf' | 'runs'>; timeoutSeconds: number; publicUrl: string | null; log?: Logger }) {
  const { core, store } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  /** What the job's state calls for: which URI to call and with what, or nothing yet. */
  async function message(jobId: number, status: string, base: string): Promise<Message | null> {
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

  /** A run's message, as message() is a job's. */
  async function runMessage(recipeId: number, base: string): Promise<Message | 'dismissed' | null> {
    const run = await deps.runs.runs.get(`wf-${recipeId}`);
    if (!run) return 'dismissed';
    const u = urlsFor(deps.publicUrl ?? base);
    if (run.status === 'dismissed') return 'dismissed';
    if (run.status === 'running') return { state: 'running', final: false, uriKey: 'inProgressUri', body: await deps.runs.statusOf(run, u) };
    if (run.status === 'successful') return { state: 'successful', final: true, uriKey: 'successUri', body: await deps.runs.runs.resultsDoc(run, u) };
    if (run.status === 'failed') {
      const e = deps.runs.runs.failure(run);
      return { state: 'failed', final: true, uriKey: 'failedUri', body: { type: e.type, title: e.title, status: e.status, detail: e.message, ...e.extra, job: await deps.runs.statusOf(run, u) } };
    }
    return null;
  }

  /** Calls a subscriber back if its job or run has news: delivered, retried with backoff, or given up on. */
  async function deliver(d: Due): Promise<void> {
    try {
      const m = await d.message();
      if (m === 'dismissed') return store.notified(d.kind, d.id, 'dismissed', true);
      // Nothing new to tell (still queued, or already told): look again shortly.
      if (!m || m.state === d.notified) return store.retryCallback(d.kind, d.id, 0, 1);
      const uri = d.subscriber?.[m.uriKey];
      if (!uri) return store.notified(d.kind, d.id, m.state, m.final);
      try {
        await post(uri, m.body);
        await store.notified(d.kind, d.id, m.state, m.final);
      } catch (err) {
        const attempts = d.attempts + 1;
        deps.log?.warn('callback failed', { [d.kind === 'job' ? 'jobId' : 'recipeId']: d.id, uri, attempt: attempts, err: (err as Error).message });
        if (attempts >= ATTEMPTS) await store.notified(d.kind, d.id, m.state, m.final);
        else await store.retryCallback(d.kind, d.id, attempts, 2 ** attempts);
      }
    } catch (err) {
      deps.log?.error('callback processing failed', { kind: d.kind, id: d.id, err });
    }
  }

  async function deliverDue(): Promise<void> {
    const lease = deps.timeoutSeconds * 2 + 5;
    const [jobs, runs] = await Promise.all([store.claimCallbacks(20, lease), store.claimRunCallbacks(20, lease)]);
    await Promise.all([
      ...jobs.map((c) => deliver({
        kind: 'job', id: c.jobId, subscriber: c.subscriber, notified: c.notified, attempts: c.callbackAttempts,
        message: async () => (c.status === 'CANCELED' ? 'dismissed' : message(c.jobId, c.status, c.baseUrl ?? 'http://localhost')),
      })),
      ...runs.map((c) => deliver({
        kind: 'run', id: c.recipeId, subscriber: c.subscriber, notified: c.notified, attempts: c.callbackAttempts,
        message: () => runMessage(c.recipeId, c.baseUrl ?? 'http://localhost'),
      })),
    ]);
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
