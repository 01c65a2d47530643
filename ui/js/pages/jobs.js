// The job list: filters (status, job type, time range) and Scale's paging (page, page_size;
// count, next, previous). The filters live in the URL hash, so a filtered page can be shared.
import { api, qs } from '../api.js';
import { badge, fmtDuration, fmtTime, h, link, table } from '../dom.js';
import { navigate } from '../router.js';

export const JOB_STATUSES = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING', 'FAILED', 'COMPLETED', 'CANCELED'];
const PAGE_SIZES = [25, 50, 100, 250];

/** An ISO time as a datetime-local value (local time), and back. */
const toLocal = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (v) => (v ? new Date(v).toISOString() : '');

function select(name, options, value, label) {
  return h(
    'label',
    { class: 'field' },
    h('span', {}, label),
    h('select', { name }, options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, text))),
  );
}

function filterForm(query, jobTypes) {
  const form = h(
    'form',
    { class: 'filters', id: 'job-filters' },
    select('status', [['', 'any status'], ...JOB_STATUSES.map((s) => [s, s])], query.get('status'), 'Status'),
    select('job_type_id', [['', 'any job type'], ...jobTypes.map((t) => [t.id, `${t.name} ${t.version}`])], query.get('job_type_id'), 'Job type'),
    h('label', { class: 'field', title: 'Jobs changed at or after this time (Scale filters on last_modified)' }, h('span', {}, 'Changed from'), h('input', { type: 'datetime-local', name: 'started', value: toLocal(query.get('started')) })),
    h('label', { class: 'field' }, h('span', {}, 'until'), h('input', { type: 'datetime-local', name: 'ended', value: toLocal(query.get('ended')) })),
    select('page_size', PAGE_SIZES.map((n) => [n, `${n} per page`]), query.get('page_size') ?? 25, 'Page size'),
    h('button', { type: 'submit' }, 'Apply'),
    h('a', { href: '#/jobs', class: 'reset' }, 'Reset'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    navigate('/jobs', {
      status: f.get('status'), job_type_id: f.get('job_type_id'), started: fromLocal(f.get('started')), ended: fromLocal(f.get('ended')), page_size: f.get('page_size'),
    });
  });
  return form;
}

export const jobColumns = [
  { label: 'Job', cell: (j) => link(`#/jobs/${j.id}`, `#${j.id}`, { class: 'job-link' }) },
  { label: 'Job type', cell: (j) => `${j.job_type.name ?? `#${j.job_type.id}`} ${j.job_type.version ?? ''}` },
  { label: 'Status', cell: (j) => badge(j.status) },
  { label: 'Created', cell: (j) => fmtTime(j.created) },
  { label: 'Started', cell: (j) => fmtTime(j.started) },
  { label: 'Duration', cell: (j) => (j.started ? fmtDuration(j.started, j.ended) : '—') },
  { label: 'Tries', cell: (j) => String(j.num_exes), class: 'num' },
  { label: 'Error', cell: (j) => (j.error ? [badge('FAILED', `category-${j.error.category}`, j.error.category), ' ', h('span', { title: j.error.description ?? '' }, j.error.title ?? j.error.name)] : '') },
];

export async function jobsPage({ view, query, signal }) {
  view.dataset.page = 'jobs';
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const pageSize = Number(query.get('page_size') ?? 25) || 25;
  const filters = {
    status: query.get('status'), job_type_id: query.get('job_type_id'), started: query.get('started'), ended: query.get('ended'),
  };
  const [types, jobs] = await Promise.all([
    api('/scale/job-types/?page_size=1000&order=name&order=version', { signal }),
    api(`/scale/jobs/${qs({ ...filters, page, page_size: pageSize, order: '-id' })}`, { signal }),
  ]);
  const pages = Math.max(1, Math.ceil(jobs.count / pageSize));
  const go = (p) => navigate('/jobs', { ...filters, page_size: pageSize, page: p });
  const first = jobs.count ? (page - 1) * pageSize + 1 : 0;
  const last = Math.min(jobs.count, page * pageSize);
  const pager = h(
    'div',
    { class: 'pager' },
    h('button', { type: 'button', class: 'prev', disabled: !jobs.previous, on: { click: () => go(page - 1) } }, '‹ Previous'),
    h('span', { class: 'page-info', id: 'job-count', data: { count: jobs.count } }, `${first}–${last} of ${jobs.count} jobs · page ${page} of ${pages}`),
    h('button', { type: 'button', class: 'next', disabled: !jobs.next, on: { click: () => go(page + 1) } }, 'Next ›'),
  );
  view.append(
    h('h1', {}, 'Jobs'),
    filterForm(query, types.results),
    pager,
    table(jobColumns, jobs.results, { empty: 'No jobs match.', cls: 'jobs', rowAttrs: (j) => ({ data: { job: j.id, status: j.status } }) }),
  );
  view.dataset.ready = 'true';
}
