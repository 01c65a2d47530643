// Recipe types: the list, and one recipe type's definition, job types and latest recipes.
import { api } from '../api.js';
import { facts, fmtTime, h, jsonBlock, link, section, table } from '../dom.js';
import { recipeColumns } from './recipes.js';

export async function recipeTypesPage({ view, signal }) {
  view.dataset.page = 'recipe-types';
  const types = await api('/scale/recipe-types/?page_size=1000&order=name&order=version', { signal });
  view.append(
    h('h1', {}, 'Recipe types'),
    table(
      [
        { label: 'Name', cell: (t) => link(`#/recipe-types/${t.id}`, t.name) },
        { label: 'Version', cell: (t) => t.version },
        { label: 'Title', cell: (t) => t.title ?? '' },
        { label: 'Revision', cell: (t) => String(t.revision_num), class: 'num' },
        { label: 'Active', cell: (t) => (t.is_active ? 'yes' : 'no') },
        { label: 'Changed', cell: (t) => fmtTime(t.last_modified) },
      ],
      types.results,
      { empty: 'No recipe types.', cls: 'recipe-types', rowAttrs: (t) => ({ data: { recipeType: t.id, name: t.name } }) },
    ),
  );
  view.dataset.ready = 'true';
}

export async function recipeTypePage({ view, params, signal }) {
  view.dataset.page = 'recipe-type';
  const id = Number(params[0]);
  const [t, recipes] = await Promise.all([
    api(`/scale/recipe-types/${id}/`, { signal }),
    api(`/scale/recipes/?recipe_type_id=${id}&page_size=20&order=-id`, { signal }),
  ]);
  view.append(
    h('h1', {}, `${t.title || t.name} `, h('span', { class: 'muted' }, t.version)),
    section('Summary', facts([['Name', h('code', {}, t.name)], ['Description', t.description], ['Revision', String(t.revision_num)], ['Created', fmtTime(t.created)], ['Changed', fmtTime(t.last_modified)]])),
    section(
      'Job types',
      table(
        [
          { label: 'Name', cell: (j) => link(`#/job-types/${j.id}`, j.name) },
          { label: 'Version', cell: (j) => j.version },
          { label: 'Title', cell: (j) => j.title ?? '' },
        ],
        t.job_types ?? [],
        { empty: 'None.' },
      ),
    ),
    section('Definition', jsonBlock(t.definition, 'definition')),
    section(`Latest recipes (${recipes.count})`, table(recipeColumns, recipes.results, { empty: 'No recipes of this type yet.', cls: 'recipes' })),
  );
  view.dataset.ready = 'true';
}
