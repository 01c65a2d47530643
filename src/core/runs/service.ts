// The runs service: the one narrow interface every process door (OGC API - Processes, WPS 1.0.0 and
// 2.0, the Testbed-14 paths) calls to run processes, as pygeoapi's process manager is. It resolves a
// process id to what runs it, starts runs (accepting an asynchronous one before its inputs are
// fetched), reports them in one status vocabulary, waits for them with a deadline, gives their
// results as values and stored files, dismisses them, lists them, and calls their subscribers back.
// Doors only translate requests into these calls and the answers into their wire formats.
import type { GivenValue } from '../../../seed-mapping/ogc-execute.ts';
import { Invalid } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { AllowList } from '../../net/fetch-guard.ts';
import type { Db } from '../../store/db.ts';
import type { ErrorService } from '../errors/service.ts';
import type { CoreEvents } from '../events.ts';
import type { FileService } from '../files/service.ts';
import type { Idempotency, IdempotencyKey } from '../idempotency.ts';
import type { CwlDeployer } from '../job-types/cwl-packages.ts';
import type { JobTypeService } from '../job-types/service.ts';
import type { JobService } from '../jobs/service.ts';
import type { RecipeTypeService } from '../recipe-types/service.ts';
import type { RecipeService } from '../recipes/service.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { type CallbackBody, createCallbacks } from './callbacks.ts';
import { JOB, type Job } from '../jobs/model.ts';
import {
  isFinal, jobRunId, parseRunId, runStatusOfJob, type Run, type RunFailure, type RunFile, type RunOutput, type RunRequest, type RunWindow, workflowRunId,
} from './model.ts';
import { createProcessCatalog, type JobProcess, type Process, type WorkflowProcessEntry } from './processes.ts';
import { createStaging, type Pending, type StagedInputs, type StagingLimits } from './staging.ts';
import { createRunStore, type RunRow } from './store.ts';
import { RUN } from './model.ts';

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

export function createRunService(deps: {
  db: Db;
  jobs: JobService;
  recipes: RecipeService;
  jobTypes: JobTypeService;
  recipeTypes: RecipeTypeService;
  cwl: CwlDeployer;
  files: FileService;
  workspaces: WorkspaceService;
  errors: ErrorService;
  events: CoreEvents;
  idempotency: Idempotency;
  maxInputs?: number;
  options: RunOptions;
  log?: Logger;
}) {
  const { db, jobs, recipes, files, events, options } = deps;
  const store = createRunStore(db);
  const processes = createProcessCatalog(deps);
  const staging = createStaging({ files, maxInputs: deps.maxInputs });

  // ---- reading runs ----

  // Steps per recipe type revision (revisions never change).
  const stepCounts = new Map<number, number>();
  async function stepsOf(revId: number): Promise<number> {
    let n = stepCounts.get(revId);
    if (n === undefined) {
      n = (await deps.recipeTypes.revision(revId)).definition.nodes.length;
      stepCounts.set(revId, n);
    }
    return n;
  }

  /** Runs from their rows: process ids of jobs looked up together, workflow progress from their steps. */
  async function toRuns(rows: RunRow[]): Promise<Run[]> {
    const ids = await processes.processIds(rows.flatMap((r) => (r.kind === 'job' ? [r.jobTypeId!] : [])));
    return Promise.all(rows.map(async (r): Promise<Run> => {
      const base = { status: r.status, created: r.created, started: r.started, ended: r.ended, updated: r.updated, revisionId: r.revisionId };
      if (r.kind === 'job') {
        return {
          ...base, id: jobRunId(r.id), kind: 'job', processId: ids.get(r.jobTypeId!)!, jobId: r.id, recipeId: null, jobTypeId: r.jobTypeId,
          progress: r.status === RUN.SUCCEEDED ? 100 : r.status === RUN.ACCEPTED ? 0 : undefined,
        };
      }
      const steps = await stepsOf(r.revisionId);
      return {
        ...base, id: workflowRunId(r.id), kind: 'workflow', processId: r.processName!, jobId: null, recipeId: r.id, jobTypeId: null,
        progress: r.status === RUN.SUCCEEDED ? 100 : steps ? Math.round((100 * (r.stepsDone ?? 0)) / steps) : 0,
      };
    }));
  }

  /** A run by id; null when there is none or a client dismissed it (a dismissed workflow run stays visible, DISMISSED). */
  async function get(id: string): Promise<Run | null> {
    const parsed = parseRunId(id);
    if (!parsed) return null;
    if (parsed.kind === 'job') {
      const row = await store.jobRow(parsed.jobId);
      return row && !row.dismissed ? (await toRuns([row]))[0] : null;
    }
    const row = await store.workflowRow(parsed.recipeId);
    return row ? (await toRuns([row]))[0] : null;
  }

  /** A page of runs, newest first, and whether more follow. */
  async function list(f: RunListFilter): Promise<{ runs: Run[]; more: boolean }> {
    let jobTypeIds: number[] | undefined;
    let recipeTypeIds = await processes.workflowTypeIds();
    if (f.processIds) {
      const found = (await Promise.all(f.processIds.map((p) => processes.resolve(p)))).filter((e) => e !== null);
      jobTypeIds = found.flatMap((e) => (e.kind === 'job' ? [e.jobType.id] : []));
      recipeTypeIds = found.flatMap((e) => (e.kind === 'workflow' ? [e.recipeType.id] : []));
    }
    const page = await store.list({ ...f, jobTypeIds, recipeTypeIds });
    return { runs: await toRuns(page.rows), more: page.more };
  }

  /** Waits up to `ms` for a run to end; answers how it then stands. */
  function wait(run: Run, ms: number): Promise<Run> {
    if (isFinal(run.status) || ms <= 0) return Promise.resolve(run);
    return new Promise((resolve, reject) => {
      let done = false;
      let checking = false;
      const deadline = Date.now() + ms;
      const stop = () => {
        done = true;
        clearInterval(poll);
        clearTimeout(timeout);
        events.off('ended', onEvent);
        events.off('canceled', onEvent);
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
        if (run.kind === 'workflow' || ids.includes(run.jobId!)) void check();
      };
      events.on('ended', onEvent);
      events.on('canceled', onEvent);
      const poll = setInterval(check, WAIT_POLL_MS);
      const timeout = setTimeout(check, ms);
    });
  }

  /** Why a run failed (or was dismissed), in words its user can act on. */
  async function failure(run: Run): Promise<RunFailure> {
    if (run.status === RUN.DISMISSED) return { name: 'dismissed', title: 'Dismissed', category: null, detail: `${run.kind === 'job' ? 'job' : 'workflow run'} ${run.id} was canceled` };
    const staged = await store.stagingFailure(run.kind === 'job' ? { jobId: run.jobId! } : { recipeId: run.recipeId! });
    if (staged !== null) {
      const e = await deps.errors.byName(INPUT_FETCH_ERROR);
      return { name: e.name, title: e.title, category: e.category, detail: `${run.kind === 'job' ? 'job' : 'workflow run'} ${run.id} failed before it started: ${staged}` };
    }
    if (run.kind === 'workflow') return { name: 'workflow-failed', title: 'Workflow failed', category: null, detail: `a job of workflow run ${run.id} failed` };
    const job = await jobs.get(run.jobId!);
    const e = job.errorId ? await deps.errors.get(job.errorId) : null;
    return {
      name: e?.name ?? 'unknown', title: e?.title ?? 'Job failed', category: e?.category ?? null,
      detail: `job ${job.id} failed${e ? `: ${e.title}${e.description && e.description !== e.title ? ` (${e.description})` : ''}` : ''}`,
    };
  }

  async function fileRefs(ids: number[]): Promise<RunFile[]> {
    const found = await files.getMany(ids);
    return ids.flatMap((id) => {
      const f = found.get(id);
      return f ? [{ id, mediaType: f.mediaType, size: f.fileSize, name: f.fileName }] : [];
    });
  }

  /** What a successful run produced, by output id: JSON values and stored files. */
  async function outputs(run: Run): Promise<Map<string, RunOutput>> {
    const out = new Map<string, RunOutput>();
    if (run.kind === 'job') {
      const job = await jobs.get(run.jobId!);
      const { interface: iface } = await deps.jobTypes.revision(job.jobTypeRevId);
      const produced = new Map<string, any>((job.output?.output_data ?? []).map((o: { name: string }) => [o.name, o]));
      // In the interface's order (a multipart answer's parts follow it).
      for (const spec of iface.outputs) {
        const o = produced.get(spec.name);
        if (!o) continue;
        if (spec.kind === 'json') out.set(spec.name, { kind: 'json', value: o.value });
        else out.set(spec.name, { kind: spec.kind, files: await fileRefs(o.file_ids ?? (o.file_id !== undefined ? [o.file_id] : [])) });
      }
      return out;
    }
    const recipe = await recipes.get(run.recipeId!);
    const wf = await deps.cwl.workflowOf(recipe.recipeTypeId);
    const nodes = await recipes.nodes(recipe);
    for (const o of wf?.outputs ?? []) {
      const jobId = nodes.find((n) => n.name === o.node)?.jobs.find((j) => j.isOriginal)?.jobId;
      const job = jobId === undefined ? null : await jobs.get(jobId);
      const data = job?.output?.output_data?.find((x: { name: string }) => x.name === o.output);
      out.set(o.name, { kind: 'files', files: await fileRefs(data?.file_ids ?? (data?.file_id !== undefined ? [data.file_id] : [])) });
    }
    return out;
  }

  /** How a run's results were asked for: as kept with it, or every output by value. */
  async function request(run: Run): Promise<RunRequest> {
    const kept = await store.recordOf(run.kind === 'job' ? { jobId: run.jobId! } : { recipeId: run.recipeId! });
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

  /** Cancels what is left of a run and hides it from the doors (a workflow run stays visible, DISMISSED); answers how it ended. */
  async function dismiss(run: Run): Promise<Run> {
    if (run.kind === 'job') {
      if (!isFinal(run.status)) await jobs.cancel(run.jobId!);
      await store.dismissJob(run.jobId!);
      const row = await store.jobRow(run.jobId!);
      return { ...(await toRuns([row!]))[0], status: RUN.DISMISSED };
    }
    const recipe = await recipes.get(run.recipeId!);
    if (!recipe.isCompleted && !recipe.isCanceled) await recipes.cancel(recipe.id);
    return (await get(run.id))!;
  }

  // ---- starting runs ----

  async function stagingLimits(baseUrl: string): Promise<StagingLimits> {
    const name = options.workspaceName();
    const ws = name ? await deps.workspaces.byName(name) : null;
    // Checked when a file is to be stored: a run of values alone needs no workspace.
    return {
      workspaceId: ws?.id ?? null, fetchSeconds: options.fetchSeconds, maxBytes: options.fetchMaxBytes, base: baseUrl, allow: options.fetchAllow,
    };
  }

  async function runOfJob(jobId: number): Promise<Run> {
    return (await toRuns([(await store.jobRow(jobId))!]))[0];
  }

  async function runOfRecipe(recipeId: number): Promise<Run> {
    return (await toRuns([(await store.workflowRow(recipeId))!]))[0];
  }

  /** A job's run as the job stands (a job just made: no query for its status). */
  async function runOfNewJob(job: Job): Promise<Run> {
    return (await toRuns([{
      kind: 'job', id: job.id, jobTypeId: job.jobTypeId, revisionId: job.jobTypeRevId, processName: null, status: runStatusOfJob(job.status), created: job.created,
      started: job.started, ended: job.ended, updated: job.lastModified, stepsDone: null,
    }]))[0];
  }

  /** Makes what runs a process, from staged inputs: a queued job, or a recipe brought up to date. */
  async function create(p: Process, inputs: StagedInputs, idempotency?: IdempotencyKey): Promise<{ id: number; run: () => Promise<Run>; replayed?: boolean }> {
    if (p.kind === 'job') {
      const c = await jobs.create({ jobTypeId: p.jobType.id, data: { inputs, outputs: new Map() }, idempotency });
      return { id: c.job.id, replayed: c.replayed, run: () => runOfNewJob(c.job) };
    }
    const c = await recipes.create({ recipeTypeId: p.recipeType.id, data: { inputs, workspaceId: null }, idempotency });
    return { id: c.recipe.id, replayed: c.replayed, run: () => runOfRecipe(c.recipe.id) };
  }

  /**
   * Starts a run of a process. A synchronous run, or one whose inputs need no fetching, is made at
   * once with its inputs staged; an asynchronous run with inputs to fetch is recorded first (its job
   * PENDING, or its recipe held) and answered, and its inputs are fetched as its first step. Problems
   * found before anything is made are Invalid naming the input; nothing stored for it is left behind.
   */
  async function start(p: Process, s: StartRun): Promise<{ run: Run; replayed: boolean }> {
    const kind = p.kind === 'job' ? 'job' : 'recipe';
    // Sent again under its Idempotency-Key, a request gets the run the first one made (nothing is fetched again).
    const prior = s.idempotency ? await deps.idempotency.find(s.idempotency, kind) : null;
    if (prior !== null) {
      // A replayed run keeps the record its first request wrote (written now if that request died first).
      await store.record(db, p.kind === 'job' ? { jobId: prior } : { recipeId: prior }, s.request);
      return { run: p.kind === 'job' ? await runOfJob(prior) : await runOfRecipe(prior), replayed: true };
    }
    const limits = await stagingLimits(s.baseUrl);
    const stored: number[] = [];
    try {
      const pending = await staging.prepare(s.inputs, p.iface, limits, stored);
      if (s.mode === 'async' && staging.hasReferences(pending)) {
        const id = await recordPending(p, pending, s);
        kickStaging();
        return { run: p.kind === 'job' ? await runOfJob(id) : await runOfRecipe(id), replayed: false };
      }
      const data = await staging.fetchPending(pending, p.iface, limits, stored);
      const made = await create(p, data, s.idempotency);
      // What an earlier request with the same Idempotency-Key made uses that request's inputs, not these.
      if (made.replayed) await staging.discard(stored);
      const target = p.kind === 'job' ? { jobId: made.id } : { recipeId: made.id };
      await store.record(db, target, s.request);
      return { run: await made.run(), replayed: Boolean(made.replayed) };
    } catch (err) {
      await staging.discard(stored);
      throw err;
    }
  }

  /**
   * Records a run whose inputs are still to be fetched: its job PENDING (or its recipe held) and its
   * record, in one transaction (which reads nothing but through it: PGlite has one connection).
   */
  async function recordPending(p: Process, pending: Pending, s: StartRun): Promise<number> {
    const make = async (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => {
      const id = p.kind === 'job' ? await jobs.createWaiting(tx, p.jobType, p.rev) : await recipes.createHeld(tx, p.recipeType, p.revId);
      await store.record(tx, p.kind === 'job' ? { jobId: id } : { recipeId: id }, s.request, pending);
      return id;
    };
    if (s.idempotency) return (await deps.idempotency.once(s.idempotency, p.kind === 'job' ? 'job' : 'recipe', make)).id;
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
    const target = c.jobId !== null ? { jobId: c.jobId } : { recipeId: c.recipeId! };
    const pending = c.stage as Pending;
    const stored: number[] = [];
    try {
      let iface;
      if (c.jobId !== null) {
        const job = await jobs.get(c.jobId);
        // Canceled (dismissed) while it waited: nothing to fetch for it.
        if (job.status !== JOB.PENDING) return store.staged(db, target, 'done');
        iface = (await deps.jobTypes.revision(job.jobTypeRevId)).interface;
      } else {
        const recipe = await recipes.get(c.recipeId!);
        if (recipe.isCanceled) return store.staged(db, target, 'done');
        iface = { format: 'seed' as const, command: '', commandArguments: '', sharedResources: [], outputs: [], inputs: (await deps.recipeTypes.revision(recipe.recipeTypeRevId)).definition.inputs };
      }
      const limits = {
        fetchSeconds: options.fetchSeconds, maxBytes: options.fetchMaxBytes, base: c.baseUrl ?? 'http://localhost', allow: options.fetchAllow,
        stop: staging_.stop.signal, beforeFetch: () => store.renewStaging(target, leaseSeconds),
      };
      const data = await staging.fetchPending(pending, iface, limits, stored);
      if (c.jobId !== null) await jobs.supply(c.jobId, { inputs: data, outputs: new Map() }, (tx) => store.staged(tx, target, 'done'));
      else await recipes.release(c.recipeId!, { inputs: data, workspaceId: null }, (tx) => store.staged(tx, target, 'done'));
    } catch (err) {
      await staging.discard(stored);
      if (!(err instanceof Invalid)) {
        if (staging_.stop.signal.aborted) return store.releaseStaging(target).catch(() => {});
        // The database, the workspace: tried again once the lease runs out.
        deps.log?.warn('staging a run failed; it will be tried again', { ...target, err });
        return;
      }
      deps.log?.info('a run failed while its inputs were fetched', { ...target, reason: err.message });
      if (c.jobId !== null) await jobs.failWaiting([c.jobId], INPUT_FETCH_ERROR, (tx) => store.staged(tx, target, { failed: err.message }));
      else {
        await store.staged(db, target, { failed: err.message });
        await recipes.cancel(c.recipeId!);
      }
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
    runOf: async (d) => (d.kind === 'job' ? get(jobRunId(d.id)) : get(workflowRunId(d.id))),
  });

  return {
    processes,
    start,
    get,
    list,
    wait,
    failure,
    outputs,
    request,
    fileContent,
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

export type { JobProcess, Process, WorkflowProcessEntry };
