// Reprocessing a recipe (Scale's supersede): a new recipe replaces the old one and takes over what
// the old one finished, so only what failed, what was forced, what changed between revisions, and
// everything downstream of those runs again. Pure: which nodes carry over, which sub-recipes are
// themselves reprocessed (a failed sub-recipe re-runs only its own failed part).
import { Invalid } from '../../errors.ts';
import { sameJson } from '../same-json.ts';
import { type NodeDefinition, type RecipeDefinition, parentsOf, topologicalOrder, withoutPositions } from './definition.ts';
import type { NodeRecord, Standing } from './instance.ts';

/** Scale's forced nodes JSON: nodes to run again even though nothing about them changed. */
export interface ForcedNodes {
  all: boolean;
  nodes: string[];
  subRecipes: Record<string, ForcedNodes>;
}

export const NOTHING_FORCED: ForcedNodes = { all: false, nodes: [], subRecipes: {} };

export function parseForcedNodes(json: unknown, root = 'forced_nodes'): ForcedNodes {
  if (json === undefined || json === null) return NOTHING_FORCED;
  if (typeof json !== 'object' || Array.isArray(json)) throw new Invalid(root, 'must be an object {"all": bool, "nodes": [...], "sub_recipes": {...}}');
  const j = json as Record<string, unknown>;
  // Scale's forced nodes v6 schema allows its version (and writes it: convert_forced_nodes_to_v6).
  for (const k of Object.keys(j)) if (!['version', 'all', 'nodes', 'sub_recipes'].includes(k)) throw new Invalid(`${root}.${k}`, 'is not an allowed field');
  if (j.version !== undefined && j.version !== '6') throw new Invalid(`${root}.version`, `${JSON.stringify(j.version)} is an unsupported version number`);
  if (typeof j.all !== 'boolean') throw new Invalid(`${root}.all`, j.all === undefined ? 'is required' : 'must be a boolean');
  if (j.nodes !== undefined && (!Array.isArray(j.nodes) || !j.nodes.every((n) => typeof n === 'string'))) throw new Invalid(`${root}.nodes`, 'must be a list of node names');
  if (j.sub_recipes !== undefined && (typeof j.sub_recipes !== 'object' || j.sub_recipes === null || Array.isArray(j.sub_recipes))) {
    throw new Invalid(`${root}.sub_recipes`, 'must be an object of sub-recipe node name → forced nodes');
  }
  const subRecipes: Record<string, ForcedNodes> = {};
  for (const [name, sub] of Object.entries((j.sub_recipes ?? {}) as Record<string, unknown>)) subRecipes[name] = parseForcedNodes(sub, `${root}.sub_recipes.${name}`);
  return { all: j.all, nodes: (j.nodes as string[] | undefined) ?? [], subRecipes };
}

export interface Carryover {
  /** Nodes whose results the new recipe takes over as they are. */
  copy: Set<string>;
  /** Sub-recipe nodes whose failed sub-recipe is itself reprocessed, with what to force inside it. */
  reprocessSubs: Map<string, ForcedNodes>;
}

/** The node without where it was written: what it means. */
const meaning = (n: NodeDefinition) => withoutPositions({ inputs: [], nodes: [n] }).nodes[0];

export function carryover(oldDef: RecipeDefinition, newDef: RecipeDefinition, standings: Map<string, Standing>, records: Map<string, NodeRecord>, forced: ForcedNodes): Carryover {
  const copy = new Set<string>();
  const reprocessSubs = new Map<string, ForcedNodes>();
  if (forced.all) return { copy, reprocessSubs };
  const order = topologicalOrder(newDef);
  if (!('order' in order)) return { copy, reprocessSubs };
  const oldByName = new Map(oldDef.nodes.map((n) => [n.name, n]));
  const newByName = new Map(newDef.nodes.map((n) => [n.name, n]));
  const inputsSame = sameJson(oldDef.inputs, newDef.inputs);
  for (const name of order.order) {
    const n = newByName.get(name)!;
    const old = oldByName.get(name);
    const unchanged = inputsSame && old !== undefined && sameJson(meaning(old), meaning(n));
    const parentsCopied = parentsOf(n).every((p) => copy.has(p));
    if (!unchanged || !parentsCopied) continue;
    const record = records.get(name);
    const outcome = record?.outcome;
    const done = standings.get(name) === 'done' && outcome !== 'SKIPPED';
    const isForced = forced.nodes.includes(name);
    if (done && !isForced) copy.add(name);
    else if (n.type.kind === 'recipe' && record?.subRecipe && (forced.subRecipes[name] || (!isForced && !done))) {
      reprocessSubs.set(name, forced.subRecipes[name] ?? NOTHING_FORCED);
    }
  }
  return { copy, reprocessSubs };
}
