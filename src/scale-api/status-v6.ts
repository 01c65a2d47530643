// GET /v6/status/ in Scale 6.0.0's shape: the JSON its scheduler status thread writes
// (scheduler/threads/scheduler_status.py and the generate_status_json of the scheduler, system task,
// node, resource, job execution, task and job type managers), built from this server's nodes,
// executions and job types. Pure: data in, JSON out.
import type { JobType } from '../core/job-types/service.ts';
import { EXE } from '../core/jobs/model.ts';
import type { ExeMetric, Node, Resources } from '../core/nodes/service.ts';
import { iso } from './codecs.ts';

/** How far back completed and failed executions count (Scale's FinishedJobExeMetricsOverTime). */
export const FINISHED_WINDOW_MS = 3 * 3600_000;

export interface StatusV6Input {
  now: Date;
  hostname: string;
  schedulerPaused: boolean;
  /** Executions started and ended over the last `rateSeconds`, for the scheduler's per-second metrics. */
  rates: { launched: number; finished: number };
  rateSeconds: number;
  nodes: { node: Node; online: boolean; running: Resources }[];
  exes: ExeMetric[];
  jobTypes: JobType[];
}

const state = (name: string, title: string, description: string) => ({ name, title, description });

// Scale's SchedulerManager states.
const SCHEDULER_READY = state('READY', 'Ready', 'Scheduler is ready to run new jobs.');
const SCHEDULER_PAUSED = state('PAUSED', 'Paused', 'Scheduler is paused, so no new jobs will be scheduled. Existing jobs will continue to run.');

// Scale's Node states that this server's nodes can be in (it has no initial cleanup or image pull
// step, and no node error conditions, so never INITIAL_CLEANUP, IMAGE_PULL or DEGRADED).
const NODE_DEPRECATED = state('DEPRECATED', 'Deprecated', 'Node is deprecated and will not be used by Scale. Existing jobs on the node will be failed.');
const NODE_OFFLINE = state('OFFLINE', 'Offline', 'Node is offline/unavailable, so no jobs can currently run on it.');
const NODE_PAUSED = state('PAUSED', 'Paused', 'Node is paused, so no new jobs will be scheduled. Existing jobs will continue to run.');
const NODE_SCHEDULER_STOPPED = state('SCHEDULER_STOPPED', 'Scheduler Stopped', 'Scheduler is paused, so no new jobs will be scheduled. Existing jobs will continue to run.');
const NODE_READY = state('READY', 'Ready', 'Node is ready to run new jobs.');

/** The node's state, decided in the order of Scale's Node._update_state. */
export function nodeState(n: Node, online: boolean, schedulerPaused: boolean) {
  if (!n.isActive) return NODE_DEPRECATED;
  if (!online) return NODE_OFFLINE;
  if (n.isPaused) return NODE_PAUSED;
  if (schedulerPaused) return NODE_SCHEDULER_STOPPED;
  return NODE_READY;
}

const NAMES = ['cpus', 'mem', 'disk', 'gpus'] as const;
type Name = (typeof NAMES)[number];
interface Amounts { offered: number; total: number; running: number; free: number; unavailable: number }
type ResourceJson = Record<Name, Amounts>;

// Scale rounds every figure to two decimals (NodeResources.round_values).
const round = (v: number) => Math.round(v * 100) / 100;

/**
 * A node's resources as Scale breaks them down. This server holds no offers (it places work on a
 * node's free resources itself), so nothing is ever `offered`; what running executions do not hold
 * is `free` on a node that is online, and `unavailable` on one that is not.
 */
export function nodeResources(total: Resources, running: Resources, online: boolean): ResourceJson {
  const out = {} as ResourceJson;
  for (const k of NAMES) {
    const t = total[k] ?? 0;
    const r = running[k] ?? 0;
    const rest = Math.max(0, t - r);
    out[k] = { offered: 0, total: round(t), running: round(r), free: online ? round(rest) : 0, unavailable: online ? 0 : round(rest) };
  }
  return out;
}

function sumResources(list: ResourceJson[]): ResourceJson {
  const out = {} as ResourceJson;
  for (const k of NAMES) {
    const a: Amounts = { offered: 0, total: 0, running: 0, free: 0, unavailable: 0 };
    for (const r of list) for (const f of Object.keys(a) as (keyof Amounts)[]) a[f] += r[k][f];
    for (const f of Object.keys(a) as (keyof Amounts)[]) a[f] = round(a[f]);
    out[k] = a;
  }
  return out;
}

/** {total, by_job_type: [{job_type_id, count}]} of some executions (Scale's JobExeMetricsByType). */
function byJobType(rows: ExeMetric[]) {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.jobTypeId, (counts.get(r.jobTypeId) ?? 0) + r.count);
  return { total: rows.reduce((n, r) => n + r.count, 0), by_job_type: [...counts].map(([id, count]) => ({ job_type_id: id, count })) };
}

/**
 * A node's executions: running now, and completed or failed (by error category) in the last three
 * hours. As in Scale, a failure counts only under its error category.
 */
export function jobExecutions(rows: ExeMetric[]) {
  const failed = (category: ExeMetric['category']) => byJobType(rows.filter((r) => r.status === EXE.FAILED && r.category === category));
  const [algorithm, data, system] = [failed('ALGORITHM'), failed('DATA'), failed('SYSTEM')];
  return {
    running: byJobType(rows.filter((r) => r.status === EXE.RUNNING)),
    completed: byJobType(rows.filter((r) => r.status === EXE.COMPLETED)),
    failed: { total: algorithm.total + data.total + system.total, algorithm, data, system },
  };
}

export function statusV6(s: StatusV6Input) {
  const perSec = (n: number) => Math.round((n / s.rateSeconds) * 100) / 100;
  const nodes = s.nodes.map(({ node, online, running }) => ({
    id: node.id, hostname: node.hostname, agent_id: node.slaveId, is_active: node.isActive, state: nodeState(node, online, s.schedulerPaused),
    // No node error or warning conditions, and no node or system tasks here (Scale leaves the task
    // lists out when a node has none; empty lists read the same to its UI).
    errors: [], warnings: [], node_tasks: [], system_tasks: [],
    num_offers: 0, resources: nodeResources(node.total, running, online),
    job_executions: jobExecutions(s.exes.filter((x) => x.nodeId === node.id)),
  }));
  return {
    timestamp: iso(s.now),
    scheduler: {
      hostname: s.hostname,
      // Not a Mesos framework here unless the Mesos executor is used, and then its id stays with it.
      mesos: { framework_id: null },
      metrics: {
        new_offers_per_sec: 0, task_updates_per_sec: 0, offers_launched_per_sec: 0,
        // One task per execution here.
        jobs_launched_per_sec: perSec(s.rates.launched), tasks_launched_per_sec: perSec(s.rates.launched),
        jobs_finished_per_sec: perSec(s.rates.finished), tasks_finished_per_sec: perSec(s.rates.finished),
      },
      state: s.schedulerPaused ? SCHEDULER_PAUSED : SCHEDULER_READY,
      warnings: [],
    },
    // The database is migrated before the server answers; Scale's messaging service has no counterpart.
    system: { database_update: { is_completed: true }, services: [] },
    // Secret settings are kept by the built-in store (sealed with the server's key), always open.
    vault: { status: 'Ok', sealed: false, message: '' },
    num_offers: 0,
    // As in Scale, only active nodes count toward the cluster's resources.
    resources: sumResources(nodes.filter((n) => n.is_active).map((n) => n.resources)),
    job_types: s.jobTypes.map((t) => ({ id: t.id, name: t.name, version: t.version, title: t.title, description: t.description, is_system: t.isSystem, icon_code: t.iconCode })),
    nodes,
    dependencies: dependencies(nodes),
  };
}

/**
 * The dependencies later Scale releases add to this document (scheduler/dependencies/manager.py of
 * Scale 7), which scale-ui's System Status page and navbar list: the two this server has, its
 * database (it answers only once migrated and connected) and its nodes, judged as Scale judges them.
 */
function dependencies(nodes: { state: { name: string } }[]) {
  const database = { OK: true, detail: { msg: 'Database alive and well' }, errors: [], warnings: [] };
  if (!nodes.length) return { database, nodes: { OK: false, detail: { msg: 'No nodes reported' }, errors: [{ NODES_OFFLINE: 'No nodes reported.' }], warnings: [] } };
  const offline = nodes.filter((n) => n.state.name === 'OFFLINE').length;
  const degraded = nodes.filter((n) => n.state.name === 'DEGRADED').length;
  const bad = offline + degraded > nodes.length * 0.3;
  return {
    database,
    nodes: {
      OK: !bad,
      detail: { msg: bad ? 'Over a third of nodes are in an error state' : 'Enough nodes are online to function.' },
      errors: bad ? [{ NODES_ERRORED: 'Over a third of the nodes are offline or degraded.' }] : [],
      warnings: [...(offline ? [{ NODES_OFFLINE: `${offline} nodes are offline` }] : []), ...(degraded ? [{ NODES_DEGRADED: `${degraded} nodes are degraded` }] : [])],
    },
  };
}
