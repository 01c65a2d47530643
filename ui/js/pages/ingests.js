// Ingests per Strike: each Strike with its latest ingest records.
import { api } from '../api.js';
import { badge, fmtBytes, fmtTime, h, section, table } from '../dom.js';

const PER_STRIKE = 25;

export const ingestColumns = [
  { label: 'File', cell: (i) => h('code', {}, i.file_name) },
  { label: 'Status', cell: (i) => badge(i.status) },
  { label: 'Size', cell: (i) => fmtBytes(i.file_size), class: 'num' },
  { label: 'Data types', cell: (i) => (i.data_type ?? []).join(', ') },
  { label: 'Ingested', cell: (i) => fmtTime(i.ingest_ended ?? i.ingest_started) },
  { label: 'Path', cell: (i) => h('code', { class: 'small' }, i.new_file_path ?? i.file_path ?? '') },
  { label: 'Source file', cell: (i) => (i.source_file ? `#${i.source_file.id}` : '') },
  { label: 'Error', cell: (i) => i.error ?? '' },
];

export async function ingestsPage({ view, signal }) {
  view.dataset.page = 'ingests';
  const strikes = await api('/scale/strikes/', { signal });
  const lists = await Promise.all(strikes.results.map((s) => api(`/scale/ingests/?strike_id=${s.id}&page_size=${PER_STRIKE}&order=-id`, { signal })));
  view.append(
    h('h1', {}, 'Ingests'),
    h('div', { class: 'strikes' }, strikes.results.length
      ? strikes.results.map((s, i) =>
          h(
            'div',
            { class: 'strike', data: { strike: s.id, name: s.name } },
            section(
              [`Strike ${s.title || s.name} `, badge(s.is_active ? 'ACTIVE' : 'INACTIVE')],
              h('p', { class: 'muted' }, `${s.name} · ${lists[i].count} ingests${lists[i].count > PER_STRIKE ? `, the latest ${PER_STRIKE} shown` : ''}`, s.description ? ` · ${s.description}` : ''),
              table(ingestColumns, lists[i].results, { empty: 'Nothing ingested yet.', cls: 'ingests', rowAttrs: (x) => ({ data: { ingest: x.id, status: x.status } }) }),
            ),
          ),
        )
      : h('p', { class: 'muted empty' }, 'No Strikes are configured.')),
  );
  view.dataset.ready = 'true';
}
