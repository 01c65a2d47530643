// Strikes and Scans: each with its status, start / stop (a Strike) or dry run / ingest / cancel (a
// Scan), and its latest ingests. Stopping and canceling ask first.
import { actions, api } from '../api.js';
import { actionButton, badge, fill, fmtTime, h, link, section, table } from '../dom.js';
import { ingestColumns } from './ingests.js';

const PER = 10;
const ACTIVE_JOB = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING'];

const jobBadge = (job, what) => (job?.status ? [h('span', { class: 'muted small' }, `${what} `), link(`#/jobs/${job.id}`, badge(job.status))] : null);

function ingests(list, cls) {
  return [
    h('p', { class: 'muted small' }, `${list.count} ingests${list.count > PER ? `, the latest ${PER} shown` : ''}.`),
    table(ingestColumns, list.results, { empty: 'Nothing ingested yet.', cls: ['ingests', cls].join(' '), rowAttrs: (x) => ({ data: { ingest: x.id, status: x.status } }) }),
  ];
}

function strikeBlock(s, list, redraw) {
  const state = s.is_active ? 'ACTIVE' : 'STOPPED';
  return h(
    'div',
    { class: 'strike', data: { strike: s.id, name: s.name, state } },
    section(
      [`Strike ${s.title || s.name} `, h('span', { class: 'strike-state' }, badge(state))],
      h('div', { class: 'actions' },
        s.is_active
          ? actionButton('Stop', async () => { await actions.activateStrike(s.id, false); await redraw(); }, { cls: 'danger', data: { action: 'stop-strike', strike: s.id }, confirm: `Stop Strike ${s.name}? It stops watching for files (its job is canceled) until it is started again.` })
          : actionButton('Start', async () => { await actions.activateStrike(s.id, true); await redraw(); }, { data: { action: 'start-strike', strike: s.id } }),
        jobBadge(s.job, 'its job'),
        h('span', { class: 'muted small' }, `${s.name}${s.description ? ` · ${s.description}` : ''} · changed ${fmtTime(s.last_modified)}`)),
      ingests(list, 'strike-ingests'),
    ),
  );
}

function scanState(s) {
  if (s.job) return s.job.status;
  if (s.dry_run_job) return `DRY RUN ${s.dry_run_job.status}`;
  return 'NEW';
}

function scanBlock(s, list, redraw) {
  const running = [s.job, s.dry_run_job].find((j) => j && ACTIVE_JOB.includes(j.status));
  return h(
    'div',
    { class: 'scan', data: { scan: s.id, name: s.name, state: scanState(s) } },
    section(
      [`Scan ${s.title || s.name} `, h('span', { class: 'scan-state' }, badge(s.job?.status ?? (s.dry_run_job ? 'DRY-RUN' : 'NEW'), '', scanState(s)))],
      h('div', { class: 'actions' },
        !s.job ? actionButton('Dry run', async () => { await actions.processScan(s.id, false); await redraw(); }, { data: { action: 'dry-run-scan', scan: s.id } }) : null,
        !s.job ? actionButton('Ingest', async () => { await actions.processScan(s.id, true); await redraw(); }, { data: { action: 'ingest-scan', scan: s.id }, confirm: `Ingest what Scan ${s.name} finds? A Scan ingests once; it cannot be run again.` }) : null,
        running ? actionButton('Cancel', async () => { await actions.cancelJob(running.id); await redraw(); }, { cls: 'danger', data: { action: 'cancel-scan', scan: s.id }, confirm: `Cancel the running job #${running.id} of Scan ${s.name}?` }) : null,
        jobBadge(s.dry_run_job, 'dry run'),
        jobBadge(s.job, 'ingest'),
        h('span', { class: 'muted small' }, `${s.file_count ?? 0} files found${s.started ? ` · started ${fmtTime(s.started)}` : ''}${s.ended ? ` · ended ${fmtTime(s.ended)}` : ''}`)),
      ingests(list, 'scan-ingests'),
    ),
  );
}

export async function strikesPage({ view, signal, alive }) {
  view.dataset.page = 'strikes';
  const body = h('div');
  view.append(h('h1', {}, 'Strikes and Scans'), body);
  const draw = async () => {
    const [strikes, scans] = await Promise.all([api('/scale/strikes/?page_size=1000&order=name', { signal }), api('/scale/scans/?page_size=1000&order=name', { signal })]);
    const [sl, cl] = await Promise.all([
      Promise.all(strikes.results.map((s) => api(`/scale/ingests/?strike_id=${s.id}&page_size=${PER}&order=-id`, { signal }))),
      Promise.all(scans.results.map((s) => api(`/scale/ingests/?scan_id=${s.id}&page_size=${PER}&order=-id`, { signal }))),
    ]);
    if (!alive()) return;
    fill(
      body,
      h('h2', {}, `Strikes (${strikes.count})`),
      strikes.results.length ? strikes.results.map((s, i) => strikeBlock(s, sl[i], draw)) : h('p', { class: 'muted empty' }, 'No Strikes are configured.'),
      h('h2', {}, `Scans (${scans.count})`),
      scans.results.length ? scans.results.map((s, i) => scanBlock(s, cl[i], draw)) : h('p', { class: 'muted empty' }, 'No Scans are configured.'),
    );
  };
  await draw();
  view.dataset.ready = 'true';
}
