// A recipe instance: from a definition and what each node has become so far, what happens next.
// Pure (Scale's recipe/instance split): the engine loads the state, asks for a plan, applies it,
// and asks again until nothing is left to do. The rules, as Scale's:
//   - a node waits for every parent (declared dependencies and the nodes its inputs come from);
//   - a job is created PENDING once its parents exist, BLOCKED while a parent failed or is blocked,
//     and is queued with its input once every parent completed;
//   - a node under a condition runs only when the condition's verdict matches its `acceptance`;
//     otherwise it is skipped, and so is everything below it;
//   - a fanned-out node becomes one job per file once its source is complete (none: EMPTY);
//   - the recipe is complete when every node completed, was skipped, or was decided (conditions).
import type { JobStatus } from '../jobs/model.ts';
import type { InputValue } from '../jobs/job-data.ts';
import { type Connection, type NodeDefinition, type RecipeDefinition, fanOutOf, parentsOf, topologicalOrder } from './definition.ts';

/** A sub-recipe as its parent sees it: any failure inside fails the node that holds it. */
export type SubRecipeState = 'ACTIVE' | 'COMPLETED' | 'FAILED';

/** What one node has become (recipe_node rows). */
export interface NodeRecord {
  /** Jobs of a job node, one per fork (fork 0 only when it does not fan out). */
  jobs: { forkIndex: number; jobId: number; status: JobStatus; outputs: Map<string, InputValue> | null }[];
  subRecipe: { id: number; state: SubRecipeState } | null;
  outcome: 'ACCEPTED' | 'REJECTED' | 'SKIPPED' | 'EMPTY' | null;
  /** A condition's data, passed on to its dependents. */
  data: Map<string, InputValue> | null;
}

export interface InstanceState {
  inputs: Map<string, InputValue>;
  nodes: Map<string, NodeRecord>;
  /** Canceled or superseded recipes create nothing more. */
  frozen: boolean;
}

export interface Plan {
  /** Jobs to create without input yet. */
  create: { node: string; status: 'PENDING' | 'BLOCKED' }[];
  /** Jobs to queue with their input: an existing waiting job, or new ones (forks). */
  queue: { node: string; jobId: number | null; forkIndex: number; inputs: Map<string, InputValue> }[];
  block: number[];
  unblock: number[];
  /** Conditions whose data is ready to be judged. */
  judge: { node: string; data: Map<string, InputValue> }[];
  subRecipes: { node: string; inputs: Map<string, InputValue> }[];
  skip: string[];
  /** Fanned-out nodes whose source holds no files. */
  empty: string[];
  completed: boolean;
  /** Where each node stands after this plan (what the recipe details show for nodes without jobs). */
  standings: Map<string, Standing>;
}

/** A node's standing, as its children see it. */
export type Standing = 'waiting' | 'created' | 'blocked' | 'failed' | 'done' | 'skipped';

export const EMPTY_RECORD: NodeRecord = { jobs: [], subRecipe: null, outcome: null, data: null };

export function isEmptyPlan(p: Plan): boolean {
  return !p.create.length && !p.queue.length && !p.block.length && !p.unblock.length && !p.judge.length && !p.subRecipes.length && !p.skip.length && !p.empty.length;
}

function standingOf(r: NodeRecord): Standing {
  if (r.outcome === 'SKIPPED') return 'skipped';
  if (r.outcome) return 'done';
  if (r.subRecipe) return r.subRecipe.state === 'COMPLETED' ? 'done' : r.subRecipe.state === 'FAILED' ? 'failed' : 'created';
  if (!r.jobs.length) return 'waiting';
  if (r.jobs.some((j) => j.status === 'FAILED' || j.status === 'CANCELED')) return 'failed';
  if (r.jobs.some((j) => j.status === 'BLOCKED')) return 'blocked';
  return r.jobs.every((j) => j.status === 'COMPLETED') ? 'done' : 'created';
}

/** The data a connection delivers, from the recipe's inputs or a completed parent; undefined when none was produced. */
function delivered(from: Connection, state: InstanceState, byName: Map<string, NodeDefinition>): InputValue | undefined {
  if (from.source === 'recipe') return state.inputs.get(from.input);
  const parent = byName.get(from.node)!;
  const rec = state.nodes.get(from.node) ?? EMPTY_RECORD;
  if (parent.type.kind === 'condition') return rec.data?.get(from.output);
  const values = [...rec.jobs].sort((a, b) => a.forkIndex - b.forkIndex).map((j) => j.outputs?.get(from.output)).filter((v): v is InputValue => v !== undefined);
  if (!fanOutOf(parent)) return values[0];
  // A fanned-out parent delivers what all its runs gave: every file, or a list of values.
  if (values.some((v) => v.kind === 'json' || v.kind === 'property')) return { kind: 'json', value: values.map((v) => (v.kind === 'json' || v.kind === 'property' ? v.value : null)) };
  return { kind: 'files', fileIds: values.flatMap((v) => (v.kind === 'file' || v.kind === 'files' ? v.fileIds : [])) };
}

function inputsOf(n: NodeDefinition, state: InstanceState, byName: Map<string, NodeDefinition>): Map<string, InputValue> {
  const out = new Map<string, InputValue>();
  for (const { input, from } of n.connections) {
    const v = delivered(from, state, byName);
    if (v !== undefined) out.set(input, v);
  }
  return out;
}

export function planRecipe(def: RecipeDefinition, state: InstanceState): Plan {
  const standing = new Map<string, Standing>();
  const plan: Plan = { create: [], queue: [], block: [], unblock: [], judge: [], subRecipes: [], skip: [], empty: [], completed: false, standings: standing };
  const order = topologicalOrder(def);
  if (!('order' in order)) throw new Error('a recipe definition with a cycle cannot run');
  const byName = new Map(def.nodes.map((n) => [n.name, n]));

  for (const name of order.order) {
    const n = byName.get(name)!;
    const rec = state.nodes.get(name) ?? EMPTY_RECORD;
    let own = standingOf(rec);
    const parents = parentsOf(n);
    const acceptance = new Map(n.dependencies.map((d) => [d.name, d.acceptance]));
    const skipped = parents.some((p) => {
      if (standing.get(p) === 'skipped') return true;
      const verdict = state.nodes.get(p)?.outcome;
      const wanted = acceptance.get(p) ?? true;
      return (verdict === 'ACCEPTED' && !wanted) || (verdict === 'REJECTED' && wanted);
    });
    const allDone = parents.every((p) => standing.get(p) === 'done');
    const anyBad = parents.some((p) => ['failed', 'blocked'].includes(standing.get(p)!));
    const allExist = parents.every((p) => standing.get(p) !== 'waiting');

    if (own === 'waiting') {
      if (skipped) {
        plan.skip.push(name);
        own = 'skipped';
      } else if (!state.frozen && allDone) {
        const inputs = inputsOf(n, state, byName);
        // What the node becomes by this plan, so its children can be created in the same pass.
        if (n.type.kind === 'condition') plan.judge.push({ node: name, data: inputs });
        else if (n.type.kind === 'recipe') {
          plan.subRecipes.push({ node: name, inputs });
          own = 'created';
        } else {
          const fan = fanOutOf(n);
          if (!fan) plan.queue.push({ node: name, jobId: null, forkIndex: 0, inputs });
          else {
            const source = inputs.get(fan.input);
            const ids = source && (source.kind === 'file' || source.kind === 'files') ? source.fileIds : [];
            if (!ids.length) plan.empty.push(name);
            ids.forEach((id, forkIndex) => plan.queue.push({ node: name, jobId: null, forkIndex, inputs: new Map([...inputs, [fan.input, { kind: 'file', fileIds: [id] }]]) }));
          }
          own = plan.empty.includes(name) ? 'done' : 'created';
        }
      } else if (!state.frozen && n.type.kind === 'job' && !fanOutOf(n) && allExist) {
        plan.create.push({ node: name, status: anyBad ? 'BLOCKED' : 'PENDING' });
        own = anyBad ? 'blocked' : 'created';
      } else if (anyBad) {
        own = 'blocked';
      }
    } else if (n.type.kind === 'job' && !fanOutOf(n) && rec.jobs.length) {
      const job = rec.jobs[0];
      if (job.status === 'PENDING' || job.status === 'BLOCKED') {
        if (allDone && !state.frozen) plan.queue.push({ node: name, jobId: job.jobId, forkIndex: 0, inputs: inputsOf(n, state, byName) });
        else if (anyBad && job.status === 'PENDING') {
          plan.block.push(job.jobId);
          own = 'blocked';
        } else if (!anyBad && job.status === 'BLOCKED') {
          plan.unblock.push(job.jobId);
          own = 'created';
        }
      }
    }
    standing.set(name, own);
  }
  plan.completed = def.nodes.every((n) => ['done', 'skipped'].includes(standing.get(n.name)!));
  return plan;
}
