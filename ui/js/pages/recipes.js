// Recipes: the list, and one recipe as a graph of its nodes coloured by state, with its jobs.
import { api, qs } from '../api.js';
import { badge, facts, fill, fmtTime, h, link, section, table } from '../dom.js';
import { GRAPH_STATES, recipeGraph } from '../graph.js';
import { navigate } from '../router.js';

const POLL_MS = 2000;

const recipeState = (r) => (r.is_canceled ? 'CANCELED' : r.is_completed ? 'COMPLETED' : r.jobs_failed ? 'FAILED' : r.jobs_running ? 'RUNNING' : 'PENDING');

export const recipeColumns = [
  { label: 'Recipe', cell: (r) => link(`#/recipes/${r.id}`, `#${r.id}`) },
  { label: 'Recipe type', cell: (r) => `${r.recipe_type.name ?? `#${r.recipe_type.id}`} ${r.recipe_type.version ?? ''}` },
  { label: 'State', cell: (r) => badge(recipeState(r)) },
  { label: 'Jobs', cell: (r) => `${r.jobs_completed} of ${r.jobs_total} done${r.jobs_failed ? `, ${r.jobs_failed} failed` : ''}${r.jobs_running ? `, ${r.jobs_running} running` : ''}` },
  { label: 'Created', cell: (r) => fmtTime(r.created) },
  { label: 'Completed', cell: (r) => fmtTime(r.completed) },
];

export async function recipesPage({ view, query, signal }) {
  view.dataset.page = 'recipes';
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const list = await api(`/scale/recipes/${qs({ page, page_size: 50, order: '-id' })}`, { signal });
  view.append(
    h('h1', {}, 'Recipes'),
    h(
      'div',
      { class: 'pager' },
      h('button', { type: 'button', class: 'prev', disabled: !list.previous, on: { click: () => navigate('/recipes', { page: page - 1 }) } }, '‹ Previous'),
      h('span', { class: 'page-info' }, `${list.count} recipes · page ${page}`),
      h('button', { type: 'button', class: 'next', disabled: !list.next, on: { click: () => navigate('/recipes', { page: page + 1 }) } }, 'Next ›'),
    ),
    table(recipeColumns, list.results, { empty: 'No recipes.', cls: 'recipes', rowAttrs: (r) => ({ data: { recipe: r.id } }) }),
  );
  view.dataset.ready = 'true';
}

const legend = () => h('ul', { class: 'legend' }, GRAPH_STATES.map((st) => h('li', {}, h('span', { class: ['swatch', `state-${st}`] }), st)));

export async function recipePage({ view, params, signal, every, alive }) {
  view.dataset.page = 'recipe';
  const id = Number(params[0]);
  const body = h('div');
  view.append(body);
  let drawn = '';
  const draw = async () => {
    const r = await api(`/scale/recipes/${id}/`, { signal });
    if (!alive()) return false;
    const key = JSON.stringify([r.last_modified, r.nodes.map((n) => [n.name, n.state])]);
    if (key !== drawn) {
      drawn = key;
      fill(
        body,
        h('h1', {}, `Recipe #${r.id} `, h('span', { id: 'recipe-state' }, badge(recipeState(r)))),
        h('p', { class: 'subtitle' }, link(`#/recipe-types/${r.recipe_type.id}`, `${r.recipe_type.title || r.recipe_type.name} ${r.recipe_type.version ?? ''}`), r.recipe ? [' · sub-recipe of ', link(`#/recipes/${r.recipe.id}`, `#${r.recipe.id}`)] : null),
        section('Graph', h('div', { class: 'graph-wrap' }, recipeGraph(r.nodes)), legend()),
        section(
          'Summary',
          facts([
            ['Created', fmtTime(r.created)],
            ['Completed', fmtTime(r.completed)],
            ['Jobs', `${r.jobs_completed} completed, ${r.jobs_running} running, ${r.jobs_queued} queued, ${r.jobs_failed} failed, ${r.jobs_canceled} canceled, of ${r.jobs_total}`],
            ['Superseded', r.is_superseded ? 'yes' : 'no'],
          ]),
        ),
        section(
          'Jobs',
          table(
            [
              { label: 'Node', cell: (j) => h('code', {}, j.job_name) },
              { label: 'Job', cell: (j) => link(`#/jobs/${j.job.id}`, `#${j.job.id}`) },
              { label: 'Job type', cell: (j) => `${j.job.job_type.name ?? ''} ${j.job.job_type.version ?? ''}` },
              { label: 'Status', cell: (j) => badge(j.job.status) },
              { label: 'Started', cell: (j) => fmtTime(j.job.started) },
              { label: 'Ended', cell: (j) => fmtTime(j.job.ended) },
            ],
            r.jobs ?? [],
            { empty: 'No jobs yet.', cls: 'recipe-jobs' },
          ),
        ),
      );
      view.dataset.recipeState = recipeState(r);
    }
    return !r.is_completed && !r.is_canceled;
  };
  const more = await draw();
  view.dataset.ready = 'true';
  if (more) every(draw, POLL_MS);
}
