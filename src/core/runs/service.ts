// The runs service: the one narrow interface every process door (OGC API - Processes, WPS 1.0.0 and
// 2.0, the Testbed-14 paths) calls to run processes, as pygeoapi's process manager is. It resolves a
// process id to what runs it, starts runs (accepting an asynchronous one before its inputs are
// fetched), reports them in one status vocabulary, waits for them with a deadline, gives their
// results as values and stored files, dismisses them, lists them, and calls their subscribers back.
// Doors only translate requests into these calls and the answers into their wire formats.
import type { Readable } from 'node:stream';
import type { GivenValue } from '../../../seed-mapping/ogc-execute.ts';
import { BUILTIN } from '../errors/model.ts';
import { Invalid } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { AllowList } from '../../net/fetch-guard.ts';
import type { Db } from '../../store/db.ts';
import type { ErrorService } from '../errors/service.ts';
import type { CoreEvents } from '../events.ts';
import { CWL_FORMAT, type FileService } from '../files/service.ts';
import type { Idempotency, IdempotencyKey } from '../idempotency.ts';
import type { JobTypeService } from '../job-types/service.ts';
import type { FinishedJob } from '../jobs/finish.ts';
import { JOB, type Job, type JobStatus } from '../jobs/model.ts';
import type { JobService } from '../jobs/service.ts';
import type { Workspace, WorkspaceService } from '../workspaces/service.ts';
import { type CallbackBody, createCallbacks } from './callbacks.ts';
import { isFinal, jobRunId, parseRunId, RUN, runStatusOfJob, type Run, type RunFailure, type RunFile, type RunOutput, type RunRequest, type RunWindow } from './model.ts';
import { createProcessCatalog, type Process } from './processes.ts';
import { createStaging, type Pending, type StagingLimits } from './staging.ts';
import { createRunStore, type RunRow } from './store.ts';

export interface RunOptions {
  fetchSeconds: number;
  fetchMaxBytes: number;
  /** Private addresses hrefs may point at (SCALE_FETCH_ALLOW). */
  fetchAllow?: AllowList;
  /** The workspace inline and fetched input files are stored in (SCALE_DEFAULT_WORKSPACE). */
  workspaceName: () => string | null;
  /** Time limit of one callback POST. */
  callbackSeconds: number;
}

export interface StartRun {
  /** Values given per input (one unless the input takes several files). */
  inputs: Map<string, GivenValue[]>;
  /** How the results are asked for, and whom to call back. */
  request: RunRequest;
  /** async: accepted as soon as it is recorded, its inputs fetched as its first step. sync: staged now. */
  mode: 'sync' | 'async';
  /** The server URL the client used (references to its own files are not fetched). */
  baseUrl: string;
  idempotency?: IdempotencyKey;
}

export interface RunListFilter extends RunWindow {
  /** Process ids; none given: every process. Ids that name no process match nothing. */
  processIds?: string[];
}

/** The error of a run whose staging failed: an input given by reference could not be fetched (errors/service.ts). */
export const INPUT_FETCH_ERROR = 'input-fetch';

const STAGE_POLL_MS = 1000;
const STAGE_CONCURRENCY = 8;
const WAIT_POLL_MS = 250;

export type RunService = ReturnType<typeof createRunService>;

/**
 * What a failed job's user reads: the algorithm's own words first. An error the job type defines
 * (a SEED error for the exit code) is its title and description, then the words; Scale's generic
 * unknown-algorithm-error text ("define the appropriate errors…") is never all there is.
 */
export function failureWords(e: { name: string; title: string; description: string | null; isBuiltin?: boolean } | null, message: string | null): string {
  const generic = !e || e.name === BUILTIN.algorithmUnknown || e.name === BUILTIN.unknown;
  if (generic) return message ? `${e?.name === BUILTIN.algorithmUnknown ? 'the algorithm failed with ' : ''}${message}` : e ? `${e.title} (${e.description ?? e.name})` : 'no reason was recorded';
  const what = `${e.title}${e.description && e.description !== e.title ? ` (${e.description})` : ''}`;
  return message ? `${what}: ${message}` : what;
}

export function createRunService(deps: {
  db: Db;
  jobs: JobService;
  jobTypes: JobTypeService;
  files: FileService;
  workspaces: WorkspaceService;
  errors: ErrorService;
  events: CoreEvents;
  idempotency: Idempotency;
  maxInputs?: number;
  options: RunOptions;
  log?: Logger;
}) {
  const { db, jobs, files, events, options } = deps;
  const store = createRunStore(db);
  const processes = createProcessCatalog(deps);
  const staging = createStaging({ files, maxInputs: deps.maxInputs });

  // ---- reading runs ----

  /** Runs from their rows, their process ids looked up together. */
  async function toRuns(rows: RunRow[]): Promise<Run[]> {
    const ids = await processes.processIds(rows.map((r) => r.jobTypeId));
    return rows.map((r): Run => ({
      id: jobRunId(r.id), processId: ids.get(r.jobTypeId)!, status: r.status, created: r.created, started: r.started, ended: r.ended, updated: r.updated,
      jobId: r.id, jobTypeId: r.jobTypeId, revisionId: r.revisionId,
      progress: r.status === RUN.SUCCEEDED ? 100 : r.status === RUN.ACCEPTED ? 0 : r.status === RUN.RUNNING ? (r.progress ?? undefined) : undefined,
    }));
  }

  /** A run by id; null when there is none or a client dismissed it. */
  async function get(id: string): Promise<Run | null> {
    const jobId = parseRunId(id);
    if (jobId === null) return null;
    const row = await store.jobRow(jobId);
    return row && !row.dismissed ? (await toRuns([row]))[0] : null;
  }

  /** A page of runs, newest first, and whether more follow. */
  async function list(f: RunListFilter): Promise<{ runs: Run[]; more: boolean }> {
    let jobTypeIds: number[] | undefined;
    if (f.processIds) {
      const found = await Promise.all(f.processIds.map((p) => processes.resolve(p)));
      jobTypeIds = found.flatMap((e) => (e ? [e.jobType.id] : []));
    }
    const page = await store.list({ ...f, jobTypeIds });
    return { runs: await toRuns(page.rows), more: page.more };
  }

  // What a run that ended while a request waited for it produced, as the statement that ended it
  // returned it (the 'finished' event): its outputs are then read without a query.
  const endedOutput = new WeakMap<Run, unknown>();

  // Requests waiting for runs, by job id: the 'finished' event wakes exactly those (one listener, not one per request).
  const waiting = new Map<number, Set<(job: FinishedJob) => void>>();
  // Synchronous runs started here whose request has not begun to wait yet, and those of them that
  // ended before it did (kept for the wait, which then needs no query; a few hundred at most).
  const toWait = new Set<number>();
  const endedEarly = new Map<number, FinishedJob>();
  const EARLY_MAX = 500;
  events.on('finished', (ended) => {
    for (const job of ended) {
      const w = waiting.get(job.jobId);
      if (w) w.forEach((f) => f(job));
      else if (toWait.has(job.jobId)) {
        endedEarly.set(job.jobId, job);
        if (endedEarly.size > EARLY_MAX) endedEarly.delete(endedEarly.keys().next().value!);
      }
    }
  });
  function expectWait(jobId: number): void {
    toWait.add(jobId);
    if (toWait.size > EARLY_MAX) toWait.delete(toWait.values().next().value!);
  }

  /** Waits up to `ms` for a run to end; answers how it then stands. */
  function wait(run: Run, ms: number): Promise<Run> {
    toWait.delete(run.jobId);
    const early = endedEarly.get(run.jobId);
    endedEarly.delete(run.jobId);
    if (isFinal(run.status) || ms <= 0) return Promise.resolve(run);
    return new Promise((resolve, reject) => {
      let done = false;
      let checking = false;
      const deadline = Date.now() + ms;
      const stop = () => {
        done = true;
        clearInterval(poll);
        clearTimeout(timeout);
        const set = waiting.get(run.jobId);
        set?.delete(onFinished);
        if (set?.size === 0) waiting.delete(run.jobId);
        events.off('ended', onEvent);
        events.off('canceled', onEvent);
      };
      // Ended by an outcome of this process: the run as that statement left it, no query. (Dismissed
      // meanwhile, it is answered as ended; a dismissal cancels first, and a canceled run reads its row.)
      const onFinished = (job: FinishedJob) => {
        if (done) return;
        const status = runStatusOfJob(job.status as JobStatus);
        if (!isFinal(status)) return;
        stop();
        const now: Run = { ...run, status, started: job.started, ended: job.ended, updated: job.lastModified, progress: status === RUN.SUCCEEDED ? 100 : undefined };
        endedOutput.set(now, job.output);
        resolve(now);
      };
      const check = async () => {
        if (done || checking) return;
        checking = true;
        try {
          // A run dismissed meanwhile no longer reads: it ended so.
          const now = (await get(run.id)) ?? { ...run, status: RUN.DISMISSED };
          if (isFinal(now.status) || Date.now() >= deadline) {
            stop();
            resolve(now);
          }
        } catch (err) {
          stop();
          reject(err);
        } finally {
          checking = false;
        }
      };
      // Events say when a job of this process ends; polling covers runs ended by other processes.
      const onEvent = (ids: number[]) => {
        if (ids.includes(run.jobId)) void check();
      };
      const set = waiting.get(run.jobId) ?? new Set();
      set.add(onFinished);
      waiting.set(run.jobId, set);
      // 'ended' also covers ends that are no outcome of an execution (a run whose staging failed);
      // 'finished' comes first for those that are, and resolves without a query.
      events.on('ended', onEvent);
      events.on('canceled', onEvent);
      const poll = setInterval(check, WAIT_POLL_MS);
      const timeout = setTimeout(check, ms);
      if (early) onFinished(early);
    });
  }

  /** Why a run failed (or was dismissed), in words its user can act on. */
  async function failure(run: Run): Promise<RunFailure> {
    if (run.status === RUN.DISMISSED) return { name: 'dismissed', title: 'Dismissed', category: null, detail: `job ${run.id} was canceled` };
    const staged = await store.stagingFailure(run.jobId);
    if (staged !== null) {
      const e = await deps.errors.byName(INPUT_FETCH_ERROR);
      return { name: e.name, title: e.title, category: e.category, detail: `job ${run.id} failed before it started: ${staged}` };
    }
    const job = await jobs.get(run.jobId);
    const e = job.errorId ? await deps.errors.get(job.errorId) : null;
    return { name: e?.name ?? 'unknown', title: e?.title ?? 'Job failed', category: e?.category ?? null, detail: `job ${job.id} failed: ${failureWords(e, job.errorMessage)}` };
  }

  async function fileRefs(ids: number[]): Promise<RunFile[]> {
    const found = await files.getMany(ids);
    return ids.flatMap((id) => {
      const f = found.get(id);
      const format = f?.metaData?.[CWL_FORMAT];
      return f ? [{ id, mediaType: f.mediaType, size: f.fileSize, name: f.fileName, path: f.filePath, ...(typeof format === 'string' ? { format } : {}) }] : [];
    });
  }

  /** Every output the run's process declares, produced or not (in the interface's order). */
  async function declaredOutputs(run: Run): Promise<string[]> {
    const job = await jobs.get(run.jobId);
    return (await deps.jobTypes.revision(job.jobTypeRevId)).interface.outputs.map((o) => o.name);
  }

  /** The execution whose log tells the run's story: its latest, or null while none has started. */
  async function lastExecution(run: Run): Promise<number | null> {
    return (await jobs.executions(run.jobId)).at(-1)?.id ?? null;
  }

  /** What a successful run produced, by output id (in the interface's order): JSON values and stored files. */
  async function outputs(run: Run): Promise<Map<string, RunOutput>> {
    const out = new Map<string, RunOutput>();
    const known = endedOutput.has(run);
    const job = known ? { jobTypeRevId: run.revisionId, output: endedOutput.get(run) as any } : await jobs.get(run.jobId);
    const { interface: iface } = await deps.jobTypes.revision(job.jobTypeRevId);
    const produced = new Map<string, any>((job.output?.output_data ?? []).map((o: { name: string }) => [o.name, o]));
    for (const spec of iface.outputs) {
      const o = produced.get(spec.name);
      if (!o) continue;
      if (spec.kind === 'json') out.set(spec.name, { kind: 'json', value: o.value });
      else {
        const refs = await fileRefs(o.file_ids ?? (o.file_id !== undefined ? [o.file_id] : []));
        if (typeof o.directory !== 'string') {
          // A CWL File's secondary files, by its id (finish.ts).
          const secondary: Record<string, number[]> = o.secondary_file_ids ?? {};
          const withSecondary = await Promise.all(refs.map(async (f) => (secondary[f.id]?.length ? { ...f, secondaryFiles: await fileRefs(secondary[f.id]) } : f)));
          out.set(spec.name, { kind: spec.kind, files: withSecondary });
        }
        else {
          // A directory's files keep their paths inside it (the workspace keeps them under <execution>/<directory>/).
          const marker = `/${o.directory}/`;
          out.set(spec.name, { kind: 'directory', name: o.directory.split('/').pop() || spec.name, files: refs.map((f) => ({ ...f, relPath: f.path.includes(marker) ? f.path.slice(f.path.lastIndexOf(marker) + marker.length) : f.name })) });
        }
      }
    }
    return out;
  }

  /** How a run's results were asked for: as kept with it, or every output by value. */
  async function request(run: Run): Promise<RunRequest> {
    const kept = await store.recordOf(run.jobId);
    return { response: kept?.response ?? 'document', outputs: kept?.outputs ?? null, subscriber: kept?.subscriber ?? null, baseUrl: kept?.baseUrl ?? null };
  }

  /** A stored file's bytes and media type, when it is at most `maxBytes` long (null otherwise). */
  async function fileContent(id: number, maxBytes: number): Promise<{ data: Buffer; mediaType: string } | null> {
    const file = await files.get(id);
    if (file.fileSize > maxBytes) return null;
    const { stream } = await files.open(id);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return { data: Buffer.concat(chunks), mediaType: file.mediaType };
  }

  /** A stored file's bytes as a stream. */
  async function openFile(id: number): Promise<Readable> {
    return (await files.open(id)).stream;
  }

  /** Cancels what is left of a run and hides it from the doors; answers how it ended. */
  async function dismiss(run: Run): Promise<Run> {
    if (!isFinal(run.status)) await jobs.cancel(run.jobId);
    await store.dismissJob(run.jobId);
    const row = await store.jobRow(run.jobId);
    return { ...(await toRuns([row!]))[0], status: RUN.DISMISSED };
  }

  // ---- starting runs ----

  async function stagingLimits(baseUrl: string): Promise<StagingLimits & { workspace: Workspace | null }> {
    const name = options.workspaceName();
    // As read a moment ago (workspaces.byNameRecent): every execute needs it.
    const ws = name ? await deps.workspaces.byNameRecent(name) : null;
    // Checked when a file is to be stored: a run of values alone needs no workspace. (The job's
    // output workspaces are usually this one: jobs.create is given it, and does not read it again.)
    return {
      workspace: ws, workspaceId: ws?.id ?? null, fetchSeconds: options.fetchSeconds, maxBytes: options.fetchMaxBytes, base: baseUrl, allow: options.fetchAllow,
    };
  }

  async function runOfJob(jobId: number): Promise<Run> {
    return (await toRuns([(await store.jobRow(jobId))!]))[0];
  }

  /** A job's run as the job stands (a job just made: no query for its status). */
  async function runOfNewJob(job: Job): Promise<Run> {
    return (await toRuns([{
      id: job.id, jobTypeId: job.jobTypeId, revisionId: job.jobTypeRevId, status: runStatusOfJob(job.status), created: job.created,
      started: job.started, ended: job.ended, updated: job.lastModified, progress: null,
    }]))[0];
  }

  /**
   * Starts a run of a process. A synchronous run, or one whose inputs need no fetching, is made at
   * once with its inputs staged; an asynchronous run with inputs to fetch is recorded first (its job
   * PENDING) and answered, and its inputs are fetched as its first step. Problems found before
   * anything is made are Invalid naming the input; nothing stored for it is left behind.
   */
  async function start(p: Process, s: StartRun): Promise<{ run: Run; replayed: boolean }> {
    // Sent again under its Idempotency-Key, a request gets the run the first one made (nothing is fetched again).
    const prior = s.idempotency ? await deps.idempotency.find(s.idempotency, 'job') : null;
    if (prior !== null) {
      // A replayed run keeps the record its first request wrote (written now if that request died first).
      await store.record(db, prior, s.request);
      return { run: await runOfJob(prior), replayed: true };
    }
    const limits = await stagingLimits(s.baseUrl);
    const stored: number[] = [];
    try {
      const pending = await staging.prepare(s.inputs, p.iface, limits, stored);
      if (s.mode === 'async' && staging.hasReferences(pending)) {
        const id = await recordPending(p, pending, s);
        kickStaging();
        return { run: await runOfJob(id), replayed: false };
      }
      const inputs = await staging.fetchPending(pending, p.iface, limits, stored);
      // The run's record is written by the statement that makes its job.
      const made = await jobs.create({
        jobTypeId: p.jobType.id, of: { jobType: p.jobType, rev: p.rev }, data: { inputs, outputs: new Map() }, idempotency: s.idempotency,
        workspaces: limits.workspace ? [limits.workspace] : undefined, alongside: store.recordAlongside(s.request),
      });
      if (s.mode === 'sync' && !made.replayed) expectWait(made.job.id);
      if (!made.replayed && !s.request.subscriber) callbacks.noSubscriber(made.job.id);
      // What an earlier request with the same Idempotency-Key made uses that request's inputs, not these;
      // it keeps the record its first request wrote (written now if that request died first).
      if (made.replayed) {
        await staging.discard(stored);
        await store.record(db, made.job.id, s.request);
      }
      return { run: await runOfNewJob(made.job), replayed: Boolean(made.replayed) };
    } catch (err) {
      await staging.discard(stored);
      throw err;
    }
  }

  /**
   * Records a run whose inputs are still to be fetched: its job PENDING and its record, in one
   * transaction (which reads nothing but through it: PGlite has one connection).
   */
  async function recordPending(p: Process, pending: Pending, s: StartRun): Promise<number> {
    const make = async (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => {
      const id = await jobs.createWaiting(tx, p.jobType, p.rev);
      await store.record(tx, id, s.request, pending);
      return id;
    };
    if (s.idempotency) return (await deps.idempotency.once(s.idempotency, 'job', make)).id;
    return db.transaction(make);
  }

  // ---- staging runs accepted before their inputs were fetched ----

  // Up to STAGE_CONCURRENCY runs are staged at once, each as soon as a place is free: one slow
  // download holds up no other run. A run's lease is renewed before each fetch, so another process
  // takes the run over only when this one has died (or stopped, which hands its runs back at once).
  const leaseSeconds = options.fetchSeconds + 30;
  const staging_ = { on: false, claiming: false, again: false, stop: new AbortController(), active: new Set<Promise<void>>(), timer: null as NodeJS.Timeout | null };

  /** Fetches one run's pending inputs and lets it go on; a failed fetch ends the run failed, saying why. */
  async function stageOne(c: Awaited<ReturnType<typeof store.claimStaging>>[number]): Promise<void> {
    const { jobId } = c;
    const pending = c.stage as Pending;
    const stored: number[] = [];
    try {
      const job = await jobs.get(jobId);
      // Canceled (dismissed) while it waited: nothing to fetch for it.
      if (job.status !== JOB.PENDING) return store.staged(db, jobId, 'done');
      const { interface: iface } = await deps.jobTypes.revision(job.jobTypeRevId);
      const limits = {
        fetchSeconds: options.fetchSeconds, maxBytes: options.fetchMaxBytes, base: c.baseUrl ?? 'http://localhost', allow: options.fetchAllow,
        stop: staging_.stop.signal, beforeFetch: () => store.renewStaging(jobId, leaseSeconds),
      };
      const inputs = await staging.fetchPending(pending, iface, limits, stored);
      await jobs.supply(jobId, { inputs, outputs: new Map() }, (tx) => store.staged(tx, jobId, 'done'));
    } catch (err) {
      await staging.discard(stored);
      if (!(err instanceof Invalid)) {
        if (staging_.stop.signal.aborted) return store.releaseStaging(jobId).catch(() => {});
        // The database, the workspace: tried again once the lease runs out.
        deps.log?.warn('staging a run failed; it will be tried again', { jobId, err });
        return;
      }
      deps.log?.info('a run failed while its inputs were fetched', { jobId, reason: err.message });
      await jobs.failWaiting([jobId], INPUT_FETCH_ERROR, (tx) => store.staged(tx, jobId, { failed: err.message }));
    }
  }

  /** Claims runs to stage while there is room. */
  async function fillStaging(): Promise<void> {
    if (staging_.claiming) {
      staging_.again = true;
      return;
    }
    staging_.claiming = true;
    try {
      do {
        staging_.again = false;
        const room = STAGE_CONCURRENCY - staging_.active.size;
        if (room <= 0 || !staging_.on) break;
        const claimed = await store.claimStaging(room, leaseSeconds);
        for (const c of claimed) {
          const p: Promise<void> = stageOne(c)
            .catch((err) => deps.log?.error('staging a run failed', { err }))
            .finally(() => {
              staging_.active.delete(p);
              kickStaging();
            });
          staging_.active.add(p);
        }
        if (claimed.length === room) staging_.again = true;
      } while (staging_.again && staging_.on);
    } finally {
      staging_.claiming = false;
    }
  }

  function kickStaging(): void {
    if (staging_.on) void fillStaging().catch((err) => deps.log?.error('claiming runs to stage failed', { err }));
  }

  const callbacks = createCallbacks({
    store, events, timeoutSeconds: options.callbackSeconds, log: deps.log,
    runOf: (jobId) => get(jobRunId(jobId)),
  });

  return {
    processes,
    start,
    get,
    list,
    wait,
    failure,
    outputs,
    declaredOutputs,
    lastExecution,
    request,
    fileContent,
    openFile,
    dismiss,
    /** Starts staging accepted runs (and picking up those another process left) and calling subscribers back, their messages written by `callbackBody`. */
    startWork(callbackBody: CallbackBody): void {
      callbacks.start(callbackBody);
      if (staging_.on) return;
      staging_.on = true;
      staging_.stop = new AbortController();
      staging_.timer = setInterval(kickStaging, STAGE_POLL_MS);
      staging_.timer.unref();
      kickStaging();
    },
    /** Stops: fetches under way are abandoned and their runs handed back for the next start (here or elsewhere). */
    async stopWork(): Promise<void> {
      staging_.on = false;
      if (staging_.timer) clearInterval(staging_.timer);
      staging_.timer = null;
      staging_.stop.abort();
      await Promise.all([...staging_.active]);
      await callbacks.stop();
    },
  };
}

export type { Process };
