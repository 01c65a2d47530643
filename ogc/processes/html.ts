// HTML representations (the HTML conformance class), server-rendered from the very JSON documents
// the door answers with, so the two never disagree: the landing page, the conformance classes, the
// process list, jobs, a job and its results as tables and facts (a process's page is html-process.ts).
// Every link of a JSON document is an <a> on its page; the frame, the stylesheet and the favicon are
// src/http/page.ts's.
import type { Run, RunOutput } from '../../src/core/runs/model.ts';
import { a, esc, facts, page, table } from '../../src/http/page.ts';
import type { Urls } from '../../src/http/urls.ts';
import { directoryFileHref } from './results.ts';
import { OGC_STATUSES, OGC_WORD } from './status.ts';

type Obj = Record<string, unknown>;
type Link = { href: string; rel?: string; type?: string; title?: string };

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const linksOf = (body: Obj): Link[] => (Array.isArray(body.links) ? body.links.filter((l): l is Link => isObj(l) && typeof l.href === 'string') : []);
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const html = (u: Urls, p: string, q: Record<string, string | number | undefined> = {}) => u.to(p, { ...q, f: 'html' });

/** A JSON value as HTML: text, links as <a>, lists and objects nested (what no table says). */
export function render(v: unknown): string {
  if (v === null || v === undefined) return '<em>none</em>';
  if (typeof v === 'string') return /^https?:\/\//.test(v) ? a(v, v) : esc(v);
  if (typeof v !== 'object') return `<code>${esc(String(v))}</code>`;
  if (Array.isArray(v)) return v.length ? `<ul>${v.map((x) => `<li>${render(x)}</li>`).join('')}</ul>` : '<em>none</em>';
  if (typeof (v as Obj).href === 'string') return linkHtml(v as Link);
  return `<dl>${Object.entries(v).map(([k, x]) => `<dt>${esc(k)}</dt><dd>${render(x)}</dd>`).join('')}</dl>`;
}

export const linkHtml = (l: Link) => a(l.href, str(l.title ?? l.rel ?? l.href), { rel: l.rel, type: l.type });

/** A document's links, each as an <a> with its relation and media type. */
export function linksSection(links: Link[], heading = 'Links'): string {
  if (!links.length) return '';
  const rel = (r: string | undefined) => esc(str(r).replace('http://www.opengis.net/def/rel/ogc/1.0/', 'ogc:'));
  return `<section class="panel"><h2>${esc(heading)}</h2>${table(['Link', 'Relation', 'Media type'], links.map((l) => [linkHtml(l), `<code>${rel(l.rel)}</code>`, l.type ? `<code>${esc(l.type)}</code>` : '']))}</section>`;
}

const tags = (v: unknown) => (Array.isArray(v) ? v.map((x) => `<span class="tag">${esc(str(x))}</span>`).join('') : '');

/** An RFC 3339 time, shown as "YYYY-MM-DD hh:mm:ss UTC". */
export function when(v: unknown): string {
  if (typeof v !== 'string' || !v) return '';
  return `<time datetime="${esc(v)}">${esc(v.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC'))}</time>`;
}

/** How long from `from` to `to` (RFC 3339), in words. */
export function duration(from: unknown, to: unknown): string {
  if (typeof from !== 'string' || typeof to !== 'string') return '';
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  if (!Number.isFinite(s) || s < 0) return '';
  if (s < 60) return `${s < 10 ? s.toFixed(2) : Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export const badge = (status: unknown) => `<span class="badge status-${esc(str(status))}">${esc(str(status))}</span>`;
export const progressBar = (p: unknown) =>
  typeof p === 'number' ? `<progress max="100" value="${p}">${p}%</progress> ${p}%` : '<span class="muted">—</span>';

const alternates = (u: Urls, p: string, q: Record<string, string | number | undefined> = {}): [string, string, string][] => [['JSON', u.to(p, { ...q, f: 'json' }), 'application/json']];

/** The landing page: what the server is, each door and document as a card, the links. */
export function landingHtml(u: Urls, body: Obj): string {
  const cards: [string, string, string][] = [
    ['Processes', html(u, '/processes'), 'The processes this server runs: every job type, and the packages deployed through OGC API - Processes Part 2.'],
    ['Jobs', html(u, '/jobs'), 'Every job, whichever door started it, with its status, progress and results.'],
    ['API', html(u, '/api'), 'The OpenAPI 3.0 definition of this API, in an interactive viewer.'],
    ['Conformance', html(u, '/conformance'), 'The conformance classes of OGC API - Processes Parts 1 and 2 this server implements.'],
    ['Dashboard', u.to('/ui/'), 'The operators\' dashboard: queue, nodes, jobs, logs and recipes.'],
    ['WPS', u.to('/wps', { service: 'WPS', request: 'GetCapabilities' }), 'The same processes through OGC WPS 1.0.0 and 2.0 (and WPS-T).'],
    ['Scale REST API', u.to('/scale/'), 'The native Scale REST API: job types, jobs, queue, recipes, workspaces, ingest.'],
  ];
  const main = [
    `<p class="lead">${esc(str(body.description))}</p>`,
    `<div class="cards">${cards.map(([t, h, d]) => `<div class="card"><h2>${a(h, t)}</h2><p>${esc(d)}</p></div>`).join('')}</div>`,
    linksSection(linksOf(body)),
  ].join('');
  return page({ base: u.base, title: str(body.title) || 'scale-ades', main, alternates: alternates(u, '/') });
}

/** The conformance classes as a table: which part, which class, its URI. */
export function conformanceHtml(u: Urls, body: Obj): string {
  const uris = Array.isArray(body.conformsTo) ? body.conformsTo.map(str) : [];
  const rows = uris.map((c) => {
    const m = /ogcapi-processes-(\d)\/([\d.]+)\/conf\/(.+)$/.exec(c);
    return [m ? `Part ${m[1]} (${esc(m[2])})` : '', m ? `<strong>${esc(m[3])}</strong>` : '', `<code>${esc(c)}</code>`];
  });
  const main = `<p class="lead">${uris.length} conformance classes of OGC API - Processes.</p><section class="panel">${table(['Standard', 'Class', 'URI'], rows)}</section>${linksSection(linksOf(body).filter((l) => l.rel !== 'self' && l.rel !== 'alternate'))}`;
  return page({ base: u.base, title: 'Conformance', crumbs: [['Home', html(u, '/')]], main, alternates: alternates(u, '/conformance') });
}

/** Next / previous page links of a list document, to their HTML pages. */
function pager(links: Link[]): string {
  const html_ = (l: Link) => {
    const url = new URL(l.href);
    url.searchParams.set('f', 'html');
    return url.toString();
  };
  const out = ['prev', 'next'].flatMap((rel) => links.filter((l) => l.rel === rel).map((l) => a(html_(l), rel === 'prev' ? '← previous' : 'next →', { rel })));
  return out.length ? `<div class="pager">${out.join('')}</div>` : '';
}

/** The processes: a table of id, title, version, job control and links. */
export function processesHtml(u: Urls, body: Obj, ctx: { count: number; limit: number; offset: number }): string {
  const list = Array.isArray(body.processes) ? body.processes.filter(isObj) : [];
  const rows = list.map((p) => {
    const id = str(p.id);
    const path = `/processes/${encodeURIComponent(id)}`;
    const links = linksOf(p).filter((l) => l.rel !== 'alternate').map((l) => a(l.href, l.rel === 'process' ? 'JSON' : l.rel?.endsWith('/execute') ? 'execute' : l.rel?.endsWith('/application-package') ? 'package' : str(l.title), { rel: l.rel, type: l.type }));
    return [
      `${a(html(u, path), id)}${linksOf(p).some((l) => l.rel?.endsWith('/application-package')) ? ' <span class="tag">deployed</span>' : ''}`,
      `${esc(str(p.title))}${p.description ? `<br><span class="muted">${esc(str(p.description).slice(0, 160))}${str(p.description).length > 160 ? '…' : ''}</span>` : ''}`,
      esc(str(p.version)),
      tags(p.jobControlOptions),
      links.join(' · '),
    ];
  });
  const shown = list.length ? `${ctx.offset + 1}–${ctx.offset + list.length} of ${ctx.count}` : `none of ${ctx.count}`;
  const main = `<p class="lead">Processes ${shown}. Each runs as a job; execute one with <code>POST /processes/{id}/execution</code>.</p>`
    + `<section class="panel">${table(['Id', 'Title', 'Version', 'Job control', 'Links'], rows)}${pager(linksOf(body))}</section>`;
  return page({ base: u.base, title: 'Processes', crumbs: [['Home', html(u, '/')]], main, alternates: alternates(u, '/processes', { limit: ctx.limit, offset: ctx.offset || undefined }) });
}

/** The links of one job (a row's or a page's): its JSON status, its results, its Scale job. */
function jobLinks(u: Urls, job: Obj): string {
  const id = str(job.jobID);
  const out = [a(u.to(`/jobs/${encodeURIComponent(id)}`), 'JSON', { type: 'application/json' })];
  if (job.status === OGC_WORD.SUCCEEDED) out.push(a(html(u, `/jobs/${encodeURIComponent(id)}/results`), 'results'));
  const scale = linksOf(job).find((l) => l.rel === 'related');
  if (scale) out.push(a(scale.href, 'Scale job', { type: scale.type }));
  return out.join(' · ');
}

/** The jobs: a filter form, then a table with status colours, times, progress and links. */
export function jobsHtml(u: Urls, body: Obj, query: Record<string, unknown>): string {
  const list = Array.isArray(body.jobs) ? body.jobs.filter(isObj) : [];
  const rows = list.map((j) => {
    const id = str(j.jobID);
    return [
      a(html(u, `/jobs/${encodeURIComponent(id)}`), id),
      a(html(u, `/processes/${encodeURIComponent(str(j.processID))}`), str(j.processID)),
      badge(j.status),
      when(j.created),
      when(j.started),
      when(j.finished),
      // A running job's time so far.
      [esc(duration(j.started, j.finished ?? (j.status === OGC_WORD.RUNNING ? new Date().toISOString() : undefined))), 'num'],
      progressBar(j.progress),
      jobLinks(u, j),
    ] as (string | [string, string])[];
  });
  const q = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : '');
  const statuses = ['', ...OGC_STATUSES].map((s) => `<option value="${s}"${q('status') === s ? ' selected' : ''}>${s || 'any'}</option>`).join('');
  const form = `<form class="filter" method="get" action="${esc(u.to('/jobs'))}">`
    + `<label>Status <select name="status">${statuses}</select></label>`
    + `<label>Process <input type="text" name="processID" value="${esc(q('processID'))}" placeholder="any"></label>`
    + `<label>Per page <input name="limit" type="number" min="1" max="10000" value="${esc(q('limit') || '10')}"></label>`
    + '<input type="hidden" name="f" value="html"><button type="submit">Show</button></form>';
  const main = `<p class="lead">${list.length} job${list.length === 1 ? '' : 's'} on this page, newest first.</p>`
    + `<section class="panel">${form}${table(['Job', 'Process', 'Status', 'Created', 'Started', 'Finished', 'Duration', 'Progress', 'Links'], rows)}${pager(linksOf(body))}</section>`;
  const kept = Object.fromEntries(Object.entries(query).filter(([k, v]) => k !== 'f' && typeof v === 'string')) as Record<string, string>;
  return page({ base: u.base, title: 'Jobs', crumbs: [['Home', html(u, '/')]], main, alternates: alternates(u, '/jobs', kept) });
}

/** A job: its status, progress, times, message, and links to its results, log and dashboard page. */
export function jobHtml(u: Urls, body: Obj, ctx: { jobId: number; logExecution: number | null }): string {
  const id = str(body.jobID);
  const status = str(body.status);
  const process = str(body.processID);
  const go: string[] = [];
  if (status === OGC_WORD.SUCCEEDED) go.push(a(html(u, `/jobs/${encodeURIComponent(id)}/results`), 'Results', { class: 'button' }));
  if (ctx.logExecution !== null) go.push(a(u.to(`/scale/job-executions/${ctx.logExecution}/logs/combined/`), 'Log', { type: 'text/plain', class: 'button' }));
  go.push(a(`${u.to('/ui/')}#/jobs/${ctx.jobId}`, 'Dashboard page', { class: 'button' }));
  go.push(a(u.to(`/scale/jobs/${ctx.jobId}/`), 'Scale job (JSON)', { type: 'application/json', class: 'button' }));
  const main = [
    `<p class="lead">${badge(status)} ${progressBar(body.progress)}</p>`,
    body.message ? `<section class="panel${status === OGC_WORD.FAILED ? ' failure' : ''}"><h2>Message</h2><p>${esc(str(body.message))}</p></section>` : '',
    `<section class="panel"><ul class="links">${go.map((x) => `<li>${x}</li>`).join('')}</ul></section>`,
    `<section class="panel">${facts([
      ['Job', `<code>${esc(id)}</code>`],
      ['Process', a(html(u, `/processes/${encodeURIComponent(process)}`), process)],
      ['Status', badge(status)],
      ['Created', when(body.created)],
      ['Started', when(body.started)],
      ['Finished', when(body.finished)],
      ['Updated', when(body.updated)],
      ['Progress', progressBar(body.progress)],
      ['Duration', esc(duration(body.started, body.finished ?? (status === OGC_WORD.RUNNING ? new Date().toISOString() : undefined)))],
    ])}</section>`,
    linksSection(linksOf(body).filter((l) => l.rel !== 'self' && l.rel !== 'alternate')),
  ].join('');
  return page({ base: u.base, title: `Job ${id}`, crumbs: [['Home', html(u, '/')], ['Jobs', html(u, '/jobs')]], main, alternates: alternates(u, `/jobs/${encodeURIComponent(id)}`) });
}

const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

/** A job's results: each output as a value or as links to its files. */
export function resultsHtml(u: Urls, run: Run, outputs: Map<string, RunOutput>, declared: string[]): string {
  const fileHref = (id: number) => u.to(`/scale/files/${id}/content`);
  const ids = [...new Set([...declared, ...outputs.keys()])];
  const rows = ids.map((id) => {
    const o = outputs.get(id);
    if (!o) return [`<code>${esc(id)}</code>`, '<span class="muted">not produced</span>', '', ''];
    if (o.kind === 'json') {
      const v = typeof o.value === 'string' ? esc(o.value) : `<pre>${esc(JSON.stringify(o.value, null, 2))}</pre>`;
      return [`<code>${esc(id)}</code>`, v, 'value', `<code>${typeof o.value === 'string' ? 'text/plain' : 'application/json'}</code>`];
    }
    const files = o.files.map((f) => `${a(o.kind === 'directory' ? directoryFileHref(u, run, id, f) : fileHref(f.id), f.relPath ?? f.name, { type: f.mediaType })} <span class="muted">${size(f.size)}</span>`);
    const list = files.length === 1 ? files[0] : `<ul>${files.map((f) => `<li>${f}</li>`).join('')}</ul>`;
    const dir = o.kind === 'directory' ? `${a(u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}`), `directory ${o.name}`, { type: 'application/json' })}: ` : '';
    const types = [...new Set(o.files.map((f) => f.mediaType))].map((t) => `<code>${esc(t)}</code>`).join(' ');
    return [`<code>${esc(id)}</code>`, dir + (files.length ? list : '<span class="muted">no files</span>'), o.kind === 'file' ? 'file' : o.kind === 'files' ? `${o.files.length} file${o.files.length === 1 ? '' : 's'}` : 'directory', types];
  });
  const main = `<p class="lead">The outputs of ${a(html(u, `/jobs/${run.id}`), `job ${run.id}`)} (process ${a(html(u, `/processes/${encodeURIComponent(run.processId)}`), run.processId)}).</p>`
    + `<section class="panel">${table(['Output', 'Value or link', 'Kind', 'Media type'], rows)}</section>`;
  return page({
    base: u.base, title: `Results of job ${run.id}`, crumbs: [['Home', html(u, '/')], ['Jobs', html(u, '/jobs')], [`Job ${run.id}`, html(u, `/jobs/${run.id}`)]],
    main, alternates: alternates(u, `/jobs/${run.id}/results`),
  });
}
