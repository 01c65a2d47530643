// A recipe drawn as a graph: nodes in columns by depth (longest path from a root), ordered in each
// column by where their dependencies sit, edges as curves from dependency to dependent. Node
// colours come from state-* classes in ui.css.
import { arrowMarker, clip, curve, s, tip } from './svg.js';

const W = 180;
const H = 58;
const GAP_X = 70;
const GAP_Y = 22;
const PAD = 12;

/** nodes: [{name, deps: [name]}] → Map name → {col, row, x, y}, and the drawing's size. */
export function layout(nodes) {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map();
  const visiting = new Set();
  const depthOf = (name) => {
    if (depth.has(name)) return depth.get(name);
    if (visiting.has(name)) return 0; // a cycle: should not happen in a recipe, never loop on it
    visiting.add(name);
    const deps = (byName.get(name)?.deps ?? []).filter((d) => byName.has(d));
    const d = deps.length ? 1 + Math.max(...deps.map(depthOf)) : 0;
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  const columns = [];
  for (const n of nodes) (columns[depthOf(n.name)] ??= []).push(n);
  const pos = new Map();
  columns.forEach((col, c) => {
    const centre = (n) => {
      const rows = n.deps.filter((d) => pos.has(d)).map((d) => pos.get(d).row);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
    };
    col.sort((a, b) => centre(a) - centre(b) || a.name.localeCompare(b.name));
    col.forEach((n, r) => pos.set(n.name, { col: c, row: r }));
  });
  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  for (const [name, p] of pos) {
    const rows = columns[p.col].length;
    p.x = PAD + p.col * (W + GAP_X);
    p.y = PAD + ((tallest - rows) * (H + GAP_Y)) / 2 + p.row * (H + GAP_Y);
    pos.set(name, p);
  }
  return { pos, width: PAD * 2 + columns.length * W + Math.max(0, columns.length - 1) * GAP_X, height: PAD * 2 + tallest * H + (tallest - 1) * GAP_Y };
}

function subtitle(n) {
  if (n.node_type === 'job') return n.jobs.length > 1 ? `${n.job_type?.name} ×${n.jobs.length}` : (n.job_type?.name ?? 'job');
  if (n.node_type === 'recipe') return `recipe ${n.recipe_type?.name ?? ''}`;
  return 'condition';
}

function target(n) {
  if (n.node_type === 'job' && n.jobs.length) return `#/jobs/${n.jobs[0].job_id}`;
  if (n.node_type === 'recipe' && n.sub_recipe) return `#/recipes/${n.sub_recipe.id}`;
  return null;
}

/** The SVG for a recipe's `nodes` (GET /scale/recipes/{id}/: name, node_type, dependencies, state, jobs). */
export function recipeGraph(nodes) {
  const { pos, width, height } = layout(nodes.map((n) => ({ name: n.name, deps: (n.dependencies ?? []).map((d) => d.name) })));
  const edges = nodes.flatMap((n) =>
    (n.dependencies ?? []).filter((d) => pos.has(d.name)).map((d) => {
      const a = pos.get(d.name);
      const b = pos.get(n.name);
      return s('path', {
        class: ['graph-edge', d.acceptance === false ? 'edge-reject' : ''], d: curve(a.x + W, a.y + H / 2, b.x - 2, b.y + H / 2), 'marker-end': 'url(#graph-arrow)',
        data: { from: d.name, to: n.name },
      });
    }),
  );
  const boxes = nodes.map((n) => {
    const p = pos.get(n.name);
    const g = s(
      'g',
      { class: ['graph-node', `state-${n.state}`, `kind-${n.node_type}`], transform: `translate(${p.x},${p.y})`, data: { node: n.name, state: n.state } },
      tip(`${n.name}: ${n.state}${n.jobs?.length ? ` (job ${n.jobs.map((j) => j.job_id).join(', ')})` : ''}`),
      s('rect', { width: W, height: H, rx: 7, ry: 7 }),
      s('text', { x: 10, y: 19, class: 'node-name' }, clip(n.name, 24)),
      s('text', { x: 10, y: 35, class: 'node-sub' }, clip(subtitle(n), 28)),
      s('text', { x: 10, y: 50, class: 'node-state' }, n.state),
    );
    const href = target(n);
    return href ? s('a', { href, class: 'graph-link' }, g) : g;
  });
  return s(
    'svg',
    { class: 'graph', id: 'recipe-graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `recipe graph of ${nodes.length} nodes` },
    s('defs', {}, arrowMarker('graph-arrow')),
    s('g', { class: 'edges' }, edges),
    s('g', { class: 'nodes' }, boxes),
  );
}

export const GRAPH_STATES = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'SKIPPED', 'ACCEPTED', 'REJECTED'];
