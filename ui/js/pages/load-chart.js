// The job load chart of the overview: queued, running (and pending) jobs over time from Scale's
// job load samples (/scale/load/, one a minute while anything waits or runs), and the jobs that
// completed and failed per UTC day from the job type metrics. Drawn after the overview's first
// render, so it never delays it.
import { allPages, api } from '../api.js';
import { fill, h } from '../dom.js';
import { timeChart } from '../chart.js';

const DAY = 24 * 3600_000;
const GAP = 2 * 60_000;
const WINDOWS = [[1, '24 hours'], [7, '7 days'], [31, '31 days']];

/** Load samples as step lines; a gap of more than two minutes between samples was idle (zero). */
function series(rows, field, from, to) {
  const pts = [];
  let prev = null;
  for (const r of rows) {
    const t = Date.parse(r.time);
    if (prev === null ? t - from > GAP : t - prev > GAP) pts.push([prev === null ? from : prev + 60_000, 0], [t - 60_000, 0]);
    pts.push([t, r[field]]);
    prev = t;
  }
  if (prev === null) pts.push([from, 0], [to, 0]);
  else if (to - prev > GAP) pts.push([prev + 60_000, 0], [to, 0]);
  return pts;
}

export async function loadData(days, signal) {
  const to = Date.now();
  const from = to - days * DAY;
  const range = `started=${encodeURIComponent(new Date(from).toISOString())}&ended=${encodeURIComponent(new Date(to).toISOString())}`;
  const [load, ended] = await Promise.all([
    allPages(`/scale/load/?${range}`, { signal, max: 45 }),
    api(`/scale/metrics/job-types/plot-data/?column=completed_count&column=failed_count&${range}`, { signal }),
  ]);
  const daily = (name) => (ended.results.find((r) => r.column.name === name)?.values ?? []).map((v) => {
    const t0 = Date.parse(`${v.date}T00:00:00Z`);
    return { t0, t1: t0 + DAY, v: v.value };
  });
  return { from, to, load, completed: daily('completed_count'), failed: daily('failed_count') };
}

export function loadChart({ from, to, load, completed, failed }, width = 880) {
  return timeChart({
    width,
    name: 'job-load',
    title: 'Queued, pending and running jobs (samples each minute); completed and failed jobs per UTC day',
    from,
    to,
    bars: [
      { key: 'COMPLETED', label: 'Completed per day', buckets: completed },
      { key: 'FAILED', label: 'Failed per day', buckets: failed },
    ],
    lines: [
      { key: 'PENDING', label: 'Pending', points: series(load, 'pending_count', from, to), step: true },
      { key: 'QUEUED', label: 'Queued', points: series(load, 'queued_count', from, to), step: true },
      { key: 'RUNNING', label: 'Running', points: series(load, 'running_count', from, to), step: true },
    ],
  });
}

/** The panel: a window choice and the chart, loaded now and on each choice. */
export function loadPanel({ signal, alive, onError }) {
  const body = h('div', { class: 'chart-body' }, h('p', { class: 'muted' }, 'Loading the job load…'));
  const choice = h('select', { name: 'window', id: 'load-window' }, WINDOWS.map(([d, label]) => h('option', { value: d, selected: d === 7 }, label)));
  const panel = h('section', { class: 'panel', id: 'job-load' }, h('div', { class: 'panel-head' }, h('h2', {}, 'Job load'), h('label', { class: 'field inline' }, h('span', {}, 'Last'), choice)), body);
  const draw = async () => {
    panel.dataset.ready = 'false';
    const t0 = performance.now();
    try {
      const data = await loadData(Number(choice.value), signal);
      if (!alive()) return;
      const fetched = performance.now();
      fill(body, loadChart(data, Math.max(480, Math.floor(body.clientWidth) || 880)));
      panel.dataset.fetchMs = (fetched - t0).toFixed(1);
      panel.dataset.days = choice.value;
      panel.dataset.ready = 'true';
      performance.mark('load-chart-rendered');
    } catch (err) {
      if (alive() && err?.name !== 'AbortError') onError(err);
    }
  };
  choice.addEventListener('change', draw);
  return { panel, draw };
}
