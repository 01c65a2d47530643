// Mesos offers and tasks in this server's terms (issue 10, point 2's building blocks; pure):
// an Offer read into the scalar resources a node has (only scalars in an accepted role, as Scale
// does; an offer carrying a foreign-role resource is declined whole; resources of unknown types are
// reported, never fatal), and a run contract written as the TaskInfo that launches it: a Docker
// container for image job types (volumes, environment, shm-size as docker parameters, labels), or a
// command (shell false: the argv itself) for the rest. REFERENCE.md §2-4. A task's resources are taken
// from the offered ones as they are (bindResources): the same role, reservation (static, or dynamic
// with its principal and labels) and allocation_info, so the master finds them in the offer.
import type { Contract } from '../contract.ts';
import type { LaunchSpec } from '../executor.ts';

export interface ReadOffer {
  offerId: string;
  agentId: string;
  hostname: string;
  attributes: Record<string, string | number>;
  /** Scalars by name (cpus, mem and disk in MiB, gpus, and any custom scalar), summed across roles accepted. */
  resources: Record<string, number>;
  /** A resource of a role this framework does not accept: Scale declines such an offer whole. */
  foreignRole: string | null;
  /** Resources left out because their type is not SCALAR (ports ranges, sets, …). */
  ignored: string[];
  /** The offered scalars in accepted roles, each as the master wrote it (role, reservation, allocation_info …). */
  scalars: OfferedScalar[];
}

/** One offered scalar resource: its JSON as offered, and its amount. */
export interface OfferedScalar {
  name: string;
  value: number;
  /** The Resource as offered; a task's share of it is this with its own scalar value. */
  json: Record<string, any>;
  /** Reserved for the accepted role (taken before unreserved resources). */
  reserved: boolean;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The role a resource is allocated under: reservations (refined), the deprecated role, or "*". */
function roleOf(r: Record<string, any>): string {
  if (Array.isArray(r.reservations) && r.reservations.length) return String(r.reservations[r.reservations.length - 1]?.role ?? '*');
  if (typeof r.role === 'string') return r.role;
  return '*';
}

export function readOffer(o: unknown, acceptedRole = '*'): { value: ReadOffer | null; problem?: string } {
  if (!isObject(o) || !isObject(o.id) || typeof o.id.value !== 'string' || !isObject(o.agent_id) || typeof o.agent_id.value !== 'string') {
    return { value: null, problem: 'an offer without id or agent_id' };
  }
  const resources: Record<string, number> = {};
  const ignored: string[] = [];
  const scalars: OfferedScalar[] = [];
  let foreignRole: string | null = null;
  for (const r of Array.isArray(o.resources) ? o.resources : []) {
    if (!isObject(r) || typeof r.name !== 'string') {
      ignored.push('(unnamed)');
      continue;
    }
    const role = roleOf(r);
    if (role !== '*' && role !== acceptedRole) {
      foreignRole = role;
      continue;
    }
    if (r.type !== 'SCALAR' || !isObject(r.scalar) || typeof r.scalar.value !== 'number') {
      ignored.push(r.name);
      continue;
    }
    resources[r.name] = (resources[r.name] ?? 0) + r.scalar.value;
    scalars.push({ name: r.name, value: r.scalar.value, json: r, reserved: role !== '*' });
  }
  const attributes: Record<string, string | number> = {};
  for (const a of Array.isArray(o.attributes) ? o.attributes : []) {
    if (!isObject(a) || typeof a.name !== 'string') continue;
    if (a.type === 'TEXT' && isObject(a.text)) attributes[a.name] = String(a.text.value);
    else if (a.type === 'SCALAR' && isObject(a.scalar)) attributes[a.name] = Number(a.scalar.value);
  }
  return { value: { offerId: o.id.value, agentId: o.agent_id.value, hostname: String(o.hostname ?? ''), attributes, resources, foreignRole, ignored, scalars } };
}

/** Scale's task id for an execution's main task (job/models.py set_cluster_id; exe_config.py). */
export const taskIdOf = (frameworkId: string, jobId: number, exeNum: number) => `scale_job_${frameworkId}_${jobId}x${exeNum}_main`;

/** `scale_job_<fw>_<job>x<exe>_main` → job and execution number; null for tasks that are not ours. */
export function parseTaskId(id: string): { jobId: number; exeNum: number } | null {
  const m = /^scale_job_.+_(\d+)x(\d+)_main(?:_lost-\d+)?$/.exec(id);
  return m ? { jobId: Number(m[1]), exeNum: Number(m[2]) } : null;
}

/** Mesos scalars are fixed-point with three decimals (src/common/values.cpp). */
const fixed = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A task's resources taken from offered ones: for each resource the task asks for (by name and amount),
 * shares of the offered resources of that name, each written exactly as offered (role, reservation with
 * its principal and labels, reservations, allocation_info, …) with the share as its value. Resources
 * reserved for the role go first, then unreserved ones. The pool is used up as it is taken; null (and
 * the pool untouched) when the offers do not hold enough.
 */
export function bindResources(want: Array<Record<string, any>>, pool: OfferedScalar[]): Array<Record<string, any>> | null {
  const left = pool.map((p) => p.value);
  const out: Array<Record<string, any>> = [];
  const order = pool.map((p, i) => ({ p, i })).sort((a, b) => Number(b.p.reserved) - Number(a.p.reserved) || a.i - b.i);
  for (const w of want) {
    let need = fixed(Number(w.scalar?.value ?? 0));
    if (w.type !== undefined && w.type !== 'SCALAR') return null;
    for (const { p, i } of order) {
      if (need <= 0) break;
      if (p.name !== w.name || left[i] <= 0) continue;
      const take = fixed(Math.min(need, left[i]));
      if (take <= 0) continue;
      left[i] = fixed(left[i] - take);
      need = fixed(need - take);
      const { scalar: _, ...deco } = p.json;
      out.push({ ...deco, name: p.name, type: 'SCALAR', scalar: { value: take } });
    }
    if (need > 0) return null;
  }
  pool.forEach((p, i) => (p.value = left[i]));
  return out;
}

export interface TaskPlacement {
  frameworkId: string;
  agentId: string;
}

/**
 * The TaskInfo that runs a contract on an agent. Paths in the contract are the agent's: inputs and
 * outputs live on storage every agent mounts (point 4), so host paths are bound as they are.
 */
export function taskInfoOf(spec: LaunchSpec, contract: Contract, place: TaskPlacement, dirs: { inputDir: string; outputDir: string; containerIn: string; containerOut: string }): Record<string, unknown> {
  const res = spec.resources;
  const resources = (['cpus', 'mem', 'disk', 'gpus'] as const)
    .filter((k) => (res[k] ?? 0) > 0)
    // What the task needs; the resources sent are taken from the offers they launch on (bindResources).
    .map((k) => ({ name: k, type: 'SCALAR', scalar: { value: res[k]! } }));
  const env = Object.entries(contract.env).map(([name, value]) => ({ name, value }));
  const base = {
    name: `Scale ${spec.jobTypeName} ${spec.jobTypeVersion}`,
    task_id: { value: taskIdOf(place.frameworkId, spec.jobId, spec.exeNum) },
    agent_id: { value: place.agentId },
    resources,
    labels: { labels: [{ key: 'scale-job-id', value: String(spec.jobId) }, { key: 'scale-exe-num', value: String(spec.exeNum) }] },
  };
  if (!spec.image) {
    // A command on the agent: argv as given (shell false), the contract's environment.
    return { ...base, command: { shell: false, value: contract.argv[0], arguments: contract.argv, environment: { variables: env } } };
  }
  const shm = res.sharedMem ?? res.sharedmem;
  const parameters: { key: string; value: string }[] = [
    ...Object.entries(contract.env).map(([k, v]) => ({ key: 'env', value: `${k}=${v}` })),
    { key: 'volume', value: `${dirs.inputDir}:${dirs.containerIn}:ro` },
    { key: 'volume', value: `${dirs.outputDir}:${dirs.containerOut}:rw` },
    ...contract.files.map((f) => ({ key: 'volume', value: `${f.localPath}:${f.path}:ro` })),
    ...contract.mounts.filter((m) => m.source.type === 'host').map((m) => ({ key: 'volume', value: `${m.source.host_path}:${m.path}:${m.mode}` })),
    ...(shm ? [{ key: 'shm-size', value: `${Math.ceil(shm)}m` }] : []),
    { key: 'label', value: `scale-job-id=${spec.jobId}` },
    ...(contract.workingDir ? [{ key: 'workdir', value: contract.workingDir }] : []),
  ];
  return {
    ...base,
    container: { type: 'DOCKER', docker: { image: spec.image, network: 'BRIDGE', force_pull_image: false, privileged: false, parameters } },
    // No value: the image's ENTRYPOINT runs with these arguments (an empty SEED command runs its CMD).
    command: { shell: false, arguments: contract.argv },
  };
}
