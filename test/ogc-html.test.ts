// The OGC API - Processes HTML pages, the API viewer and the Scale API index in a real browser
// (Debian's chromium through puppeteer-core), against one real server with a deployed process, a
// completed job with files and a failed job: each page's tables are read in the browser and checked
// against the JSON of the same resource; every page is valid HTML5 (html-validate, offline), carries
// the strict Content-Security-Policy and causes no console error or CSP violation; Swagger UI renders
// every operation of /api. The JSON answers are untouched (ogc-processes.test.ts checks them).
// Screenshots go to test/artifacts/ogc-*.png. Without chromium the tests skip, unless REQUIRE_CHROMIUM=1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HtmlValidate } from 'html-validate';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import request from 'supertest';
import { createJobType, script, upload } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });

/** An Application Package (not run here: its description is what is shown). */
const upperPackage = (id: string) => ({
  processDescription: {
    process: {
      id, version: '1.2.0', title: 'Upper-case', description: 'Upper-cases a text file, N times', keywords: ['text', 'demo'],
      inputs: {
        text: { title: 'The text', schema: { type: 'string', contentMediaType: 'text/plain' } },
        times: { title: 'Times', description: 'How often to repeat it', schema: { type: 'integer', minimum: 1, default: 1 }, minOccurs: 0 },
        tags: { title: 'Tags', schema: { type: 'string', enum: ['a', 'b'] }, minOccurs: 0, maxOccurs: 'unbounded' },
      },
      outputs: {
        result: { title: 'The upper-cased text', schema: { type: 'string', contentMediaType: 'text/plain' } },
        lines: { title: 'Lines written', schema: { type: 'integer' } },
      },
    },
  },
  executionUnit: { type: 'docker', image: 'scale-example/upper:1.0', bindings: { inputBindings: { times: { prefix: '--times', position: 1 }, text: { position: 2 } }, outputBindings: { result: { glob: 'result.txt' } } } },
});

describe('OGC API HTML pages, API viewer and Scale index (chromium)', function () {
  this.timeout(60_000);
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  const problems: string[] = [];
  const deployedId = `upper-html-${process.pid}`;
  let produceId: string;
  let inputFileId: number;
  let completed: any; // a job of `produce` with file outputs
  let failed: any; // an echo job asked to fail
  const figures: string[] = [];

  const api = () => request(t.url!);
  const json = async (p: string) => (await api().get(p).set('Accept', 'application/json').expect(200)).body;

  /** Loads an HTML page in the browser: 200, text/html, the strict CSP, valid HTML5; waits for it to settle. */
  async function visit(url: string, shot?: string): Promise<string> {
    const res = await page.goto(`${base}${url}`, { waitUntil: 'load' });
    assert.ok(res, url);
    assert.equal(res.status(), 200, url);
    assert.match(res.headers()['content-type'], /^text\/html/, url);
    const csp = res.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'(;|$)/, `${url}: scripts from this server only`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, url);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)|\son[a-z]+=|\sstyle=/i, `${url}: no inline script, handler or style attribute`);
    const report = await validator.validateString(html);
    const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`));
    assert.deepEqual(messages, [], `${url} is valid HTML5`);
    if (shot) await page.screenshot({ path: path.join(ARTIFACTS, `ogc-${shot}.png`), fullPage: true });
    const csps = await page.evaluate('window.__csp');
    assert.deepEqual(csps, [], `${url}: no CSP violation`);
    return html;
  }

  const texts = (selector: string) => page.$$eval(selector, (els: any[]) => els.map((e) => String(e.textContent).trim()));
  /** The rows of the first table under `scope`, each cell's text. */
  const rows = (scope = 'main') => page.$$eval(`${scope} table tbody tr`, (trs: any[]) => trs.map((tr) => [...tr.children].map((td: any) => String(td.textContent).trim())));
  const hrefs = (selector: string) => page.$$eval(selector, (els: any[]) => els.map((e) => String(e.href)));

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but there is no chromium at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    t = await startServer(process.env.DATABASE_URL ? 'postgres' : 'pglite', { SCALE_EXECUTOR: 'local', SCALE_OGC_SYNC_SECONDS: '20' });
    base = t.url!;
    // A deployed process.
    const deployed = await api().post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify(upperPackage(deployedId)));
    assert.equal(deployed.status, 201, deployed.text);
    // A completed job with a file output and a list of files, started through the OGC API.
    const produce = await createJobType(t.app, {
      name: `produce-html-${process.pid}`, title: 'Produce',
      interface: {
        version: '1.0', command: `/bin/sh ${script('produce.sh')}`, command_arguments: '${message} ${input_file} ${job_output_dir}',
        input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file', media_types: ['text/plain'] }],
        output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'files', required: false }],
      },
    });
    produceId = produce.name;
    const file = await upload(t.app, 'hello html\n', 'hello.txt', { media_type: 'text/plain' });
    inputFileId = file.id;
    const started = await api().post(`/processes/${produceId}/execution`).set('Prefer', 'respond-async')
      .send({ inputs: { message: 'two words', input_file: { href: `${base}/scale/files/${file.id}/content` } }, response: 'document' }).expect(201);
    // Ten processes at least, for the page height figure.
    for (let i = 0; i < 7; i++) await createJobType(t.app, { name: `filler-${i}-${process.pid}`, title: `Filler ${i}`, description: 'A job type that is only listed', interface: { command: 'true', command_arguments: '' } });
    // A failed one.
    const failing = await api().post('/processes/echo/execution').set('Prefer', 'respond-async').send({ inputs: { message: 'fail please', fail: true } }).expect(201);
    const done = (id: string) => waitFor(async () => {
      const s = await json(`/jobs/${id}`);
      return ['successful', 'failed', 'dismissed'].includes(s.status) ? s : null;
    }, { timeoutMs: 30_000, what: `job ${id} to end` });
    [completed, failed] = await Promise.all([done(started.body.jobID), done(failing.body.jobID)]);
    assert.equal(completed.status, 'successful');
    assert.equal(failed.status, 'failed');

    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'], defaultViewport: { width: 1280, height: 900 } });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location()?.url ?? ''})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message ?? e}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.evaluateOnNewDocument(`
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
  });

  afterEach(() => {
    const seen = problems.splice(0);
    assert.deepEqual(seen, [], 'no console error, page error or failed request');
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    if (figures.length) console.log(`      ${figures.join('; ')}`);
  });

  it('shows the landing page: every door linked (the dashboard, WPS, the Scale API), the favicon', async () => {
    await visit('/?f=html', 'landing');
    const links = await hrefs('main a');
    for (const l of (await json('/')).links) assert.ok(links.includes(l.href) || l.rel === 'self' || l.rel === 'alternate', `links ${l.href}`);
    for (const p of ['/ui/', '/wps?service=WPS&request=GetCapabilities', '/scale/', '/api?f=html', '/processes?f=html', '/jobs?f=html']) assert.ok(links.includes(`${base}${p}`), `links ${p}`);
    const icon = await page.$eval('link[rel="icon"]', (e: any) => e.href);
    assert.match((await api().get(new URL(icon).pathname).expect(200)).headers['content-type'], /image\/svg\+xml/);
    assert.match((await api().get('/favicon.ico').expect(200)).headers['content-type'], /image\/svg\+xml/);
  });

  it('shows the conformance classes as a table with the JSON\'s URIs', async () => {
    await visit('/conformance?f=html', 'conformance');
    assert.deepEqual((await rows()).map((r) => r[2]), (await json('/conformance')).conformsTo);
  });

  it('shows the processes as a table: id, title, version, job control, links', async () => {
    const list = (await json('/processes?limit=1000')).processes;
    await visit('/processes?limit=1000&f=html', 'processes');
    const table = await rows();
    assert.deepEqual(table.map((r) => r[0].replace(/\s*deployed$/, '')), list.map((p: any) => p.id));
    for (const [i, p] of list.entries()) {
      assert.ok(table[i][1].startsWith(p.title), `title of ${p.id}`);
      assert.equal(table[i][2], p.version ?? '', `version of ${p.id}`);
      assert.equal(table[i][3], (p.jobControlOptions ?? []).join(''), `job control of ${p.id}`);
    }
    assert.match(table.find((r) => r[0].startsWith(deployedId))![0], /deployed$/);
    const links = await hrefs('main table a');
    assert.ok(links.includes(`${base}/processes/${deployedId}/package`), 'links the deployed package');
    assert.ok(links.includes(`${base}/processes/${deployedId}?f=html`), 'links the process page');
    await visit('/processes?f=html');
    assert.equal((await rows()).length, 10);
    figures.push(`/processes?f=html (10 processes) is ${await page.evaluate('Math.ceil(document.body.getBoundingClientRect().height)')} px tall at 1280 px wide`);
  });

  it('shows a deployed process: inputs and outputs as tables (types, media types, occurrences), an example request', async () => {
    const d = await json(`/processes/${deployedId}`);
    await visit(`/processes/${deployedId}?f=html`, 'process');
    assert.equal(await page.$eval('h1', (e: any) => e.textContent), d.title);
    const [inputs, outputs] = await page.$$eval('main section', (ss: any[]) => ss.filter((s) => /^(Inputs|Outputs)$/.test(s.querySelector('h2')?.textContent ?? ''))
      .map((s) => [...s.querySelectorAll('tbody tr')].map((tr: any) => [...tr.children].map((td: any) => String(td.textContent).trim()))));
    assert.deepEqual(inputs.map((r) => r[0]), Object.keys(d.inputs));
    assert.deepEqual(outputs.map((r) => r[0]), Object.keys(d.outputs));
    assert.deepEqual(inputs.find((r) => r[0] === 'text'), ['text', 'The text', 'file', 'text/plain', '1']);
    assert.deepEqual(inputs.find((r) => r[0] === 'times'), ['times', 'TimesHow often to repeat it', 'integer (≥ 1, default 1)', '', '0–1']);
    assert.deepEqual(inputs.find((r) => r[0] === 'tags'), ['tags', 'Tags', 'string (one of "a", "b")', '', '0–∞']);
    assert.deepEqual(outputs.find((r) => r[0] === 'result'), ['result', 'The upper-cased text', 'file', 'text/plain']);
    const example = JSON.parse(await page.$eval('pre.example', (e: any) => e.textContent));
    assert.deepEqual(example, { inputs: { text: { href: 'https://example.org/input', type: 'text/plain' }, times: 1, tags: 'a' } });
    assert.ok((await hrefs('main a')).includes(`${base}/processes/${deployedId}/execution`), 'links the execute endpoint');
  });

  it('shows a built-in process\'s example request, which its execute endpoint accepts', async () => {
    await visit(`/processes/${produceId}?f=html`);
    const example = JSON.parse(await page.$eval('pre.example', (e: any) => e.textContent));
    assert.deepEqual(Object.keys(example.inputs), ['message', 'input_file']);
    // Refused for its placeholder reference only (fetching it), not for its shape.
    const res = await api().post(`/processes/${produceId}/execution`).set('Prefer', 'respond-async').send({ inputs: { ...example.inputs, input_file: { href: `${base}/scale/files/${inputFileId}/content` } } });
    assert.equal(res.status, 201, res.text);
    // Ended before the job list is read.
    await waitFor(async () => ['successful', 'failed'].includes((await json(`/jobs/${res.body.jobID}`)).status), { timeoutMs: 20_000, what: 'the example job to end' });
  });

  it('shows the jobs as a table with status colours, times, progress and links', async () => {
    const list = (await json('/jobs?limit=100')).jobs;
    await visit('/jobs?limit=100&f=html', 'jobs');
    const table = await rows();
    assert.deepEqual(table.map((r) => r[0]), list.map((j: any) => j.jobID));
    assert.deepEqual(table.map((r) => r[1]), list.map((j: any) => j.processID));
    assert.deepEqual(table.map((r) => r[2]), list.map((j: any) => j.status));
    const classes = await page.$$eval('main tbody .badge', (els: any[]) => els.map((e) => e.className));
    assert.deepEqual(classes, list.map((j: any) => `badge status-${j.status}`));
    const colours = await page.$$eval('main tbody .badge', (els: any[]) => els.map((e) => (globalThis as any).getComputedStyle(e).backgroundColor));
    const byStatus = new Map(list.map((j: any, i: number) => [j.status, colours[i]]));
    assert.notEqual(byStatus.get('successful'), byStatus.get('failed'), 'successful and failed differ in colour');
    const progress = await page.$$eval('main tbody tr', (trs: any[]) => trs.map((tr) => tr.querySelector('progress')?.value ?? null));
    assert.deepEqual(progress, list.map((j: any) => j.progress ?? null));
    const done = table.find((r) => r[0] === completed.jobID)!;
    assert.match(done[3], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/, 'created');
    assert.match(done[6], /\d s$/, 'duration');
    const links = await hrefs('main tbody a');
    assert.ok(links.includes(`${base}/jobs/${completed.jobID}/results?f=html`), 'links the results');
    assert.ok(links.includes(`${base}/scale/jobs/${completed.jobID}/`), 'links the Scale job');
    // The filter form: failed jobs only.
    await page.select('select[name="status"]', 'failed');
    await Promise.all([page.waitForNavigation(), page.click('form.filter button')]);
    assert.deepEqual((await rows()).map((r) => r[2]), (await json('/jobs?status=failed&limit=100')).jobs.map(() => 'failed'));
    assert.ok(page.url().includes('status=failed') && page.url().includes('f=html'), page.url());
  });

  it('shows a completed job: status, progress, links to its results, log and dashboard page', async () => {
    await visit(`/jobs/${completed.jobID}?f=html`, 'job-completed');
    assert.equal(await page.$eval('main .lead .badge', (e: any) => e.textContent), 'successful');
    assert.equal(await page.$eval('main .lead progress', (e: any) => e.value), completed.progress);
    const links = await hrefs('main a');
    for (const l of completed.links) if (l.rel !== 'self' && l.rel !== 'alternate') assert.ok(links.includes(l.href), `links ${l.rel} ${l.href}`);
    assert.ok(links.includes(`${base}/jobs/${completed.jobID}/results?f=html`));
    assert.ok(links.includes(`${base}/ui/#/jobs/${completed.jobID}`), 'links its dashboard page');
    const log = links.find((h) => /\/scale\/job-executions\/\d+\/logs\/combined\/$/.test(h));
    assert.ok(log, 'links its log');
    assert.match((await api().get(new URL(log).pathname).set('Accept', 'text/plain').expect(200)).text, /message=two words/);
  });

  it('shows a completed job\'s results: each output as a link or a value', async () => {
    const doc = await json(`/jobs/${completed.jobID}/results`);
    await visit(`/jobs/${completed.jobID}/results?f=html`, 'results');
    const table = await rows();
    assert.deepEqual(table.map((r) => r[0]), ['upper', 'notes']);
    const upperHref = await page.$eval('main tbody tr:first-child td:nth-child(2) a', (e: any) => e.href);
    assert.equal(upperHref, doc.upper.href, 'the file output links the file the JSON links');
    assert.equal(table[0][3], 'text/plain');
    assert.equal((await api().get(new URL(upperHref).pathname).expect(200)).text, 'HELLO HTML\n');
    assert.match(table[1][1], /note\.txt/);
    // A literal output is shown as its value.
    const echo = await api().post('/processes/echo/execution').set('Prefer', 'respond-async').send({ inputs: { message: 'a <value>', object: { a: 1 } } }).expect(201);
    await waitFor(async () => (await json(`/jobs/${echo.body.jobID}`)).status === 'successful', { timeoutMs: 20_000, what: 'echo to succeed' });
    await visit(`/jobs/${echo.body.jobID}/results?f=html`);
    const values = Object.fromEntries((await rows()).map((r) => [r[0], r[1]]));
    assert.equal(values.message, 'a <value>');
    assert.deepEqual(JSON.parse(values.object), { a: 1 });
  });

  it('shows a failed job: its message, its log and its dashboard page, no results link', async () => {
    await visit(`/jobs/${failed.jobID}?f=html`, 'job-failed');
    assert.equal(await page.$eval('main .lead .badge', (e: any) => e.textContent), 'failed');
    const message = await page.$eval('main section.failure p', (e: any) => e.textContent);
    assert.equal(message, failed.message);
    const links = await hrefs('main a');
    assert.ok(!links.some((h) => h.includes('/results')), 'no results link');
    assert.ok(links.includes(`${base}/ui/#/jobs/${failed.jobID}`), 'links its dashboard page');
    assert.ok(links.some((h) => /\/scale\/job-executions\/\d+\/logs\/combined\/$/.test(h)), 'links its log');
    // The dashboard page it links opens on that job.
    await page.goto(`${base}/ui/#/jobs/${failed.jobID}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(`.view[data-route="#/jobs/${failed.jobID}"][data-ready="true"]`, { timeout: 15_000 });
  });

  it('shows the API in Swagger UI, served by this server under the strict CSP, with every operation', async () => {
    const doc = JSON.parse((await api().get('/api').expect(200)).text);
    const started = Date.now();
    await visit('/api?f=html');
    await page.waitForSelector('#swagger-ui[data-ready="true"] .opblock', { timeout: 20_000 });
    const ms = Date.now() - started;
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m)).map((m) => `${m.toUpperCase()} ${p}`));
    const shown = await page.$$eval('.opblock', (els: any[]) => els.map((e) => `${e.querySelector('.opblock-summary-method')?.textContent} ${e.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`));
    assert.deepEqual([...shown].sort(), [...operations].sort());
    assert.ok(shown.includes(`POST /processes/${deployedId}/execution`), 'the deployed process\'s execute operation');
    // Open one operation: its parameters render.
    await page.click('.opblock-get .opblock-summary-control');
    await page.waitForSelector('.opblock.is-open .parameters-container, .opblock.is-open .opblock-description-wrapper');
    await page.screenshot({ path: path.join(ARTIFACTS, 'ogc-api.png'), fullPage: false });
    assert.deepEqual(await page.evaluate('window.__csp'), []);
    const scripts = await page.$$eval('script', (els: any[]) => els.map((e) => e.src));
    assert.ok(scripts.every((s) => s.startsWith(`${base}/api/swagger-ui/`)), scripts.join(', '));
    figures.push(`Swagger UI rendered ${shown.length} operations in ${ms} ms, the page ${await page.evaluate('document.documentElement.scrollHeight')} px tall with one operation open`);
  });

  it('answers /scale/ with an index of the Scale API: JSON by default, HTML when asked; other paths unchanged', async () => {
    const index = (await api().get('/scale/').expect(200)).body;
    assert.equal(index.title, 'Scale REST API');
    assert.deepEqual(index.versions.map((v: any) => new URL(v.href).pathname), ['/scale/', '/scale/v5/', '/scale/v6/']);
    assert.ok(index.endpoints.some((e: any) => e.href === `${base}/scale/job-types/`));
    assert.ok((await api().get('/scale/v6/').expect(200)).body.endpoints.some((e: any) => e.href === `${base}/scale/v6/jobs/`));
    await api().get('/scale/job-types/').expect(200);
    await api().get('/scale/nowhere/').expect(404);
    await visit('/scale/?f=html', 'scale-index');
    const links = await hrefs('main table a');
    for (const e of index.endpoints) if (e.methods.includes('GET')) assert.ok(links.includes(e.href), e.href);
    // Every GET endpoint the index links answers.
    for (const e of index.endpoints.filter((x: any) => x.methods.includes('GET'))) {
      const res = await api().get(new URL(e.href).pathname + new URL(e.href).search);
      assert.ok(res.status === 200 || res.status === 204, `${e.href}: ${res.status}`);
    }
    // A browser's request (Accept: text/html first) gets the page.
    assert.match((await api().get('/scale/').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').expect(200)).headers['content-type'], /^text\/html/);
  });
});
