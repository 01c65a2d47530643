// A Gantt chart of recent executions per node: one row per node, executions that overlap on a node
// stacked in lanes, bars coloured by status (status-* classes in ui.css), each linking to its job.
import { api } from '../api.js';
import { fill, h } from '../dom.js';
import { navigate } from '../router.js';
import { clip, s, tip } from '../svg.js';

const WINDOWS = [[0.25, '15 minutes'], [1, '1 hour'], [6, '6 hours'], [24, '24 hours']];
const LABEL_W = 190;
const CHART_W = 880;
const LANE_H = 16;
const ROW_PAD = 6;
const AXIS_H = 22;
const REFRESH_MS = 10_000;
const STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360];

async function load(hours, signal) {
  const now = Date.now();
  const from = now - hours * 3600_000;
  const since = new Date(from).toISOString();
  const [nodes, recent, running] = await Promise.all([
    api('/scale/nodes/?page_size=1000&include_inactive=true&order=hostname', { signal }),
    // started/ended filter on last change: every execution that moved in the window.
    api(`/scale/job-executions/?started=${encodeURIComponent(since)}&page_size=1000&order=-started`, { signal }),
    // Running ones may have last changed before the window began.
    api('/scale/job-executions/?status=RUNNING&page_size=1000', { signal }),
  ]);
  const exes = new Map();
  for (const x of [...recent.results, ...running.results]) {
    if (!x.node || !x.started) continue;
    const end = x.ended ? Date.parse(x.ended) : now;
    if (end < from) continue;
    exes.set(x.id, { ...x, t0: Math.max(from, Date.parse(x.started)), t1: Math.max(end, Date.parse(x.started)) });
  }
  return { now, from, nodes: nodes.results, exes: [...exes.values()] };
}

/** Interval packing: each execution goes in the first lane free at its start. */
function lanes(exes) {
  const ends = [];
  for (const x of exes.sort((a, b) => a.t0 - b.t0 || a.id - b.id)) {
    let lane = ends.findIndex((e) => e <= x.t0);
    if (lane < 0) lane = ends.push(0) - 1;
    ends[lane] = x.t1;
    x.lane = lane;
  }
  return Math.max(1, ends.length);
}

const hhmm = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function chart({ now, from, nodes, exes }) {
  const byNode = new Map(nodes.map((n) => [n.id, []]));
  for (const x of exes) {
    if (!byNode.has(x.node.id)) byNode.set(x.node.id, []);
    byNode.get(x.node.id).push(x);
  }
  const names = new Map(nodes.map((n) => [n.id, n.hostname]));
  const xOf = (t) => LABEL_W + ((t - from) / (now - from)) * CHART_W;
  const rows = [];
  let y = AXIS_H;
  for (const [nodeId, list] of byNode) {
    const height = lanes(list) * LANE_H + ROW_PAD * 2;
    rows.push({ nodeId, list, y, height });
    y += height;
  }
  const step = (STEPS_MIN.find((m) => (now - from) / (m * 60_000) <= 8) ?? 360) * 60_000;
  const ticks = [];
  for (let t = Math.ceil(from / step) * step; t <= now; t += step) ticks.push(t);
  const width = LABEL_W + CHART_W + 10;
  return s(
    'svg',
    { class: 'timeline', id: 'timeline', viewBox: `0 0 ${width} ${y + 4}`, width, height: y + 4, role: 'img', 'aria-label': `executions per node, ${exes.length} bars` },
    s('g', { class: 'axis' }, ticks.map((t) => [s('line', { x1: xOf(t), x2: xOf(t), y1: AXIS_H - 4, y2: y, class: 'tick' }), s('text', { x: xOf(t), y: AXIS_H - 8, class: 'tick-label' }, hhmm(t))])),
    rows.map((r, i) =>
      s(
        'g',
        { class: ['timeline-row', i % 2 ? 'odd' : 'even'], data: { node: r.nodeId, count: r.list.length } },
        s('rect', { x: 0, y: r.y, width, height: r.height, class: 'row-bg' }),
        s('text', { x: 6, y: r.y + r.height / 2 + 4, class: 'row-label' }, clip(names.get(r.nodeId) ?? `node #${r.nodeId}`, 26)),
        r.list.map((x) => {
          const x0 = xOf(x.t0);
          const jt = x.job?.job_type ?? {};
          return s(
            'a',
            { href: `#/jobs/${x.job.id}`, class: 'bar-link' },
            s(
              'rect',
              {
                class: ['bar', `status-${x.status}`], x: x0, y: r.y + ROW_PAD + x.lane * LANE_H + 1, width: Math.max(2, xOf(x.t1) - x0), height: LANE_H - 2, rx: 2,
                data: { exe: x.id, job: x.job.id, status: x.status, node: r.nodeId },
              },
              tip(`job #${x.job.id} ${jt.name ?? ''} ${jt.version ?? ''} · execution ${x.exe_num} · ${x.status}\n${new Date(x.t0).toLocaleString()} – ${x.ended ? new Date(x.t1).toLocaleString() : 'running'}`),
            ),
          );
        }),
      ),
    ),
  );
}

export async function timelinePage({ view, query, signal, every, alive }) {
  view.dataset.page = 'timeline';
  const hours = Number(query.get('hours')) || 1;
  const picker = h(
    'select',
    { id: 'timeline-window', on: { change: (e) => navigate('/timeline', { hours: e.target.value }) } },
    WINDOWS.map(([v, label]) => h('option', { value: v, selected: v === hours }, label)),
  );
  const summary = h('p', { class: 'muted' });
  const wrap = h('div', { class: 'timeline-wrap' });
  view.append(h('h1', {}, 'Timeline'), h('div', { class: 'filters' }, h('label', { class: 'field' }, h('span', {}, 'Window'), picker)), summary, wrap);
  const draw = async () => {
    const data = await load(hours, signal);
    if (!alive()) return;
    summary.textContent = `${data.exes.length} executions on ${new Set(data.exes.map((x) => x.node.id)).size} nodes since ${new Date(data.from).toLocaleString()}.`;
    fill(wrap, chart(data));
  };
  await draw();
  view.dataset.ready = 'true';
  every(draw, REFRESH_MS);
}
