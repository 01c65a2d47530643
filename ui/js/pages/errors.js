// Errors: Scale's error types by category, with how many jobs failed with each in the last 30 days
// (the errors metrics).
import { api } from '../api.js';
import { badge, fmtTime, h, table } from '../dom.js';

const DAYS = 30;

export async function errorsPage({ view, query, signal }) {
  view.dataset.page = 'errors';
  const category = query.get('category') ?? '';
  const started = new Date(Date.now() - DAYS * 86400_000).toISOString();
  const errors = await api('/scale/errors/?page_size=1000&order=category&order=name', { signal });
  const ids = errors.results.map((e) => e.id);
  const metrics = ids.length
    ? await api(`/scale/metrics/errors/plot-data/?column=total_count&started=${encodeURIComponent(started)}&${ids.map((id) => `choice_id=${id}`).join('&')}`, { signal })
    : { results: [] };
  // With several choices each value names its error (id); with one, the values are that error's.
  const totals = new Map();
  for (const v of metrics.results[0]?.values ?? []) {
    const id = v.id ?? ids[0];
    totals.set(id, (totals.get(id) ?? 0) + v.value);
  }
  const rows = errors.results.filter((e) => !category || e.category === category);
  const cats = ['', 'SYSTEM', 'ALGORITHM', 'DATA'];
  view.append(
    h('h1', {}, 'Errors'),
    h('p', { class: 'actions' }, cats.map((c) => h('a', { href: c ? `#/errors?category=${c}` : '#/errors', class: ['button-link', c === category ? 'active' : ''] }, c || 'all categories'))),
    table(
      [
        { label: 'Name', cell: (e) => h('code', {}, e.name) },
        { label: 'Title', cell: (e) => e.title ?? '' },
        { label: 'Category', cell: (e) => badge(e.category, `category-${e.category}`) },
        { label: `Jobs, last ${DAYS} days`, cell: (e) => String(totals.get(e.id) ?? 0), class: 'num' },
        { label: 'Retried', cell: (e) => (e.should_be_retried ? 'yes' : 'no') },
        { label: 'Built in', cell: (e) => (e.is_builtin ? 'yes' : 'no') },
        { label: 'Description', cell: (e) => h('span', { class: 'small' }, e.description ?? '') },
        { label: 'Changed', cell: (e) => fmtTime(e.last_modified) },
      ],
      rows,
      { empty: 'No errors.', cls: 'errors', rowAttrs: (e) => ({ data: { error: e.id, name: e.name, category: e.category } }) },
    ),
  );
  view.dataset.ready = 'true';
}
