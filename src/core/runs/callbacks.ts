// Callbacks: a run's subscriber is told when the run starts running (inProgressUri), succeeds
// (successUri) or fails (failedUri). What each message says is the door's to write (`CallbackBody`);
// when it is sent, how often it is tried and who sends it are decided here. Each POST has a time
// limit and is retried with backoff a few times; a lease on the run's record means two server
// processes never both call; a subscriber that never answers is given up on and never holds up or
// fails the run.
import type { Logger } from '../../log.ts';
import type { CoreEvents } from '../events.ts';
import type { Run } from './model.ts';
import type { CallbackDue, RunStore } from './store.ts';
import { RUN } from './model.ts';

const ATTEMPTS = 5;
const POLL_MS = 500;

/** The body of the message a run's state calls for, written by the door that took the subscription. */
export type CallbackBody = (run: Run, baseUrl: string) => Promise<unknown>;

type UriKey = 'inProgressUri' | 'successUri' | 'failedUri';

/** Which URI a run's status calls, whether nothing more follows; null: nothing to tell yet. */
function callFor(run: Run): { state: string; uriKey: UriKey; final: boolean } | null {
  switch (run.status) {
    case RUN.RUNNING:
      return { state: 'running', uriKey: 'inProgressUri', final: false };
    case RUN.SUCCEEDED:
      return { state: 'successful', uriKey: 'successUri', final: true };
    case RUN.FAILED:
      return { state: 'failed', uriKey: 'failedUri', final: true };
    default:
      return null;
  }
}

export function createCallbacks(deps: {
  store: RunStore;
  events: CoreEvents;
  /** The run a record belongs to (null when it is gone or dismissed). */
  runOf: (jobId: number) => Promise<Run | null>;
  timeoutSeconds: number;
  log?: Logger;
}) {
  const { store } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let body: CallbackBody | null = null;

  async function post(uri: string, message: unknown): Promise<void> {
    const res = await fetch(uri, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(deps.timeoutSeconds * 1000) });
    await res.body?.cancel().catch(() => {});
    if (!res.ok) throw new Error(`${uri} answered ${res.status}`);
  }

  /** Calls a subscriber back if its run has news: delivered, retried with backoff, or given up on. */
  async function deliver(d: CallbackDue): Promise<void> {
    try {
      const run = await deps.runOf(d.jobId);
      if (!run || run.status === RUN.DISMISSED) return store.notified(d.jobId, 'dismissed', true);
      const call = callFor(run);
      // Nothing new to tell (still accepted, or already told): look again shortly.
      if (!call || call.state === d.notified) return store.retryCallback(d.jobId, 0, 1);
      const uri = d.subscriber?.[call.uriKey];
      if (!uri || !body) return store.notified(d.jobId, call.state, call.final);
      try {
        await post(uri, await body(run, d.baseUrl ?? 'http://localhost'));
        await store.notified(d.jobId, call.state, call.final);
      } catch (err) {
        const attempts = d.attempts + 1;
        deps.log?.warn('callback failed', { run: run.id, uri, attempt: attempts, err: (err as Error).message });
        if (attempts >= ATTEMPTS) await store.notified(d.jobId, call.state, call.final);
        else await store.retryCallback(d.jobId, attempts, 2 ** attempts);
      }
    } catch (err) {
      deps.log?.error('callback processing failed', { jobId: d.jobId, err });
    }
  }

  async function deliverDue(): Promise<void> {
    const due = await store.claimCallbacks(40, deps.timeoutSeconds * 2 + 5);
    await Promise.all(due.map(deliver));
  }

  function tick(): void {
    if (running) return;
    running = deliverDue()
      .catch((err) => deps.log?.error('callback pass failed', { err }))
      .finally(() => {
        running = null;
      });
  }

  // Jobs whose run this process recorded without a subscriber: none can gain one (a run's record is
  // written once), so their changes need no look at the database. Forgotten when they end (a retry
  // that starts again is then looked up, and found silent); bounded.
  const silent = new Set<number>();
  const SILENT_MAX = 10_000;

  // A pass only when one of these runs has a subscriber (most have none); the poll finds the rest.
  const onChanged = (ids: number[]) => {
    const maybe = silent.size ? ids.filter((id) => !silent.has(id)) : ids;
    if (maybe.length) void store.callbacksDue(maybe).then((n) => n > 0 && tick(), () => {});
  };
  const onEnded = (ids: number[]) => {
    onChanged(ids);
    for (const id of ids) silent.delete(id);
  };

  return {
    /** A run recorded here without a subscriber: its job's changes call nobody back. */
    noSubscriber(jobId: number): void {
      if (silent.size >= SILENT_MAX) silent.clear();
      silent.add(jobId);
    },
    /** Starts delivering; `format` writes each message's body. */
    start(format: CallbackBody): void {
      body = format;
      if (timer) return;
      timer = setInterval(tick, POLL_MS);
      timer.unref();
      deps.events.on('started', onChanged);
      deps.events.on('ended', onEnded);
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      deps.events.off('started', onChanged);
      deps.events.off('ended', onEnded);
      await running;
    },
  };
}
