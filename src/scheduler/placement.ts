// Best-fit placement of queued jobs on node offers, Scale's way (scheduler/scheduling/manager.py):
// walk the queue in priority order; a job no node in the cluster could ever hold (too big, or needing
// a runtime such as Docker that no node has) is skipped, so it does not block the jobs behind it
// (Scale #1801); a job that fits a node's size but not its free room now reserves the best such
// node for this pass so smaller jobs cannot starve it.
import type { Resources } from '../core/nodes/service.ts';

/** How a node runs work: child processes, or containers on a Docker engine. */
/** What a node can run: commands as processes, Docker images, and CWL documents with cwltool (which drives Docker). */
export type Runtime = 'process' | 'docker' | 'cwl';

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
  slots?: Slots;
}

/** Executions a node may still start now, per runtime and (`any`) in all; absent means no limit. */
export type Slots = Partial<Record<Runtime | 'any', number>>;

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
  /** Executions per job type counting this placement's (pass it on to place the next candidates). */
  counts: Map<number, number>;
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

const shapeOf = (c: Candidate) => `${c.runtime}|${c.need.cpus}|${c.need.mem}|${c.need.disk}|${c.need.gpus ?? 0}`;

/**
 * @param candidates queued jobs in queue order
 * @param offers the nodes this pass may place on, with their free resources (a later call may
 *   continue with the `remaining` of an earlier one)
 * @param clusterNodes every live node of the cluster (decides "could ever run": runtime and size)
 * @param running executions running now per job type (for max_scheduled)
 *
 * Costs about candidates × offers for jobs that fit somewhere; jobs of one shape (most of a queue)
 * share the "could it ever run" answer, and once no offer has room for a shape, later jobs of that
 * shape skip the search (offers only shrink within a pass).
 */
export function place(candidates: Candidate[], offers: Offer[], clusterNodes: ClusterNode[], running: Map<number, number>): PlacementResult {
  const available = offers.map((o) => ({ ...o, free: { ...o.free }, slots: o.slots ? { ...o.slots } : undefined }));
  const counts = new Map(running);
  const placed: PlacementResult['placed'] = [];
  const waiting = new Map<number, WaitReason>();
  // Per shape: whether any cluster node could ever hold it (or which reason says no), and whether offers are exhausted for it.
  const hopeless = new Map<string, WaitReason | null>();
  const exhausted = new Set<string>();
  // The offer a shape was last placed on, while nothing else changed since: it is still that shape's
  // best fit (its leftover only shrank, every other offer is as it was), so the next job of the same
  // shape goes there without a search — a queue of like jobs fills a node, then searches again.
  const lastBest = new Map<string, { offer: (typeof available)[number]; version: number }>();
  let version = 0;
  for (const c of candidates) {
    const shape = shapeOf(c);
    let never = hopeless.get(shape);
    if (never === undefined) {
      const able = clusterNodes.filter((n) => n.runtimes.includes(c.runtime));
      never = !able.length ? 'NO_RUNTIME' : !able.some((n) => fits(c.need, n.total)) ? 'INSUFFICIENT_RESOURCES' : null;
      hopeless.set(shape, never);
    }
    if (never) {
      waiting.set(c.jobId, never);
      continue;
    }
    if (c.maxScheduled !== null && (counts.get(c.jobTypeId) ?? 0) >= c.maxScheduled) {
      waiting.set(c.jobId, 'MAX_SCHEDULED');
      continue;
    }
    const nc = c.need.cpus;
    const nm = c.need.mem;
    const nd = c.need.disk;
    const ng = c.need.gpus ?? 0;
    const roomFor = (o: Offer) =>
      o.free.cpus + EPS >= nc && o.free.mem + EPS >= nm && o.free.disk + EPS >= nd && (ng === 0 || (o.free.gpus ?? 0) + EPS >= ng) && (o.slots?.[c.runtime] ?? 1) > 0 && (o.slots?.any ?? 1) > 0;
    let best: (typeof available)[number] | null = null;
    const cached = lastBest.get(shape);
    if (cached && cached.version === version && roomFor(cached.offer)) best = cached.offer;
    else if (!exhausted.has(shape)) {
      let bestLeft = Infinity;
      for (const o of available) {
        if (!roomFor(o) || !o.runtimes.includes(c.runtime)) continue;
        const t = o.total;
        let left = (t.cpus > 0 ? (o.free.cpus - nc) / t.cpus : 0) + (t.mem > 0 ? (o.free.mem - nm) / t.mem : 0) + (t.disk > 0 ? (o.free.disk - nd) / t.disk : 0);
        if (ng === 0 && (t.gpus ?? 0) > 0) left += DIMS.length;
        if (left < bestLeft) {
          best = o;
          bestLeft = left;
        }
      }
    }
    if (best) {
      for (const d of DIMS) best.free[d] -= c.need[d];
      if (ng) best.free.gpus = (best.free.gpus ?? 0) - ng;
      if (best.slots?.[c.runtime] !== undefined) best.slots[c.runtime]! -= 1;
      if (best.slots?.any !== undefined) best.slots.any -= 1;
      placed.push({ jobId: c.jobId, nodeId: best.nodeId });
      counts.set(c.jobTypeId, (counts.get(c.jobTypeId) ?? 0) + 1);
      lastBest.set(shape, { offer: best, version: ++version });
      continue;
    }
    exhausted.add(shape);
    // Fits the cluster but nothing here has room now: hold back the offered node closest to fitting.
    let nearest = -1;
    let nearestLeft = -Infinity;
    for (let i = 0; i < available.length; i++) {
      const o = available[i];
      if (!o.runtimes.includes(c.runtime) || !fits(c.need, o.total)) continue;
      const left = leftover(c.need, o);
      if (left > nearestLeft) {
        nearest = i;
        nearestLeft = left;
      }
    }
    if (nearest >= 0) {
      available.splice(nearest, 1);
      version++;
    }
    waiting.set(c.jobId, 'WAITING_FOR_RESOURCES');
  }
  return { placed, waiting, remaining: available, counts };
}
