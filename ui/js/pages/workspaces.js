// Workspaces: each with its broker, state and usage (the size Scale records when the broker
// reports it, else the files it holds), and one workspace's files, page by page.
import { allPages, api, qs } from '../api.js';
import { fileLink } from '../file-link.js';
import { badge, facts, fill, fmtBytes, fmtTime, h, jsonBlock, link, section, table } from '../dom.js';
import { navigate } from '../router.js';

const PAGE = 50;

function usage(w, files) {
  const parts = [];
  if (w.used_size !== null && w.used_size !== undefined) {
    parts.push(`${fmtBytes(w.used_size)}${w.total_size ? ` of ${fmtBytes(w.total_size)}` : ''} used`);
    if (w.total_size) {
      const pct = Math.min(100, (100 * w.used_size) / w.total_size);
      parts.push(h('div', { class: 'meter meter-inline', title: `${pct.toFixed(0)} %` }, h('div', { class: ['meter-fill', pct > 90 ? 'meter-high' : ''], style: { width: `${pct}%` } })));
    }
  }
  if (files) parts.push(h('span', { class: 'usage-files', data: { count: files.count, bytes: files.bytes ?? '' } }, `${parts.length ? ' · ' : ''}${files.count} files${files.bytes !== undefined ? `, ${fmtBytes(files.bytes)}${files.partial ? ' (the newest 10,000)' : ''}` : ''}`));
  return parts;
}

export async function workspacesPage({ view, signal }) {
  view.dataset.page = 'workspaces';
  const list = await api('/scale/workspaces/?page_size=1000&order=name', { signal });
  const counts = await Promise.all(list.results.map((w) => api(`/scale/files/?workspace_id=${w.id}&page_size=1`, { signal })));
  view.append(
    h('h1', {}, 'Workspaces'),
    table(
      [
        { label: 'Name', cell: (w) => link(`#/workspaces/${w.id}`, w.name, { class: 'workspace-link' }) },
        { label: 'Title', cell: (w) => w.title ?? '' },
        { label: 'State', cell: (w) => badge(w.is_active ? 'ACTIVE' : 'INACTIVE') },
        { label: 'Usage', cell: (w) => usage(w, { count: counts[list.results.indexOf(w)].count }) },
        { label: 'Base URL', cell: (w) => (w.base_url ? h('code', {}, w.base_url) : '') },
        { label: 'Changed', cell: (w) => fmtTime(w.last_modified) },
      ],
      list.results,
      { empty: 'No workspaces.', cls: 'workspaces', rowAttrs: (w) => ({ data: { workspace: w.id, name: w.name, files: counts[list.results.indexOf(w)].count } }) },
    ),
  );
  view.dataset.ready = 'true';
}

export async function workspacePage({ view, params, query, signal }) {
  view.dataset.page = 'workspace';
  const id = Number(params[0]);
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const [w, files, sizes] = await Promise.all([
    api(`/scale/workspaces/${id}/`, { signal }),
    api(`/scale/files/${qs({ workspace_id: id, page, page_size: PAGE, order: '-id' })}`, { signal }),
    // Bytes held: the sizes of the newest 10,000 files.
    allPages(`/scale/files/${qs({ workspace_id: id, order: '-id' })}`, { signal, max: 10 }),
  ]);
  const all = sizes;
  const bytes = all.reduce((n, f) => n + Number(f.file_size ?? 0), 0);
  const pages = Math.max(1, Math.ceil(files.count / PAGE));
  const go = (p) => navigate(`/workspaces/${id}`, { page: p });
  view.append(
    h('h1', {}, `Workspace ${w.title || w.name} `, badge(w.is_active ? 'ACTIVE' : 'INACTIVE')),
    section('Summary', facts([
      ['Name', h('code', {}, w.name)],
      ['Description', w.description],
      ['Usage', h('span', { id: 'workspace-usage' }, usage(w, { count: files.count, bytes, partial: files.count > all.length }))],
      ['Broker', w.json_config?.broker?.type],
      ['Base URL', w.base_url ? h('code', {}, w.base_url) : null],
      ['Created', fmtTime(w.created)],
    ]), w.json_config ? h('details', {}, h('summary', {}, 'Configuration'), jsonBlock(w.json_config, 'config')) : null),
    section(
      `Files (${files.count})`,
      h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'prev', disabled: !files.previous, on: { click: () => go(page - 1) } }, '‹ Previous'),
        h('span', { class: 'page-info' }, `page ${page} of ${pages}`),
        h('button', { type: 'button', class: 'next', disabled: !files.next, on: { click: () => go(page + 1) } }, 'Next ›')),
      table(
        [
          { label: 'File', cell: (f) => fileLink(f) },
          { label: 'Path', cell: (f) => h('code', { class: 'small' }, f.file_path ?? '') },
          { label: 'Type', cell: (f) => f.file_type },
          { label: 'Media type', cell: (f) => f.media_type ?? '' },
          { label: 'Size', cell: (f) => fmtBytes(f.file_size), class: 'num' },
          { label: 'Made by', cell: (f) => (f.job ? link(`#/jobs/${f.job.id}`, `job #${f.job.id}`) : '') },
          { label: 'Created', cell: (f) => fmtTime(f.created) },
        ],
        files.results,
        { empty: 'No files.', cls: 'files', rowAttrs: (f) => ({ data: { file: f.id } }) },
      ),
    ),
  );
  view.dataset.ready = 'true';
}
