// Supervises executions placed on this process's node: resolves inputs, launches on the executor of
// the job's runtime (a child process, or a Docker container), enforces the timeout, kills on cancel,
// captures and stores outputs, and hands the outcome to the batched finisher. It also holds the
// node's allocation of resources while executions run.
import type { ProgressRecorder } from '../core/jobs/progress.ts';
import path from 'node:path';
import { Batcher } from '../core/batcher.ts';
import { BUILTIN } from '../core/errors/model.ts';
import { CWL_FORMAT, CWL_SECONDARY_FILES, type FileService, type ScaleFile } from '../core/files/service.ts';
import { type CaptureResult, captureOutputs } from '../core/jobs/capture.ts';
import type { Applied, Finisher, Outcome, OutputProduct } from '../core/jobs/finish.ts';
import { fileIdsOf, readJobData } from '../core/jobs/job-data.ts';
import { embeddedFileIds } from '../core/runs/embedded-files.ts';
import { captureSeedOutputs, type SeedCaptureResult } from '../core/jobs/seed-capture.ts';
import { captureCwlOutputs, type CwlCaptureResult } from '../core/jobs/cwl-capture.ts';
import type { JobInterface } from '../core/job-types/model.ts';
import type { JobType, JobTypeService, Revision } from '../core/job-types/service.ts';
import type { Resources } from '../core/nodes/service.ts';
import type { Claimed } from '../core/queue/service.ts';
import type { Workspace, WorkspaceService } from '../core/workspaces/service.ts';
import type { ExecutionHandle, Executor, LaunchSpec, ResolvedFile, ResolvedInput, RunResult } from '../executors/executor.ts';
import { lastWords, noteInLog } from '../executors/logs.ts';
import type { Logger } from '../log.ts';
import type { Runtime } from './placement.ts';
import type { Telemetry } from '../telemetry/prometheus.ts';

interface Running {
  claim: Claimed;
  handle: ExecutionHandle | null;
  canceled: boolean;
  timedOut: boolean;
  /** Set when the server itself stops the execution (shutdown): it ends FAILED with this error. */
  aborted: string | null;
  /** Whether the execution still holds its cpus and memory (released when the command ends). */
  holdsCompute: boolean;
  /** Set once its outcome is on its way to the database: its ending there is this process's own. */
  ending?: boolean;
}

/** Scale's product layout: jobs/<type>/<version>/<yyyy>/<mm>/<dd>/job_exe_<id>/<path in output dir>. */
export function productPath(jt: { name: string; version: string }, exeId: number, when: Date, rel: string): string {
  return [productDir(jt, exeId, when), ...rel.split(path.sep)].join('/');
}

/** The directory an execution's products go to when stored on the given (UTC) day. */
export function productDir(jt: { name: string; version: string }, exeId: number, when: Date): string {
  const d = when.toISOString();
  return ['jobs', jt.name, jt.version, d.slice(0, 4), d.slice(5, 7), d.slice(8, 10), `job_exe_${exeId}`].join('/');
}

/** The INPUT_METADATA document of seed 001: per input, its value or the details of its files. */
function inputMetadata(inputs: ResolvedInput[], files: Map<number, ScaleFile>): unknown {
  const job: Record<string, unknown> = {};
  for (const i of inputs) {
    if (i.kind === 'property' || i.kind === 'json') job[i.name] = i.value;
    else {
      job[i.name] = i.files.map((f) => {
        const s = files.get(f.id)!;
        return {
          id: s.id, file_name: s.fileName, workspace: { id: s.workspaceId, name: s.workspaceName }, data_type_tags: s.dataTypeTags, media_type: s.mediaType,
          file_type: s.fileType, file_size: s.fileSize, file_path: s.filePath, is_deleted: s.isDeleted,
          url: s.workspaceBaseUrl ? `${s.workspaceBaseUrl.replace(/\/+$/, '')}/${s.filePath}` : null, created: s.created, data_started: s.dataStarted,
          data_ended: s.dataEnded, geometry: s.geometry, meta_data: s.metaData,
        };
      });
    }
  }
  return { JOB: job, RECIPE: {} };
}

export type Runner = ReturnType<typeof createRunner>;

export function createRunner(deps: {
  /** One executor per runtime this node offers. */
  executors: Partial<Record<Runtime, Executor>>;
  jobTypes: JobTypeService;
  /** Decrypted secret settings of a job type, for a run only. */
  secretSettings: (jobTypeId: number) => Promise<Record<string, string>>;
  files: FileService;
  workspaces: WorkspaceService;
  finisher: Finisher;
  /** Where a running execution's progress is recorded. */
  progress?: ProgressRecorder;
  log: Logger;
  onFreed: () => void;
  /** An execution ended and its job was queued again (a cluster provider that stopped asking for offers asks again). */
  onRetried?: () => void;
  telemetry?: Telemetry;
}) {
  const { jobTypes, files, workspaces, log } = deps;
  const running = new Map<number, Running>();
  const allocated: Resources = { cpus: 0, mem: 0, disk: 0 };
  const jobTypeCache = new Map<number, JobType>();

  // Outcomes share a write with those that end while the one before is written; the first is not
  // held back (a synchronous execute waits for exactly this final status).
  const finish = new Batcher<Outcome, Applied>({
    gatherMs: 0,
    handle: async (items) => {
      const applied = await deps.finisher.apply(items);
      const byExe = new Map(applied.map((a) => [a.exeId, a]));
      return items.map((i) => byExe.get(i.exeId));
    },
    onError: (err, attempt, items) => log.error('writing execution outcomes failed; retrying', { err, attempt, items }),
  });

  async function jobType(id: number): Promise<JobType> {
    // Name and version never change, which is all the runner reads.
    let jt = jobTypeCache.get(id);
    if (!jt) {
      jt = await jobTypes.get(id);
      jobTypeCache.set(id, jt);
    }
    return jt;
  }

  function executorFor(c: Claimed): Executor {
    const e = deps.executors[c.runtime];
    if (!e) throw Object.assign(new Error(`this node has no ${c.runtime} runtime`), { errorName: BUILTIN.taskLaunch });
    return e;
  }

  async function localInputs(input: any, iface: JobInterface): Promise<{ inputs: ResolvedInput[]; files: Map<number, ScaleFile> }> {
    const data = readJobData(input, iface);
    const embeds = new Set(iface.inputs.filter((i) => i.embedsFiles).map((i) => i.name));
    const embeddedIds = (name: string, v: { kind: string; value?: unknown }) => (v.kind === 'json' && embeds.has(name) ? embeddedFileIds(v.value) : []);
    const ids = [...data.inputs].flatMap(([name, v]) => [...fileIdsOf(v), ...embeddedIds(name, v as { kind: string; value?: unknown })]);
    const fileMap: Map<number, ScaleFile> = ids.length ? await files.getMany(ids) : new Map();
    // Secondary files named in their primaries' meta_data (CWL inputs: staging.ts).
    const secondaryIds = (id: number): number[] => {
      const v = fileMap.get(id)?.metaData?.[CWL_SECONDARY_FILES];
      return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
    };
    const more = ids.flatMap(secondaryIds).filter((id) => !fileMap.has(id));
    if (more.length) for (const [id, f] of await files.getMany(more)) fileMap.set(id, f);
    const resolve = async (fileIds: number[], depth = 0): Promise<ResolvedFile[]> => {
      const resolved: ResolvedFile[] = [];
      for (const id of fileIds) {
        const f = fileMap.get(id);
        if (!f || f.isDeleted) throw Object.assign(new Error(`input file ${id} was deleted`), { errorName: BUILTIN.deletedFile });
        const ws = await workspaces.get(f.workspaceId);
        const localPath = await workspaces.broker(ws).localPath(f.filePath).catch(() => {
          throw Object.assign(new Error(`input file ${id} is missing from workspace ${ws.name}`), { errorName: BUILTIN.missingFile });
        });
        const format = f.metaData?.[CWL_FORMAT];
        const secondary = depth === 0 ? secondaryIds(id) : [];
        resolved.push({
          id, fileName: f.fileName, localPath, size: f.fileSize, mediaType: f.mediaType, filePath: f.filePath, ...(typeof format === 'string' ? { format } : {}),
          ...(secondary.length ? { secondary: await resolve(secondary, depth + 1) } : {}),
        });
      }
      return resolved;
    };
    const out: ResolvedInput[] = [];
    for (const [name, v] of data.inputs) {
      if (v.kind === 'missing') continue;
      if (v.kind === 'property') out.push({ name, kind: 'property', value: v.value });
      else if (v.kind === 'json') {
        const embedded = embeddedIds(name, v);
        out.push({ name, kind: 'json', value: v.value, ...(embedded.length ? { embedded: await resolve(embedded) } : {}) });
      } else out.push({ name, kind: v.kind, files: await resolve(v.fileIds) });
    }
    return { inputs: out, files: fileMap };
  }

  /** What the command is allocated, by resource name: every SEED scalar, or cpus, mem and disk. */
  function allocation(c: Claimed, rev: Revision): Record<string, number> {
    const base: Record<string, number> = { cpus: c.resources.cpus, mem: c.resources.mem, disk: c.resources.diskOut };
    for (const r of rev.interface.resources ?? []) {
      if (!(r.name in base)) base[r.name] = r.value + r.inputMultiplier * c.resources.diskIn;
    }
    return base;
  }

  /** Moves captured files into their output workspaces and builds the outcome. */
  async function storeOutputs(c: Claimed, jt: JobType, rev: Revision, result: RunResult, captured: CaptureResult | SeedCaptureResult | CwlCaptureResult, inputFiles: ResolvedInput[]): Promise<Outcome> {
    const base: Outcome = {
      exeId: c.exeId, jobId: c.jobId, exeNum: c.exeNum, jobTypeName: jt.name, status: 'FAILED', exitCode: result.exitCode,
      commandArguments: result.commandLine, jobStarted: result.jobStarted, jobCompleted: result.jobCompleted,
    };
    if (!captured.ok) {
      log.info('output capture failed', { exeId: c.exeId, error: captured.error, reason: captured.message });
      return { ...base, errorName: captured.error, message: captured.message, resultsManifest: captured.manifest ?? { error: captured.message } };
    }
    const data = readJobData(c.input, rev.interface);
    const kinds = new Map(rev.interface.outputs.map((o) => [o.name, o.kind]));
    const now = new Date();
    const products: OutputProduct[] = [];
    const byRelPath = new Map<string, OutputProduct>();
    // What is stored already is removed again when the rest fails, so nothing is left half-published.
    const stored: { ws: Workspace; rel: string }[] = [];
    const discard = async () => {
      for (const p of stored) await workspaces.broker(p.ws).delete(p.rel).catch((err) => log.warn('removing a stored output failed', { exeId: c.exeId, path: p.rel, err }));
    };
    try {
      for (const f of captured.files) {
        const wsId = data.outputs.get(f.output)?.workspaceId;
        if (wsId === undefined) {
          await discard();
          return { ...base, errorName: BUILTIN.invalidResultsManifest, resultsManifest: captured.manifest };
        }
        const ws = await workspaces.get(wsId);
        const rel = productPath(jt, c.exeId, now, f.relPath);
        const file = await workspaces.broker(ws).putFile(f.localPath, rel);
        stored.push({ ws, rel });
        const product: OutputProduct = {
          kind: kinds.get(f.output) === 'files' ? 'files' : 'file',
          workspaceId: ws.id, fileName: path.basename(f.relPath), filePath: rel, mediaType: f.mediaType, fileSize: file.size,
          checksum: file.checksum, jobId: c.jobId, jobExeId: c.exeId, jobTypeId: c.jobTypeId, jobOutput: f.output,
          dataStarted: f.geo?.dataStarted ?? null, dataEnded: f.geo?.dataEnded ?? null, geometry: f.geo?.geoJson ?? null, metaData: f.metaData ?? null,
          ...(f.secondaryOf && byRelPath.has(f.secondaryOf) ? { secondaryOf: byRelPath.get(f.secondaryOf)! } : {}),
        };
        products.push(product);
        byRelPath.set(f.relPath, product);
      }
      const seed = captured as SeedCaptureResult;
      if (seed.sourceUpdates?.length) {
        // What the job learned about its single-file inputs (their <INPUT>.metadata.json side-cars).
        const updates = seed.sourceUpdates.flatMap((u) => {
          const input = inputFiles.find((i) => i.name === u.input);
          return input && input.kind === 'file'
            ? [{ fileId: input.files[0].id, geometry: u.geo.geoJson, dataStarted: u.geo.dataStarted, dataEnded: u.geo.dataEnded, dataTypes: u.geo.dataTypes, metaData: u.geo.properties }]
            : [];
        });
        await files.updateMetadata(updates);
      }
      return { ...base, status: 'COMPLETED', products, jsonValues: seed.jsonValues, directories: (captured as CwlCaptureResult).directories, resultsManifest: captured.manifest };
    } catch (err) {
      // A full disk, an unreachable store or database part way through: the execution fails (and is
      // retried when tries remain) saying why, with none of its outputs left behind.
      await discard();
      log.warn('storing outputs failed', { exeId: c.exeId, err });
      const message = `storing the outputs failed: ${(err as Error)?.message ?? String(err)}`;
      return { ...base, errorName: BUILTIN.filesystemIo, message, resultsManifest: { error: message } };
    }
  }

  /** Turns how the command ended into an outcome, capturing outputs when it succeeded. */
  async function conclude(r: Running, jt: JobType, rev: Revision, handle: ExecutionHandle, result: RunResult, inputs: ResolvedInput[]): Promise<Outcome> {
    const c = r.claim;
    const ran: Outcome = {
      exeId: c.exeId, jobId: c.jobId, exeNum: c.exeNum, jobTypeName: jt.name, status: 'FAILED', exitCode: result.exitCode,
      commandArguments: result.commandLine, jobStarted: result.jobStarted, jobCompleted: result.jobCompleted, logPath: handle.logPath,
    };
    if (r.canceled) return { ...ran, status: 'CANCELED' };
    if (r.aborted) return { ...ran, errorName: r.aborted };
    if (r.timedOut) return { ...ran, errorName: BUILTIN.timeout, message: `it ran past its timeout of ${c.timeout} s and was stopped` };
    if (result.launchError && handle.logPath) {
      // Why it never ran (no such image, a refused pull or mount, spawn ENOENT/E2BIG), in the log too.
      await noteInLog(handle.logPath, `the job could not be started: ${result.launchError}`).catch((err) => log.warn('writing the launch failure to the log failed', { exeId: c.exeId, err }));
    }
    if (result.failWith) {
      const message = result.message ?? result.launchError;
      return { ...ran, errorName: result.failWith, message, ...(result.message ? { resultsManifest: { error: result.message } } : {}) };
    }
    if (result.launchError) {
      // A missing or unrunnable program is the algorithm's fault, as exit codes 127/126 are in a shell.
      const code = /ENOENT/.test(result.launchError) ? 127 : /EACCES/.test(result.launchError) ? 126 : null;
      if (code === null) return { ...ran, errorName: BUILTIN.taskLaunch, message: result.launchError };
      return { ...ran, exitCode: code, errorName: rev.errorMapping.get(code) ?? BUILTIN.algorithmUnknown, message: result.launchError };
    }
    if (result.exitCode !== 0) {
      const said = await lastWords(handle.logPath);
      const how = result.exitCode !== null ? `exit code ${result.exitCode}` : `signal ${result.signal ?? 'unknown'}`;
      return { ...ran, errorName: (result.exitCode !== null && rev.errorMapping.get(result.exitCode)) || BUILTIN.algorithmUnknown, message: said ? `${how}: ${said}` : `${how}, with nothing on stderr` };
    }
    const captured = rev.interface.format === 'cwl'
      ? await captureCwlOutputs(rev.interface, result.outputDir, result.outputObject)
      : rev.interface.format === 'seed' ? await captureSeedOutputs(rev.interface, result.outputDir) : await captureOutputs(rev.interface, result.outputDir, result.artifacts);
    return { ...(await storeOutputs(c, jt, rev, result, captured, inputs)), logPath: handle.logPath };
  }

  /** Waits for a launched (or adopted) execution to end, with its timeout, and concludes it. */
  async function supervise(r: Running, jt: JobType, rev: Revision, handle: ExecutionHandle, inputs: ResolvedInput[], timeoutMs: number | null): Promise<Outcome> {
    r.handle = handle;
    handle.onProgress?.((p) => deps.progress?.report(r.claim.exeId, p));
    if (r.canceled || r.aborted) handle.kill();
    const timer = timeoutMs !== null ? setTimeout(() => ((r.timedOut = true), handle.kill()), Math.max(0, timeoutMs)) : null;
    const result = await handle.done.finally(() => {
      if (timer) clearTimeout(timer);
      deps.progress?.forget(r.claim.exeId);
    });
    // The command is over: its cpus and memory are free for the next job while the outputs are
    // captured and the outcome written. Disk stays held until the directory is cleaned.
    releaseCompute(r);
    return conclude(r, jt, rev, handle, result, inputs);
  }

  async function execute(r: Running): Promise<Outcome> {
    const c = r.claim;
    const claimedAt = Date.now();
    const [jt, rev] = await Promise.all([jobType(c.jobTypeId), jobTypes.revision(c.revId)]);
    const base: Outcome = { exeId: c.exeId, jobId: c.jobId, exeNum: c.exeNum, jobTypeName: jt.name, status: 'FAILED' };
    let resolved: Awaited<ReturnType<typeof localInputs>>;
    let executor: Executor;
    let settings: Record<string, string> | undefined;
    try {
      executor = executorFor(c);
      resolved = await localInputs(c.input, rev.interface);
      if (rev.interface.settings?.length) settings = { ...(c.configuration?.settings ?? {}), ...(await deps.secretSettings(c.jobTypeId)) };
    } catch (err: any) {
      return { ...base, errorName: err.errorName ?? BUILTIN.filesystemIo, message: err?.message ?? String(err) };
    }
    if (r.canceled) return { ...base, status: 'CANCELED' };
    if (r.aborted) return { ...base, errorName: r.aborted };
    const spec: LaunchSpec = {
      exeId: c.exeId, jobId: c.jobId, exeNum: c.exeNum, nodeId: c.nodeId, jobTypeName: jt.name, jobTypeVersion: jt.version, iface: rev.interface,
      inputs: resolved.inputs, resources: allocation(c, rev), image: c.dockerImage, settings, mounts: c.configuration?.mounts,
      inputMetadata: rev.interface.format === 'seed' ? inputMetadata(resolved.inputs, resolved.files) : undefined,
    };
    const handle = executor.launch(spec);
    handle.done.then(
      (res) => res.jobStarted && deps.telemetry?.launched(c.runtime, Math.max(0, res.jobStarted.getTime() - claimedAt) / 1000),
      () => {},
    );
    return supervise(r, jt, rev, handle, resolved.inputs, c.timeout > 0 ? c.timeout * 1000 : null);
  }

  function releaseCompute(r: Running): void {
    if (!r.holdsCompute) return;
    r.holdsCompute = false;
    allocated.cpus -= r.claim.resources.cpus;
    allocated.mem -= r.claim.resources.mem;
    deps.onFreed();
  }

  /** Runs one execution to its written outcome, then frees what it held. */
  function track(c: Claimed, body: (r: Running) => Promise<Outcome>): Promise<void> {
    const r: Running = { claim: c, handle: null, canceled: false, timedOut: false, aborted: null, holdsCompute: true };
    running.set(c.exeId, r);
    allocated.cpus += c.resources.cpus;
    allocated.mem += c.resources.mem;
    allocated.disk += c.resources.diskIn + c.resources.diskOut;
    return (async () => {
      let outcome: Outcome;
      try {
        outcome = await body(r);
      } catch (err) {
        log.error('execution failed in the server', { exeId: c.exeId, err });
        outcome = { exeId: c.exeId, jobId: c.jobId, exeNum: c.exeNum, status: 'FAILED', errorName: BUILTIN.unknown };
      }
      r.ending = true;
      const applied = await finish.add(outcome);
      if (applied?.retried) deps.onRetried?.();
      if (!applied && outcome.products?.length) {
        // Someone else ended this execution first (it was declared lost): its files are not ours to publish.
        for (const p of outcome.products) {
          const ws = await workspaces.get(p.workspaceId).catch(() => null);
          if (ws) await workspaces.broker(ws).delete(p.filePath).catch(() => {});
        }
      }
      running.delete(c.exeId);
      releaseCompute(r);
      const executor = deps.executors[c.runtime];
      await executor?.cleanup(c.exeId).catch((err) => log.warn('cleaning up an execution directory failed', { exeId: c.exeId, err }));
      allocated.disk -= c.resources.diskIn + c.resources.diskOut;
      deps.onFreed();
    })();
  }

  /** Starts supervising a claimed execution; resolves when its outcome is written. */
  function start(c: Claimed): Promise<void> {
    return track(c, execute);
  }

  /**
   * Supervises an execution that was already running when this process started (a container the
   * Docker engine kept): no launch, only its end, its timeout (counted from its start) and its outputs.
   */
  function adopt(c: Claimed, handle: ExecutionHandle, startedAt: Date | null): Promise<void> {
    return track(c, async (r) => {
      const [jt, rev] = await Promise.all([jobType(c.jobTypeId), jobTypes.revision(c.revId)]);
      const { inputs } = await localInputs(c.input, rev.interface).catch(() => ({ inputs: [] as ResolvedInput[] }));
      const left = c.timeout > 0 ? c.timeout * 1000 - (startedAt ? Date.now() - startedAt.getTime() : 0) : null;
      return supervise(r, jt, rev, handle, inputs, left);
    });
  }

  /**
   * Removes the outputs that executions which ended without their process (lost with a dead server)
   * may have stored before their outcome was written: nothing records those files, and the jobs run
   * again and store their own. They are looked for under each output workspace of the job, for every
   * day from the execution's creation to now. Only for executions already ended as lost.
   */
  async function discardOutputs(lost: { exeId: number; jobTypeId: number; jobInput: unknown; since: Date }[]): Promise<number> {
    let removed = 0;
    for (const x of lost) {
      const jt = await jobType(x.jobTypeId);
      const wsIds = new Set([...readJobData(x.jobInput).outputs.values()].map((o) => o.workspaceId));
      for (const wsId of wsIds) {
        const ws = await workspaces.get(wsId).catch(() => null);
        if (!ws) continue;
        const broker = workspaces.broker(ws);
        for (let day = Date.UTC(x.since.getUTCFullYear(), x.since.getUTCMonth(), x.since.getUTCDate()); day <= Date.now(); day += 86_400_000) {
          for (const f of await broker.list({ prefix: productDir(jt, x.exeId, new Date(day)), recursive: true })) {
            await broker.delete(f.relPath);
            removed++;
          }
        }
      }
    }
    return removed;
  }

  /** Kills the running executions of these jobs; their outcome is CANCELED. */
  function cancelJobs(jobIds: number[]): number {
    const ids = new Set(jobIds);
    let n = 0;
    for (const r of running.values()) {
      if (ids.has(r.claim.jobId) && !r.canceled) {
        r.canceled = true;
        r.handle?.kill();
        n++;
      }
    }
    return n;
  }

  /** Kills the given running executions (all when ids is null); each ends FAILED with `errorName`, retried by the usual rules. */
  function abort(ids: number[] | null, errorName: string): void {
    const wanted = ids && new Set(ids);
    for (const r of running.values()) {
      if (wanted && !wanted.has(r.claim.exeId)) continue;
      r.aborted = errorName;
      r.handle?.kill();
    }
  }

  return {
    start,
    adopt,
    cancelJobs,
    abort,
    discardOutputs,
    finish: (o: Outcome) => finish.add(o),
    flush: () => finish.flush(),
    running: () => [...running.values()].map((r) => r.claim),
    /** Whether this process ended the execution itself (or is writing its outcome): not another's doing. */
    endedHere: (exeId: number) => {
      const r = running.get(exeId);
      return r ? r.ending === true : true;
    },
    allocated: (): Resources => ({ ...allocated }),
    /** Executions running per runtime (for per-node container limits). */
    countByRuntime: (runtime: Runtime) => [...running.values()].filter((r) => r.claim.runtime === runtime && r.holdsCompute).length,
  };
}
