// Nodes by name: the list with pause / resume, and one node with its resources, the executions
// running on it now and its history (its latest executions).
import { actions, api } from '../api.js';
import { actionButton, badge, facts, fill, fmtDuration, fmtMiB, fmtNum, fmtTime, h, link, section, statusCounts, table } from '../dom.js';
import { nodeState } from './overview.js';

const HISTORY = 50;

const pauseButton = (n, after) =>
  actionButton(n.is_paused ? 'Resume' : 'Pause', async () => {
    await actions.pauseNode(n.id, !n.is_paused);
    await after();
  }, {
    data: { action: n.is_paused ? 'resume-node' : 'pause-node', node: n.id },
    confirm: n.is_paused ? null : `Pause node ${n.hostname}? It takes no new work until it is resumed; what runs on it now runs on.`,
  });

export async function nodesPage({ view, signal, alive }) {
  view.dataset.page = 'nodes';
  const body = h('div');
  view.append(h('h1', {}, 'Nodes'), body);
  const draw = async () => {
    const [nodes, status] = await Promise.all([
      api('/scale/nodes/?page_size=1000&include_inactive=true&order=hostname', { signal }),
      api('/scale/nodes/status/?page_size=1000', { signal }),
    ]);
    if (!alive()) return;
    const st = new Map(status.results.map((x) => [x.node.id, x]));
    const rows = nodes.results.map((n) => ({ ...n, is_online: st.get(n.id)?.is_online ?? false, status: st.get(n.id) }));
    fill(
      body,
      table(
        [
          { label: 'Node', cell: (n) => [link(`#/nodes/${n.id}`, h('strong', {}, n.hostname), { class: 'node-link' }), h('div', { class: 'muted small' }, `#${n.id} · ${n.slave_id}`)] },
          { label: 'State', cell: (n) => [badge(nodeState(n)), n.pause_reason ? h('div', { class: 'muted small' }, n.pause_reason) : null] },
          { label: 'Running', cell: (n) => String(n.status?.job_exes_running?.length ?? 0), class: 'num' },
          { label: 'Last 3 h', cell: (n) => statusCounts(n.status?.job_exe_counts ?? []) },
          { label: 'Last offer', cell: (n) => fmtTime(n.last_offer) },
          { label: '', cell: (n) => (n.is_active ? pauseButton(n, draw) : '') },
        ],
        rows,
        { empty: 'No nodes.', cls: 'nodes', rowAttrs: (n) => ({ data: { node: n.id, hostname: n.hostname, state: nodeState(n) } }) },
      ),
    );
  };
  await draw();
  view.dataset.ready = 'true';
}

const res = (r, key, fmt = fmtNum) => (r ? `${fmt(r.scheduled[key])} of ${fmt(r.total[key])} scheduled` : '—');

const exeColumns = [
  { label: 'Job', cell: (x) => link(`#/jobs/${x.job.id}`, `#${x.job.id}`) },
  { label: 'Job type', cell: (x) => (x.job.job_type ? `${x.job.job_type.name} ${x.job.job_type.version ?? ''}` : '') },
  { label: 'Try', cell: (x) => String(x.exe_num), class: 'num' },
  { label: 'Status', cell: (x) => badge(x.status) },
  { label: 'Started', cell: (x) => fmtTime(x.started) },
  { label: 'Duration', cell: (x) => (x.started ? fmtDuration(x.started, x.ended) : '—') },
  { label: 'Error', cell: (x) => (x.error ? [badge('FAILED', `category-${x.error.category}`, `${x.error.category}`), ' ', x.error.title ?? x.error.name] : '') },
];

export async function nodePage({ view, params, signal, alive }) {
  view.dataset.page = 'node';
  const id = Number(params[0]);
  const body = h('div');
  view.append(body);
  const draw = async () => {
    const [n, running, history, status] = await Promise.all([
      api(`/scale/nodes/${id}/`, { signal }),
      api(`/scale/job-executions/?node_id=${id}&status=RUNNING&page_size=1000&order=-started`, { signal }),
      api(`/scale/job-executions/?node_id=${id}&page_size=${HISTORY}&order=-started`, { signal }),
      api('/scale/nodes/status/?page_size=1000', { signal }),
    ]);
    if (!alive()) return;
    const counts = status.results.find((x) => x.node.id === id)?.job_exe_counts ?? [];
    fill(
      body,
      h('h1', {}, `Node ${n.hostname} `, h('span', { id: 'node-state' }, badge(nodeState(n)))),
      h('div', { class: 'actions' }, n.is_active ? pauseButton(n, draw) : null, link(`#/timeline`, 'timeline', { class: 'button-link' })),
      section('Summary', facts([
        ['Hostname', h('code', {}, n.hostname)],
        ['Agent', h('code', {}, n.slave_id)],
        ['Pause reason', n.pause_reason],
        ['CPUs', res(n.resources, 'cpus')],
        ['Memory', res(n.resources, 'mem', fmtMiB)],
        ['Disk', res(n.resources, 'disk', fmtMiB)],
        ['Last 3 h', statusCounts(counts)],
        ['Created', fmtTime(n.created)],
        ['Last offer', fmtTime(n.last_offer)],
      ])),
      section(`Running now (${running.count})`, table(exeColumns, running.results, { empty: 'Nothing runs on this node.', cls: 'running', rowAttrs: (x) => ({ data: { exe: x.id, job: x.job.id } }) })),
      section(`History: the latest ${history.results.length} of ${history.count} executions`, table(exeColumns, history.results, { empty: 'Nothing has run on this node.', cls: 'history', rowAttrs: (x) => ({ data: { exe: x.id, job: x.job.id, status: x.status } }) })),
    );
  };
  await draw();
  view.dataset.ready = 'true';
}
