// One job: what it was given and made (with downloads), its executions, the live log of one of
// them, its error, why it is still queued, and cancel / requeue.
import { actions, api } from '../api.js';
import { fileLink } from '../file-link.js';
import { actionButton, badge, facts, fill, fmtBytes, fmtDuration, fmtTime, h, jsonBlock, link, section, table } from '../dom.js';

const POLL_MS = 1500;
const ACTIVE = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING'];
const CANCELABLE = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING'];
const REQUEUABLE = ['FAILED', 'CANCELED'];

/** A file's link with its size and media type. */
function fileWithFacts(f) {
  return h('span', { class: 'file' }, fileLink(f), h('span', { class: 'muted small' }, ` ${fmtBytes(f.file_size)} · ${f.media_type ?? ''}`));
}

function value(v, type) {
  if (v === null || v === undefined) return h('span', { class: 'muted' }, 'none');
  if (type === 'file' && typeof v === 'object' && !Array.isArray(v)) return fileWithFacts(v);
  if (type === 'files' && Array.isArray(v)) return v.length ? h('ul', { class: 'files' }, v.map((f) => h('li', {}, fileWithFacts(f)))) : h('span', { class: 'muted' }, 'none');
  if (typeof v === 'object') return jsonBlock(v, 'inline');
  return h('code', {}, String(v));
}

const dataTable = (rows, empty, cls) =>
  table(
    [
      { label: 'Name', cell: (r) => h('strong', {}, r.name) },
      { label: 'Type', cell: (r) => r.type },
      { label: 'Value', cell: (r) => value(r.value, r.type) },
    ],
    rows ?? [],
    { empty, cls, rowAttrs: (r) => ({ data: { name: r.name } }) },
  );

function errorPanel(job) {
  if (!job.error) return null;
  const e = job.error;
  return h(
    'section',
    { class: ['panel', 'job-error'], id: 'job-error' },
    h('h2', {}, 'Error'),
    facts([
      ['Name', h('code', {}, e.name)],
      ['Title', e.title],
      ['Category', badge(e.category ?? 'UNKNOWN', `category-${e.category}`)],
      ['Description', e.description],
    ]),
  );
}

function queuePanel(job) {
  if (job.status !== 'QUEUED' || !job.queue_reason) return null;
  const q = job.queue_reason;
  return h(
    'section',
    { class: ['panel', 'queue-reason'], id: 'queue-reason', data: { reason: q.reason } },
    h('h2', {}, 'Why it is still queued'),
    h('p', {}, h('strong', { class: 'reason-code' }, q.reason), ': ', h('span', { class: 'reason-details' }, q.details)),
    h('p', { class: 'muted' }, `Position ${q.position} in the queue.`),
  );
}

export async function jobPage({ view, params, signal, every, alive }) {
  view.dataset.page = 'job';
  const id = Number(params[0]);
  let selectedExe = null;
  const nodeNames = new Map();
  let lastLogExe = null;
  const head = h('div');
  const info = h('div');
  const exes = h('div');
  const logTitle = h('h2', {}, 'Log');
  const logPre = h('pre', { class: 'log', id: 'job-log', tabindex: '0' });
  const logState = h('p', { class: 'muted small', id: 'log-state' });
  view.append(head, info, section('Executions', exes), h('section', { class: 'panel' }, logTitle, logState, logPre));

  // Answers are numbered: one that arrives after a newer one has been drawn is dropped.
  let asked = 0;
  let shown = 0;
  let latest = null;
  const loadJob = async () => {
    const n = ++asked;
    return { n, job: await api(`/scale/jobs/${id}/`, { signal }) };
  };

  async function loadLog(job) {
    const list = job.job_exes ?? [];
    const exe = list.find((x) => x.id === selectedExe) ?? list[list.length - 1];
    if (!exe) {
      logTitle.textContent = 'Log';
      logState.textContent = 'No execution yet.';
      logPre.textContent = '';
      return;
    }
    const text = await api(`/scale/job-executions/${exe.id}/logs/combined/`, { text: true, signal });
    if (!alive()) return;
    logTitle.textContent = `Log of execution ${exe.exe_num}`;
    logPre.dataset.exe = exe.id;
    logPre.dataset.status = exe.status;
    const atBottom = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 4;
    logPre.textContent = text || '';
    if (atBottom || lastLogExe !== exe.id) logPre.scrollTop = logPre.scrollHeight;
    lastLogExe = exe.id;
    logState.textContent = exe.status === 'RUNNING' ? `Running: updated ${new Date().toLocaleTimeString()}, every ${POLL_MS / 1000} s.` : text ? `Execution ${exe.status.toLowerCase()}.` : 'The execution wrote no log lines.';
  }

  let drawn = '';
  let polling = false;
  // Polled while the job may still change: its state, its executions and the running log.
  const poll = () => {
    if (polling) return;
    polling = true;
    every(async () => {
      await draw(await loadJob());
      polling = ACTIVE.includes(latest.status);
      return polling;
    }, POLL_MS);
  };

  async function draw({ n, job }) {
    if (n < shown) return latest;
    shown = n;
    latest = job;
    const key = `${job.status}|${job.num_exes}|${job.last_modified}|${(job.job_exes ?? []).map((x) => `${x.id}:${x.status}`).join(',')}`;
    if (key !== drawn) {
      drawn = key;
      drawParts(job);
    }
    await loadLog(job);
    view.dataset.status = job.status;
    if (ACTIVE.includes(job.status)) poll();
    return job;
  }

  function drawParts(job) {
    const jt = job.job_type ?? {};
    const refresh = async () => draw(await loadJob());
    const buttons = [
      CANCELABLE.includes(job.status) ? actionButton('Cancel job', async () => { await actions.cancelJob(id); await refresh(); }, { cls: 'danger', data: { action: 'cancel-job' }, confirm: `Cancel job #${id}${job.status === 'RUNNING' ? ' while it runs (its execution is killed)' : ''}? It can be requeued later.` }) : null,
      REQUEUABLE.includes(job.status) ? actionButton('Requeue job', async () => { await actions.requeueJobs([id]); await refresh(); }, { data: { action: 'requeue-job' } }) : null,
    ];
    fill(
      head,
      h('h1', {}, `Job #${job.id} `, h('span', { id: 'job-status' }, badge(job.status))),
      h('p', { class: 'subtitle' }, link(`#/job-types/${jt.id}`, `${jt.title || jt.name} ${jt.version ?? ''}`), job.recipe ? [' · part of ', link(`#/recipes/${job.recipe.id}`, `recipe #${job.recipe.id}`), job.recipe_node ? ` (node ${job.recipe_node})` : ''] : null),
      h('div', { class: 'actions' }, buttons),
    );
    fill(
      info,
      queuePanel(job),
      errorPanel(job),
      section(
        'Summary',
        facts([
          ['Status', badge(job.status)],
          ['Priority', String(job.priority)],
          ['Tries', `${job.num_exes} of ${job.max_tries}`],
          ['Created', fmtTime(job.created)],
          ['Queued', fmtTime(job.queued)],
          ['Started', fmtTime(job.started)],
          ['Ended', fmtTime(job.ended)],
          ['Duration', job.started ? fmtDuration(job.started, job.ended) : '—'],
          ['Resources', `${job.cpus_required} CPUs, ${job.mem_required} MiB memory, ${job.disk_out_required ?? 0} MiB output disk`],
        ]),
      ),
      h('div', { class: 'two' }, section('Inputs', dataTable(job.inputs, 'No inputs.', 'inputs')), section('Outputs', dataTable(job.outputs, 'No outputs yet.', 'outputs'))),
    );
    fill(
      exes,
      table(
        [
          { label: '#', cell: (x) => String(x.exe_num), class: 'num' },
          { label: 'Status', cell: (x) => badge(x.status) },
          { label: 'Node', cell: (x) => (x.node ? link(`#/nodes/${x.node.id}`, nodeNames.get(x.node.id) ?? `#${x.node.id}`, { class: 'node-name' }) : '—') },
          { label: 'Started', cell: (x) => fmtTime(x.started) },
          { label: 'Ended', cell: (x) => fmtTime(x.ended) },
          { label: 'Exit code', cell: (x) => (x.job_exit_code ?? '—').toString(), class: 'num' },
          { label: 'Error', cell: (x) => (x.error ? [badge('FAILED', `category-${x.error.category}`, x.error.category), ' ', x.error.title ?? x.error.name] : '') },
          {
            label: '',
            cell: (x) =>
              h('button', { type: 'button', class: 'show-log', data: { exe: x.id }, on: { click: () => { selectedExe = x.id; loadLog(latest).catch(() => {}); } } }, 'Show log'),
          },
        ],
        job.job_exes ?? [],
        { empty: 'Not run yet.', cls: 'executions', rowAttrs: (x) => ({ data: { exe: x.id, status: x.status } }) },
      ),
    );
  }

  // Executions name their node by hostname.
  const [first, nodes] = await Promise.all([loadJob(), api('/scale/nodes/?page_size=1000&include_inactive=true', { signal })]);
  for (const n of nodes.results) nodeNames.set(n.id, n.hostname);
  await draw(first);
  view.dataset.ready = 'true';
}
