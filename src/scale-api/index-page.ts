// The root of the Scale REST API (GET /scale/, /scale/v5/, /scale/v6/): an index of its versions and
// endpoint families, JSON by default and an HTML page when a browser asks (?f=html, or an Accept that
// prefers text/html). Scale itself has no such resource; every path under it is Scale's.
import { type Request, type Response, Router } from 'express';
import { a, esc, page, table } from '../http/page.ts';

/** [path under the API (with a query where one is required), methods, what it holds]. */
const ENDPOINTS: [string, string, string][] = [
  ['job-types/', 'GET POST', 'Job types (Scale job interface 1.0 and SEED manifests): create, list, edit, pause'],
  ['job-types/status/', 'GET', 'Job counts by job type and status'],
  ['job-types/running/', 'GET', 'Job types with running jobs, longest running first'],
  ['job-types/pending/', 'GET', 'Job types with pending jobs, longest pending first'],
  ['job-types/system-failures/', 'GET', 'Job types failing with system errors'],
  ['job-type-names/', 'GET', 'Job type names and their versions'],
  ['jobs/', 'GET', 'Jobs, filtered by status, type, time; details, executions, input files, cancel'],
  ['jobs/updates/', 'GET', 'Jobs changed in a time window'],
  ['jobs/executions/', 'GET', 'Jobs with their latest executions'],
  ['job-executions/', 'GET', 'Executions; /job-executions/{id}/logs/{stdout|stderr|combined}/ for logs'],
  ['queue/new-job/', 'POST', 'Queue a job of a job type with its data'],
  ['queue/new-recipe/', 'POST', 'Queue a recipe of a recipe type with its data'],
  ['queue/status/', 'GET', 'The queue by job type and priority'],
  ['load/', 'GET', 'Queue load over time'],
  ['recipe-types/', 'GET POST', 'Recipe types (definitions 1.0 and v6)'],
  ['recipes/', 'GET', 'Recipes: their nodes, jobs and reprocessing'],
  ['batches/', 'GET POST', 'Batches: reprocess recipes of a type'],
  ['files/', 'GET POST', 'Files in workspaces: upload, details, /files/{id}/content'],
  ['sources/', 'GET', 'Source files and their products and jobs'],
  ['products/', 'GET', 'Product files and their sources'],
  ['workspaces/', 'GET POST', 'Workspaces (host paths, S3) and their files'],
  ['strikes/', 'GET POST', 'Strikes: ingest files as they arrive'],
  ['scans/', 'GET POST', 'Scans: ingest what a workspace already holds'],
  ['ingests/', 'GET', 'Ingests of Strikes and Scans'],
  ['errors/', 'GET POST', 'Error definitions (SYSTEM, ALGORITHM, DATA)'],
  ['nodes/', 'GET', 'Nodes: resources, running jobs, pause and resume'],
  ['scheduler/', 'GET PATCH', 'The scheduler: pause, resume, queued resources'],
  ['status/', 'GET', 'The cluster status'],
  ['metrics/', 'GET', 'Metrics and their plot data'],
  ['timeline/job-types/?started=P7D', 'GET', 'Jobs started per day and job type (here: the last 7 days)'],
  ['configuration/', 'GET POST', 'Export and import job types, recipe types, workspaces and errors'],
  ['version/', 'GET', 'This server\'s version'],
];

const VERSIONS: [string, string][] = [
  ['', 'Scale 5 and 6 paths; recipe definitions answered in the format they were created in'],
  ['v5/', 'Scale 5 (seed 002): recipe definitions 1.0'],
  ['v6/', 'Scale 6: v6 shapes of job types, recipes, jobs, workspaces, nodes and status'],
];

/** Whether the client asked for HTML (as the OGC door decides): ?f=html, or Accept prefers it to JSON. */
function wantsHtml(req: Request): boolean {
  if (req.query.f === 'html') return true;
  if (req.query.f === 'json') return false;
  const accept = req.headers.accept;
  if (!accept) return false;
  return req.accepts(['application/json', 'text/html']) === 'text/html' && !/application\/(json|[\w.+-]*\+json)/.test(accept);
}

export function scaleIndexRouter(): Router {
  const r = Router({ strict: true });
  const answer = (req: Request, res: Response) => {
    const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    // The API under the path it was asked at (/scale, /scale/v5 or /scale/v6).
    const api = `${origin}${req.baseUrl}/`;
    const root = `${origin}/scale/`;
    const body = {
      title: 'Scale REST API',
      description: 'The native Scale REST API of this server (paths as in Scale 5 and 6). The same jobs are OGC API - Processes jobs at /jobs and WPS jobs at /wps.',
      versions: VERSIONS.map(([v, d]) => ({ name: v ? v.slice(0, -1) : 'unversioned', href: root + v, description: d })),
      endpoints: ENDPOINTS.map(([p, m, d]) => ({ path: p, href: api + p, methods: m.split(' '), description: d })),
      links: [
        { href: api, rel: 'self', type: 'application/json', title: 'this index' },
        { href: `${api}?f=html`, rel: 'alternate', type: 'text/html', title: 'this index as HTML' },
        { href: 'https://ngageoint.github.io/scale/docs/rest/index.html', rel: 'service-doc', type: 'text/html', title: 'Scale\'s REST API documentation (NGA)' },
        { href: `${origin}/`, rel: 'related', type: 'application/json', title: 'OGC API - Processes (landing page)' },
        { href: `${origin}/ui/`, rel: 'related', type: 'text/html', title: 'the operators\' dashboard' },
      ],
    };
    if (!wantsHtml(req)) return void res.json(body);
    const main = [
      `<p class="lead">${esc(body.description)}</p>`,
      `<section class="panel"><h2>Versions</h2>${table(['Path', 'What'], body.versions.map((v) => [a(v.href, new URL(v.href).pathname), esc(v.description)]))}</section>`,
      `<section class="panel"><h2>Endpoints</h2>${table(['Path', 'Methods', 'What'], body.endpoints.map((e) => [
        e.methods.includes('GET') ? a(e.href, new URL(e.href).pathname + new URL(e.href).search, { type: 'application/json' }) : `<code>${esc(new URL(e.href).pathname)}</code>`,
        e.methods.map((m) => `<span class="tag">${esc(m)}</span>`).join(''),
        esc(e.description),
      ]))}</section>`,
      `<section class="panel"><h2>Links</h2><ul>${body.links.filter((l) => l.rel !== 'self' && l.rel !== 'alternate').map((l) => `<li>${a(l.href, l.title, { rel: l.rel, type: l.type })}</li>`).join('')}</ul></section>`,
    ].join('');
    res.type('text/html').send(page({ base: origin, title: 'Scale REST API', crumbs: [['Home', `${origin}/?f=html`]], main, alternates: [['JSON', `${api}?f=json`, 'application/json']] }));
  };
  r.get('/', answer);
  return r;
}
