// Batches (Scale 6): each batch with its recipe type, its jobs by status and its progress.
import { api } from '../api.js';
import { badge, fmtTime, h, link, table } from '../dom.js';

const STATUSES = [['jobs_pending', 'PENDING'], ['jobs_blocked', 'BLOCKED'], ['jobs_queued', 'QUEUED'], ['jobs_running', 'RUNNING'], ['jobs_completed', 'COMPLETED'], ['jobs_failed', 'FAILED'], ['jobs_canceled', 'CANCELED']];

export async function batchesPage({ view, signal }) {
  view.dataset.page = 'batches';
  const list = await api('/scale/batches/?page_size=100&order=-id', { signal });
  view.append(
    h('h1', {}, 'Batches'),
    table(
      [
        { label: 'Batch', cell: (b) => [h('strong', {}, b.title || `#${b.id}`), h('div', { class: 'muted small' }, `#${b.id}`)] },
        { label: 'Recipe type', cell: (b) => (b.recipe_type ? link(`#/recipe-types/${b.recipe_type.id}`, `${b.recipe_type.title || b.recipe_type.name} (rev ${b.recipe_type_rev?.revision_num ?? '?'})`) : '') },
        { label: 'State', cell: (b) => [b.is_superseded ? badge('SUPERSEDED') : null, badge(b.is_creation_done ? 'CREATED' : 'CREATING')] },
        { label: 'Recipes', cell: (b) => `${b.recipes_completed ?? 0} of ${b.recipes_total ?? 0} done${b.recipes_estimated ? ` (${b.recipes_estimated} estimated)` : ''}` },
        { label: 'Jobs', cell: (b) => STATUSES.filter(([k]) => b[k]).map(([k, st]) => h('span', { class: 'count' }, badge(st), ` ${b[k]}`)) },
        { label: 'Created', cell: (b) => fmtTime(b.created) },
      ],
      list.results,
      { empty: 'No batches.', cls: 'batches', rowAttrs: (b) => ({ data: { batch: b.id } }) },
    ),
    list.count > list.results.length ? h('p', { class: 'muted' }, `The newest ${list.results.length} of ${list.count} batches.`) : null,
  );
  view.dataset.ready = 'true';
}
