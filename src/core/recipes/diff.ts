// The difference between two revisions of a recipe type's definition, node by node, as Scale's
// recipe/diff (RecipeDiff, NodeDiff) works it out: which nodes are new, changed, unchanged or
// deleted and why, and which a reprocess runs again (changed, new, or forced with all that follows
// them). Pure: what a batch's validation shows before it re-processes a previous batch's recipes.
import { sameJson } from '../same-json.ts';
import type { InterfaceInput } from '../job-types/model.ts';
import { type Connection, type NodeDefinition, type RecipeDefinition, parentsOf, topologicalOrder } from './definition.ts';
import type { ForcedNodes } from './supersede.ts';

export type NodeStatus = 'NEW' | 'UNCHANGED' | 'CHANGED' | 'DELETED';

export interface Reason {
  name: string;
  description: string;
}

export interface NodeDiff {
  name: string;
  status: NodeStatus;
  changes: Reason[];
  reprocessNewNode: boolean;
  forceReprocess: boolean;
  dependencies: string[];
  /** The node's kind in the previous revision, when it changed. */
  prevKind: NodeDefinition['type']['kind'] | null;
  /** The node's type now (a deleted node: then), with the revision it runs (unpinned: the current one). */
  type: NodeDefinition['type'];
  revision: number | null;
  /** What its job or recipe type was in the previous revision, where that changed. */
  prev: { name?: string; version?: string; revision?: number | null };
}

export interface RecipeDiff {
  canBeReprocessed: boolean;
  reasons: Reason[];
  nodes: NodeDiff[];
}

/** Current revision numbers, for nodes that name a type without pinning its revision. */
export interface Revisions {
  jobTypeRevision(name: string, version: string): number | null;
  recipeTypeRevision(name: string): number | null;
}

/** Why the previous inputs cannot feed the new ones (Scale's validate_connection), or null. */
function inputProblem(prev: InterfaceInput[], next: InterfaceInput[]): string | null {
  const byName = new Map(prev.map((i) => [i.name, i]));
  for (const i of next) {
    const p = byName.get(i.name);
    if (!p) {
      if (i.required) return `Parameter ${i.name} is required`;
      continue;
    }
    const fileLike = (k: string) => k === 'file' || k === 'files';
    if (fileLike(i.kind) !== fileLike(p.kind)) return `Parameter ${i.name} cannot accept ${p.kind} data`;
    if (i.kind === 'file' && p.kind === 'files') return `Parameter ${i.name} cannot accept multiple files`;
    if (!fileLike(i.kind) && i.jsonType && p.jsonType && i.jsonType !== p.jsonType) return `Parameter ${i.name} cannot accept type ${p.jsonType}`;
    if (i.required && !p.required) return `Parameter ${i.name} is required`;
  }
  return null;
}

const connectionMeaning = (c: Connection) => {
  const { at: _at, ...rest } = c;
  return rest;
};

export function recipeDiff(prev: RecipeDefinition, next: RecipeDefinition, forced: ForcedNodes | null, revisions: Revisions): RecipeDiff {
  const problem = inputProblem(prev.inputs, next.inputs);
  const canBeReprocessed = problem === null;
  const reasons = problem ? [{ name: 'INPUT_CHANGE', description: `Input interface has changed: ${problem}` }] : [];
  const graph = new Map<string, NodeDiff>();
  const children = new Map<string, string[]>();
  const prevByName = new Map(prev.nodes.map((n) => [n.name, n]));
  const recalc = (d: NodeDiff) => {
    d.reprocessNewNode = canBeReprocessed && (d.status === 'NEW' || d.status === 'CHANGED' || (d.forceReprocess && d.status !== 'DELETED'));
  };
  const acceptance = (n: NodeDefinition, parent: string) => n.dependencies.find((d) => d.name === parent)?.acceptance ?? true;

  const add = (n: NodeDefinition, status: NodeStatus) => {
    const d: NodeDiff = {
      name: n.name, status, changes: [], reprocessNewNode: false, forceReprocess: false, dependencies: parentsOf(n), prevKind: null, type: n.type, revision: revisionOf(n.type, revisions), prev: {},
    };
    for (const p of d.dependencies) children.set(p, [...(children.get(p) ?? []), n.name]);
    graph.set(n.name, d);
    recalc(d);
    return d;
  };

  const order = (def: RecipeDefinition) => {
    const o = topologicalOrder(def);
    return 'order' in o ? o.order : def.nodes.map((n) => n.name);
  };
  for (const name of order(next)) {
    const n = next.nodes.find((x) => x.name === name)!;
    const d = add(n, 'NEW');
    const p = prevByName.get(name);
    if (!p) continue;
    if (p.type.kind !== n.type.kind) {
      d.prevKind = p.type.kind;
      d.changes.push({ name: 'NODE_TYPE_CHANGE', description: `Node type changed from ${p.type.kind} to ${n.type.kind}` });
    } else {
      compareType(d, p, n, revisions);
    }
    const prevParents = parentsOf(p);
    for (const parent of d.dependencies) {
      if (!prevParents.includes(parent)) d.changes.push({ name: 'PARENT_NEW', description: `New parent node ${parent} added` });
      else if (graph.get(parent)?.status === 'CHANGED') d.changes.push({ name: 'PARENT_CHANGED', description: `Parent node ${parent} changed` });
    }
    for (const parent of prevParents) {
      if (!d.dependencies.includes(parent)) d.changes.push({ name: 'PARENT_REMOVED', description: `Previous parent node ${parent} removed` });
      else if (acceptance(p, parent) !== acceptance(n, parent)) d.changes.push({ name: 'PARENT_ACCEPTANCE_CHANGED', description: `Approval for parent node ${parent} changed` });
    }
    const prevConn = new Map(p.connections.map((c) => [c.input, c.from]));
    for (const c of n.connections) {
      const before = prevConn.get(c.input);
      if (!before) d.changes.push({ name: 'INPUT_NEW', description: `New input ${c.input} added` });
      else if (!sameJson(connectionMeaning(before), connectionMeaning(c.from))) d.changes.push({ name: 'INPUT_CHANGE', description: `Input ${c.input} changed` });
    }
    for (const c of p.connections) if (!n.connections.some((x) => x.input === c.input)) d.changes.push({ name: 'INPUT_REMOVED', description: `Previous input ${c.input} removed` });
    d.status = d.changes.length ? 'CHANGED' : 'UNCHANGED';
    recalc(d);
  }
  for (const name of order(prev)) if (!graph.has(name)) add(prev.nodes.find((x) => x.name === name)!, 'DELETED');

  // Forcing a node forces everything downstream of it (Scale's set_force_reprocess).
  const force = (name: string) => {
    const d = graph.get(name);
    if (!d) return;
    d.forceReprocess = true;
    recalc(d);
    for (const c of children.get(name) ?? []) force(c);
  };
  if (forced) for (const d of [...graph.values()]) if (forced.all || forced.nodes.includes(d.name)) force(d.name);
  return { canBeReprocessed, reasons, nodes: [...graph.values()] };
}

function compareType(d: NodeDiff, p: NodeDefinition, n: NodeDefinition, revisions: Revisions): void {
  const a = p.type;
  const b = n.type;
  if (a.kind === 'job' && b.kind === 'job') {
    const [ra, rb] = [a.jobTypeRevision ?? revisions.jobTypeRevision(a.jobTypeName, a.jobTypeVersion), b.jobTypeRevision ?? revisions.jobTypeRevision(b.jobTypeName, b.jobTypeVersion)];
    if (a.jobTypeName !== b.jobTypeName) {
      d.prev.name = a.jobTypeName;
      d.changes.push({ name: 'JOB_TYPE_CHANGE', description: `Job type changed from ${a.jobTypeName} to ${b.jobTypeName}` });
    }
    if (a.jobTypeVersion !== b.jobTypeVersion) {
      d.prev.version = a.jobTypeVersion;
      d.changes.push({ name: 'JOB_TYPE_VERSION_CHANGE', description: `Job type version changed from ${a.jobTypeVersion} to ${b.jobTypeVersion}` });
    }
    // Unpinned on both sides means "the current revision" on both: no change.
    if ((a.jobTypeRevision !== null || b.jobTypeRevision !== null) && ra !== rb) {
      d.prev.revision = ra;
      d.changes.push({ name: 'JOB_TYPE_REVISION_CHANGE', description: `Job type revision changed from ${ra} to ${rb}` });
    }
  } else if (a.kind === 'recipe' && b.kind === 'recipe') {
    if (a.recipeTypeName !== b.recipeTypeName) {
      d.prev.name = a.recipeTypeName;
      d.changes.push({ name: 'RECIPE_TYPE_CHANGE', description: `Recipe type changed from ${a.recipeTypeName} to ${b.recipeTypeName}` });
    }
    if (a.recipeTypeRevision !== b.recipeTypeRevision) {
      d.prev.revision = a.recipeTypeRevision ?? revisions.recipeTypeRevision(a.recipeTypeName);
      d.changes.push({ name: 'RECIPE_TYPE_REVISION_CHANGE', description: `Recipe type revision changed from ${a.recipeTypeRevision} to ${b.recipeTypeRevision}` });
    }
  } else if (a.kind === 'condition' && b.kind === 'condition') {
    if (!sameJson(a.filter, b.filter)) d.changes.push({ name: 'FILTER_CHANGE', description: 'Data filter changed' });
  }
}

function revisionOf(t: NodeDefinition['type'], revisions: Revisions): number | null {
  if (t.kind === 'job') return t.jobTypeRevision ?? revisions.jobTypeRevision(t.jobTypeName, t.jobTypeVersion);
  if (t.kind === 'recipe') return t.recipeTypeRevision ?? revisions.recipeTypeRevision(t.recipeTypeName);
  return null;
}
