// The operators' dashboard at /ui/ in a real browser (Debian's chromium through puppeteer-core),
// against one real server with real jobs: a completed job with files, a failing one, a job queued
// behind a paused job type, a running one with a growing log, a recipe with a failed node, a
// Strike's ingests. Each page is loaded and checked against the API; pause / resume, cancel and
// requeue are done through the UI and checked through the API; the UI's requests carry the bearer
// token it was given; no console error or CSP violation happens anywhere. Screenshots go to
// test/artifacts/. Last, 100,000 jobs are bulk-loaded and the overview's first render is timed
// (printed, not asserted). Without chromium the tests skip, unless REQUIRE_CHROMIUM=1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchPage } from './helpers/browser.ts';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import express from 'express';
import request from 'supertest';
import { vacuum } from '../src/store/maintenance.ts';
import { createRecipeType, newRecipe, stepJobType, waitForRecipe } from './helpers/recipes.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { seedManifest } from './helpers/seed.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const TOKEN = `ui-test-token-${process.pid}`;
const BENCH_JOBS = Number(process.env.UI_BENCH_JOBS ?? 100_000);

describe('operators dashboard at /ui/ (chromium)', function () {
  this.timeout(120_000);
  let t: TestServer;
  let authed: express.Express;
  let browser: Browser;
  let page: Page;
  let base: string;
  const problems: string[] = [];
  const apiRequests: { url: string; auth: string | undefined }[] = [];
  let recording = false;
  const api = () => request(authed);
  const get = async (url: string) => (await api().get(url).expect(200)).body;

  // The data the pages show.
  let produced: any; // a completed job with an input file and output files
  let failed: any; // a job that failed with an algorithm error
  let pausedType: any;
  let waiting: any; // queued behind its paused job type
  let tickerType: any;
  let seedType: any;
  let recipeType: any;
  let theRecipe: any;
  let strike: any;

  /** Goes to a dashboard route (#/…) and waits until its view has drawn its data. */
  async function open(hash: string, p = page) {
    const current = await p.evaluate('location.pathname + location.hash');
    if (!String(current).startsWith('/ui/')) {
      await p.goto(`${base}/ui/${hash}`, { waitUntil: 'domcontentloaded' });
    } else if (`/ui/${hash}` === current) {
      await p.evaluate('window.dispatchEvent(new HashChangeEvent("hashchange"))');
    } else {
      await p.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    }
    await p.waitForSelector(`.view[data-route="${hash}"][data-ready="true"]`, { timeout: 15_000 });
  }

  /** Answers the confirmation dialog of a destructive action with yes. */
  async function confirmYes(p = page) {
    await p.waitForSelector('#confirm-dialog[open] [data-confirm="yes"]');
    await p.click('#confirm-dialog [data-confirm="yes"]');
    await p.waitForFunction('!document.querySelector("#confirm-dialog")');
  }

  const text = (selector: string, p = page) => p.$eval(selector, (e: any) => String(e.textContent));
  const texts = (selector: string, p = page) => p.$$eval(selector, (els: any[]) => els.map((e) => String(e.textContent)));
  const attr = (selector: string, name: string) => page.$eval(selector, (e: any, n: any) => e.getAttribute(n), name);

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but there is no chromium at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    t = await startServer('pglite', { SCALE_EXECUTOR: 'local', SCALE_AUTH_TOKENS: TOKEN, SCALE_STRIKE_POLL_MS: '3600000' });
    base = t.url!;
    // The test's own API calls carry the admin token; anonymous callers may only read, so every change
    // the dashboard makes must carry the token it was given.
    authed = express()
      .use((req, _res, next) => {
        req.headers.authorization = `Bearer ${TOKEN}`;
        next();
      })
      .use(t.app);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'], defaultViewport: { width: 1400, height: 1000 } });
    page = await browser.newPage();
    await watchPage(page, problems);
    page.on('request', (r: HTTPRequest) => {
      const u = new URL(r.url());
      if (recording && (u.pathname.startsWith('/scale/') || u.pathname.startsWith('/processes'))) apiRequests.push({ url: r.url(), auth: r.headers().authorization });
    });

    // A completed job with an input file and output files.
    const produce = await createJobType(authed, {
      name: `ui-produce-${process.pid}`, title: 'Produce',
      interface: {
        version: '1.0', command: `/bin/sh ${script('produce.sh')}`, command_arguments: '${message} ${input_file} ${job_output_dir}',
        input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file', media_types: ['text/plain'] }],
        output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'files', required: false }],
      },
    });
    const file = await upload(authed, 'hello dashboard\n', 'in.txt');
    produced = await queueJob(authed, produce.id, { version: '1.0', input_data: [{ name: 'message', value: 'two words' }, { name: 'input_file', file_id: file.id }] });
    // A failing one.
    const failing = await createJobType(authed, { name: `ui-fail-${process.pid}`, interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '9' } });
    failed = await queueJob(authed, failing.id);
    // One queued behind its paused job type.
    pausedType = await createJobType(authed, { name: `ui-paused-${process.pid}`, interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '0' } });
    await api().patch(`/scale/job-types/${pausedType.id}/`).send({ is_paused: true }).expect(200);
    waiting = await queueJob(authed, pausedType.id);
    // A job that writes a line every 0.25 s for 10 s.
    const ticker = path.join(t.dataDir, 'ticker.sh');
    fs.writeFileSync(ticker, '#!/bin/sh\ni=1\nwhile [ $i -le 40 ]; do echo "tick $i"; i=$((i + 1)); sleep 0.25; done\n');
    tickerType = await createJobType(authed, { name: `ui-ticker-${process.pid}`, interface: { command: `/bin/sh ${ticker}`, command_arguments: '' } });
    // A SEED job type (not run: its manifest and OGC description are what is shown).
    const m = seedManifest({}, {
      command: '${INPUT_FILE} ${OUTPUT_DIR}',
      inputs: { files: [{ name: 'INPUT_FILE', mediaTypes: ['text/plain'] }], json: [{ name: 'COUNT', type: 'integer' }] },
      outputs: { files: [{ name: 'OUTPUT_FILE', pattern: '*.out', mediaType: 'text/plain' }] },
    });
    seedType = (await api().post('/scale/job-types/').send({ docker_image: `${m.job.name}-1.0.0-seed:1.0.0`, manifest: m }).expect(201)).body;
    // A recipe whose second step fails.
    const a = await stepJobType(authed, `ui-step-a-${process.pid}`, 'copy', 'stage-a');
    const flaky = await stepJobType(authed, `ui-flaky-${process.pid}`, 'fail-unless', path.join(t.dataDir, 'never'));
    const b = await stepJobType(authed, `ui-step-b-${process.pid}`, 'copy', 'stage-b');
    recipeType = await createRecipeType(authed, {
      name: `ui-chain-${process.pid}`, title: 'UI chain',
      definition: {
        version: '1.0',
        input_data: [{ name: 'image', type: 'file', media_types: ['text/plain'] }],
        jobs: [
          { name: 'first', job_type: { name: a.name, version: a.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] },
          { name: 'second', job_type: { name: flaky.name, version: flaky.version }, dependencies: [{ name: 'first', connections: [{ output: 'result', input: 'input' }] }] },
          { name: 'third', job_type: { name: b.name, version: b.version }, dependencies: [{ name: 'second', connections: [{ output: 'result', input: 'input' }] }] },
        ],
      },
    });
    const image = await upload(authed, 'recipe input\n', 'image.txt');
    const created = await newRecipe(authed, recipeType.id, { version: '1.0', input_data: [{ name: 'image', file_id: image.id }] });
    // A Strike with one ingested file.
    const landing = path.join(await tempDir('ui-landing-'), 'landing');
    await api().post('/scale/workspaces/').send({ name: 'ui-landing', json_config: { broker: { type: 'host', host_path: landing } } }).expect(201);
    strike = (await api().post('/scale/strike/create/').send({
      name: 'ui-strike', title: 'Landing zone', configuration: { version: '2.0', workspace: 'ui-landing', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '\\.txt$', data_types: ['landed'] }] },
    }).expect(201)).body;
    fs.writeFileSync(path.join(landing, 'landed-file.txt'), 'landed\n');
    await waitFor(async () => {
      await t.core.strikes.tick(30);
      return (await get(`/scale/ingests/?strike_id=${strike.id}&status=INGESTED`)).count === 1;
    }, { what: 'the Strike to ingest its file' });

    produced = await waitForJob(authed, produced.id);
    assert.equal(produced.status, 'COMPLETED', JSON.stringify(produced.error));
    failed = await waitForJob(authed, failed.id);
    assert.equal(failed.status, 'FAILED');
    theRecipe = await waitForRecipe(authed, created.id, (r) => r.nodes.find((n: any) => n.name === 'second')?.state === 'FAILED', 'its second node failed');
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the app: /ui redirects to /ui/, files revalidated, client routes get index.html, a missing file is a 404, under the strict CSP', async () => {
    const redirect = await api().get('/ui').expect(301);
    assert.equal(redirect.headers.location, '/ui/');
    const index = await api().get('/ui/').expect(200);
    assert.match(index.headers['content-type'], /text\/html/);
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.ok(index.headers.etag || index.headers['last-modified'], 'revalidation by ETag or Last-Modified');
    const csp = String(index.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(index.text, /<script>|<script(?![^>]*\ssrc=)[^>]*>|<style|\son[a-z]+=|style=/i, 'nothing inline');
    const js = await api().get('/ui/js/app.js').expect(200);
    assert.match(js.headers['content-type'], /javascript/);
    assert.equal(js.headers['cache-control'], 'no-cache');
    const route = await api().get('/ui/jobs/12').expect(200);
    assert.equal(route.text, index.text, 'a client-side route is the app');
    await api().get('/ui/js/nope.js').expect(404);
    await api().post('/ui/').expect(404);
  });

  it('takes a bearer token in its token field (sessionStorage) and sends it on every request', async () => {
    await page.goto(`${base}/ui/`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.view[data-ready="true"]');
    // What the overview asks for after its first render (the job load chart, why jobs wait) is asked without a token.
    await page.waitForSelector('#job-load[data-ready="true"]');
    await page.waitForSelector('.overview[data-reasons="true"]');
    assert.equal(await text('#token-state'), 'no token');
    recording = true;
    await page.type('#token-input', TOKEN);
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('.view[data-page="overview"][data-ready="true"]');
    assert.equal(await text('#token-state'), 'token in use');
    assert.equal(await page.evaluate('sessionStorage.getItem("scale-ui.token")'), TOKEN);
    assert.equal(await page.evaluate('localStorage.length'), 0, 'the token is not kept beyond the tab');
    assert.equal(await page.$eval('#token-input', (e: any) => e.value), '', 'the field is cleared');
    assert.ok(apiRequests.length >= 5, `the overview asked the API (${apiRequests.length} requests)`);
  });

  it('overview: the scheduler, queue depth, running jobs and the node with its resources and state', async () => {
    await open('#/');
    const status = await get('/scale/status/');
    assert.equal(Number(await attr('#queue-depth', 'data-count')), status.queue_depth);
    assert.ok(status.queue_depth >= 1, 'the job of the paused job type waits');
    assert.equal(await text('#scheduler-state'), 'ONLINE');
    assert.equal(await text('#nodes-online'), `${status.nodes.online} / ${status.nodes.total}`);
    const nodes = (await get('/scale/nodes/')).results;
    const rows = await page.$$eval('table.nodes tbody tr', (trs: any[]) => trs.map((tr) => ({ id: Number(tr.dataset.node), state: tr.dataset.state, text: tr.textContent })));
    assert.deepEqual(rows.map((r) => r.id).sort(), nodes.map((n: any) => n.id).sort());
    const ours = nodes.find((n: any) => n.slave_id === t.config.nodeName);
    assert.ok(ours, 'this server is a node');
    const mine = rows.find((r) => r.id === ours.id)!;
    assert.ok(mine.text.includes(ours.hostname), 'our node is listed by its hostname');
    assert.equal(mine.state, 'ONLINE');
    const details = await get(`/scale/nodes/${mine.id}/`);
    assert.ok(mine.text.includes(`/ ${details.resources.total.cpus.toLocaleString('en-US', { maximumFractionDigits: 2 })}`), `CPUs of the node shown: ${mine.text}`);
    const queue = await page.$$eval('table.queue tbody tr', (trs: any[]) => trs.map((tr) => ({ jobType: tr.dataset.jobType, text: tr.textContent })));
    const pausedRow = queue.find((q) => q.jobType === pausedType.name)!;
    assert.ok(pausedRow, 'the paused job type has a queued job');
    assert.match(pausedRow.text, /PAUSED/);
    const running = await get('/scale/jobs/?status=RUNNING');
    assert.equal(Number(await attr('#running-count', 'data-count')), running.count);
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview.png'), fullPage: true });
  });

  it('job list: filters by status, job type and time, and pages with count, next and previous', async () => {
    await open('#/jobs');
    const all = await get('/scale/jobs/');
    assert.equal(Number(await attr('#job-count', 'data-count')), all.count);
    // Status filter through the form.
    await page.select('#job-filters select[name="status"]', 'FAILED');
    await page.click('#job-filters button[type="submit"]');
    await page.waitForSelector('.view[data-route="#/jobs?status=FAILED&page_size=25"][data-ready="true"]');
    const failedApi = await get('/scale/jobs/?status=FAILED');
    assert.equal(Number(await attr('#job-count', 'data-count')), failedApi.count);
    const statuses = await page.$$eval('table.jobs tbody tr', (trs: any[]) => trs.map((tr) => tr.dataset.status));
    assert.ok(statuses.length >= 2 && statuses.every((s) => s === 'FAILED'), JSON.stringify(statuses));
    // Job type filter.
    await page.select('#job-filters select[name="status"]', '');
    await page.select('#job-filters select[name="job_type_id"]', String(pausedType.id));
    await page.click('#job-filters button[type="submit"]');
    await page.waitForSelector(`.view[data-route="#/jobs?job_type_id=${pausedType.id}&page_size=25"][data-ready="true"]`);
    assert.deepEqual(await page.$$eval('table.jobs tbody tr', (trs: any[]) => trs.map((tr) => Number(tr.dataset.job))), [waiting.id]);
    // A time range in the future has nothing.
    const future = new Date(Date.now() + 86_400_000).toISOString();
    await open(`#/jobs?started=${encodeURIComponent(future)}`);
    assert.equal(Number(await attr('#job-count', 'data-count')), 0);
    assert.match(await text('.view .empty'), /No jobs match/);
    // Paging, two at a time.
    await open('#/jobs?page_size=2');
    assert.ok(all.count > 4);
    assert.match(await text('#job-count'), new RegExp(`^1–2 of ${all.count} jobs · page 1 of ${Math.ceil(all.count / 2)}$`));
    assert.equal(await page.$eval('.pager .prev', (e: any) => e.disabled), true);
    const page1 = await page.$$eval('table.jobs tbody tr', (trs: any[]) => trs.map((tr) => Number(tr.dataset.job)));
    await page.click('.pager .next');
    await page.waitForSelector('.view[data-route="#/jobs?page_size=2&page=2"][data-ready="true"]');
    const page2 = await page.$$eval('table.jobs tbody tr', (trs: any[]) => trs.map((tr) => Number(tr.dataset.job)));
    const apiPage2 = (await get('/scale/jobs/?page_size=2&page=2&order=-id')).results.map((j: any) => j.id);
    assert.deepEqual(page2, apiPage2);
    assert.equal(page1.filter((id) => page2.includes(id)).length, 0);
    assert.equal(await page.$eval('.pager .prev', (e: any) => e.disabled), false);
  });

  it('job detail: inputs, outputs with download links, executions and the log', async () => {
    await open(`#/jobs/${produced.id}`);
    assert.equal(await text('#job-status'), 'COMPLETED');
    assert.equal(await text('table.inputs tr[data-name="message"] code'), 'two words');
    const input = produced.inputs.find((i: any) => i.name === 'input_file').value;
    assert.equal(await attr('table.inputs tr[data-name="input_file"] a.file-link', 'href'), `/scale/files/${input.id}/content`);
    const upper = produced.outputs.find((o: any) => o.name === 'upper').value;
    assert.equal(await attr('table.outputs tr[data-name="upper"] a.file-link', 'href'), `/scale/files/${upper.id}/content`);
    assert.equal(await text('table.outputs tr[data-name="upper"] a.file-link'), upper.file_name);
    // With a token the link downloads through fetch (a plain link cannot send the header).
    const downloads = path.join(t.dataDir, 'downloads');
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.click('table.outputs tr[data-name="upper"] a.file-link');
    const saved = path.join(downloads, upper.file_name);
    await waitFor(async () => fs.existsSync(saved) && fs.readFileSync(saved, 'utf8') === 'HELLO DASHBOARD\n', { what: 'the download' });
    assert.ok(apiRequests.some((r) => r.url.endsWith(`/scale/files/${upper.id}/content`) && r.auth === `Bearer ${TOKEN}`), 'the download carried the token');
    await cdp.detach();
    const exes = await page.$$eval('table.executions tbody tr', (trs: any[]) => trs.map((tr) => tr.dataset.status));
    assert.deepEqual(exes, ['COMPLETED']);
    await page.waitForFunction('document.querySelector("#job-log").textContent.includes("message=two words")');
    assert.match(await text('#job-log'), /to stderr/, 'the combined log');
    assert.equal(await page.$('[data-action="cancel-job"]'), null, 'a completed job cannot be canceled');
    await page.screenshot({ path: path.join(ARTIFACTS, 'job-detail.png'), fullPage: true });
  });

  it('job detail of a failed job: the error, and requeue through the UI', async () => {
    await open(`#/jobs/${failed.id}`);
    const error = await text('#job-error');
    assert.ok(error.includes(failed.error.name) && error.includes(failed.error.title), error);
    assert.match(error, /ALGORITHM/);
    assert.match(await text('#job-log'), /exiting with 9/);
    const before = (await get(`/scale/jobs/${failed.id}/`)).max_tries;
    await page.click('[data-action="requeue-job"]');
    const requeued = await waitFor(async () => {
      const j = await get(`/scale/jobs/${failed.id}/`);
      return j.max_tries > before ? j : null;
    }, { what: 'the requeue to reach the server' });
    assert.ok(['QUEUED', 'RUNNING', 'FAILED'].includes(requeued.status));
    // The page follows the job until it fails again, with a second execution.
    await page.waitForFunction(`document.querySelectorAll('table.executions tbody tr').length === 2 && document.querySelector('.view').dataset.status === 'FAILED'`, { timeout: 20_000 });
  });

  it('a queued job says why it waits; resuming its paused job type through the UI lets it run', async () => {
    await open(`#/jobs/${waiting.id}`);
    assert.equal(await text('#job-status'), 'QUEUED');
    assert.equal(await attr('#queue-reason', 'data-reason'), 'JOB_TYPE_PAUSED');
    assert.match(await text('#queue-reason'), new RegExp(`job type ${pausedType.name} is paused`));
    await open('#/job-types');
    assert.equal(await attr(`table.job-types tr[data-job-type="${pausedType.id}"]`, 'data-state'), 'PAUSED');
    await page.click(`[data-action="resume-job-type"][data-job-type="${pausedType.id}"]`);
    await page.waitForSelector(`table.job-types tr[data-job-type="${pausedType.id}"][data-state="ACTIVE"]`);
    assert.equal((await get(`/scale/job-types/${pausedType.id}/`)).is_paused, false);
    assert.equal((await waitForJob(authed, waiting.id)).status, 'COMPLETED');
    // And pause it again from the list.
    await page.click(`[data-action="pause-job-type"][data-job-type="${pausedType.id}"]`);
    await page.waitForSelector(`table.job-types tr[data-job-type="${pausedType.id}"][data-state="PAUSED"]`);
    assert.equal((await get(`/scale/job-types/${pausedType.id}/`)).is_paused, true);
    // The page of a job type has the same switch.
    await open(`#/job-types/${pausedType.id}`);
    await page.click('[data-action="resume-job-type"]');
    await page.waitForFunction('document.querySelector("#job-type-state").textContent === "ACTIVE"');
    assert.equal((await get(`/scale/job-types/${pausedType.id}/`)).is_paused, false);
  });

  it('a running job: the log grows while the page is open, cancel and requeue through the UI', async () => {
    const job = await queueJob(authed, tickerType.id);
    await open(`#/jobs/${job.id}`);
    await page.waitForFunction('document.querySelector(".view").dataset.status === "RUNNING"', { timeout: 15_000 });
    await page.waitForFunction('/tick 2\\b/.test(document.querySelector("#job-log").textContent)', { timeout: 15_000 });
    await page.waitForFunction('/tick 6\\b/.test(document.querySelector("#job-log").textContent)', { timeout: 15_000 });
    assert.match(await text('#log-state'), /^Running: updated/);
    await page.click('[data-action="cancel-job"]');
    // Canceling asks first: saying no changes nothing.
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match(await text('#confirm-dialog'), new RegExp(`Cancel job #${job.id}`));
    await page.click('#confirm-dialog [data-confirm="no"]');
    await page.waitForFunction('!document.querySelector("#confirm-dialog")');
    assert.equal((await get(`/scale/jobs/${job.id}/`)).status, 'RUNNING');
    await page.click('[data-action="cancel-job"]');
    await confirmYes();
    assert.equal((await waitForJob(authed, job.id, ['CANCELED'])).status, 'CANCELED');
    await page.waitForSelector('[data-action="requeue-job"]');
    assert.equal(await text('#job-status'), 'CANCELED');
    await page.click('[data-action="requeue-job"]');
    const again = await waitForJob(authed, job.id, ['RUNNING'], 15_000);
    assert.equal(again.num_exes, 2);
    await page.waitForFunction(`document.querySelectorAll('table.executions tbody tr').length === 2 && /tick 1\\b/.test(document.querySelector("#job-log").textContent)`, { timeout: 15_000 });
    await api().patch(`/scale/jobs/${job.id}/`).send({ status: 'CANCELED' }).expect(200);
    await page.waitForFunction('document.querySelector(".view").dataset.status === "CANCELED"', { timeout: 15_000 });
  });

  it('job types: the interface, the SEED manifest and the derived OGC process description', async () => {
    await open('#/job-types');
    const names = await page.$$eval('table.job-types tbody tr', (trs: any[]) => trs.map((tr) => tr.dataset.name));
    const listed = (await get('/scale/job-types/?page_size=1000')).results.map((j: any) => j.name);
    assert.deepEqual([...names].sort(), [...listed].sort());
    await open(`#/job-types/${seedType.id}`);
    const manifest = JSON.parse(await text('pre.manifest'));
    assert.equal(manifest.job.name, seedType.name);
    assert.ok(JSON.parse(await text('pre.interface')), 'the interface as JSON');
    await page.waitForSelector('#ogc-process .process-id');
    assert.equal(await text('#ogc-process .process-id'), seedType.name, 'the newest version is the process named after the job type');
    const described: any = await (await fetch(`${base}/processes/${seedType.name}`, { headers: { Accept: 'application/json' } })).json();
    assert.deepEqual(JSON.parse(await text('pre.process')), described);
    const inputIds = await page.$$eval('#ogc-process table:first-of-type tbody tr td:first-child', (tds: any[]) => tds.map((td) => td.textContent));
    assert.deepEqual(inputIds.sort(), Object.keys(described.inputs).sort());
    await open(`#/job-types/${tickerType.id}`);
    assert.match(JSON.parse(await text('pre.interface')).command, /ticker\.sh/);
    assert.equal(await text('#ogc-process .process-id'), tickerType.name);
  });

  it('recipes: the graph of the nodes coloured by state, the recipe types and their definitions', async () => {
    await open('#/recipes');
    assert.ok((await page.$$eval('table.recipes tbody tr', (trs: any[]) => trs.map((tr) => Number(tr.dataset.recipe)))).includes(theRecipe.id));
    await open(`#/recipes/${theRecipe.id}`);
    const now = await get(`/scale/recipes/${theRecipe.id}/`);
    const nodes = await page.$$eval('#recipe-graph g.graph-node', (gs: any[]) =>
      gs.map((g) => ({ name: g.dataset.node, state: g.dataset.state, cls: g.getAttribute('class'), fill: (globalThis as any).getComputedStyle(g.querySelector('rect')).fill, text: g.textContent })),
    );
    assert.deepEqual(nodes.map((n) => n.name).sort(), ['first', 'second', 'third']);
    for (const n of nodes) {
      const want = now.nodes.find((x: any) => x.name === n.name).state;
      assert.equal(n.state, want);
      assert.ok(n.cls.split(' ').includes(`state-${want}`), n.cls);
      assert.ok(n.text.includes(want));
    }
    const by = Object.fromEntries(nodes.map((n) => [n.name, n]));
    assert.equal(by.first.state, 'COMPLETED');
    assert.equal(by.second.state, 'FAILED');
    assert.equal(by.first.fill, 'rgb(220, 239, 220)', 'completed: green');
    assert.equal(by.second.fill, 'rgb(248, 218, 218)', 'failed: red');
    assert.notEqual(by.third.fill, by.first.fill);
    const edges = await page.$$eval('#recipe-graph path.graph-edge', (ps: any[]) => ps.map((p) => `${p.dataset.from}>${p.dataset.to}`));
    assert.deepEqual(edges.sort(), ['first>second', 'second>third']);
    // Nodes sit left to right in dependency order.
    const xs = await page.$$eval('#recipe-graph g.graph-node', (gs: any[]) => Object.fromEntries(gs.map((g) => [g.dataset.node, g.getBoundingClientRect().x])));
    assert.ok(xs.first < xs.second && xs.second < xs.third, JSON.stringify(xs));
    const secondJob = now.nodes.find((x: any) => x.name === 'second').jobs[0].job_id;
    assert.equal(await page.$eval('#recipe-graph g.graph-node[data-node="second"]', (g: any) => g.parentNode.getAttribute('href')), `#/jobs/${secondJob}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'recipe.png'), fullPage: true });

    await open('#/recipe-types');
    assert.ok((await texts('table.recipe-types tbody tr')).some((r) => r.includes(recipeType.name)));
    await open(`#/recipe-types/${recipeType.id}`);
    const definition = JSON.parse(await text('pre.definition'));
    assert.deepEqual(definition.jobs.map((j: any) => j.name), ['first', 'second', 'third']);
    assert.ok((await texts('table.recipes tbody tr')).some((r) => r.includes(`#${theRecipe.id}`)));
  });

  it('ingests per Strike', async () => {
    await open('#/ingests');
    const section = `.strike[data-strike="${strike.id}"]`;
    assert.match(await text(section), /Landing zone/);
    const rows = await page.$$eval(`${section} table.ingests tbody tr`, (trs: any[]) => trs.map((tr) => ({ status: tr.dataset.status, text: tr.textContent })));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'INGESTED');
    assert.match(rows[0].text, /landed-file\.txt/);
    assert.match(rows[0].text, /landed/);
  });

  it('timeline: a bar per execution on its node, coloured by status', async () => {
    await open('#/timeline');
    const since = new Date(Date.now() - 3600_000).toISOString();
    const exes = (await get(`/scale/job-executions/?started=${encodeURIComponent(since)}&page_size=1000`)).results.filter((x: any) => x.node && x.started);
    const bars = await page.$$eval('#timeline rect.bar', (rs: any[]) => rs.map((r) => ({ exe: Number(r.dataset.exe), status: r.dataset.status, node: Number(r.dataset.node), cls: r.getAttribute('class'), width: Number(r.getAttribute('width')), fill: (globalThis as any).getComputedStyle(r).fill })));
    assert.deepEqual(bars.map((b) => b.exe).sort((a, b) => a - b), exes.map((x: any) => x.id).sort((a: number, b: number) => a - b));
    for (const b of bars) {
      const x = exes.find((e: any) => e.id === b.exe);
      assert.equal(b.node, x.node.id);
      assert.ok(b.cls.includes(`status-${x.status}`), b.cls);
      assert.ok(b.width >= 2);
    }
    const failedBar = bars.find((b) => b.exe === failed.job_exes[0].id)!;
    assert.equal(failedBar.status, 'FAILED');
    assert.equal(failedBar.fill, 'rgb(198, 40, 40)');
    assert.equal(bars.find((b) => b.exe === produced.job_exes[0].id)!.fill, 'rgb(46, 125, 50)');
    const rows = await page.$$eval('#timeline g.timeline-row', (gs: any[]) => gs.map((g) => ({ node: Number(g.dataset.node), label: g.querySelector('.row-label').textContent })));
    const hostnames = new Map((await get('/scale/nodes/')).results.map((n: any) => [n.id, n.hostname]));
    for (const r of rows) assert.ok(String(hostnames.get(r.node)).startsWith(r.label.replace(/…$/, '')), JSON.stringify(rows));
    assert.ok(rows.some((r) => r.node === failedBar.node));
    assert.ok((await page.$$('#timeline .tick-label')).length >= 2, 'a time axis');
    await page.screenshot({ path: path.join(ARTIFACTS, 'timeline.png'), fullPage: true });
  });

  it('overview: pause and resume the node and the scheduler', async () => {
    await open('#/');
    const nodeId = Number(await page.$eval('table.nodes tbody tr', (tr: any) => tr.dataset.node));
    await page.click(`[data-action="pause-node"][data-node="${nodeId}"]`);
    await confirmYes();
    await page.waitForSelector(`table.nodes tr[data-node="${nodeId}"][data-state="PAUSED"]`);
    assert.equal((await get(`/scale/nodes/${nodeId}/`)).is_paused, true);
    await page.click(`[data-action="resume-node"][data-node="${nodeId}"]`);
    await page.waitForSelector(`table.nodes tr[data-node="${nodeId}"][data-state="ONLINE"]`);
    assert.equal((await get(`/scale/nodes/${nodeId}/`)).is_paused, false);
    await page.click('[data-action="pause-scheduler"]');
    await confirmYes();
    await page.waitForFunction('document.querySelector("#scheduler-state").textContent === "PAUSED"');
    assert.equal((await get('/scale/scheduler/')).is_paused, true);
    await page.click('[data-action="resume-scheduler"]');
    await page.waitForFunction('document.querySelector("#scheduler-state").textContent === "ONLINE"');
    assert.equal((await get('/scale/scheduler/')).is_paused, false);
  });

  it('every API request of the UI carried the bearer token', () => {
    recording = false;
    assert.ok(apiRequests.length > 30, `${apiRequests.length} requests`);
    const without = apiRequests.filter((r) => r.auth !== `Bearer ${TOKEN}`);
    assert.deepEqual(without, []);
    assert.ok(apiRequests.some((r) => new URL(r.url).pathname.startsWith('/processes/')), 'OGC requests too');
  });

  it('a 401 or 403 from the API shows a clear message', async () => {
    const p = await browser.newPage();
    const seen: string[] = [];
    await watchPage(p, seen);
    try {
      await p.setRequestInterception(true);
      let status = 401;
      p.on('request', (r) => {
        if (new URL(r.url()).pathname === '/scale/status/') r.respond({ status, contentType: 'application/json', body: JSON.stringify({ detail: 'no' }) });
        else r.continue();
      });
      await p.goto(`${base}/ui/`, { waitUntil: 'domcontentloaded' });
      await p.waitForSelector('#banner:not([hidden])');
      assert.match(await text('#banner', p), /401/);
      assert.match(await text('#banner', p), /token/i);
      assert.match(await text('.view .auth-error', p), /Not signed in \(401\)/);
      status = 403;
      await p.reload({ waitUntil: 'domcontentloaded' });
      await p.waitForSelector('.view .auth-error');
      assert.match(await text('.view .auth-error', p), /Forbidden \(403\)/);
      // Only the refused requests were errors in the console.
      assert.deepEqual(seen.filter((s) => !/status of 40[13]/.test(s)), []);
    } finally {
      await p.close();
    }
  });

  it("a WPS answer opens in Chromium's XML viewer, styled, without a CSP violation", async () => {
    const p = await browser.newPage();
    const seen: string[] = [];
    p.on('console', (m) => seen.push(m.text()));
    try {
      const res = await p.goto(`${base}/wps?service=WPS&request=GetCapabilities`, { waitUntil: 'load' });
      assert.match(res!.headers()['content-type'], /xml/);
      // The viewer's tree shows the document's own text.
      await waitFor(async () => /Capabilities/.test(String(await p.evaluate('document.documentElement.textContent'))), { what: 'the XML viewer' });
      assert.deepEqual(seen.filter((m) => /Content Security Policy/.test(m)), []);
    } finally {
      await p.close();
    }
  });

  it('no console errors and no CSP violations on any page (and the watcher does see one)', async () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate('window.__csp'), []);
    // Proof that a violation would be seen: an inline style attribute is refused.
    const p = await browser.newPage();
    const seen: string[] = [];
    await watchPage(p, seen);
    await p.goto(`${base}/ui/`, { waitUntil: 'domcontentloaded' });
    await p.waitForSelector('.view[data-ready="true"]');
    await p.evaluate('document.body.setAttribute("style", "color: red")');
    await waitFor(async () => ((await p.evaluate('window.__csp.length')) as number) > 0, { what: 'the CSP violation event' });
    assert.ok(seen.some((s) => /Content Security Policy/.test(s)), JSON.stringify(seen));
    await p.close();
  });

  it(`benchmark: the overview's first render with ${BENCH_JOBS.toLocaleString('en-US')} jobs (printed, not asserted)`, async function () {
    // The bulk load alone takes a minute on a busy 2-core machine.
    this.timeout(240_000);
    const types = [];
    for (let i = 0; i < 10; i++) types.push(await createJobType(authed, { name: `ui-bench-${i}`, interface: { command: '/bin/true', command_arguments: '' } }));
    const t0 = performance.now();
    // As bench/list-latency.ts: bulk rows straight into the table (what is measured is the UI).
    await t.db.query(
      `INSERT INTO job (job_type_id, job_type_rev_id, status, priority, timeout, max_tries, cpus_required, mem_required, input, num_exes,
                        created, queued, started, ended, last_status_change, last_modified)
       SELECT t.id, r.id, (ARRAY['COMPLETED','COMPLETED','COMPLETED','FAILED','CANCELED','COMPLETED','RUNNING'])[1 + g % 7], 100, 1800, 3, 1, 64,
              '{"version":"1.0","input_data":[],"output_data":[]}'::jsonb, 1,
              now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval,
              CASE WHEN g % 7 = 6 THEN NULL ELSE now() - (g || ' seconds')::interval END, now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
         FROM generate_series(1, $1::int) g
         JOIN job_type t ON t.id = ($2::int[])[1 + g % 10]
         JOIN job_type_revision r ON r.job_type_id = t.id`,
      [BENCH_JOBS, types.map((x) => x.id)],
    );
    await vacuum(t.db);
    const loadMs = performance.now() - t0;
    const total = (await get('/scale/jobs/?page_size=1')).count;
    assert.ok(total >= BENCH_JOBS);
    const p = await browser.newPage();
    const seen: string[] = [];
    await watchPage(p, seen);
    await p.evaluateOnNewDocument(`sessionStorage.setItem('scale-ui.token', ${JSON.stringify(TOKEN)})`);
    // A job load sample of now (the clock takes one a minute).
    await t.core.queue.recordLoad();
    const times: number[] = [];
    const charts: string[] = [];
    for (let i = 0; i < 3; i++) {
      await p.goto(`${base}/ui/?run=${i}#/`, { waitUntil: 'domcontentloaded' });
      await p.waitForSelector('.view[data-page="overview"][data-ready="true"]', { timeout: 30_000 });
      times.push(Number(await p.evaluate('performance.getEntriesByName("overview-rendered")[0].startTime')));
      await p.waitForSelector('#job-load[data-ready="true"]', { timeout: 30_000 });
      const c: any = await p.evaluate(`({ shown: performance.getEntriesByName("load-chart-rendered")[0].startTime, fetch: Number(document.querySelector("#job-load").dataset.fetchMs), draw: performance.getEntriesByName("chart:job-load")[0].duration })`);
      charts.push(`${c.shown.toFixed(0)} ms (data ${c.fetch.toFixed(0)} ms, drawing ${c.draw.toFixed(1)} ms)`);
    }
    const running = Number(await p.$eval('#running-count', (e: any) => e.dataset.count));
    // The metrics page's charts over the same jobs.
    await p.goto(`${base}/ui/?run=metrics#/metrics`, { waitUntil: 'domcontentloaded' });
    await p.waitForSelector('.view[data-page="metrics"][data-ready="true"]', { timeout: 30_000 });
    const metricsMs = Number(await p.$eval('.view', (e: any) => e.dataset.chartsMs));
    await p.close();
    assert.deepEqual(seen, []);
    console.log(
      `      overview first render with ${total.toLocaleString('en-US')} jobs (${running.toLocaleString('en-US')} running): ` +
        `${times.map((x) => `${x.toFixed(0)} ms`).join(', ')} (navigation start to data shown; cold, then warm); bulk load ${(loadMs / 1000).toFixed(1)} s`,
    );
    console.log(`      overview's job load chart (after the first render), navigation start to chart shown: ${charts.join('; ')}`);
    console.log(`      metrics page: its 3 charts with their data in ${metricsMs.toFixed(0)} ms`);
  });
});
