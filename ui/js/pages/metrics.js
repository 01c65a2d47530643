// Metrics (/scale/metrics/): for each metrics type (job types, errors, ingests) a chart of one
// group of its columns per UTC day, over all choices or one (a job type, an error, a Strike).
import { api, qs } from '../api.js';
import { fill, h } from '../dom.js';
import { timeChart } from '../chart.js';

const DAY = 86400_000;
const WINDOW_DAYS = 30;

const choiceLabel = (c) => (c.version ? `${c.title || c.name} ${c.version}` : c.title || c.name);

/** One UTC day's value at the middle of the day. */
const at = (date) => Date.parse(`${date}T12:00:00Z`);

/** Counts for every day of the window: a day Scale has no value for counted nothing (zero). */
function everyDay(values, from, to) {
  const by = new Map(values.map((v) => [v.date, v.value]));
  const out = [];
  for (let t = from; t <= to; t += DAY) {
    const date = new Date(t).toISOString().slice(0, 10);
    out.push([at(date), by.get(date) ?? 0]);
  }
  return out;
}

export async function metricsSeries(type, group, choiceId, signal) {
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = today - (WINDOW_DAYS - 1) * DAY;
  // The window ends with today's UTC day, not now: a day's value is drawn at its noon, which before
  // noon UTC is still to come and would fall outside a window ending now.
  const to = today + DAY - 1;
  const columns = type.columns.filter((c) => c.group === group);
  const data = await api(`/scale/metrics/${type.name}/plot-data/${qs({ group, started: new Date(from).toISOString(), choice_id: choiceId || undefined, page_size: 100 })}`, { signal });
  return { from, to, columns, data: data.results };
}

function chartOf(type, group, { from, to, columns, data }, width) {
  const g = type.groups.find((x) => x.name === group);
  return timeChart({
    name: `metrics-${type.name}`,
    title: `${g?.title ?? group}: ${g?.description ?? ''} Per UTC day, the last ${WINDOW_DAYS} days.`,
    from,
    to,
    units: columns[0]?.units ?? 'count',
    lines: data.map((sr, i) => ({ key: `c${i % 6}`, label: sr.column.title, points: sr.column.units === 'count' ? everyDay(sr.values, from, to) : sr.values.map((v) => [at(v.date), v.value]) })),
    height: 200,
    width,
  });
}

function typePanel(type, choices, signal, alive, done) {
  const group = h('select', { name: 'group' }, type.groups.map((g) => h('option', { value: g.name }, g.title)));
  const choice = h('select', { name: 'choice' }, h('option', { value: '' }, `all ${type.title.toLowerCase()}`), choices.map((c) => h('option', { value: c.id }, choiceLabel(c))));
  const body = h('div', { class: 'chart-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const panel = h('section', { class: 'panel metrics-type', data: { type: type.name } },
    h('div', { class: 'panel-head' }, h('h2', {}, type.title), h('label', { class: 'field inline' }, h('span', {}, 'Group'), group), h('label', { class: 'field inline' }, h('span', {}, 'Of'), choice)),
    h('p', { class: 'muted small' }, type.description), body);
  const draw = async () => {
    panel.dataset.ready = 'false';
    const series = await metricsSeries(type, group.value, choice.value, signal);
    if (!alive()) return;
    fill(body, chartOf(type, group.value, series, Math.max(420, Math.floor(body.clientWidth) || 640)));
    panel.dataset.group = group.value;
    panel.dataset.choice = choice.value;
    panel.dataset.ready = 'true';
  };
  const redraw = () => draw().catch((err) => window.dispatchEvent(new CustomEvent('ui-error', { detail: err })));
  group.addEventListener('change', redraw);
  choice.addEventListener('change', redraw);
  return { panel, draw };
}

export async function metricsPage({ view, signal, alive }) {
  view.dataset.page = 'metrics';
  const t0 = performance.now();
  const types = await api('/scale/metrics/?page_size=100', { signal });
  const details = await Promise.all(types.results.map((t) => api(`/scale/metrics/${t.name}/`, { signal })));
  const panels = types.results.map((t, i) => typePanel(t, details[i].choices ?? [], signal, alive));
  view.append(h('h1', {}, 'Metrics'), h('div', { class: 'charts' }, panels.map((p) => p.panel)));
  await Promise.all(panels.map((p) => p.draw()));
  view.dataset.chartsMs = (performance.now() - t0).toFixed(1);
  performance.mark('metrics-rendered');
  view.dataset.ready = 'true';
}
