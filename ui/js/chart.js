// Small SVG charts of our own (no library): values over time as lines (step lines for samples) and
// as bars per bucket, with a time axis, a value axis, a legend and tooltips. Colours come from
// classes in ui.css (series-KEY), never from inline styles. Each chart says how long it took to draw
// (performance.measure 'chart:NAME') so the browser test can print it.
import { fmtBytes, fmtNum, h } from './dom.js';
import { s, tip } from './svg.js';

const PAD = { left: 54, right: 14, top: 10, bottom: 24 };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEPS = [MIN, 5 * MIN, 15 * MIN, 30 * MIN, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/** A value as text in its unit: count, seconds or bytes. */
export function fmtValue(v, units = 'count') {
  if (v === null || v === undefined) return '—';
  if (units === 'bytes') return fmtBytes(v);
  if (units === 'seconds') {
    if (v < 120) return `${fmtNum(v, 0)} s`;
    if (v < 7200) return `${fmtNum(v / 60, 1)} min`;
    return `${fmtNum(v / 3600, 1)} h`;
  }
  return fmtNum(v, 0);
}

/** A round upper bound for the value axis, and its ticks. */
function valueTicks(max, units) {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  // Counts step by whole numbers.
  const rough = units === 'count' ? Math.max(1, max / 4) : max / 4;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).filter((x) => units !== 'count' || Number.isInteger(x)).find((x) => x >= rough) ?? 10 * mag;
  const top = Math.ceil(max / step) * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { top, ticks };
}

const timeLabel = (t, step) =>
  step >= DAY
    ? new Date(t).toLocaleDateString([], { month: 'short', day: 'numeric' })
    : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** Keeps at most `n` points: the largest value of each slice (a peak is never lost). */
export function thin(points, n) {
  if (points.length <= n) return points;
  const size = points.length / n;
  const out = [];
  for (let i = 0; i < n; i++) {
    const slice = points.slice(Math.floor(i * size), Math.floor((i + 1) * size));
    if (slice.length) out.push(slice.reduce((a, b) => (b[1] > a[1] ? b : a)));
  }
  return out;
}

/**
 * A chart over [from, to] (ms). lines: [{key, label, points: [[t, v]], step}]; bars: [{key, label,
 * buckets: [{t0, t1, v}]}] (bars of one bucket side by side). Returns a <figure class="chart">.
 */
export function timeChart({ name, title, from, to, lines = [], bars = [], units = 'count', width = 880, height = 220, empty = 'No data in this time range.' }) {
  const t0 = performance.now();
  const w = width - PAD.left - PAD.right;
  const ht = height - PAD.top - PAD.bottom;
  const span = Math.max(1, to - from);
  const x = (t) => PAD.left + ((Math.min(to, Math.max(from, t)) - from) / span) * w;
  const shown = lines.map((l) => ({ ...l, points: thin(l.points.filter(([t]) => t >= from && t <= to), w) }));
  const max = Math.max(0, ...shown.flatMap((l) => l.points.map((p) => p[1])), ...bars.flatMap((b) => b.buckets.map((k) => k.v)));
  const { top, ticks } = valueTicks(max, units);
  const y = (v) => PAD.top + ht - (v / top) * ht;

  const grid = ticks.map((v) => s('g', { class: 'chart-tick' }, s('line', { x1: PAD.left, x2: PAD.left + w, y1: y(v), y2: y(v) }), s('text', { x: PAD.left - 6, y: y(v) + 4, class: 'chart-ylabel' }, fmtValue(v, units))));
  const step = STEPS.find((st) => span / st <= 8) ?? 30 * DAY;
  const xTicks = [];
  // Days start at local midnight; shorter steps at multiples of themselves.
  const first = step >= DAY ? (() => { const d = new Date(from); d.setHours(0, 0, 0, 0); return d.getTime() + (d.getTime() < from ? DAY : 0); })() : Math.ceil(from / step) * step;
  for (let t = first; t <= to; t += step) xTicks.push(s('g', { class: 'chart-xtick' }, s('line', { x1: x(t), x2: x(t), y1: PAD.top + ht, y2: PAD.top + ht + 4 }), s('text', { x: x(t), y: height - 6, class: 'chart-xlabel' }, timeLabel(t, step))));

  const barEls = [];
  bars.forEach((b, i) => {
    for (const k of b.buckets) {
      if (k.t1 <= from || k.t0 >= to || !(k.v > 0)) continue;
      const bx0 = x(k.t0);
      const bw = Math.max(2, (x(k.t1) - bx0) / bars.length - 2);
      const bx = bx0 + 1 + i * (bw + 1);
      barEls.push(s('rect', { class: ['chart-bar', `series-${b.key}`], x: bx, y: y(k.v), width: bw, height: Math.max(1, y(0) - y(k.v)), data: { series: b.key, t: k.t0, v: k.v } }, tip(`${b.label}: ${fmtValue(k.v, units)} (${new Date(k.t0).toLocaleString()} – ${new Date(k.t1).toLocaleString()})`)));
    }
  });

  const lineEls = shown.map((l) => {
    if (!l.points.length) return null;
    let d = '';
    l.points.forEach(([t, v], i) => {
      d += i === 0 ? `M${x(t).toFixed(1)},${y(v).toFixed(1)}` : l.step ? `H${x(t).toFixed(1)}V${y(v).toFixed(1)}` : `L${x(t).toFixed(1)},${y(v).toFixed(1)}`;
    });
    const dots = l.points.length <= 60 ? l.points.map(([t, v]) => s('circle', { class: 'chart-dot', cx: x(t), cy: y(v), r: 2.5 }, tip(`${l.label}: ${fmtValue(v, units)} at ${new Date(t).toLocaleString()}`))) : null;
    const last = l.points[l.points.length - 1];
    const sum = l.points.reduce((n, p) => n + p[1], 0);
    return s('g', { class: ['chart-line', `series-${l.key}`], data: { series: l.key, points: l.points.length, last: last[1], sum } }, s('path', { d }, tip(l.label)), dots);
  });

  const nothing = !barEls.length && !shown.some((l) => l.points.length);
  const svg = s(
    'svg',
    { class: 'chart-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title ?? name },
    grid,
    s('line', { class: 'chart-axis', x1: PAD.left, x2: PAD.left + w, y1: PAD.top + ht, y2: PAD.top + ht }),
    xTicks,
    barEls,
    lineEls,
    nothing ? s('text', { class: 'chart-empty', x: PAD.left + w / 2, y: PAD.top + ht / 2 }, empty) : null,
  );
  const legend = h('ul', { class: 'legend' }, [...bars.map((b) => ({ ...b, kind: 'bar' })), ...lines.map((l) => ({ ...l, kind: 'line' }))].map((e) => h('li', { data: { series: e.key } }, h('span', { class: ['swatch', `series-${e.key}`, `swatch-${e.kind}`] }), e.label)));
  const fig = h('figure', { class: 'chart', data: { chart: name, empty: nothing } }, title ? h('figcaption', {}, title) : null, h('div', { class: 'chart-wrap' }, svg), legend);
  const ms = performance.now() - t0;
  fig.dataset.drawMs = ms.toFixed(2);
  performance.measure(`chart:${name}`, { start: t0, duration: ms });
  return fig;
}
