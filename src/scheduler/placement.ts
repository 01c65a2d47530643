// Best-fit placement of queued jobs on node offers, Scale's way (scheduler/scheduling/manager.py):
// walk the queue in priority order; a job no node in the cluster could ever hold (too big, or needing
// a runtime such as Docker that no node has) is skipped, so it does not block the jobs behind it
// (Scale #1801); a job that fits a node's size but not its free room now reserves the best such
// node for this pass so smaller jobs cannot starve it.
import type { Resources } from '../core/nodes/service.ts';

/** How a node runs work: child processes, or containers on a Docker engine. */
export type Runtime = 'process' | 'docker';

export interface Candidate {
  jobId: number;
  jobTypeId: number;
  need: Resources;
  runtime: Runtime;
  /** At most this many executions of the job type may run at once (null: no limit). */
  maxScheduled: number | null;
}

export interface Offer {
  nodeId: number;
  total: Resources;
  free: Resources;
  runtimes: Runtime[];
  /** How many more executions of a runtime the node takes now (e.g. containers in flight), when limited. */
  slots?: Partial<Record<Runtime, number>>;
}

/** A node of the cluster as far as "could this job ever run anywhere" is concerned. */
export interface ClusterNode {
  total: Resources;
  runtimes: Runtime[];
}

export type WaitReason = 'INSUFFICIENT_RESOURCES' | 'NO_RUNTIME' | 'WAITING_FOR_RESOURCES' | 'MAX_SCHEDULED';

export interface PlacementResult {
  placed: { jobId: number; nodeId: number }[];
  waiting: Map<number, WaitReason>;
  /** The offers still open after this placement, with what is left free on them. */
  remaining: Offer[];
}

const DIMS = ['cpus', 'mem', 'disk'] as const;
// Floating point sums of fractional cpus must not refuse an exact fit.
const EPS = 1e-9;

/** Whether a need fits in a room; GPUs count only when the job needs some (most nodes have none). */
export function fits(need: Resources, room: Resources): boolean {
  return DIMS.every((d) => need[d] <= room[d] + EPS) && (need.gpus ?? 0) <= (room.gpus ?? 0) + EPS;
}

/**
 * How much of a node a placement would leave unused, normalised per dimension; lower is a tighter
 * fit. A job without GPUs keeps off GPU nodes while others have room (Mesos' advice for GPU_RESOURCES).
 */
function leftover(need: Resources, offer: Offer): number {
  const gpuPenalty = !need.gpus && (offer.total.gpus ?? 0) > 0 ? DIMS.length : 0;
  return gpuPenalty + DIMS.reduce((sum, d) => sum + (offer.total[d] > 0 ? (offer.free[d] - need[d]) / offer.total[d] : 0), 0);
}

/**
 * @param candidates queued jobs in queue order
 * @param offers the nodes this pass may place on, with their free resources
 * @param clusterNodes every live node of the cluster (decides "could ever run": runtime and size)
 * @param running executions running now per job type (for max_scheduled)
 */
export function place(candidates: Candidate[], offers: Offer[], clusterNodes: ClusterNode[], running: Map<number, number>): PlacementResult {
  const available = offers.map((o) => ({ ...o, free: { ...o.free }, slots: o.slots ? { ...o.slots } : undefined }));
  const hasSlot = (o: Offer, c: Candidate) => (o.slots?.[c.runtime] ?? 1) > 0;
  const counts = new Map(running);
  const placed: PlacementResult['placed'] = [];
  const waiting = new Map<number, WaitReason>();
  for (const c of candidates) {
    const able = clusterNodes.filter((n) => n.runtimes.includes(c.runtime));
    if (!able.length) {
      waiting.set(c.jobId, 'NO_RUNTIME');
      continue;
    }
    if (!able.some((n) => fits(c.need, n.total))) {
      waiting.set(c.jobId, 'INSUFFICIENT_RESOURCES');
      continue;
    }
    if (c.maxScheduled !== null && (counts.get(c.jobTypeId) ?? 0) >= c.maxScheduled) {
      waiting.set(c.jobId, 'MAX_SCHEDULED');
      continue;
    }
    let best: (typeof available)[number] | null = null;
    for (const o of available) {
      if (o.runtimes.includes(c.runtime) && hasSlot(o, c) && fits(c.need, o.free) && (!best || leftover(c.need, o) < leftover(c.need, best))) best = o;
    }
    if (best) {
      for (const d of DIMS) best.free[d] -= c.need[d];
      if (c.need.gpus) best.free.gpus = (best.free.gpus ?? 0) - c.need.gpus;
      if (best.slots?.[c.runtime] !== undefined) best.slots[c.runtime]! -= 1;
      placed.push({ jobId: c.jobId, nodeId: best.nodeId });
      counts.set(c.jobTypeId, (counts.get(c.jobTypeId) ?? 0) + 1);
      continue;
    }
    // Fits the cluster but nothing here has room now: hold back the offered node closest to fitting.
    const reservable = available.filter((o) => o.runtimes.includes(c.runtime) && fits(c.need, o.total));
    if (reservable.length) {
      const nearest = reservable.reduce((a, b) => (leftover(c.need, a) >= leftover(c.need, b) ? a : b));
      available.splice(available.indexOf(nearest), 1);
    }
    waiting.set(c.jobId, 'WAITING_FOR_RESOURCES');
  }
  return { placed, waiting, remaining: available };
}
