// The scheduling loop of one server process. Each pass asks the resource provider for offers,
// claims what fits from the queue, and hands the claims to the runner. It wakes when work is
// queued or resources free up, and otherwise polls (other processes may queue work too).
// Beside the loop: the node heartbeat, recovery of executions whose node died, cross-process
// cancellation, and job-load samples.
import os from 'node:os';
import type { CoreEvents } from '../core/events.ts';
import type { Finisher } from '../core/jobs/finish.ts';
import { BUILTIN } from '../core/errors/model.ts';
import type { JobQueries } from '../core/jobs/queries.ts';
import type { JobExecution } from '../core/jobs/model.ts';
import type { Node, NodeService, Resources } from '../core/nodes/service.ts';
import type { QueueService } from '../core/queue/service.ts';
import type { Db } from '../store/db.ts';
import type { Logger } from '../log.ts';
import type { Executor } from '../executors/executor.ts';
import { type ClusterNode, fits, type Offer, type Runtime } from './placement.ts';
import type { Runner } from './runner.ts';
import type { Telemetry } from '../telemetry/prometheus.ts';

export interface ResourceProvider {
  /** The nodes this process places work on; registered (or re-registered) at start. */
  register(): Promise<Node[]>;
  /** Offers of free resources on those nodes now (none for paused or inactive nodes). */
  offers(allocated: Resources): Promise<Offer[]>;
  /** The nodes owned now, when they change after register (Mesos agents come and go); register()'s list otherwise. */
  nodes?(): Node[];
  /**
   * After each pass that had offers: what was placed where, and whether queued work was seen at all
   * (a cluster provider gives unused offers back, and stops asking for more when the queue is empty).
   */
  passed?(r: { placed: { exeId: number; nodeId: number; need: Resources }[]; queued: boolean }): void;
  /** Work was queued in this process (a cluster provider asks for offers again). */
  workQueued?(): void;
}

export interface SchedulerOptions {
  intervalMs: number;
  queueLimit: number;
  heartbeatMs: number;
  nodeLostSeconds: number;
  cancelPollMs?: number;
}

export type Scheduler = ReturnType<typeof createScheduler>;

export function createScheduler(deps: {
  db: Db;
  nodes: NodeService;
  queue: QueueService;
  jobs: JobQueries;
  finisher: Finisher;
  runner: Runner;
  executors: Partial<Record<Runtime, Executor>>;
  provider: ResourceProvider;
  events: CoreEvents;
  incarnation: string;
  log: Logger;
  options: SchedulerOptions;
  telemetry?: Telemetry;
}) {
  const { nodes, queue, runner, provider, log, options } = deps;
  let myNodes: Node[] = [];
  let stopped = true;
  let wakeup: (() => void) | null = null;
  let woken = false;
  let loopDone: Promise<void> = Promise.resolve();
  const timers: NodeJS.Timeout[] = [];
  let clusterCache: { at: number; nodes: ClusterNode[] } = { at: 0, nodes: [] };
  let lastPass = { claimed: 0, waiting: 0, at: new Date(0) };

  function wake(): void {
    woken = true;
    wakeup?.();
  }

  /** The nodes that are alive now, for "could this job ever run anywhere" (cached briefly). */
  async function clusterNodes(): Promise<ClusterNode[]> {
    if (Date.now() - clusterCache.at < 1000) return clusterCache.nodes;
    const res = await deps.db.query(
      `SELECT cpus_total, mem_total, disk_total, gpus_total, runtimes FROM node
        WHERE is_active AND NOT is_paused AND last_heartbeat > now() - make_interval(secs => $1)`,
      [options.nodeLostSeconds],
    );
    clusterCache = { at: Date.now(), nodes: res.rows.map((r) => ({ total: { cpus: r.cpus_total, mem: r.mem_total, disk: r.disk_total, gpus: r.gpus_total }, runtimes: r.runtimes })) };
    return clusterCache.nodes;
  }

  // The smallest job seen waiting: while no offer could hold it, a pass would place nothing, so
  // none is made. New work (a 'queued' event) may be smaller and clears it.
  let smallestNeed: Resources | null = null;
  // Whether the last pass left queued work behind (waiting for room, or more to read): only then
  // can freed resources place something, so only then do they wake the loop.
  let workLeft = true;

  /** One pass; returns whether another pass could place more right away. */
  async function pass(): Promise<boolean> {
    const offers = await provider.offers(runner.allocated());
    workLeft = true;
    if (!offers.length) return false;
    if (smallestNeed && !offers.some((o) => fits(smallestNeed!, o.free))) {
      provider.passed?.({ placed: [], queued: true });
      return false;
    }
    // Read about as many queue rows as the free room could take, judged by the smallest job seen.
    const room = smallestNeed ? offers.reduce((n, o) => n + Math.floor(Math.min(...(['cpus', 'mem', 'disk'] as const).map((d) => (smallestNeed![d] > 0 ? o.free[d] / smallestNeed![d] : Infinity)))), 0) : 32;
    const pageSize = Math.max(4, Math.min(options.queueLimit, room + 2));
    const result = await queue.claim({ offers, clusterNodes: await clusterNodes(), limit: options.queueLimit, pageSize });
    smallestNeed = result.smallestNeed;
    workLeft = result.waiting.size > 0 || result.roomLeft;
    lastPass = { claimed: result.claimed.length, waiting: result.waiting.size, at: new Date() };
    provider.passed?.({
      placed: result.claimed.map((c) => ({ exeId: c.exeId, nodeId: c.nodeId, need: { cpus: c.resources.cpus, mem: c.resources.mem, disk: c.resources.diskIn + c.resources.diskOut, gpus: c.resources.gpus } })),
      queued: result.claimed.length > 0 || result.waiting.size > 0,
    });
    for (const c of result.claimed) void runner.start(c);
    if (result.claimed.length) deps.events.emit('started', result.claimed.map((c) => c.jobId));
    return result.claimed.length > 0 && result.roomLeft;
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      woken = false;
      let again = false;
      const began = performance.now();
      try {
        again = await pass();
        deps.telemetry?.schedulerPass((performance.now() - began) / 1000);
      } catch (err) {
        log.error('scheduling pass failed', { err });
      }
      if (stopped) break;
      // Placed work and room is left (or something changed meanwhile): go again at once.
      if (again || woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, options.intervalMs);
        wakeup = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeup = null;
    }
  }

  /** Ends executions that were RUNNING on the given nodes with `errorName` (but those this process supervises); kills their processes here first. */
  async function recover(nodeList: Node[], errorName: string): Promise<number> {
    const supervised = new Set(runner.running().map((c) => c.exeId));
    const exes = (await deps.jobs.runningOnNodes(nodeList.map((n) => n.id))).filter((e) => !supervised.has(e.id));
    if (!exes.length) return 0;
    // Processes and containers left behind on this host are killed first, so nothing runs twice at once.
    for (const n of nodeList) {
      const ids = exes.filter((e) => e.nodeId === n.id).map((e) => e.id);
      const mine = owned().some((m) => m.id === n.id);
      if (!ids.length || (!mine && n.hostname !== os.hostname())) continue;
      if (deps.executors.process && (mine || n.workDir)) await deps.executors.process.killOrphans(ids, mine ? undefined : n.workDir!);
      if (deps.executors.docker) await deps.executors.docker.killOrphans(ids).catch((err) => log.warn('removing orphan containers failed', { err }));
    }
    // A process killed while it stored outputs left them in the workspace, recorded nowhere. The
    // statement that ends the executions marks them (job_exe.discard_outputs); their files are
    // removed after and the mark cleared, so a crash in between leaves the work on record for the
    // next sweep, here or on any server. An execution a slow node completed first is not ended here,
    // and its outputs stay.
    const applied = await deps.finisher.apply(exes.map((e) => ({ exeId: e.id, jobId: e.jobId, exeNum: e.exeNum, status: 'FAILED' as const, errorName, discardOutputs: true,
      message: errorName === BUILTIN.schedulerLost ? 'the server supervising it stopped while it ran; it was ended when the server started again' : `its node (${nodeList.find((n) => n.id === e.nodeId)?.hostname ?? e.nodeId}) stopped answering while it ran` })));
    const ended = new Set(applied.map((a) => a.exeId));
    const removed = await discardLostOutputs(exes.filter((e) => ended.has(e.id)));
    if (applied.length) {
      log.warn('executions lost', { error: errorName, nodes: nodeList.map((n) => n.slaveId), executions: applied.map((a) => a.exeId), retried: applied.filter((a) => a.retried).length, outputsRemoved: removed });
      deps.events.emit('queued', applied.filter((a) => a.retried).length);
    }
    return applied.length;
  }

  /** Removes the unrecorded outputs of executions ended as lost, then clears their mark; a failure leaves the mark for the next sweep. */
  async function discardLostOutputs(exes: JobExecution[]): Promise<number> {
    if (!exes.length) return 0;
    try {
      const jobs = await deps.jobs.jobsByIds([...new Set(exes.map((e) => e.jobId))]);
      const removed = await runner.discardOutputs(exes.map((e) => ({ exeId: e.id, jobTypeId: e.jobTypeId, jobInput: jobs.get(e.jobId)?.input, since: e.created })));
      await deps.finisher.outputsDiscarded(exes.map((e) => e.id));
      return removed;
    } catch (err) {
      log.warn('removing outputs of lost executions failed; will try again', { err, executions: exes.map((e) => e.id) });
      return 0;
    }
  }

  /** Lost executions whose outputs a crashed recovery (here or on another server) did not get to remove. */
  async function sweepLostOutputs(): Promise<void> {
    const pending = await deps.jobs.outputsToDiscard(50);
    const removed = await discardLostOutputs(pending);
    if (pending.length) log.info('removed outputs of executions lost earlier', { executions: pending.map((e) => e.id), outputsRemoved: removed });
  }

  const owned = (): Node[] => provider.nodes?.() ?? myNodes;

  async function heartbeat(): Promise<void> {
    const taken = await nodes.heartbeatMany(owned().map((n) => n.id), deps.incarnation);
    if (taken.length) {
      // Another process registered the same node name: two owners would run jobs twice.
      log.error('another process took over this node; scheduling stops here', { nodes: owned().filter((n) => taken.includes(n.id)).map((n) => n.slaveId) });
      stopped = true;
      wake();
    }
  }

  async function checkLostNodes(): Promise<void> {
    const mine = new Set(owned().map((n) => n.id));
    const lost = (await nodes.lostWithRunning(options.nodeLostSeconds)).filter((n) => !mine.has(n.id));
    if (lost.length) await recover(lost, BUILTIN.nodeLost);
    await sweepLostOutputs();
  }

  /**
   * Learns what other processes decided about the executions running here: jobs canceled through
   * another server, and executions another server declared lost (this process was too slow to
   * heartbeat). The first are killed as canceled; the second are killed at once, because their
   * jobs may already run elsewhere.
   */
  async function pollCancels(): Promise<void> {
    const running = runner.running();
    if (!running.length) return;
    const res = await deps.db.query<{ job_id: number; exe_id: number; canceled: boolean }>(
      `SELECT x.job_id, x.id AS exe_id, j.status = 'CANCELED' AS canceled
         FROM job_exe x JOIN job j ON j.id = x.job_id
        WHERE x.id = ANY($1::bigint[]) AND (j.status = 'CANCELED' OR x.status <> 'RUNNING')`,
      [running.map((r) => r.exeId)],
    );
    const canceled = res.rows.filter((r) => r.canceled).map((r) => r.job_id);
    // An execution whose outcome this process wrote while the query ran is its own, not taken.
    const taken = res.rows.filter((r) => !r.canceled && !runner.endedHere(Number(r.exe_id))).map((r) => r.exe_id);
    if (canceled.length) runner.cancelJobs(canceled);
    if (taken.length) {
      log.warn('executions were ended by another process; killing them here', { executions: taken });
      runner.abort(taken, BUILTIN.nodeLost);
    }
  }

  function every(ms: number, what: string, fn: () => Promise<void>): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      fn()
        .catch((err) => log.warn(`${what} failed`, { err }))
        .finally(() => (busy = false));
    }, ms);
    t.unref();
    timers.push(t);
  }

  const onQueued = () => {
    smallestNeed = null;
    provider.workQueued?.();
    wake();
  };
  const onCanceled = (jobIds: number[]) => runner.cancelJobs(jobIds);

  /** Containers of this node that outlived the previous process are followed again, not lost. */
  async function adoptSurvivors(): Promise<void> {
    for (const executor of Object.values(deps.executors)) {
      if (!executor?.adopt) continue;
      const live = await deps.jobs.runningOnNodes(myNodes.map((n) => n.id));
      const handles = await executor.adopt(new Set(live.map((e) => e.id)));
      if (!handles.size) continue;
      for (const { claim, started } of await queue.claimsOf([...handles.keys()])) void runner.adopt(claim, handles.get(claim.exeId)!, started);
      log.info('adopted running executions', { executor: executor.kind, executions: [...handles.keys()] });
    }
  }

  async function start(): Promise<void> {
    myNodes = await provider.register();
    await adoptSurvivors();
    // Whatever else this node ran before this process started was left behind by a dead predecessor.
    await recover(myNodes, BUILTIN.schedulerLost);
    stopped = false;
    deps.events.on('queued', onQueued);
    deps.events.on('canceled', onCanceled);
    every(options.heartbeatMs, 'heartbeat', heartbeat);
    every(Math.max(options.heartbeatMs, 1000), 'lost-node check', checkLostNodes);
    every(options.cancelPollMs ?? 1000, 'cancel poll', pollCancels);
    // Job load samples are taken by the clock (the built-in JOB_LOAD clock rule), once per minute across servers.
    loopDone = loop();
  }

  /** Stops placing new work; running executions continue unless `kill` is set. */
  async function stop(opts: { kill?: boolean; drain?: boolean } = {}): Promise<void> {
    stopped = true;
    wake();
    deps.events.off('queued', onQueued);
    deps.events.off('canceled', onCanceled);
    for (const t of timers.splice(0)) clearInterval(t);
    await loopDone;
    if (opts.kill) runner.abort(null, BUILTIN.schedulerLost);
    if (opts.drain || opts.kill) {
      while (runner.running().length) await new Promise((r) => setTimeout(r, 20));
      await runner.flush();
      for (const e of Object.values(deps.executors)) await e?.close();
    }
  }

  return {
    start,
    stop,
    wake,
    /** Resources were freed here: a pass may place what waited for them. */
    freed: () => {
      if (workLeft) wake();
    },
    nodes: owned,
    isRunning: () => !stopped,
    lastPass: () => lastPass,
    /** For tests: run the periodic checks now. */
    checkLostNodes,
    pollCancels,
  };
}
