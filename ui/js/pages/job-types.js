// Job types: the list with pause / resume, and one job type's interface, SEED manifest and the
// OGC API - Processes description derived from it.
import { actions, api } from '../api.js';
import { actionButton, badge, facts, fill, fmtTime, h, jsonBlock, link, section, statusCounts, table } from '../dom.js';

const state = (t) => (!t.is_active ? 'INACTIVE' : t.is_paused ? 'PAUSED' : 'ACTIVE');

const pauseButton = (t, after) =>
  actionButton(t.is_paused ? 'Resume' : 'Pause', async () => {
    await actions.pauseJobType(t.id, !t.is_paused);
    await after();
  }, { data: { action: t.is_paused ? 'resume-job-type' : 'pause-job-type', jobType: t.id } });

export async function jobTypesPage({ view, signal, alive }) {
  view.dataset.page = 'job-types';
  const body = h('div');
  view.append(h('h1', {}, 'Job types'), h('div', { class: 'actions' }, link('#/job-types/new', 'New job type from a SEED image', { class: 'button-link', id: 'new-job-type' })), body);
  const draw = async () => {
    const [types, queue] = await Promise.all([
      api('/scale/job-types/?page_size=1000&order=name&order=version', { signal }),
      api('/scale/queue/status/', { signal }),
    ]);
    if (!alive()) return;
    const queued = new Map(queue.queue_status.map((q) => [`${q.job_type_name} ${q.job_type_version}`, q.count]));
    fill(
      body,
      table(
        [
          { label: 'Name', cell: (t) => link(`#/job-types/${t.id}`, t.name) },
          { label: 'Version', cell: (t) => t.version },
          { label: 'Title', cell: (t) => t.title ?? '' },
          { label: 'Category', cell: (t) => t.category ?? '' },
          { label: 'Runs', cell: (t) => (t.docker_image ? h('code', {}, t.docker_image) : 'a command') },
          { label: 'Queued', cell: (t) => String(queued.get(`${t.name} ${t.version}`) ?? 0), class: 'num' },
          { label: 'State', cell: (t) => badge(state(t)) },
          { label: '', cell: (t) => pauseButton(t, draw) },
        ],
        types.results,
        { empty: 'No job types.', cls: 'job-types', rowAttrs: (t) => ({ data: { jobType: t.id, name: t.name, state: state(t) } }) },
      ),
    );
  };
  await draw();
  view.dataset.ready = 'true';
}

/**
 * The OGC process of a job type (ogc/processes/catalog.ts): its name when it is the newest
 * version, name:version otherwise; inactive and long-running job types are no processes.
 */
async function processOf(jt, signal) {
  if (!jt.is_active || jt.is_long_running) return null;
  const get = (id) => api(`/processes/${encodeURIComponent(id)}`, { signal }).catch((err) => (err.status === 404 ? null : Promise.reject(err)));
  const newest = await get(jt.name);
  if (newest && newest.version === jt.version) return newest;
  return get(`${jt.name}:${jt.version}`);
}

function describeIO(io) {
  const rows = Object.entries(io ?? {}).map(([id, d]) => ({ id, ...d }));
  return table(
    [
      { label: 'Id', cell: (r) => h('code', {}, r.id) },
      { label: 'Title', cell: (r) => r.title ?? '' },
      { label: 'Occurs', cell: (r) => (r.minOccurs === undefined ? '' : `${r.minOccurs}–${r.maxOccurs ?? 1}`) },
      { label: 'Schema', cell: (r) => jsonBlock(r.schema ?? {}, 'inline') },
    ],
    rows,
    { empty: 'None.' },
  );
}

const counts = statusCounts;

export async function jobTypePage({ view, params, signal, alive }) {
  view.dataset.page = 'job-type';
  const id = Number(params[0]);
  const body = h('div');
  view.append(body);
  const draw = async () => {
    const jt = await api(`/scale/job-types/${id}/`, { signal });
    const process = await processOf(jt, signal);
    if (!alive()) return;
    fill(
      body,
      h('h1', {}, `${jt.title || jt.name} `, h('span', { class: 'muted' }, jt.version), ' ', h('span', { id: 'job-type-state' }, badge(state(jt)))),
      h('div', { class: 'actions' }, pauseButton(jt, draw), link(`#/job-types/${jt.id}/queue`, 'Queue a job', { class: 'button-link', id: 'queue-job' }), link(`#/jobs?job_type_id=${jt.id}`, 'its jobs', { class: 'button-link' })),
      section(
        'Summary',
        facts([
          ['Name', h('code', {}, jt.name)],
          ['Description', jt.description],
          ['Category', jt.category],
          ['Revision', String(jt.revision_num)],
          ['Image', jt.docker_image ? h('code', {}, jt.docker_image) : 'none (runs a command)'],
          ['Needs', `${jt.cpus_required} CPUs, ${jt.mem_required} MiB memory`],
          ['Timeout', `${jt.timeout} s`],
          ['Tries', String(jt.max_tries)],
          ['Paused since', jt.paused ? fmtTime(jt.paused) : null],
          ['Last 24 h', counts(jt.job_counts_24h ?? [])],
        ]),
      ),
      section('Interface', jsonBlock(jt.interface, 'interface')),
      jt.manifest ? section('SEED manifest', jsonBlock(jt.manifest, 'manifest')) : null,
      h(
        'section',
        { class: 'panel', id: 'ogc-process', data: { processId: process?.id ?? '' } },
        h('h2', {}, 'OGC API - Processes description'),
        process
          ? [
              h('p', {}, 'Process ', h('code', { class: 'process-id' }, process.id), ' · ', h('a', { href: `/processes/${encodeURIComponent(process.id)}?f=html`, target: '_blank', rel: 'noopener' }, 'open')),
              h('h3', {}, 'Inputs'),
              describeIO(process.inputs),
              h('h3', {}, 'Outputs'),
              describeIO(process.outputs),
              h('details', {}, h('summary', {}, 'The whole description'), jsonBlock(process, 'process')),
            ]
          : h('p', { class: 'muted' }, 'Not offered as a process (inactive or long-running).'),
      ),
    );
  };
  await draw();
  view.dataset.ready = 'true';
}
