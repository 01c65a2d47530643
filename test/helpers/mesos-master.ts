// A faithful-enough Mesos master double for tests: the v1 scheduler HTTP API (`POST /api/v1/scheduler`, JSON
// only) over node:http on 127.0.0.1, with fake agents whose tasks really run as local processes.
// Wire format and behaviour follow /work/shared/mesos/REFERENCE.md (sections 1-3 and 6); every place where
// this double is simpler than the real master (apache/mesos src/master/*.cpp) says so in a SIMPLIFICATION note.
// Every call is parsed against Mesos 1.11.0's scheduler.proto and mesos.proto (mesos-proto.ts; 400 when it does
// not parse, and, stricter than a master, when it has fields they do not define). Agents may hold resources
// reserved for a role (static, or dynamic with principal and labels); a task's resources must be contained in
// the offer reservation by reservation, as Master::accept checks them (TASK_ERROR otherwise).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { agentCommand } from './mesos-agent-command.ts';
import { BadRequest, CALL_FIELD } from './mesos-calls.ts';
import { checkMessage } from './mesos-proto.ts';
import {
  type Bag, bagAdd, bagContains, bagForRole, bagIsEmpty, bagJson, bagOf, bagSub, bagSum, emptyBag, emptyRes, fmtBag, normRanges, parseBag,
  type Res, type Reservation, round,
} from './mesos-resources.ts';

export type { Bag, Res, Reservation } from './mesos-resources.ts';

// ---------------------------------------------------------------------------------------------- types

export interface FakeAgentSpec {
  id?: string;
  hostname: string;
  /** Scalars (cpus, mem and disk in MiB, gpus, any custom scalar) and optionally `ports` ranges. */
  resources: { cpus: number; mem: number; disk: number; gpus?: number; ports?: Array<[number, number]>; [name: string]: number | Array<[number, number]> | undefined };
  /** TEXT attributes for strings, SCALAR for numbers. */
  attributes?: Record<string, string | number>;
  /**
   * Resources reserved for a role, besides the unreserved `resources`: statically (the agent's --resources) or
   * dynamically (a RESERVE operation), the latter with its principal and labels. Offered only to that role.
   */
  reserved?: Array<{ role: string; type?: 'STATIC' | 'DYNAMIC'; principal?: string; labels?: Record<string, string>; resources: Record<string, number> }>;
}

export interface MesosMasterOptions {
  agents?: FakeAgentSpec[];
  /** SUBSCRIBED.heartbeat_interval_seconds and the HEARTBEAT period (real master: 15). */
  heartbeatIntervalSeconds?: number;
  /** Allocation interval: an offer cycle runs this often (real master: --allocation_interval 1 s). */
  offerIntervalMs?: number;
  /** When set, an offer not answered within this time is rescinded (real master: --offer_timeout, off by default). */
  offerTimeoutMs?: number;
  /** An agent status update not acknowledged is resent after this long (real agent: 10 s backoff up to 10 min). */
  ackTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL on KILL when the task has no kill_policy (real command executor: 3 s). */
  killGraceMs?: number;
  /** Non-leader mode: every scheduler call is answered 307 to this leader URL (e.g. the other double's url). */
  redirectTo?: string;
  /** Root for the agents' work dirs (sandboxes); a temp dir (removed on close) when absent. */
  workDir?: string;
  /**
   * HTTP framework authentication (--authenticate_http_frameworks with the basic authenticator):
   * scheduler calls need `Authorization: Basic <principal:secret>`, else 401; a SUBSCRIBE whose
   * FrameworkInfo.principal differs from the authenticated one is 403.
   */
  credentials?: { principal: string; secret: string };
  /**
   * Fields a call carries that mesos.v1 does not define: 'reject' (default, stricter than a real master: the
   * call is answered 400, so a misspelt field is caught) or 'ignore' (as the real master's JSON parser does).
   */
  unknownFields?: 'reject' | 'ignore';
}

export type TaskStateName =
  | 'TASK_STAGING' | 'TASK_STARTING' | 'TASK_RUNNING' | 'TASK_KILLING' | 'TASK_FINISHED' | 'TASK_FAILED'
  | 'TASK_KILLED' | 'TASK_ERROR' | 'TASK_LOST' | 'TASK_DROPPED' | 'TASK_UNREACHABLE' | 'TASK_GONE'
  | 'TASK_GONE_BY_OPERATOR' | 'TASK_UNKNOWN';

const TERMINAL = new Set<string>(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
export const isTerminal = (s: string): boolean => TERMINAL.has(s);


export interface FakeAgent {
  id: string;
  hostname: string;
  /** Everything the agent has, by reservation. */
  slots: Bag;
  /** Held by live tasks, by reservation (resources return when the task ends). */
  usedSlots: Bag;
  /** All of `slots`, whatever the reservation. */
  readonly total: Res;
  /** All of `usedSlots`. */
  readonly used: Res;
  attributes: Record<string, string | number>;
  removed: boolean;
}

export interface FakeOffer {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: Bag;
  timer: NodeJS.Timeout | null;
}

export interface FakeFramework {
  id: string;
  info: any;
  role: string;
  capabilities: Set<string>;
  streamId: string | null;
  stream: http.ServerResponse | null;
  connected: boolean;
  suppressed: boolean;
  /** Refusal filters per agent: offers whose resources are a subset of `res` are withheld until `until`. */
  filters: Map<string, Array<{ until: number; res: Bag }>>;
  heartbeat: NodeJS.Timeout | null;
  failover: NodeJS.Timeout | null;
  removed: boolean;
  /** Every event written to this framework's streams, in order. */
  events: any[];
}

export interface FakeTask {
  id: string;
  frameworkId: string;
  agentId: string;
  info: any;
  resources: Bag;
  /** Latest state as the agent knows it. */
  state: TaskStateName;
  /** State of the latest update forwarded to the framework (what reconciliation reports). */
  statusUpdateState: TaskStateName | null;
  containerId: string;
  sandbox: string;
  proc: ChildProcess | null;
  pid: number | null;
  killRequested: boolean;
  /** Unacknowledged agent updates; only the head is sent (and resent until acknowledged). */
  queue: any[];
  retry: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
  /** The master forgot the task (terminal update acknowledged, agent removed, framework torn down). */
  removed: boolean;
  /** Resources already returned to the agent. */
  released: boolean;
  exitCode: number | null;
  signal: string | null;
}

export interface RecordedCall {
  at: number;
  type: string | null;
  body: any;
  streamId: string | null;
  status: number;
  error?: string;
}

export interface MesosMaster {
  url: string;
  masterId: string;
  workDir: string;
  agents: FakeAgent[];
  tasks: Map<string, FakeTask>;
  offers: Map<string, FakeOffer>;
  frameworks: Map<string, FakeFramework>;
  calls: RecordedCall[];
  /** MESSAGE calls (SIMPLIFICATION: there are no executors to deliver them to). */
  messages: any[];
  close(): Promise<void>;
  /** Remove an agent: rescind its offers, its tasks end TASK_LOST (GONE if PARTITION_AWARE), FAILURE{agent_id}. */
  loseAgent(agentId: string): void;
  /** Add an agent at run time (it is offered at the next cycle). */
  addAgent(spec: FakeAgentSpec): FakeAgent;
  /** Close the subscriber stream(s) (all frameworks, or one) as a broken connection would. */
  dropStream(frameworkId?: string): void;
  /** Stop sending HEARTBEAT events (the stream stays open). */
  /** Stops (or, with false, resumes) the HEARTBEAT events. */
  stopHeartbeats(stop?: boolean): void;
  /** Rescind one outstanding offer now. */
  rescind(offerId: string): void;
  /** Run an offer cycle now. */
  offerCycle(): void;
  /** Test hook (no real master does this): writes an event, RecordIO-framed, or raw bytes to every subscriber stream. */
  inject(event: Record<string, unknown> | { raw: string }): void;
  /**
   * Test hook (a network fault): the next call of this type gets no answer, its connection is cut;
   * with `process` the master still acts on it (the answer was lost), without it the call is lost.
   */
  cutNext(type: string, opts: { process: boolean }): void;
  /**
   * Test hook (a master or network that stalls): the next call of this type is never answered and its
   * connection stays open; with `process` the master still acts on it.
   */
  hangNext(type: string, opts: { process: boolean }): void;
  /**
   * Test hook: the events `fn` makes (offer cycles, rescinds, injected events …) reach each subscriber in one
   * write, so they arrive in one chunk, as a busy master's events do.
   */
  batch(fn: () => void): void;
  /**
   * Remove a framework as the operator's /teardown does, or as the master does when its failover timeout
   * passes (Master::removeFramework): its tasks are killed, its stream closed, and a later SUBSCRIBE with its
   * id is refused with ERROR "Framework has been removed".
   */
  removeFramework(frameworkId: string): void;
  /** The sandbox directory of a task (also reachable as /slaves/<aid>/frameworks/<fid>/executors/<tid>/runs/latest). */
  sandboxOf(taskId: string): string | null;
}

// ----------------------------------------------------------------------------------------- helpers


const SIGNAL_NAMES: Record<string, string> = {
  SIGTERM: 'Terminated', SIGKILL: 'Killed', SIGINT: 'Interrupt', SIGHUP: 'Hangup', SIGSEGV: 'Segmentation fault',
  SIGABRT: 'Aborted', SIGQUIT: 'Quit', SIGPIPE: 'Broken pipe', SIGUSR1: 'User defined signal 1', SIGUSR2: 'User defined signal 2',
};

// --------------------------------------------------------------------------------------------- master

export async function startMesosMaster(opts: MesosMasterOptions = {}): Promise<MesosMaster> {
  const heartbeatS = opts.heartbeatIntervalSeconds ?? 15;
  const offerIntervalMs = opts.offerIntervalMs ?? 1000;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  const killGraceMs = opts.killGraceMs ?? 3000;
  const ownWorkDir = !opts.workDir;
  const workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fake-mesos-'));
  const masterId = randomUUID();

  let nextFramework = 0;
  let nextOffer = 0;
  let nextAgent = 0;
  let heartbeatsOn = true;
  let closed = false;

  const agents: FakeAgent[] = [];
  const tasks = new Map<string, FakeTask>(); // key: `${frameworkId}/${taskId}` would be exact; task ids are unique per framework
  const offers = new Map<string, FakeOffer>();
  const frameworks = new Map<string, FakeFramework>();
  const completedFrameworks = new Set<string>();
  const calls: RecordedCall[] = [];
  const messages: any[] = [];
  const taskKey = (fwId: string, taskId: string) => `${fwId}/${taskId}`;
  let port = 0;
  const cuts = new Map<string, { process: boolean }>();
  const hangs = new Map<string, { process: boolean }>();
  /** While batching: the framed events each framework's stream is to get in one write. */
  let batched: Map<FakeFramework, string[]> | null = null;

  // ------------------------------------------------------------------------------- agents

  function addAgent(spec: FakeAgentSpec): FakeAgent {
    const unreserved = emptyRes();
    for (const [k, v] of Object.entries(spec.resources)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) unreserved.ranges[k] = normRanges(v);
      else if (v > 0) unreserved.scalars[k] = round(v);
    }
    let slots = bagOf(unreserved);
    for (const r of spec.reserved ?? []) {
      const res = emptyRes();
      for (const [k, v] of Object.entries(r.resources)) if (v > 0) res.scalars[k] = round(v);
      const dynamic = (r.type ?? (r.principal !== undefined || r.labels ? 'DYNAMIC' : 'STATIC')) === 'DYNAMIC';
      const reservation: Reservation = dynamic
        ? { type: 'DYNAMIC', role: r.role, ...(r.principal !== undefined ? { principal: r.principal } : {}), ...(r.labels ? { labels: { labels: Object.entries(r.labels).map(([key, value]) => ({ key, value })) } } : {}) }
        : { type: 'STATIC', role: r.role };
      slots = bagAdd(slots, bagOf(res, [reservation]));
    }
    const agent: FakeAgent = {
      id: spec.id ?? `${masterId}-S${nextAgent++}`, hostname: spec.hostname, slots, usedSlots: emptyBag(), attributes: spec.attributes ?? {}, removed: false,
      get total() { return bagSum(this.slots); },
      get used() { return bagSum(this.usedSlots); },
    };
    agents.push(agent);
    fs.mkdirSync(path.join(workDir, 'slaves', agent.id), { recursive: true });
    return agent;
  }
  for (const a of opts.agents ?? []) addAgent(a);
  const agentById = (id: string) => agents.find((a) => a.id === id && !a.removed);

  const attributesJson = (attrs: Record<string, string | number>) =>
    Object.entries(attrs).map(([name, v]) => (typeof v === 'number' ? { name, type: 'SCALAR', scalar: { value: v } } : { name, type: 'TEXT', text: { value: v } }));

  // ------------------------------------------------------------------------------- streams

  function send(fw: FakeFramework, event: any): void {
    if (!fw.connected || !fw.stream || fw.stream.writableEnded || fw.stream.destroyed) return;
    fw.events.push(event);
    const json = JSON.stringify(event);
    const framed = `${Buffer.byteLength(json)}\n${json}`;
    if (batched) batched.set(fw, [...(batched.get(fw) ?? []), framed]);
    else fw.stream.write(framed);
  }

  function masterInfo() {
    return {
      id: masterId, ip: 16777343 /* 127.0.0.1 in network byte order, as the real uint32 field */, port, hostname: '127.0.0.1',
      version: '1.11.0', address: { hostname: '127.0.0.1', ip: '127.0.0.1', port },
    };
  }

  function startHeartbeat(fw: FakeFramework): void {
    if (fw.heartbeat) clearInterval(fw.heartbeat);
    send(fw, { type: 'HEARTBEAT' });
    fw.heartbeat = setInterval(() => { if (heartbeatsOn) send(fw, { type: 'HEARTBEAT' }); }, heartbeatS * 1000);
  }

  function disconnect(fw: FakeFramework, stream: http.ServerResponse): void {
    if (fw.stream !== stream) return; // an older stream closed after a failover: nothing to do
    fw.connected = false;
    fw.stream = null;
    fw.streamId = null;
    if (fw.heartbeat) clearInterval(fw.heartbeat);
    fw.heartbeat = null;
    // A disconnected framework's offers go back to the allocator (Master::deactivate); no RESCIND (no stream).
    for (const o of [...offers.values()]) if (o.frameworkId === fw.id) removeOffer(o, false);
    if (closed || fw.removed) return;
    // failover_timeout (seconds, default 0): when it expires the framework is torn down and its tasks killed.
    const timeoutMs = Math.max(0, Number(fw.info.failover_timeout ?? 0) * 1000);
    fw.failover = setTimeout(() => teardown(fw), Math.min(timeoutMs, 2 ** 31 - 1));
  }

  // ------------------------------------------------------------------------------- offers

  function removeOffer(o: FakeOffer, rescind: boolean): void {
    if (!offers.has(o.id)) return;
    offers.delete(o.id);
    if (o.timer) clearTimeout(o.timer);
    if (rescind) {
      const fw = frameworks.get(o.frameworkId);
      if (fw) send(fw, { type: 'RESCIND', rescind: { offer_id: { value: o.id } } });
    }
  }

  function offeredOn(agentId: string): Bag {
    let r = emptyBag();
    for (const o of offers.values()) if (o.agentId === agentId) r = bagAdd(r, o.resources);
    return r;
  }

  function filtered(fw: FakeFramework, agentId: string, res: Bag): boolean {
    const now = Date.now();
    const list = (fw.filters.get(agentId) ?? []).filter((f) => f.until > now);
    fw.filters.set(agentId, list);
    // RefusedOfferFilter semantics: an offer is withheld while its resources are a subset of the refused ones.
    return list.some((f) => bagContains(f.res, res));
  }

  function offerCycle(): void {
    if (closed) return;
    for (const fw of frameworks.values()) {
      if (!fw.connected || fw.suppressed || fw.removed) continue;
      const made: FakeOffer[] = [];
      for (const agent of agents) {
        if (agent.removed) continue;
        // Without GPU_RESOURCES a framework is offered nothing from agents that have GPUs.
        if ((agent.total.scalars.gpus ?? 0) > 0 && !fw.capabilities.has('GPU_RESOURCES')) continue;
        // SIMPLIFICATION: "offered = allocated" per agent — while any offer for an agent is outstanding, the agent
        // is not offered again (the real allocator can offer the remainder to other frameworks/roles).
        if ([...offers.values()].some((o) => o.agentId === agent.id)) continue;
        // Unreserved resources, and those reserved for the framework's role (the allocator offers a role's
        // reservations to that role only).
        const free = bagForRole(bagSub(bagSub(agent.slots, agent.usedSlots), offeredOn(agent.id)), fw.role);
        if (bagIsEmpty(free) || filtered(fw, agent.id, free)) continue;
        const o: FakeOffer = { id: `${masterId}-O${nextOffer++}`, frameworkId: fw.id, agentId: agent.id, resources: free, timer: null };
        offers.set(o.id, o);
        if (opts.offerTimeoutMs !== undefined) o.timer = setTimeout(() => removeOffer(o, true), opts.offerTimeoutMs);
        made.push(o);
      }
      if (made.length === 0) continue;
      const refinement = fw.capabilities.has('RESERVATION_REFINEMENT');
      send(fw, {
        type: 'OFFERS',
        offers: {
          offers: made.map((o) => {
            const agent = agentById(o.agentId)!;
            return {
              id: { value: o.id }, framework_id: { value: fw.id }, agent_id: { value: agent.id }, hostname: agent.hostname,
              allocation_info: { role: fw.role }, resources: bagJson(o.resources, fw.role, refinement),
              attributes: attributesJson(agent.attributes), executor_ids: [],
              // The agent's URL (MP Offer.url). SIMPLIFICATION: every fake agent is served by the double's own port.
              url: { scheme: 'http', address: { hostname: agent.hostname, ip: '127.0.0.1', port }, path: '/slave(1)' },
            };
          }),
        },
      });
    }
  }
  const cycleTimer = setInterval(offerCycle, offerIntervalMs);
  let cycleSoon: NodeJS.Immediate | null = null;
  const offerSoon = () => { if (!cycleSoon) cycleSoon = setImmediate(() => { cycleSoon = null; offerCycle(); }); };

  function addFilter(fw: FakeFramework, agentId: string, res: Bag, filters: any): void {
    // MP Filters: refuse_seconds defaults to 5; the master caps it at 365 days; <= 0 means no filter.
    let s = Number(filters?.refuse_seconds ?? 5);
    if (!Number.isFinite(s)) s = 5;
    s = Math.min(s, 365 * 24 * 3600);
    if (s <= 0 || bagIsEmpty(res)) return;
    const list = fw.filters.get(agentId) ?? [];
    list.push({ until: Date.now() + s * 1000, res: bagAdd(emptyBag(), res) });
    fw.filters.set(agentId, list);
  }

  // ------------------------------------------------------------------------------- status updates

  function baseStatus(task: { id: string; agentId: string }, state: TaskStateName, source: string): any {
    return { task_id: { value: task.id }, state, source, agent_id: { value: task.agentId }, timestamp: Date.now() / 1000 };
  }

  /** A master-generated update: no uuid (so never acknowledged nor resent); dropped if the framework is away. */
  function masterUpdate(fw: FakeFramework, status: any): void {
    send(fw, { type: 'UPDATE', update: { status } });
  }

  /** Map the partition-aware states for frameworks without PARTITION_AWARE. */
  function compatState(fw: FakeFramework, s: TaskStateName): TaskStateName {
    if (fw.capabilities.has('PARTITION_AWARE')) return s;
    return ['TASK_UNREACHABLE', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN'].includes(s) ? 'TASK_LOST' : s;
  }

  function sendHead(task: FakeTask): void {
    if (task.retry) clearTimeout(task.retry);
    task.retry = null;
    const head = task.queue[0];
    const fw = frameworks.get(task.frameworkId);
    if (!head || !fw || task.removed) return;
    if (fw.connected) {
      task.statusUpdateState = head.state;
      send(fw, { type: 'UPDATE', update: { status: { ...head } } });
    }
    // SIMPLIFICATION: a fixed retry interval instead of the agent's 10 s → 10 min exponential backoff.
    task.retry = setTimeout(() => sendHead(task), ackTimeoutMs);
  }

  /** An agent/executor-generated update: random uuid, queued, only the head is in flight until acknowledged. */
  function agentUpdate(task: FakeTask, state: TaskStateName, extra: Record<string, unknown> = {}, source = 'SOURCE_EXECUTOR'): void {
    if (task.removed) return;
    task.state = state;
    const status = { ...baseStatus(task, state, source), executor_id: { value: task.id }, uuid: randomBytes(16).toString('base64'), ...extra };
    task.queue.push(status);
    if (isTerminal(state)) release(task);
    if (task.queue.length === 1) sendHead(task);
  }

  function release(task: FakeTask): void {
    if (task.released) return;
    task.released = true;
    const agent = agents.find((a) => a.id === task.agentId);
    if (agent) agent.usedSlots = bagSub(agent.usedSlots, task.resources);
    // SIMPLIFICATION: real recovered resources wait for the next batch allocation; so do they here.
  }

  // ------------------------------------------------------------------------------- tasks

  function launch(fw: FakeFramework, info: any, res: Bag): void {
    const agent = agentById(info.agent_id.value)!;
    const containerId = randomUUID();
    const sandbox = path.join(workDir, 'slaves', agent.id, 'frameworks', fw.id, 'executors', info.task_id.value, 'runs', containerId);
    const task: FakeTask = {
      id: info.task_id.value, frameworkId: fw.id, agentId: agent.id, info, resources: res, state: 'TASK_STAGING', statusUpdateState: null,
      containerId, sandbox, proc: null, pid: null, killRequested: false, queue: [], retry: null, killTimer: null, removed: false,
      released: false, exitCode: null, signal: null,
    };
    tasks.set(taskKey(fw.id, task.id), task);
    agent.usedSlots = bagAdd(agent.usedSlots, res);
    // A new task is TASK_STAGING with no event; the agent then starts it.
    setImmediate(() => runTask(fw, task));
  }

  function runTask(fw: FakeFramework, task: FakeTask): void {
    if (task.removed || closed) return;
    if (task.killRequested) {
      // Killed before the agent launched it.
      agentUpdate(task, 'TASK_KILLED', { reason: 'REASON_TASK_KILLED_DURING_LAUNCH', message: 'Task killed before delivery to the executor' }, 'SOURCE_AGENT');
      return;
    }
    const { file, args, argv0, env: taskEnv, word } = agentCommand(task.info);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>), // the real agent passes its own environment to executors by default
      MESOS_SANDBOX: task.sandbox, MESOS_DIRECTORY: task.sandbox, MESOS_TASK_ID: task.id, MESOS_FRAMEWORK_ID: fw.id,
      MESOS_AGENT_ID: task.agentId, MESOS_EXECUTOR_ID: task.id, MESOS_CONTAINER_NAME: `mesos-${task.containerId}`,
      ...taskEnv,
    };
    // The command executor sends TASK_STARTING, forks the command, then TASK_RUNNING.
    agentUpdate(task, 'TASK_STARTING');
    let out: number;
    let err: number;
    try {
      fs.mkdirSync(task.sandbox, { recursive: true });
      const latest = path.join(path.dirname(task.sandbox), 'latest');
      fs.rmSync(latest, { force: true });
      fs.symlinkSync(task.sandbox, latest, 'dir');
      out = fs.openSync(path.join(task.sandbox, 'stdout'), 'a');
      err = fs.openSync(path.join(task.sandbox, 'stderr'), 'a');
    } catch (e: any) {
      agentUpdate(task, 'TASK_FAILED', { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${e.message}` }, 'SOURCE_AGENT');
      return;
    }
    let child: ChildProcess;
    try {
      // detached: its own process group, so a kill reaches the whole tree as cgroup/container teardown would.
      child = spawn(file, args, { cwd: task.sandbox, env, detached: true, stdio: ['ignore', out, err], ...(argv0 !== undefined ? { argv0 } : {}) });
    } catch (e: any) {
      fs.closeSync(out);
      fs.closeSync(err);
      agentUpdate(task, 'TASK_FAILED', { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${e.message}` }, 'SOURCE_AGENT');
      return;
    }
    fs.closeSync(out);
    fs.closeSync(err);
    task.proc = child;
    let done = false;
    child.once('spawn', () => {
      task.pid = child.pid ?? null;
      if (task.removed || done) return;
      agentUpdate(task, 'TASK_RUNNING', {
        container_status: { container_id: { value: task.containerId }, executor_pid: child.pid, network_infos: [{ ip_addresses: [{ ip_address: '127.0.0.1', protocol: 'IPv4' }] }] },
      });
      if (task.killRequested) killProcess(fw, task);
    });
    child.once('error', (e) => {
      if (done) return;
      done = true;
      if (task.killTimer) clearTimeout(task.killTimer);
      // SIMPLIFICATION: an executable that cannot be exec'd is a launch failure here (the real command executor
      // would report the forked child's exit status instead).
      agentUpdate(task, 'TASK_FAILED', { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${e.message}` }, 'SOURCE_AGENT');
    });
    child.once('exit', (code, signal) => {
      if (done) return;
      done = true;
      if (task.killTimer) clearTimeout(task.killTimer);
      task.exitCode = code;
      task.signal = signal;
      const how = signal ? `terminated with signal ${SIGNAL_NAMES[signal] ?? signal}` : `exited with status ${code}`;
      const state: TaskStateName = task.killRequested ? 'TASK_KILLED' : code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED';
      agentUpdate(task, state, { message: `${word} ${how}` });
    });
  }

  function killProcess(fw: FakeFramework, task: FakeTask): void {
    if (!task.pid || task.killTimer) return;
    if (fw.capabilities.has('TASK_KILLING_STATE')) agentUpdate(task, 'TASK_KILLING');
    const pid = task.pid;
    const sig = (s: NodeJS.Signals) => { try { process.kill(-pid, s); } catch { /* already gone */ } };
    sig('SIGTERM');
    const ns = Number(task.info.kill_policy?.grace_period?.nanoseconds);
    const grace = Number.isFinite(ns) ? ns / 1e6 : killGraceMs;
    task.killTimer = setTimeout(() => sig('SIGKILL'), grace);
  }

  /** Stop a task's process without any further update (agent removed, framework torn down, double closed). */
  function silence(task: FakeTask): void {
    task.removed = true;
    if (task.retry) clearTimeout(task.retry);
    if (task.killTimer) clearTimeout(task.killTimer);
    task.retry = null;
    task.queue = [];
    if (task.pid && task.exitCode === null && task.signal === null) {
      try { process.kill(-task.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    release(task);
  }

  // ------------------------------------------------------------------------------- call handlers

  function teardown(fw: FakeFramework): void {
    if (fw.removed) return;
    fw.removed = true;
    completedFrameworks.add(fw.id);
    if (fw.failover) clearTimeout(fw.failover);
    if (fw.heartbeat) clearInterval(fw.heartbeat);
    for (const o of [...offers.values()]) if (o.frameworkId === fw.id) removeOffer(o, false);
    // SIMPLIFICATION: tasks are SIGKILLed at once (the real agent runs each executor's kill path).
    for (const t of tasks.values()) if (t.frameworkId === fw.id && !t.removed) silence(t);
    const s = fw.stream;
    fw.connected = false;
    fw.stream = null;
    s?.end();
    frameworks.delete(fw.id);
  }

  function subscribe(call: any, req: http.IncomingMessage, res: http.ServerResponse): void {
    const info = call.subscribe.framework_info;
    const caps = new Set<string>((info.capabilities ?? []).map((c: any) => String(c?.type)));
    const streamId = randomUUID();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId, 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const refuse = (message: string) => {
      const json = JSON.stringify({ type: 'ERROR', error: { message } });
      res.end(`${Buffer.byteLength(json)}\n${json}`);
    };
    // Invalid FrameworkInfo: 200, one ERROR event, then the stream closes (MS refuseSubscription).
    if (Array.isArray(info.roles) && info.roles.length > 0 && !caps.has('MULTI_ROLE')) return refuse("'FrameworkInfo.roles' is set but MULTI_ROLE capability is not specified");
    if (info.role !== undefined && caps.has('MULTI_ROLE')) return refuse("'FrameworkInfo.role' is set but MULTI_ROLE capability is specified");
    const id: string | undefined = info.id?.value;
    if (id && completedFrameworks.has(id)) return refuse('Framework has been removed');

    let fw = id ? frameworks.get(id) : undefined;
    const failover = !!fw;
    if (fw) {
      // Failover: the old stream (if any) is told and closed; the framework keeps its tasks.
      if (fw.failover) clearTimeout(fw.failover);
      fw.failover = null;
      if (fw.heartbeat) clearInterval(fw.heartbeat);
      const old = fw.stream;
      if (old) {
        send(fw, { type: 'ERROR', error: { message: 'Framework failed over' } });
        fw.stream = null;
        old.end();
      }
      fw.info = { ...info, id: { value: fw.id } };
      fw.capabilities = caps;
    } else {
      // New framework, or (a known id after a master failover, which this double cannot tell apart) re-registration.
      const newId = id ?? `${masterId}-${String(nextFramework++).padStart(4, '0')}`;
      fw = {
        id: newId, info: { ...info, id: { value: newId } }, role: '*', capabilities: caps, streamId: null, stream: null, connected: false,
        suppressed: false, filters: new Map(), heartbeat: null, failover: null, removed: false, events: [],
      };
      frameworks.set(newId, fw);
    }
    fw.role = caps.has('MULTI_ROLE') ? (info.roles?.[0] ?? '*') : (info.role ?? '*');
    const suppressedRoles: string[] = call.subscribe.suppressed_roles ?? [];
    fw.suppressed = suppressedRoles.includes(fw.role);
    fw.stream = res;
    fw.streamId = streamId;
    fw.connected = true;
    const theFw = fw;
    res.on('close', () => disconnect(theFw, res));
    req.socket.setKeepAlive(true);
    send(fw, { type: 'SUBSCRIBED', subscribed: { framework_id: { value: fw.id }, heartbeat_interval_seconds: heartbeatS, master_info: masterInfo() } });
    startHeartbeat(fw);
    if (failover) {
      for (const o of [...offers.values()]) if (o.frameworkId === fw.id) removeOffer(o, true);
      // Unacknowledged updates are re-sent to the new subscriber.
      for (const t of tasks.values()) if (t.frameworkId === fw.id && !t.removed && t.queue.length) sendHead(t);
    }
    offerSoon();
  }

  function accept(fw: FakeFramework, a: any): void {
    const offerIds: string[] = (a.offer_ids ?? []).map((o: any) => String(o?.value));
    const operations: any[] = a.operations ?? [];
    const launches: any[] = operations.flatMap((op) => (op?.type === 'LAUNCH' ? op.launch?.task_infos ?? [] : op?.type === 'LAUNCH_GROUP' ? op.launch_group?.task_group?.tasks ?? [] : []));

    // Offer validation (VAL offer::validate): each offer exists and is this framework's, all from one agent, no duplicates.
    let offerError: string | null = null;
    const seen = new Set<string>();
    let agentId: string | null = null;
    for (const id of offerIds) {
      const o = offers.get(id);
      if (seen.has(id)) offerError = `Duplicate offer ${id} in offer list`;
      else if (!o || o.frameworkId !== fw.id) offerError = `Offer ${id} is no longer valid`;
      else if (agentId !== null && o.agentId !== agentId) offerError = 'Aggregated offers must belong to one single agent';
      else agentId = o.agentId;
      seen.add(id);
      if (offerError) break;
    }
    if (offerIds.length === 0) offerError = 'No offers specified';
    let pool = emptyBag();
    for (const id of offerIds) {
      const o = offers.get(id);
      if (o && o.frameworkId === fw.id) {
        if (!offerError) pool = bagAdd(pool, o.resources);
        removeOffer(o, false); // valid offers are used up (recovered) even when the accept is invalid
      }
    }
    if (offerError) {
      const state = compatState(fw, 'TASK_DROPPED');
      for (const t of launches) {
        masterUpdate(fw, { ...baseStatus({ id: t.task_id.value, agentId: t.agent_id.value }, state, 'SOURCE_MASTER'), reason: 'REASON_INVALID_OFFERS', message: `Task launched with invalid offers: ${offerError}` });
      }
      return;
    }
    const agent = agentById(agentId!)!;
    const launchedIds = new Set<string>();
    for (const op of operations) {
      if (op?.type === 'LAUNCH' || op?.type === 'LAUNCH_GROUP') {
        const infos: any[] = op.type === 'LAUNCH' ? op.launch?.task_infos ?? [] : op.launch_group?.task_group?.tasks ?? [];
        for (const t of infos) {
          const taskError = (msg: string) =>
            masterUpdate(fw, { ...baseStatus({ id: t.task_id.value, agentId: t.agent_id.value }, 'TASK_ERROR', 'SOURCE_MASTER'), reason: 'REASON_TASK_INVALID', message: msg });
          if (op.type === 'LAUNCH_GROUP') {
            // SIMPLIFICATION: task groups (pods, default executor) are not supported by this double.
            taskError('Task group launch is not supported by the fake master');
            continue;
          }
          const existing = tasks.get(taskKey(fw.id, t.task_id.value));
          if ((existing && !existing.removed) || launchedIds.has(t.task_id.value)) { taskError(`Task has duplicate ID: ${t.task_id.value}`); continue; }
          if (t.agent_id.value !== agent.id) { taskError(`Task uses invalid agent ${t.agent_id.value} while agent ${agent.id} is expected`); continue; }
          if ((t.command === undefined) === (t.executor === undefined)) { taskError('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present'); continue; }
          if (t.executor !== undefined) {
            // SIMPLIFICATION: custom executors (which would speak the executor API) are not supported.
            taskError('Custom executors are not supported by the fake master');
            continue;
          }
          if (t.container?.type === 'DOCKER' && !t.container.docker?.image) { taskError('DockerInfo must be set for DOCKER containerizer'); continue; }
          // Resources are read as Master::accept does (validateAndUpgradeResources, injectAllocationInfo) and must
          // be contained, reservation by reservation, in what the offers hold (VAL task::internal::validateResources).
          let r: Bag;
          let foreign: string | null;
          try { ({ bag: r, foreignAllocation: foreign } = parseBag(t.resources, fw.role)); } catch (e: any) { taskError(e.message); continue; }
          if (bagIsEmpty(r)) { taskError('Task uses no resources'); continue; }
          if (foreign !== null || !bagContains(pool, r)) {
            taskError(`Total resources ${fmtBag(r, foreign ?? fw.role)} required by task and its executor is more than available ${fmtBag(pool, fw.role)}`);
            continue;
          }
          pool = bagSub(pool, r);
          launchedIds.add(t.task_id.value);
          launch(fw, t, r);
        }
      }
      // SIMPLIFICATION: RESERVE, UNRESERVE, CREATE, DESTROY and the other offer operations are ignored (recorded only).
    }
    // Leftovers are declined with the call's filters.
    addFilter(fw, agent.id, pool, a.filters);
  }

  function reconcileOne(fw: FakeFramework, taskId: string, agentId: string | undefined): void {
    const t = tasks.get(taskKey(fw.id, taskId));
    if (t && !t.removed) {
      masterUpdate(fw, { ...baseStatus(t, t.statusUpdateState ?? t.state, 'SOURCE_MASTER'), reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Latest task state' });
      return;
    }
    const known = agentId !== undefined && agentById(agentId);
    const state: TaskStateName = known ? 'TASK_GONE' : 'TASK_UNKNOWN';
    const status: any = { task_id: { value: taskId }, state: compatState(fw, state), source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', timestamp: Date.now() / 1000, message: known ? 'Reconciliation: Task is unknown to the agent' : 'Reconciliation: Task is unknown' };
    if (agentId !== undefined) status.agent_id = { value: agentId };
    // SIMPLIFICATION: agents are never "unreachable", "gone" or "recovering" here, so no TASK_UNREACHABLE,
    // TASK_GONE_BY_OPERATOR or silent answers.
    masterUpdate(fw, status);
  }

  function handle(fw: FakeFramework, call: any): void {
    switch (call.type) {
      case 'TEARDOWN':
        teardown(fw);
        break;
      case 'ACCEPT':
        accept(fw, call.accept);
        break;
      case 'DECLINE':
        for (const idv of call.decline.offer_ids ?? []) {
          const o = offers.get(String(idv?.value));
          if (!o || o.frameworkId !== fw.id) continue; // the real master only logs invalid ones
          removeOffer(o, false);
          addFilter(fw, o.agentId, o.resources, call.decline.filters);
        }
        break;
      case 'REVIVE': {
        const roles: string[] | undefined = call.revive?.roles;
        if (!roles || roles.length === 0 || roles.includes(fw.role)) {
          fw.filters.clear();
          fw.suppressed = false;
          offerSoon();
        }
        break;
      }
      case 'SUPPRESS': {
        const roles: string[] | undefined = call.suppress?.roles;
        if (!roles || roles.length === 0 || roles.includes(fw.role)) fw.suppressed = true;
        // SIMPLIFICATION: outstanding offers stay outstanding (as in the real master); no per-role bookkeeping.
        break;
      }
      case 'KILL': {
        const t = tasks.get(taskKey(fw.id, call.kill.task_id.value));
        if (!t || t.removed) {
          // Unknown task: the master answers by reconciling it.
          reconcileOne(fw, call.kill.task_id.value, call.kill.agent_id?.value);
          break;
        }
        if (isTerminal(t.state)) break;
        t.killRequested = true;
        if (t.pid) killProcess(fw, t);
        // else: not started yet; runTask (or the 'spawn' handler) sees killRequested
        break;
      }
      case 'ACKNOWLEDGE': {
        const ack = call.acknowledge;
        const t = tasks.get(taskKey(fw.id, ack.task_id.value));
        if (!t || t.removed || t.agentId !== ack.agent_id.value) break; // the real master logs and drops it
        const head = t.queue[0];
        if (!head || !Buffer.from(head.uuid, 'base64').equals(Buffer.from(ack.uuid, 'base64'))) break; // stale/duplicate ack
        t.queue.shift();
        if (t.retry) clearTimeout(t.retry);
        t.retry = null;
        if (isTerminal(head.state)) {
          // The master forgets a task once its terminal update is acknowledged.
          t.removed = true;
          release(t);
        } else {
          sendHead(t);
        }
        break;
      }
      case 'RECONCILE': {
        const list: any[] = call.reconcile.tasks ?? [];
        if (list.length === 0) {
          for (const t of tasks.values()) if (t.frameworkId === fw.id && !t.removed) reconcileOne(fw, t.id, t.agentId);
        } else {
          for (const x of list) reconcileOne(fw, x.task_id.value, x.agent_id?.value);
        }
        break;
      }
      case 'MESSAGE':
        messages.push(call.message);
        break;
      case 'UPDATE_FRAMEWORK':
        fw.info = { ...fw.info, ...call.update_framework.framework_info, id: { value: fw.id } };
        break;
      default:
        // SHUTDOWN, REQUEST, inverse offers, operation status: accepted and recorded, no effect.
        break;
    }
  }

  // ------------------------------------------------------------------------------- HTTP

  function reply(res: http.ServerResponse, status: number, body: string | Buffer = '', headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...(body ? { 'Content-Type': 'text/plain; charset=utf-8' } : {}), ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  function schedulerEndpoint(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const streamHeader = req.headers['mesos-stream-id'];
    const streamId = typeof streamHeader === 'string' ? streamHeader : null;
    const record: RecordedCall = { at: Date.now(), type: null, body: null, streamId, status: 0 };
    calls.push(record);
    const fail = (status: number, msg: string, headers: Record<string, string> = {}) => {
      record.status = status;
      record.error = msg;
      reply(res, status, msg, headers);
    };
    if (opts.redirectTo) {
      // Not the leader: 307 to the leader, protocol-relative as Master::Http::redirect builds it.
      const u = new URL(opts.redirectTo);
      return fail(307, '', { Location: `//${u.hostname}:${u.port}/api/v1/scheduler` });
    }
    if (req.method !== 'POST') return fail(405, `Expecting one of { 'POST' }, but received '${req.method}'`, { Allow: 'POST' });
    let principal: string | null = null;
    if (opts.credentials) {
      // libprocess BasicAuthenticator: 401 with a challenge when the header is missing or wrong.
      const expected = `Basic ${Buffer.from(`${opts.credentials.principal}:${opts.credentials.secret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return fail(401, '', { 'WWW-Authenticate': 'Basic realm="mesos"' });
      principal = opts.credentials.principal;
    }
    const ct = req.headers['content-type'];
    if (ct === undefined) return fail(400, "Expecting 'Content-Type' to be present");
    // The real master compares the media type exactly (no parameters such as charset).
    if (ct === 'application/x-protobuf') return fail(415, 'SIMPLIFICATION: the fake master only speaks application/json');
    if (ct !== 'application/json') return fail(415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    let call: any;
    try {
      call = JSON.parse(raw);
    } catch (e: any) {
      return fail(400, `Failed to parse body into JSON: ${e.message}`);
    }
    record.body = call;
    if (!call || typeof call !== 'object' || Array.isArray(call)) return fail(400, 'Failed to convert JSON into Call protobuf: Expecting a JSON object');
    // The call as stout parses it against scheduler.proto / mesos.proto (apache/mesos 1.11.0, schemas/mesos).
    const proto = checkMessage(call);
    if (proto.invalid.length) return fail(400, `Failed to convert JSON into Call protobuf: ${proto.invalid.join('; ')}`);
    if (proto.missing.length) return fail(400, `Failed to convert JSON into Call protobuf: Missing required fields: ${proto.missing.join(', ')}`);
    // STRICTER than a real master (which drops unknown fields silently): a field the protos do not define is an error.
    if (proto.unknown.length && opts.unknownFields !== 'ignore') return fail(400, `Failed to convert JSON into Call protobuf: unknown fields (not in mesos.v1 1.11.0): ${proto.unknown.join(', ')}`);
    record.type = call.type ?? null;
    // VAL scheduler::call::validate
    const v = 'Failed to validate scheduler::Call: ';
    if (call.type === undefined) return fail(400, `${v}Expecting 'type' to be present`);
    const field = CALL_FIELD[call.type];
    if (field && (call[field] === undefined || call[field] === null)) return fail(400, `${v}Expecting '${field}' to be present`);
    if (call.type === 'SUBSCRIBE') {
      const fid = call.subscribe.framework_info.id?.value;
      if (call.framework_id !== undefined && call.framework_id.value !== fid) return fail(400, `${v}'framework_id' differs from 'subscribe.framework_info.id'`);
      if (streamId !== null) return fail(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
      const claimed = call.subscribe.framework_info.principal;
      if (principal !== null && claimed !== principal) return fail(403, `Authenticated principal '${principal}' does not match principal '${claimed ?? ''}' set in \`FrameworkInfo\``);
      // SIMPLIFICATION: the Accept header is not negotiated (always JSON; no 406).
      record.status = 200;
      subscribe(call, req, res);
      return;
    }
    if (call.framework_id === undefined) return fail(400, `${v}Expecting 'framework_id' to be present`);
    if (call.type === 'ACKNOWLEDGE' && Buffer.from(call.acknowledge.uuid, 'base64').length !== 16) return fail(400, `${v}Not a valid UUID`);
    const fw = frameworks.get(call.framework_id.value);
    if (!fw) return fail(400, 'Framework cannot be found');
    if (!fw.connected) return fail(403, 'Framework is not subscribed');
    if (streamId === null) return fail(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    if (streamId !== fw.streamId) return fail(400, `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`);
    if (call.type === 'UPDATE_FRAMEWORK') {
      record.status = 200;
      handle(fw, call);
      return reply(res, 200);
    }
    const cut = cuts.get(call.type);
    if (cut) {
      cuts.delete(call.type);
      record.status = 0;
      record.error = 'connection cut (test hook)';
      res.socket?.destroy();
      if (cut.process) setImmediate(() => { if (!closed) handle(fw, call); });
      return;
    }
    const hang = hangs.get(call.type);
    if (hang) {
      hangs.delete(call.type);
      record.status = 0;
      record.error = 'no answer (test hook)';
      if (hang.process) setImmediate(() => { if (!closed) handle(fw, call); });
      return;
    }
    record.status = 202;
    reply(res, 202);
    // Processed asynchronously, after the 202, as the real master does; results come as events.
    setImmediate(() => { if (!closed) handle(fw, call); });
  }

  function filesRead(req: http.IncomingMessage, res: http.ServerResponse): void {
    // The agent's /files/read (src/files/files.cpp). SIMPLIFICATION: served by the master double's port for every
    // agent (a real client asks http://<agent hostname>:5051/files/read).
    const u = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: any) => reply(res, status, JSON.stringify(body), { 'Content-Type': 'application/json' });
    const p = u.searchParams.get('path');
    if (!p) return reply(res, 400, "Expecting 'path=value' in query.\n");
    let offset = -1;
    let length = -1;
    if (u.searchParams.has('offset')) {
      offset = Number(u.searchParams.get('offset'));
      if (!Number.isInteger(offset)) return reply(res, 400, `Failed to parse offset: '${u.searchParams.get('offset')}'.\n`);
    }
    if (u.searchParams.has('length')) {
      length = Number(u.searchParams.get('length'));
      if (!Number.isInteger(length)) return reply(res, 400, `Failed to parse length: '${u.searchParams.get('length')}'.\n`);
      if (length < -1) return reply(res, 400, 'Negative length provided: ' + length + '.\n');
    }
    // Absolute sandbox paths, the agent's virtual /frameworks/<fid>/executors/<eid>/runs/latest/... path
    // (slave.cpp attaches each executor's sandbox there; executor id = task id for command and docker
    // executors), or the /slaves/<aid>/frameworks/... form under the work dir.
    const virtual = /^\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/latest(\/.*)?$/.exec(p);
    const task = virtual ? [...tasks.values()].find((t) => t.frameworkId === virtual[1] && t.id === virtual[2]) : undefined;
    if (virtual && !task) return reply(res, 404, 'File not found.\n');
    const resolved = task ? path.resolve(path.join(task.sandbox, virtual![3] ?? '')) : path.resolve(p.startsWith(workDir) ? p : path.join(workDir, p));
    let real: string;
    try { real = fs.realpathSync(resolved); } catch { return reply(res, 404, 'File not found.\n'); }
    if (!real.startsWith(fs.realpathSync(workDir) + path.sep)) return reply(res, 404, 'File not found.\n');
    const st = fs.statSync(real);
    if (st.isDirectory()) return reply(res, 400, 'Cannot read a directory.\n');
    const size = st.size;
    if (offset === -1) offset = size;
    if (length === -1) length = size - offset;
    length = Math.min(length, 4096 * 16); // capped at 16 pages
    if (offset >= size) return json(200, { data: '', offset: size });
    const fd = fs.openSync(real, 'r');
    try {
      const buf = Buffer.alloc(Math.max(0, length));
      const n = fs.readSync(fd, buf, 0, buf.length, offset);
      // As stout's JSON writer: the bytes as they are, only quotes, backslashes and control
      // characters escaped (a page may end inside a UTF-8 character).
      const raw = buf.subarray(0, n);
      const parts: Buffer[] = [Buffer.from('{"data":"')];
      let from = 0;
      for (let i = 0; i < raw.length; i++) {
        const b = raw[i];
        if (b !== 0x22 && b !== 0x5c && b >= 0x20) continue;
        parts.push(raw.subarray(from, i), Buffer.from(b === 0x22 ? '\\"' : b === 0x5c ? '\\\\' : `\\u${b.toString(16).padStart(4, '0')}`));
        from = i + 1;
      }
      parts.push(raw.subarray(from), Buffer.from(`","offset":${offset}}`));
      return reply(res, 200, Buffer.concat(parts), { 'Content-Type': 'application/json' });
    } finally {
      fs.closeSync(fd);
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const pathname = (req.url ?? '/').split('?')[0];
      try {
        if (pathname === '/api/v1/scheduler') schedulerEndpoint(req, res, Buffer.concat(chunks).toString('utf8'));
        else if ((pathname === '/files/read' || pathname === '/files/read.json') && req.method === 'GET') filesRead(req, res);
        else reply(res, 404);
      } catch (e: any) {
        if (!res.headersSent) reply(res, e instanceof BadRequest ? 400 : 500, String(e?.message ?? e));
        else res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    masterId,
    workDir,
    agents,
    tasks,
    offers,
    frameworks,
    calls,
    messages,
    addAgent(spec) {
      const a = addAgent(spec);
      offerSoon();
      return a;
    },
    loseAgent(agentId) {
      const agent = agentById(agentId);
      if (!agent) throw new Error(`no such agent ${agentId}`);
      // Master::removeSlave → __removeSlave: rescind offers, forward LOST/GONE for its tasks, then FAILURE{agent_id}.
      for (const o of [...offers.values()]) if (o.agentId === agentId) removeOffer(o, true);
      agent.removed = true;
      for (const t of tasks.values()) {
        if (t.agentId !== agentId || t.removed) continue;
        const wasTerminal = isTerminal(t.state);
        // SIMPLIFICATION: the task's process is killed (a real task on a removed agent may keep running there).
        silence(t);
        t.state = 'TASK_LOST';
        const fw = frameworks.get(t.frameworkId);
        if (!fw || wasTerminal) continue;
        masterUpdate(fw, { ...baseStatus(t, compatState(fw, 'TASK_GONE'), 'SOURCE_MASTER'), reason: 'REASON_AGENT_REMOVED', message: `Agent ${agent.hostname} removed: lost (test hook)` });
      }
      for (const fw of frameworks.values()) send(fw, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    },
    dropStream(frameworkId) {
      for (const fw of frameworks.values()) if ((!frameworkId || fw.id === frameworkId) && fw.stream) fw.stream.destroy();
    },
    stopHeartbeats(stop = true) {
      heartbeatsOn = !stop;
    },
    rescind(offerId) {
      const o = offers.get(offerId);
      if (o) removeOffer(o, true);
    },
    offerCycle,
    cutNext(type, o) {
      cuts.set(type, o);
    },
    hangNext(type, o) {
      hangs.set(type, o);
    },
    batch(fn) {
      const mine = new Map<FakeFramework, string[]>();
      batched = mine;
      try {
        fn();
      } finally {
        batched = null;
        for (const [fw, frames] of mine) if (fw.stream && !fw.stream.writableEnded && !fw.stream.destroyed) fw.stream.write(frames.join(''));
      }
    },
    removeFramework(frameworkId) {
      const fw = frameworks.get(frameworkId);
      if (!fw) throw new Error(`no such framework ${frameworkId}`);
      teardown(fw);
    },
    inject(event) {
      for (const fw of frameworks.values()) {
        if (!fw.connected || !fw.stream || fw.stream.writableEnded || fw.stream.destroyed) continue;
        if ('raw' in event && typeof event.raw === 'string') fw.stream.write(event.raw);
        else send(fw, event);
      }
    },
    sandboxOf(taskId) {
      for (const t of tasks.values()) if (t.id === taskId) return t.sandbox;
      return null;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(cycleTimer);
      if (cycleSoon) clearImmediate(cycleSoon);
      for (const o of [...offers.values()]) removeOffer(o, false);
      for (const t of tasks.values()) silence(t);
      for (const fw of frameworks.values()) {
        if (fw.heartbeat) clearInterval(fw.heartbeat);
        if (fw.failover) clearTimeout(fw.failover);
        fw.stream?.end();
      }
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      if (ownWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
