// The internal RecipeDefinition: a DAG of nodes (jobs, sub-recipes, conditions) fed by the recipe's
// inputs and by each other's outputs. Recipe definition 1.0 and v6 are codecs around it
// (seed-mapping/scale-recipe-definition.ts); the engine and validation read only this shape.
import type { InterfaceInput } from '../job-types/model.ts';
import type { DataFilter } from './data-filter.ts';

/**
 * Where a node input's data comes from. `fanOut` (this server's extension, Scale issues #1723/#565):
 * the node runs once per file of a multi-file source, each run given one file on this input.
 */
export type Connection =
  | { source: 'recipe'; input: string; fanOut: boolean; at?: string }
  | { source: 'node'; node: string; output: string; fanOut: boolean; at?: string };

/** `acceptance: false` runs the node only when a parent condition rejected its data (else branch). */
export interface Dependency {
  name: string;
  acceptance: boolean;
  at?: string;
}

export type NodeType =
  | { kind: 'job'; jobTypeName: string; jobTypeVersion: string; jobTypeRevision: number | null }
  | { kind: 'recipe'; recipeTypeName: string; recipeTypeRevision: number | null }
  | { kind: 'condition'; inputs: InterfaceInput[]; filter: DataFilter };

export interface NodeDefinition {
  name: string;
  type: NodeType;
  dependencies: Dependency[];
  /** Node input name → its source. */
  connections: { input: string; from: Connection }[];
  /** Where the node sits in the wire document (for error messages); not part of its meaning. */
  at?: string;
}

export interface RecipeDefinition {
  inputs: InterfaceInput[];
  nodes: NodeDefinition[];
}

/** The connection that makes a node run once per file, if any. */
export function fanOutOf(node: NodeDefinition): { input: string; from: Connection } | undefined {
  return node.connections.find((c) => c.from.fanOut);
}

/** Every node a node waits for: its declared dependencies and the nodes its inputs come from. */
export function parentsOf(node: NodeDefinition): string[] {
  const names = new Set(node.dependencies.map((d) => d.name));
  for (const c of node.connections) if (c.from.source === 'node') names.add(c.from.node);
  return [...names];
}

/**
 * Node names with every parent before its children (Kahn's algorithm, stable in definition order),
 * or the cycle that prevents it, as a closed path of names.
 */
export function topologicalOrder(def: RecipeDefinition): { order: string[] } | { cycle: string[] } {
  const known = new Set(def.nodes.map((n) => n.name));
  const parents = new Map(def.nodes.map((n) => [n.name, parentsOf(n).filter((p) => known.has(p))]));
  const order: string[] = [];
  const placed = new Set<string>();
  let progress = true;
  while (progress && order.length < def.nodes.length) {
    progress = false;
    for (const n of def.nodes) {
      if (placed.has(n.name) || !parents.get(n.name)!.every((p) => placed.has(p))) continue;
      placed.add(n.name);
      order.push(n.name);
      progress = true;
    }
  }
  if (order.length === def.nodes.length) return { order };
  // Walk parent links among the unplaced nodes until a name repeats: that stretch is a cycle.
  const start = def.nodes.find((n) => !placed.has(n.name))!.name;
  const path: string[] = [];
  const index = new Map<string, number>();
  let cur = start;
  while (!index.has(cur)) {
    index.set(cur, path.length);
    path.push(cur);
    cur = parents.get(cur)!.find((p) => !placed.has(p))!;
  }
  // Parent links point backwards; reverse so the cycle reads in the direction data flows.
  return { cycle: [...path.slice(index.get(cur)!), cur].reverse() };
}

/** The definition without its wire positions, for comparing meaning. */
export function withoutPositions(def: RecipeDefinition): RecipeDefinition {
  return {
    inputs: def.inputs,
    nodes: def.nodes.map((n) => ({
      name: n.name,
      type: n.type,
      dependencies: n.dependencies.map(({ name, acceptance }) => ({ name, acceptance })),
      connections: n.connections.map(({ input, from }) => {
        const { at: _at, ...rest } = from;
        return { input, from: rest };
      }),
    })),
  };
}
