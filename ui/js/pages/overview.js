// Overview: the scheduler, the queue, the nodes with their resources and state, and what runs now.
import { actions, api, qs } from '../api.js';
import { actionButton, badge, fill, fmtDuration, fmtMiB, fmtNum, fmtTime, h, link, section, statusCounts, table } from '../dom.js';
import { loadPanel } from './load-chart.js';

const REFRESH_MS = 10_000;

async function load(signal) {
  const get = (url) => api(url, { signal });
  const [status, nodes, nodeStatus, queue, running] = await Promise.all([
    get('/scale/status/'),
    get('/scale/nodes/?page_size=1000&order=hostname'),
    get('/scale/nodes/status/?page_size=1000'),
    get('/scale/queue/status/'),
    get('/scale/jobs/?status=RUNNING&page_size=20&order=-started'),
  ]);
  const details = await Promise.all(nodes.results.map((n) => get(`/scale/nodes/${n.id}/`)));
  const statusById = new Map(nodeStatus.results.map((s) => [s.node.id, s]));
  return { status, nodes: details.map((d) => ({ ...d, status: statusById.get(d.id) })), queue: queue.queue_status, running };
}

function meter(used, total) {
  const pct = total > 0 ? Math.min(100, (100 * used) / total) : 0;
  return h('div', { class: 'meter', title: `${fmtNum(pct, 0)} % scheduled` }, h('div', { class: ['meter-fill', pct > 90 ? 'meter-high' : ''], style: { width: `${pct}%` } }));
}

const resource = (r, key, fmt = fmtNum) => (r ? h('div', { class: 'res' }, h('span', {}, `${fmt(r.scheduled[key])} / ${fmt(r.total[key])}`), meter(r.scheduled[key], r.total[key])) : '—');

export function nodeState(n) {
  if (!n.is_active) return 'INACTIVE';
  if (n.is_paused) return 'PAUSED';
  return n.is_online ? 'ONLINE' : 'OFFLINE';
}

const card = (title, value, ...more) => h('div', { class: 'card' }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value), more);

function render({ status, nodes, queue, running }, redraw) {
  const s = status.scheduler;
  const res = status.resources;
  const cards = h(
    'div',
    { class: 'cards' },
    card('Scheduler', h('span', { id: 'scheduler-state' }, badge(!s.is_online ? 'OFFLINE' : s.is_paused ? 'PAUSED' : 'ONLINE')),
      actionButton(s.is_paused ? 'Resume scheduler' : 'Pause scheduler', async () => {
        await actions.pauseScheduler(!s.is_paused);
        await redraw();
      }, { data: { action: s.is_paused ? 'resume-scheduler' : 'pause-scheduler' }, confirm: s.is_paused ? null : 'Pause the scheduler? No queued job starts on any node until it is resumed.' })),
    card('Queue depth', h('span', { id: 'queue-depth', data: { count: status.queue_depth } }, fmtNum(status.queue_depth, 0)), h('a', { href: '#/jobs?status=QUEUED' }, 'queued jobs')),
    card('Running jobs', h('span', { id: 'running-count', data: { count: running.count } }, fmtNum(running.count, 0)), h('a', { href: '#/jobs?status=RUNNING' }, 'running jobs')),
    card('Nodes online', h('span', { id: 'nodes-online' }, `${status.nodes.online} / ${status.nodes.total}`)),
    card('CPUs scheduled', resource(res, 'cpus')),
    card('Memory scheduled', resource(res, 'mem', fmtMiB)),
    card('Disk scheduled', resource(res, 'disk', fmtMiB)),
  );

  const nodeTable = table(
    [
      { label: 'Node', cell: (n) => [link(`#/nodes/${n.id}`, h('strong', {}, n.hostname)), n.port ? `:${n.port}` : '', h('div', { class: 'muted small' }, `#${n.id} · ${n.slave_id}`)] },
      { label: 'State', cell: (n) => [badge(nodeState(n)), n.pause_reason ? h('div', { class: 'muted small' }, n.pause_reason) : null] },
      { label: 'Running', cell: (n) => String(n.job_exes_running.length), class: 'num' },
      { label: 'CPUs', cell: (n) => resource(n.resources, 'cpus') },
      { label: 'Memory', cell: (n) => resource(n.resources, 'mem', fmtMiB) },
      { label: 'Disk', cell: (n) => resource(n.resources, 'disk', fmtMiB) },
      { label: 'Last 3 h', cell: (n) => statusCounts(n.status?.job_exe_counts ?? []) },
      {
        label: '',
        cell: (n) =>
          actionButton(n.is_paused ? 'Resume' : 'Pause', async () => {
            await actions.pauseNode(n.id, !n.is_paused);
            await redraw();
          }, { data: { action: n.is_paused ? 'resume-node' : 'pause-node', node: n.id }, confirm: n.is_paused ? null : `Pause node ${n.hostname}? It takes no new work until it is resumed; what runs on it now runs on.` }),
      },
    ],
    nodes,
    { empty: 'No active nodes.', cls: 'nodes', rowAttrs: (n) => ({ data: { node: n.id, state: nodeState(n) } }) },
  );

  const queueTable = table(
    [
      { label: 'Job type', cell: (q) => `${q.job_type_name} ${q.job_type_version}` },
      { label: 'Queued', cell: (q) => String(q.count), class: 'num' },
      { label: 'Highest priority', cell: (q) => String(q.highest_priority), class: 'num' },
      { label: 'Longest queued', cell: (q) => `${fmtTime(q.longest_queued)} (${fmtDuration(q.longest_queued)})` },
      { label: 'State', cell: (q) => (q.is_job_type_paused ? badge('PAUSED') : badge('ACTIVE')) },
      { label: 'Why it waits', cell: (q) => reasonCell(q) },
    ],
    queue,
    { empty: 'The queue is empty.', cls: 'queue', rowAttrs: (q) => ({ data: { jobType: q.job_type_name, version: q.job_type_version } }) },
  );

  const runningTable = table(
    [
      { label: 'Job', cell: (j) => link(`#/jobs/${j.id}`, `#${j.id}`) },
      { label: 'Job type', cell: (j) => `${j.job_type.name ?? j.job_type.id} ${j.job_type.version ?? ''}` },
      { label: 'Started', cell: (j) => fmtTime(j.started) },
      { label: 'Running for', cell: (j) => fmtDuration(j.started) },
      { label: 'Try', cell: (j) => `${j.num_exes} of ${j.max_tries}`, class: 'num' },
    ],
    running.results,
    { empty: 'Nothing is running.', cls: 'running', rowAttrs: (j) => ({ data: { job: j.id } }) },
  );

  return [
    cards,
    section('Nodes', nodeTable),
    section('Queue', queueTable),
    section(`Running jobs (${running.count})`, runningTable, running.count > running.results.length ? h('p', {}, h('a', { href: '#/jobs?status=RUNNING' }, `all ${running.count} running jobs`)) : null),
  ];
}

// Why each job type's jobs wait: the queue_reason of its first queued job (asked for after the
// table is drawn, so the first render never waits for it).
const reasons = new Map();
const keyOf = (q) => `${q.job_type_name} ${q.job_type_version}`;

function reasonCell(q) {
  const r = reasons.get(keyOf(q));
  return h('span', { class: 'queue-why', data: { reason: r?.reason ?? '' } }, r ? [h('strong', {}, r.reason), ': ', r.details] : h('span', { class: 'muted' }, '…'));
}

async function loadReasons(queue, signal) {
  await Promise.all(queue.map(async (q) => {
    const list = await api(`/scale/jobs/${qs({ status: 'QUEUED', job_type_name: q.job_type_name, order: ['priority', 'queued'], page_size: 20 })}`, { signal });
    const head = list.results.find((j) => j.job_type.version === q.job_type_version);
    const job = head ? await api(`/scale/jobs/${head.id}/`, { signal }) : null;
    if (job?.queue_reason) reasons.set(keyOf(q), job.queue_reason);
  }));
}

export async function overviewPage({ view, signal, every, alive }) {
  view.dataset.page = 'overview';
  const body = h('div', { class: 'overview' });
  const chart = loadPanel({ signal, alive, onError: (err) => view.append(h('div', { class: 'error-box', role: 'alert' }, String(err?.message ?? err))) });
  const top = h('div');
  view.append(h('h1', {}, 'Overview'), top, chart.panel, body);
  const show = (data) => {
    const [cards, ...rest] = render(data, draw);
    fill(top, cards);
    fill(body, rest);
  };
  const showReasons = async (data) => {
    await loadReasons(data.queue, signal);
    if (!alive()) return;
    for (const row of body.querySelectorAll('table.queue tbody tr')) {
      const q = data.queue.find((x) => x.job_type_name === row.dataset.jobType && x.job_type_version === row.dataset.version);
      if (q) row.lastElementChild.replaceChildren(reasonCell(q));
    }
    body.dataset.reasons = 'true';
  };
  const draw = async () => {
    const data = await load(signal);
    if (!alive()) return;
    show(data);
    await showReasons(data);
  };
  const data = await load(signal);
  if (alive()) show(data);
  // The first render with data: tests and operators measure from navigation start to here.
  view.dataset.ready = 'true';
  performance.mark('overview-rendered');
  // After the first paint: the job load chart and why jobs wait.
  requestAnimationFrame(() => setTimeout(() => {
    if (!alive()) return;
    chart.draw();
    showReasons(data).catch(() => {});
  }, 0));
  every(draw, REFRESH_MS);
}
