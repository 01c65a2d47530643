// JSON and HTML encodings (A.55-A.57): the 200 responses in either media type; the HTML content
// check is structural (an HTML5 page showing the JSON's identifiers and links as <a>).
import type { Context } from '../context.ts';
import { echoWithString, executeBody } from '../echo.ts';
import { execute } from '../execution.ts';
import { asyncRawValueJob } from '../jobs.ts';
import { describeResponse, expect, expectObject, expectStatus, fail } from '../lib/assert.ts';
import { mediaType } from '../lib/http.ts';
import { anchorHrefs, html5Problems, htmlContains, normalizeUrl } from '../lib/html.ts';
import { jsonLinks, resolveHref } from '../lib/links.ts';
import { isObj, type Obj } from '../lib/util.ts';
import type { Check } from '../types.ts';

interface Page {
  url: string;
  /** Identifiers the page must show, taken from the JSON representation. */
  facts: (json: Obj) => string[];
}

function idsOf(list: unknown, key: string): string[] {
  return Array.isArray(list) ? list.filter(isObj).map((x) => x[key]).filter((v): v is string => typeof v === 'string') : [];
}

/** The resources whose 200 responses both encodings must support. */
async function pages(ctx: Context): Promise<Page[]> {
  const out: Page[] = [
    { url: ctx.url('/'), facts: (j) => (typeof j.title === 'string' ? [j.title] : []) },
    { url: ctx.url('/conformance'), facts: (j) => (Array.isArray(j.conformsTo) ? j.conformsTo.filter((c): c is string => typeof c === 'string') : []) },
    { url: ctx.url('/processes'), facts: (j) => idsOf(j.processes, 'id') },
    {
      url: ctx.url(`/processes/${encodeURIComponent(ctx.echoId)}`),
      facts: (j) => [String(j.id), ...Object.keys(isObj(j.inputs) ? j.inputs : {}), ...Object.keys(isObj(j.outputs) ? j.outputs : {})],
    },
  ];
  if (ctx.declares('job-list')) out.push({ url: ctx.url('/jobs?limit=5'), facts: (j) => idsOf(j.jobs, 'jobID') });
  try {
    const job = await asyncRawValueJob(ctx);
    out.push({ url: job.jobUrl, facts: (j) => [String(j.jobID)] });
  } catch {
    // no async job to look at
  }
  return out;
}

function jsonType(res: Awaited<ReturnType<Context['get']>>, status: number): void {
  expectStatus(res, status);
  expect(mediaType(res) === 'application/json', `${describeResponse(res)}: Content-Type ${mediaType(res) || 'missing'}, expected application/json`);
}

export const jsonHtmlChecks: Check[] = [
  {
    id: 'A.55',
    title: '/conf/json/definition',
    cls: 'json',
    async run(ctx) {
      const list = await pages(ctx);
      for (const page of list) jsonType(await ctx.get(page.url, { accept: 'application/json' }), 200);
      const p = await echoWithString(ctx);
      let executions = 0;
      if (p.sync) {
        jsonType(await execute(ctx, p, executeBody(p, { outputs: 'value', response: 'document' }), { accept: 'application/json' }), 200);
        executions++;
      }
      if (p.async) {
        jsonType(await execute(ctx, p, executeBody(p, { outputs: 'value', response: 'raw' }), { prefer: 'respond-async', accept: 'application/json' }), 201);
        executions++;
      }
      return `${list.length} resources, ${executions} execution(s)`;
    },
  },
  {
    id: 'A.56',
    title: '/conf/html/content',
    cls: 'html',
    async run(ctx) {
      const list = await pages(ctx);
      for (const page of list) {
        const jres = await ctx.get(page.url, { accept: 'application/json' });
        expectStatus(jres, 200);
        const json = expectObject(jres);
        const res = await ctx.get(page.url, { accept: 'text/html' });
        expectStatus(res, 200);
        const problems = html5Problems(res.text);
        if (problems.length) fail(`${describeResponse(res)}: the page ${problems.join(', ')}`);
        const missing = page.facts(json).filter((f) => !htmlContains(res.text, f));
        if (missing.length) fail(`${describeResponse(res)}: the page does not show ${missing.slice(0, 5).join(', ')}`);
        const anchors = new Set(anchorHrefs(res.text, res.url).map(normalizeUrl));
        const links = jsonLinks(json).filter((l) => !['self', 'alternate'].includes(l.rel ?? ''));
        const absent = links.map((l) => resolveHref(l.href, jres.url)).filter((href) => !anchors.has(normalizeUrl(href)));
        if (absent.length) fail(`${describeResponse(res)}: links of the JSON representation missing as <a href>: ${absent.slice(0, 5).join(', ')}`);
      }
      return `structural check of ${list.length} pages (HTML5 doctype, identifiers, links as anchors)`;
    },
  },
  {
    id: 'A.57',
    title: '/conf/html/definition',
    cls: 'html',
    async run(ctx) {
      const list = await pages(ctx);
      for (const page of list) {
        const res = await ctx.get(page.url, { accept: 'text/html' });
        expectStatus(res, 200);
        expect(mediaType(res) === 'text/html', `${describeResponse(res)}: Content-Type ${mediaType(res) || 'missing'}, expected text/html`);
      }
      return `${list.length} resources`;
    },
  },
];
