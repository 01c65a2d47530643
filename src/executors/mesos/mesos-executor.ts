// The Mesos executor (issue 10, points 2-4): runs an execution as a task on the agent the
// scheduler placed it on. Inputs are staged, and outputs written, in a directory every agent mounts
// at the same path (SCALE_MESOS_SHARED_DIR: NFS or another shared file system), so the runner
// captures outputs there as it does locally and stores them in any workspace (host or S3). The
// task's status updates end the execution; each is acknowledged, the terminal one only after the
// outcome is written (so a crash before that gets it resent). Cancel and timeout KILL the task.
// Tasks are reconciled after every (re)subscription and periodically, and at start the executions
// still RUNNING on agents are adopted and reconciled, so a restart neither loses nor duplicates
// work. Logs are read from the agent's sandbox through its /files/read endpoint.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BUILTIN } from '../../core/errors/model.ts';
import type { Db } from '../../store/db.ts';
import type { Logger } from '../../log.ts';
import { type Contract, directoryLayout, runContract } from '../contract.ts';
import { cwlContract, type CwlRunOptions } from '../cwl-contract.ts';
import { stepProgress, topLevelSteps } from '../cwl-progress.ts';
import type { ExecutionHandle, Executor, LaunchSpec, RunResult } from '../executor.ts';
import type { MesosSchedulerClient } from './client.ts';
import { SandboxLog } from './sandbox-log.ts';
import type { MesosOffers } from './mesos-offers.ts';
import { parseTaskId, taskIdOf, taskInfoOf } from './offers.ts';
import { endOf, isTerminalState } from './task-status.ts';

export interface MesosExecutorOptions {
  /** Mounted at this same path on every agent and on this server. */
  sharedDir: string;
  /** Tasks without an update for this long are reconciled explicitly. */
  reconcileMs: number;
  /** How often a running task's logs are read from its agent. */
  logPollMs: number;
  /** A KILL is repeated this often until the task ends. */
  killRetryMs: number;
  /** A terminal state learnt from reconciliation waits this long for the agent's own update (which carries the exit code). */
  reconcileGraceMs: number;
  /** How cwltool runs on agents offering the cwl runtime; null: CWL jobs are not launched here. */
  cwl?: CwlRunOptions | null;
  /** Grace between SIGTERM and SIGKILL a killed task gets (cwltool stops its containers in it). */
  killGraceMs?: number;
}

/** cwltool needs longer than a command to stop: it kills each container it started (docker kill) first. */
const CWL_KILL_GRACE_MS = 15_000;

interface TaskRun {
  exeId: number;
  taskId: string;
  agentId: string;
  exeDir: string;
  outputDir: string;
  commandLine: string;
  launched: boolean;
  killRequested: boolean;
  killTimer: NodeJS.Timeout | null;
  started: Date | null;
  lastUpdate: number;
  settled: boolean;
  /** The terminal update, acknowledged once the outcome is written (cleanup). */
  terminalAck: { agentId: string; uuid: string } | null;
  graceTimer: NodeJS.Timeout | null;
  log: SandboxLog;
  /** Where the task's progress goes (a CWL workflow's steps). */
  progress: ((line: string) => void) | null;
  end: (r: RunResult) => void;
  ended: Promise<RunResult>;
}

export class MesosExecutor implements Executor {
  readonly kind = 'mesos';
  private readonly tasks = new Map<string, TaskRun>();
  private readonly byExe = new Map<number, TaskRun>();
  /** Updates wait here until the executions running before this process started are adopted. */
  private ready = false;
  private early: Record<string, any>[] = [];
  private adopted = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly client: MesosSchedulerClient,
    private readonly offers: MesosOffers,
    private readonly db: Db,
    private readonly opts: MesosExecutorOptions,
    private readonly log: Logger,
  ) {
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(100, opts.logPollMs), () => this.pollLogs());
    every(Math.max(100, Math.min(opts.reconcileMs, 10_000)), () => this.reconcileStale());
  }

  /** Events from the master that concern tasks. */
  handle(ev: Record<string, any>): void {
    if (ev.type === 'UPDATE' && ev.update?.status) {
      if (!this.ready) this.early.push(ev.update.status);
      else this.onUpdate(ev.update.status);
    } else if (ev.type === 'SUBSCRIBED') {
      // After every (re)subscription: what became of the tasks while we were away? Explicitly for the
      // tasks tracked, and implicitly for any the master knows that we do not (killed as orphans).
      this.reconcile([...this.tasks.values()].filter((t) => t.launched && !t.settled));
      void this.client.call('RECONCILE', { reconcile: { tasks: [] } }).catch(() => {});
    } else if (ev.type === 'FAILURE' && ev.failure?.executor_id) {
      this.log.info('a Mesos executor ended', { executor: ev.failure.executor_id.value, agent: ev.failure.agent_id?.value, status: ev.failure.status });
    } else if (ev.type === 'MESSAGE' || ev.type === 'INVERSE_OFFERS' || ev.type === 'RESCIND_INVERSE_OFFER' || ev.type === 'UPDATE_OPERATION_STATUS') {
      this.log.debug('a Mesos event this framework does not use', { type: ev.type });
    }
  }

  /**
   * The master removed the framework (torn down, or its failover timeout passed): every task it had is gone.
   * The executions this process follows end as lost (node-lost: retried), launched or not.
   */
  frameworkRemoved(message: string): void {
    const runs = [...this.tasks.values()].filter((r) => !r.settled);
    if (runs.length) this.log.warn('the Mesos framework was removed; its executions are lost and retried', { executions: runs.map((r) => r.exeId), message });
    for (const run of runs) {
      run.terminalAck = null;
      this.settle(run, endOf({ state: 'TASK_LOST', message: `the Mesos master removed the framework: ${message}` }));
    }
  }

  private exeDir(exeId: number): string {
    return path.join(this.opts.sharedDir, String(exeId));
  }

  private track(exeId: number, taskId: string, agentId: string, commandLine: string, launched: boolean): TaskRun {
    const exeDir = this.exeDir(exeId);
    let end!: (r: RunResult) => void;
    const ended = new Promise<RunResult>((resolve) => (end = resolve));
    const run: TaskRun = {
      exeId, taskId, agentId, exeDir, outputDir: path.join(exeDir, 'output'), commandLine, launched, killRequested: false, killTimer: null,
      started: null, lastUpdate: Date.now(), settled: false, terminalAck: null, graceTimer: null, progress: null,
      log: new SandboxLog(path.join(exeDir, 'log'), path.join(exeDir, 'log-offsets.json'), (line) => run.progress?.(line)), end, ended,
    };
    this.tasks.set(taskId, run);
    this.byExe.set(exeId, run);
    return run;
  }

  launch(spec: LaunchSpec): ExecutionHandle {
    const exeDir = this.exeDir(spec.exeId);
    const logPath = path.join(exeDir, 'log');
    let run: TaskRun | null = null;
    let killedEarly = false;
    let progressListener: ((percent: number) => void) | null = null;
    const cwl = spec.iface.format === 'cwl';
    const kill = () => {
      if (!run) {
        killedEarly = true;
        return;
      }
      this.kill(run);
    };
    const done = (async (): Promise<RunResult> => {
      const layout = directoryLayout(exeDir);
      const { outputDir, inputRoot } = layout;
      if (cwl && !this.opts.cwl) return { exitCode: null, signal: null, launchError: 'this server runs no CWL on Mesos (cwltool is not installed here to pack it)', failWith: BUILTIN.taskLaunch, outputDir, artifacts: [], commandLine: '', jobStarted: null, jobCompleted: new Date() };
      const contract = cwl ? cwlContract(spec, exeDir, { ...this.opts.cwl!, user: null }) : runContract(spec, layout);
      const commandLine = contract.argv.join(' ');
      const failed = (message: string, failWith?: string): RunResult => ({
        exitCode: null, signal: null, launchError: message, ...(failWith ? { failWith } : {}), outputDir, artifacts: [], commandLine, jobStarted: null, jobCompleted: new Date(),
      });
      if (contract.failure) return failed(contract.failure.message, contract.failure.error);
      if (!contract.argv.length && !spec.image) return failed('the command is empty');
      const agent = spec.nodeId !== undefined ? this.offers.agentOfNode(spec.nodeId) : null;
      const frameworkId = this.client.id;
      if (!agent || !frameworkId) return failed('the agent this execution was placed on is gone', BUILTIN.nodeLost);
      try {
        await stage(contract, outputDir, inputRoot, spec.inputMetadata);
      } catch (err) {
        return failed(`staging the inputs in the shared directory failed: ${(err as Error).message}`, BUILTIN.filesystemIo);
      }
      if (killedEarly) return failed('killed before it started');
      const taskInfo = taskInfoOf(spec, withStdio({ ...contract, files: [] }), { frameworkId, agentId: agent.agentId }, {
        inputDir: inputRoot, outputDir, containerIn: inputRoot, containerOut: outputDir,
      });
      if (cwl) taskInfo.kill_policy = { grace_period: { nanoseconds: Math.max(CWL_KILL_GRACE_MS, this.opts.killGraceMs ?? 0) * 1e6 } };
      run = this.track(spec.exeId, taskIdOf(frameworkId, spec.jobId, spec.exeNum), agent.agentId, commandLine, false);
      const steps = cwl ? topLevelSteps(spec.iface.cwl?.document) : [];
      if (steps.length) {
        const moved = stepProgress(steps);
        run.progress = (line) => {
          const p = moved(line);
          if (p !== null) progressListener?.(p);
        };
      }
      let sent;
      try {
        sent = await this.offers.launch(spec.exeId, agent.agentId, taskInfo);
      } catch (err: any) {
        this.forget(run);
        if (err.canceled) return failed('killed before it was launched');
        return failed(err.message, err.lost ? BUILTIN.nodeLost : BUILTIN.taskLaunch);
      }
      run.launched = true;
      run.lastUpdate = Date.now();
      if (sent.uncertain) this.reconcile([run]);
      if (run.killRequested) this.kill(run);
      const result = await run.ended;
      return contract.outputObject ? { ...result, outputObject: contract.outputObject } : result;
    })();
    return { done, kill, logPath, onProgress: (listener) => (progressListener = listener) };
  }

  private forget(run: TaskRun): void {
    if (run.killTimer) clearInterval(run.killTimer);
    if (run.graceTimer) clearTimeout(run.graceTimer);
    this.tasks.delete(run.taskId);
    if (this.byExe.get(run.exeId) === run) this.byExe.delete(run.exeId);
  }

  private kill(run: TaskRun): void {
    run.killRequested = true;
    if (run.settled) return;
    if (!run.launched) {
      // Not sent yet: taken back, it never runs (launch() sees it canceled). Sent but unanswered: killed once launched.
      this.offers.cancelLaunch(run.exeId);
      return;
    }
    const send = () => {
      if (run.settled || !this.client.connected) return;
      this.client.call('KILL', { kill: { task_id: { value: run.taskId }, agent_id: { value: run.agentId } } }).catch((err) => this.log.warn('KILL failed', { err }));
    };
    send();
    // Until the task ends: a KILL can be lost with the stream, or reach an agent that is restarting.
    if (!run.killTimer) run.killTimer = setInterval(send, this.opts.killRetryMs);
  }

  private ack(agentId: string | undefined, taskId: string, uuid: string): void {
    if (!agentId || !this.client.connected) return;
    this.client.call('ACKNOWLEDGE', { acknowledge: { agent_id: { value: agentId }, task_id: { value: taskId }, uuid } }).catch((err) => this.log.warn('ACKNOWLEDGE failed', { err }));
  }

  private onUpdate(status: Record<string, any>): void {
    const taskId: string | undefined = status.task_id?.value;
    const state = String(status.state ?? '');
    const uuid: string | undefined = typeof status.uuid === 'string' && status.uuid ? status.uuid : undefined;
    const agentId: string | undefined = status.agent_id?.value;
    if (!taskId || !state) {
      this.log.warn('a Mesos status update without a task id or state was skipped', { status });
      return;
    }
    const run = this.tasks.get(taskId);
    if (!run || run.settled) {
      if (uuid && (!run || !run.terminalAck)) this.ack(agentId, taskId, uuid);
      // One of ours that no execution here is following (its job ended, or was retried elsewhere): it
      // must not run on beside the new execution.
      if (!run && parseTaskId(taskId) && !isTerminalState(state) && agentId) {
        this.log.warn('killing a Mesos task no execution follows', { task: taskId, state });
        this.client.call('KILL', { kill: { task_id: { value: taskId }, agent_id: { value: agentId } } }).catch(() => {});
      }
      return;
    }
    run.lastUpdate = Date.now();
    if (agentId) run.agentId = agentId;
    if (!isTerminalState(state)) {
      if (state === 'TASK_RUNNING' && !run.started) run.started = typeof status.timestamp === 'number' ? new Date(status.timestamp * 1000) : new Date();
      if (uuid) this.ack(agentId, taskId, uuid);
      return;
    }
    if (!uuid && status.reason === 'REASON_RECONCILIATION' && (state === 'TASK_FINISHED' || state === 'TASK_FAILED' || state === 'TASK_KILLED')) {
      // The master's word without the exit code: the agent resends its own update after a
      // re-subscription, so wait a little for that before ending the execution on this one.
      if (!run.graceTimer) run.graceTimer = setTimeout(() => this.settle(run, endOf({ state, message: status.message, reason: status.reason })), this.opts.reconcileGraceMs);
      return;
    }
    if (uuid && agentId) run.terminalAck = { agentId, uuid };
    if (state !== 'TASK_FINISHED') this.log.info('a Mesos task ended', { task: taskId, state, reason: status.reason, message: status.message });
    this.settle(run, endOf({ state, message: status.message, reason: status.reason }));
  }

  private settle(run: TaskRun, end: ReturnType<typeof endOf>): void {
    if (run.settled) return;
    run.settled = true;
    if (run.killTimer) clearInterval(run.killTimer);
    if (run.graceTimer) clearTimeout(run.graceTimer);
    const url = this.offers.agentUrl(run.agentId);
    // The last of the logs is read before the outcome, so the logs are complete when the job is.
    const finalRead = url && run.launched
      ? run.log.readLast(url, this.client.id ?? '', run.taskId).catch((err) => this.log.warn('the last of a task\'s sandbox logs could not be read', { task: run.taskId, err }))
      : Promise.resolve();
    void finalRead
      .then(() => run.log.close())
      .then(() => run.end({ ...end, outputDir: run.outputDir, artifacts: run.log.artifacts, commandLine: run.commandLine, jobStarted: run.started, jobCompleted: new Date() }));
  }

  private reconcile(runs: TaskRun[]): void {
    if (!runs.length || !this.client.connected) return;
    for (const r of runs) r.lastUpdate = Date.now();
    const tasks = runs.map((r) => ({ task_id: { value: r.taskId }, agent_id: { value: r.agentId } }));
    this.client.call('RECONCILE', { reconcile: { tasks } }).catch((err) => this.log.warn('RECONCILE failed', { err }));
  }

  /** Tasks not heard of for a while are asked after (an update can be lost with the stream). */
  private reconcileStale(): void {
    const before = Date.now() - this.opts.reconcileMs;
    this.reconcile([...this.tasks.values()].filter((t) => t.launched && !t.settled && t.lastUpdate < before));
  }

  private pollLogs(): void {
    const fw = this.client.id;
    if (!fw) return;
    for (const run of this.tasks.values()) {
      if (!run.launched || run.settled || !run.started) continue;
      const url = this.offers.agentUrl(run.agentId);
      if (url) run.log.read(url, fw, run.taskId).catch((err) => this.log.debug('reading a task log from its agent failed', { task: run.taskId, err: err.message }));
    }
  }

  /**
   * Executions that were RUNNING on Mesos agents when this process started: followed again, their
   * state asked of the master. Tasks the master no longer knows end as lost and are retried.
   */
  async adopt(live: Set<number>): Promise<Map<number, ExecutionHandle>> {
    const handles = new Map<number, ExecutionHandle>();
    if (this.adopted) return handles;
    this.adopted = true;
    const fw = this.client.id;
    if (fw && live.size) {
      const res = await this.db.query<{ id: number; job_id: number; exe_num: number; slave_id: string; command_arguments: string | null }>(
        `SELECT x.id, x.job_id, x.exe_num, n.slave_id, x.command_arguments FROM job_exe x JOIN node n ON n.id = x.node_id
          WHERE x.id = ANY($1::bigint[]) AND n.executor = 'mesos'`,
        [[...live]],
      );
      for (const r of res.rows) {
        const run = this.track(Number(r.id), taskIdOf(fw, Number(r.job_id), r.exe_num), r.slave_id, r.command_arguments ?? '', true);
        run.started = new Date();
        await run.log.restore();
        handles.set(run.exeId, { done: run.ended, kill: () => this.kill(run), logPath: path.join(run.exeDir, 'log') });
      }
    }
    this.ready = true;
    for (const s of this.early.splice(0)) this.onUpdate(s);
    this.reconcile([...this.tasks.values()].filter((t) => !t.settled));
    return handles;
  }

  async cleanup(exeId: number): Promise<void> {
    this.offers.release(exeId);
    const run = this.byExe.get(exeId);
    if (run) {
      if (run.terminalAck) this.ack(run.terminalAck.agentId, run.taskId, run.terminalAck.uuid);
      this.forget(run);
    }
    const exeDir = this.exeDir(exeId);
    // Everything but the log: inputs, outputs, offsets, and what cwltool was given and wrote.
    const entries = await fs.readdir(exeDir).catch(() => [] as string[]);
    await Promise.all(entries.filter((e) => e !== 'log').map((p) => fs.rm(path.join(exeDir, p), { recursive: true, force: true })));
  }

  /** Tasks on agents are not processes of this machine: a dead owner's tasks are reconciled instead (adopt). */
  async killOrphans(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const run of this.tasks.values()) this.forget(run);
  }
}

/** Input files are linked (or copied) into the shared directory: agents see nothing else of this machine. */
async function stage(contract: Contract, outputDir: string, inputRoot: string, inputMetadata: unknown): Promise<void> {
  await fs.mkdir(outputDir, { recursive: true });
  await fs.mkdir(inputRoot, { recursive: true });
  for (const d of contract.dirs ?? []) await fs.mkdir(d, { recursive: true });
  for (const w of contract.writes ?? []) {
    await fs.mkdir(path.dirname(w.path), { recursive: true });
    await fs.writeFile(w.path, w.content);
  }
  for (const f of contract.files) {
    await fs.mkdir(path.dirname(f.path), { recursive: true });
    await fs.rm(f.path, { force: true });
    await fs.link(f.localPath, f.path).catch(() => fs.copyFile(f.localPath, f.path));
  }
  if (inputMetadata !== undefined) await fs.writeFile(path.join(inputRoot, 'scale-input-metadata.json'), JSON.stringify(inputMetadata));
}

/**
 * Standard streams redirected to files (CWL stdin/stdout/stderr) without a shell reading the
 * arguments: `sh -c 'exec "$@" <in >out' sh argv…` keeps every argument one word.
 */
function withStdio(contract: Contract): Contract {
  const io = contract.stdio;
  if (!io || (!io.stdin && !io.stdout && !io.stderr)) return contract;
  const env: Record<string, string> = { ...contract.env };
  let script = 'exec "$@"';
  if (io.stdin) (env.SCALE_STDIN = io.stdin), (script += ' <"$SCALE_STDIN"');
  if (io.stdout) (env.SCALE_STDOUT = io.stdout), (script += ' >"$SCALE_STDOUT"');
  if (io.stderr) (env.SCALE_STDERR = io.stderr), (script += ' 2>"$SCALE_STDERR"');
  return { ...contract, env, argv: ['/bin/sh', '-c', script, 'sh', ...contract.argv], stdio: undefined };
}
