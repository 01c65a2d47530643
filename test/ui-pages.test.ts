// The dashboard's pages for running the cluster, in a real browser (Debian's chromium through
// puppeteer-core) against one real server: the overview's job load chart and the metrics charts
// (their values checked against the API, their render times printed, not asserted), nodes by name
// with their running jobs and history, workspaces with usage and files, errors by category,
// Strikes and Scans with their ingests, batches, a job type created from a SEED image reference
// through the form and a job queued through the form built from its interface (both checked
// through the API), destructive actions behind a confirmation, failure badges labelled by
// category, a distinct colour per job status, and no console error or CSP violation. Screenshots go
// to test/artifacts/. Without chromium the tests skip, unless REQUIRE_CHROMIUM=1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchPage } from './helpers/browser.ts';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import express from 'express';
import request from 'supertest';
import { buildSeedImage, dockerAvailable } from './helpers/docker.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { seedManifest } from './helpers/seed.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const TOKEN = `ui-pages-token-${process.pid}`;
const DAY = 86400_000;

describe('dashboard pages to run the cluster from (chromium)', function () {
  this.timeout(90_000);
  let t: TestServer;
  let authed: express.Express;
  let browser: Browser;
  let page: Page;
  let base: string;
  const problems: string[] = [];
  const timings: string[] = [];
  const api = () => request(authed);
  const get = async (url: string) => (await api().get(url).expect(200)).body;

  let done: any; // a completed job
  let failed: any; // a job that failed with an algorithm error
  let heldType: any; // paused, with one queued job
  let held: any;
  let strike: any;
  let scan: any;
  let manifest: any; // of the SEED image the form creates a job type from
  let image: string;
  let fromImage = false; // the server reads the manifest from the image (a Docker engine is there)
  let created: any; // the job type the form created

  /** Goes to a dashboard route (#/…) and waits until its view has drawn its data. */
  async function open(hash: string, p = page) {
    const current = String(await p.evaluate('location.pathname + location.hash'));
    if (!current.startsWith('/ui/')) await p.goto(`${base}/ui/${hash}`, { waitUntil: 'domcontentloaded' });
    else if (`/ui/${hash}` === current) await p.evaluate('window.dispatchEvent(new HashChangeEvent("hashchange"))');
    else await p.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await p.waitForSelector(`.view[data-route="${hash}"][data-ready="true"]`, { timeout: 20_000 });
  }

  async function confirmYes() {
    await page.waitForSelector('#confirm-dialog[open] [data-confirm="yes"]');
    await page.click('#confirm-dialog [data-confirm="yes"]');
    await page.waitForFunction('!document.querySelector("#confirm-dialog")');
  }

  const text = (selector: string) => page.$eval(selector, (e: any) => String(e.textContent));
  const rows = (selector: string) => page.$$eval(selector, (trs: any[]) => trs.map((tr) => ({ ...tr.dataset, text: String(tr.textContent) })));
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but there is no chromium at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fromImage = await dockerAvailable();
    manifest = seedManifest({ name: `ui-seed-${process.pid}`, title: 'Seed from the form' }, {
      command: '${MODE} ${NUM}',
      inputs: { files: [{ name: 'INPUT_FILE', required: false }], json: [{ name: 'MODE', type: 'string' }, { name: 'NUM', type: 'integer', required: false }] },
      outputs: { files: [{ name: 'RESULT', pattern: '*.out', mediaType: 'text/plain' }] },
    });
    const building = fromImage ? buildSeedImage(manifest) : Promise.resolve(`${manifest.job.name}-1.0.0-seed:1.0.0`);
    const [server] = await Promise.all([
      startServer('pglite', { SCALE_EXECUTOR: 'local', SCALE_AUTH_TOKENS: TOKEN, SCALE_STRIKE_POLL_MS: '3600000' }),
      puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'], defaultViewport: { width: 1400, height: 1000 } }).then((b) => (browser = b)),
    ]);
    t = server;
    base = t.url!;
    authed = express()
      .use((req, _res, next) => {
        req.headers.authorization = `Bearer ${TOKEN}`;
        next();
      })
      .use(t.app);
    page = await browser.newPage();
    await watchPage(page, problems);
    await page.evaluateOnNewDocument(`sessionStorage.setItem('scale-ui.token', ${JSON.stringify(TOKEN)})`);

    const ok = await createJobType(authed, { name: `ui-ok-${process.pid}`, interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '0' } });
    const failing = await createJobType(authed, { name: `ui-broken-${process.pid}`, interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '9' } });
    done = await queueJob(authed, ok.id);
    failed = await queueJob(authed, failing.id);
    heldType = await createJobType(authed, { name: `ui-held-${process.pid}`, interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '0' } });
    await api().patch(`/scale/job-types/${heldType.id}/`).send({ is_paused: true }).expect(200);
    held = await queueJob(authed, heldType.id);
    await upload(authed, 'first file\n', 'first.txt');
    await upload(authed, 'second file, longer\n', 'second.txt');
    // A Strike with one ingested file, and a Scan of a directory with two.
    const landing = path.join(await tempDir('ui-pages-landing-'), 'landing');
    const scanned = await tempDir('ui-pages-scanned-');
    fs.writeFileSync(path.join(scanned, 'a.csv'), '1\n');
    fs.writeFileSync(path.join(scanned, 'b.csv'), '22\n');
    await api().post('/scale/workspaces/').send({ name: 'pages-landing', json_config: { broker: { type: 'host', host_path: landing } } }).expect(201);
    await api().post('/scale/workspaces/').send({ name: 'pages-scanned', json_config: { broker: { type: 'host', host_path: scanned } } }).expect(201);
    strike = (await api().post('/scale/strike/create/').send({
      name: 'pages-strike', title: 'Drop zone', configuration: { version: '2.0', workspace: 'pages-landing', monitor: { type: 'dir-watcher' }, files_to_ingest: [{ filename_regex: '\\.txt$', data_types: ['dropped'] }] },
    }).expect(201)).body;
    scan = (await api().post('/scale/scans/').send({
      name: 'pages-scan', title: 'Archive sweep', configuration: { version: '1.0', workspace: 'pages-scanned', scanner: { type: 'dir' }, recursive: true, files_to_ingest: [{ filename_regex: '\\.csv$', data_types: ['table'] }] },
    }).expect(201)).body;
    fs.writeFileSync(path.join(landing, 'dropped.txt'), 'dropped\n');
    await waitFor(async () => {
      await t.core.strikes.tick(30);
      return (await get(`/scale/ingests/?strike_id=${strike.id}&status=INGESTED`)).count === 1;
    }, { what: 'the Strike to ingest its file' });
    done = await waitForJob(authed, done.id);
    failed = await waitForJob(authed, failed.id);
    assert.equal(done.status, 'COMPLETED');
    assert.equal(failed.status, 'FAILED');
    // A job load sample now (the clock takes one a minute): one job queued behind its paused type.
    await t.core.queue.recordLoad();
    image = await building;
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('overview: the job load chart (drawn after the first render) shows the API’s load and the jobs that completed and failed; the queue says why each job type waits', async () => {
    await page.goto(`${base}/ui/#/`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.view[data-page="overview"][data-ready="true"]');
    await page.waitForSelector('#job-load[data-ready="true"]');
    const m: any = await page.evaluate(`({
      first: performance.getEntriesByName('overview-rendered')[0].startTime,
      shown: performance.getEntriesByName('load-chart-rendered')[0].startTime,
      draw: performance.getEntriesByName('chart:job-load')[0].duration,
      fetch: Number(document.querySelector('#job-load').dataset.fetchMs),
    })`);
    assert.ok(m.shown >= m.first, 'the chart comes after the first render');
    timings.push(`job load chart: navigation start to shown ${m.shown.toFixed(0)} ms (overview first render ${m.first.toFixed(0)} ms; its data ${m.fetch.toFixed(0)} ms; drawing ${m.draw.toFixed(1)} ms)`);
    // Its lines: the API's latest sample.
    const days = Number(await page.$eval('#job-load', (e: any) => e.dataset.days));
    const load = (await get(`/scale/load/?started=${encodeURIComponent(new Date(Date.now() - days * DAY).toISOString())}&page_size=1000`)).results;
    assert.ok(load.length >= 1, 'a load sample');
    const latest = load[load.length - 1];
    const lines = await page.$$eval('#job-load g.chart-line', (gs: any[]) => Object.fromEntries(gs.map((g) => [g.dataset.series, { points: Number(g.dataset.points), last: Number(g.dataset.last) }])));
    assert.deepEqual(Object.keys(lines).sort(), ['PENDING', 'QUEUED', 'RUNNING']);
    assert.ok(latest.queued_count >= 1);
    const queuedMax = await page.$$eval('#job-load g.series-QUEUED circle, #job-load g.series-QUEUED path', (els: any[]) => els.length);
    assert.ok(queuedMax >= 1);
    // Step lines: the value at the latest sample is the API's (zero after it only when idle for two minutes).
    assert.ok([latest.queued_count, 0].includes(lines.QUEUED.last), JSON.stringify({ lines, latest }));
    // Its bars: today's completed and failed jobs as the metrics count them.
    const today = new Date().toISOString().slice(0, 10);
    const ended = (await get(`/scale/metrics/job-types/plot-data/?column=completed_count&column=failed_count&started=${today}T00:00:00Z`)).results;
    const want = (name: string) => ended.find((r: any) => r.column.name === name).values.find((v: any) => v.date === today)?.value ?? 0;
    const bars = await page.$$eval('#job-load rect.chart-bar', (rs: any[]) => rs.map((r) => ({ series: r.dataset.series, t: Number(r.dataset.t), v: Number(r.dataset.v) })));
    const todayT = Date.parse(`${today}T00:00:00Z`);
    assert.equal(bars.find((b) => b.series === 'COMPLETED' && b.t === todayT)?.v, want('completed_count'));
    assert.equal(bars.find((b) => b.series === 'FAILED' && b.t === todayT)?.v, want('failed_count'));
    assert.ok(want('completed_count') >= 1 && want('failed_count') >= 1);
    assert.deepEqual(await page.$$eval('#job-load .legend li', (lis: any[]) => lis.map((li) => li.dataset.series)), ['COMPLETED', 'FAILED', 'PENDING', 'QUEUED', 'RUNNING']);
    // Another window redraws it.
    await page.select('#load-window', '1');
    await page.waitForSelector('#job-load[data-ready="true"][data-days="1"]');
    // Why jobs wait, per job type.
    await page.waitForSelector('.overview[data-reasons="true"]');
    const queue = await rows('table.queue tbody tr');
    const heldRow = queue.find((q) => q.jobType === heldType.name)!;
    assert.ok(heldRow, JSON.stringify(queue));
    const reason = (await get(`/scale/jobs/${held.id}/`)).queue_reason;
    assert.equal(reason.reason, 'JOB_TYPE_PAUSED');
    assert.ok(heldRow.text.includes(`${reason.reason}: ${reason.details}`), heldRow.text);
    // Failure badges name their category.
    const counts = await page.$$eval('table.nodes .count', (cs: any[]) => cs.map((c) => ({ status: c.dataset.status, category: c.dataset.category, text: c.textContent })));
    const failures = counts.filter((c) => c.status === 'FAILED');
    assert.ok(failures.length >= 1 && failures.every((c) => c.category && c.text.includes(`FAILED · ${c.category}`)), JSON.stringify(counts));
    await shot('overview-charts');
  });

  it('metrics: a chart per metrics type, its values those of /scale/metrics/…/plot-data/', async () => {
    await page.goto(`${base}/ui/#/metrics`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.view[data-page="metrics"][data-ready="true"]', { timeout: 20_000 });
    const types = (await get('/scale/metrics/')).results.map((x: any) => x.name);
    const panels = await page.$$eval('.metrics-type', (ps: any[]) => ps.map((p) => ({ type: p.dataset.type, ready: p.dataset.ready, group: p.dataset.group, lines: p.querySelectorAll('g.chart-line').length })));
    assert.deepEqual(panels.map((p) => p.type), types);
    assert.ok(panels.every((p) => p.ready === 'true' && p.group === 'overview'), JSON.stringify(panels));
    const plot = (await get(`/scale/metrics/job-types/plot-data/?group=overview&started=${new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10)}T00:00:00Z`)).results;
    const drawn = await page.$$eval('.metrics-type[data-type="job-types"] g.chart-line', (gs: any[]) => gs.map((g) => ({ label: g.querySelector('title').textContent, last: Number(g.dataset.last), points: Number(g.dataset.points), sum: Number(g.dataset.sum) })));
    assert.equal(drawn.length, plot.length);
    const today = new Date().toISOString().slice(0, 10);
    for (const sr of plot) {
      const d = drawn.find((x) => x.label === sr.column.title);
      assert.ok(d, `${sr.column.title} drawn`);
      // A count for each of the 30 days (a day without a value counted none), today's last.
      assert.equal(d!.points, 30);
      assert.equal(d!.sum, sr.values.reduce((n: number, v: any) => n + v.value, 0));
      assert.equal(d!.last, sr.values.find((v: any) => v.date === today)?.value ?? 0);
    }
    assert.equal(drawn.find((x) => x.label === 'Failed Count')?.last, 1);
    const m: any = await page.evaluate(`({
      all: Number(document.querySelector('.view').dataset.chartsMs),
      draws: performance.getEntriesByType('measure').filter((e) => e.name.startsWith('chart:metrics-')).map((e) => e.name.slice(6) + ' ' + e.duration.toFixed(1) + ' ms'),
    })`);
    timings.push(`metrics page: ${types.length} charts with their data in ${m.all.toFixed(0)} ms (drawing: ${m.draws.join(', ')})`);
    // Another group and one job type.
    await page.select('.metrics-type[data-type="job-types"] select[name="group"]', 'errors');
    await page.waitForSelector('.metrics-type[data-type="job-types"][data-ready="true"][data-group="errors"]');
    const algo = await page.$$eval('.metrics-type[data-type="job-types"] g.chart-line', (gs: any[]) => gs.map((g) => g.querySelector('title').textContent));
    assert.ok(algo.includes('Algorithm Error Count'), JSON.stringify(algo));
    await page.select('.metrics-type[data-type="job-types"] select[name="choice"]', String(failed.job_type.id));
    await page.waitForSelector(`.metrics-type[data-type="job-types"][data-ready="true"][data-choice="${failed.job_type.id}"]`);
    await shot('metrics');
  });

  it('nodes by name: the list, one node with what runs on it and its history; pausing asks first', async () => {
    await open('#/nodes');
    const nodes = (await get('/scale/nodes/?include_inactive=true')).results;
    const listed = await rows('table.nodes tbody tr');
    assert.deepEqual(listed.map((r) => Number(r.node)).sort(), nodes.map((n: any) => n.id).sort());
    for (const r of listed) assert.ok(r.text.includes(nodes.find((n: any) => n.id === Number(r.node)).hostname));
    const nodeId = done.job_exes[0].node.id;
    const hostname = nodes.find((n: any) => n.id === nodeId).hostname;
    await open(`#/nodes/${nodeId}`);
    assert.match(await text('h1'), new RegExp(`Node ${hostname}`));
    const history = await rows('table.history tbody tr');
    const api6 = (await get(`/scale/job-executions/?node_id=${nodeId}&page_size=50&order=-started`)).results;
    assert.deepEqual(history.map((r) => Number(r.exe)), api6.map((x: any) => x.id));
    assert.ok(history.some((r) => Number(r.job) === failed.id && r.status === 'FAILED' && /ALGORITHM/.test(r.text)), 'the failure with its category');
    // Pausing asks first; saying no changes nothing.
    await page.click(`[data-action="pause-node"][data-node="${nodeId}"]`);
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-dialog [data-confirm="no"]');
    await page.waitForFunction('!document.querySelector("#confirm-dialog")');
    assert.equal((await get(`/scale/nodes/${nodeId}/`)).is_paused, false);
    await page.click(`[data-action="pause-node"][data-node="${nodeId}"]`);
    await confirmYes();
    await page.waitForFunction('document.querySelector("#node-state").textContent === "PAUSED"');
    assert.equal((await get(`/scale/nodes/${nodeId}/`)).is_paused, true);
    await page.click(`[data-action="resume-node"][data-node="${nodeId}"]`);
    await page.waitForFunction('document.querySelector("#node-state").textContent === "ONLINE"');
    assert.equal((await get(`/scale/nodes/${nodeId}/`)).is_paused, false);
    await shot('node');
    // A job's executions name their node.
    await open(`#/jobs/${done.id}`);
    assert.equal(await text('table.executions a.node-name'), hostname);
  });

  it('workspaces: usage and files as the API has them', async () => {
    await open('#/workspaces');
    const list = (await get('/scale/workspaces/?page_size=1000')).results;
    const listed = await rows('table.workspaces tbody tr');
    assert.deepEqual(listed.map((r) => r.name).sort(), list.map((w: any) => w.name).sort());
    const def = list.find((w: any) => w.name === 'default');
    const files = await get(`/scale/files/?workspace_id=${def.id}&page_size=1000&order=-id`);
    assert.ok(files.count >= 2);
    assert.equal(Number(listed.find((r) => r.name === 'default')!.files), files.count);
    await open(`#/workspaces/${def.id}`);
    const usage = await page.$eval('#workspace-usage .usage-files', (e: any) => ({ count: Number(e.dataset.count), bytes: Number(e.dataset.bytes) }));
    assert.deepEqual(usage, { count: files.count, bytes: files.results.reduce((n: number, f: any) => n + f.file_size, 0) });
    const shown = await rows('table.files tbody tr');
    assert.deepEqual(shown.map((r) => Number(r.file)), files.results.slice(0, 50).map((f: any) => f.id));
    assert.ok(shown.some((r) => r.text.includes('second.txt')));
    await shot('workspace');
  });

  it('errors: each error type with its category and how many jobs failed with it', async () => {
    await open('#/errors');
    const errors = (await get('/scale/errors/?page_size=1000')).results;
    const listed = await rows('table.errors tbody tr');
    assert.deepEqual(listed.map((r) => Number(r.error)).sort((a, b) => a - b), errors.map((e: any) => e.id).sort((a: number, b: number) => a - b));
    const mine = listed.find((r) => Number(r.error) === failed.error.id)!;
    assert.equal(mine.category, failed.error.category);
    assert.match(mine.text, new RegExp(`${failed.error.category}1`), 'one job failed with it');
    await open('#/errors?category=SYSTEM');
    assert.ok((await rows('table.errors tbody tr')).every((r) => r.category === 'SYSTEM'));
  });

  it('Strikes and Scans: status, their ingests, stop a Strike (after a confirmation), dry run and ingest a Scan', async () => {
    await open('#/strikes');
    const block = `.strike[data-strike="${strike.id}"]`;
    assert.match(await text(block), /Drop zone/);
    assert.equal(await page.$eval(block, (e: any) => e.dataset.state), 'ACTIVE');
    const ingested = await rows(`${block} table.ingests tbody tr`);
    const apiIngests = (await get(`/scale/ingests/?strike_id=${strike.id}&order=-id`)).results;
    assert.deepEqual(ingested.map((r) => Number(r.ingest)), apiIngests.map((i: any) => i.id));
    assert.match(ingested[0].text, /dropped\.txt/);
    // Stopping is destructive: it asks first.
    await page.click(`[data-action="stop-strike"][data-strike="${strike.id}"]`);
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match(await page.$eval('#confirm-dialog', (e: any) => e.textContent), /Stop Strike pages-strike/);
    await confirmYes();
    await page.waitForSelector(`${block}[data-state="STOPPED"]`);
    assert.equal((await get(`/scale/strikes/${strike.id}/`)).is_active, false);
    await page.click(`[data-action="start-strike"][data-strike="${strike.id}"]`);
    await page.waitForSelector(`${block}[data-state="ACTIVE"]`);
    assert.equal((await get(`/scale/strikes/${strike.id}/`)).is_active, true);
    // The Scan: a dry run, then the ingest (asked first).
    const sblock = `.scan[data-scan="${scan.id}"]`;
    assert.equal(await page.$eval(sblock, (e: any) => e.dataset.state), 'NEW');
    await page.click(`[data-action="dry-run-scan"][data-scan="${scan.id}"]`);
    await page.waitForFunction(`/^DRY RUN/.test(document.querySelector('${sblock}').dataset.state)`);
    assert.ok((await get(`/scale/scans/${scan.id}/`)).dry_run_job);
    await page.click(`[data-action="ingest-scan"][data-scan="${scan.id}"]`);
    await confirmYes();
    await page.waitForFunction(`document.querySelectorAll('${sblock} table.ingests tbody tr').length === 2`, { timeout: 15_000 });
    const scanIngests = (await get(`/scale/ingests/?scan_id=${scan.id}&order=-id`)).results;
    assert.deepEqual((await rows(`${sblock} table.ingests tbody tr`)).map((r) => Number(r.ingest)), scanIngests.map((i: any) => i.id));
    assert.equal((await get(`/scale/scans/${scan.id}/`)).job.id > 0, true);
    await shot('strikes-scans');
  });

  it('batches: as the API lists them', async () => {
    await open('#/batches');
    const batches = await get('/scale/batches/');
    assert.equal((await page.$$('table.batches tbody tr')).length, batches.results.length);
    if (!batches.count) assert.match(await text('.view .empty'), /No batches/);
  });

  it(`a job type from a SEED image reference through the form, then a job queued through the form built from its interface`, async () => {
    await open('#/job-types');
    await page.click('#new-job-type');
    await page.waitForSelector('.view[data-page="job-type-new"][data-ready="true"]');
    await page.type('#new-image', image);
    // With a Docker engine the server reads the manifest from the image's label; without one it is pasted.
    if (!fromImage) await page.$eval('#new-manifest', (e: any, v: any) => (e.value = v), JSON.stringify(manifest));
    await page.click('#job-type-form button[type="submit"]');
    await page.waitForSelector('#job-type-result[data-job-type]', { timeout: 20_000 });
    const id = Number(await page.$eval('#job-type-result', (e: any) => e.dataset.jobType));
    created = await get(`/scale/job-types/${id}/`);
    assert.equal(created.name, manifest.job.name);
    assert.equal(created.docker_image, image);
    const names = (inputs: any) => [...inputs.files, ...inputs.json].map((i: any) => i.name);
    assert.deepEqual(names(created.manifest.job.interface.inputs), names(manifest.job.interface.inputs));
    // Held (paused) so the job waits where the test can see it.
    await api().patch(`/scale/job-types/${id}/`).send({ is_paused: true }).expect(200);
    await page.click('#queue-new-type');
    await page.waitForSelector(`.view[data-route="#/job-types/${id}/queue"][data-ready="true"]`);
    const fields = await page.$$eval('#job-form input[data-kind]', (els: any[]) => els.map((e) => `${e.name}:${e.dataset.kind}:${e.required}`));
    assert.deepEqual(fields.sort(), ['INPUT_FILE:file:false', 'MODE:json:true', 'NUM:json:false']);
    await page.type('#job-form input[name="MODE"]', 'ok');
    await page.type('#job-form input[name="NUM"]', '3');
    await page.click('#job-form button[type="submit"]');
    await page.waitForSelector('.view[data-page="job"][data-ready="true"], .view .error-box', { timeout: 20_000 });
    assert.equal(await page.$('.view .error-box'), null, await page.$eval('.view .error-box', (e: any) => e.textContent).catch(() => ''));
    const jobId = Number(String(await page.evaluate('location.hash')).replace('#/jobs/', ''));
    const job = await get(`/scale/jobs/${jobId}/`);
    assert.equal(job.job_type.id, id);
    assert.equal(job.status, 'QUEUED');
    const inputs = Object.fromEntries(job.inputs.map((i: any) => [i.name, i.value]));
    assert.equal(inputs.MODE, 'ok');
    assert.equal(inputs.NUM, 3);
    assert.equal(await page.$eval('#queue-reason', (e: any) => e.dataset.reason), 'JOB_TYPE_PAUSED');
    await shot('job-queued-from-form');
    // A bad manifest is refused with the server's reason, in the page.
    await open('#/job-types/new');
    await page.type('#new-image', 'nothing-here-seed:1');
    await page.$eval('#new-manifest', (e: any) => (e.value = '{"seedVersion": "1.0.0", "job": {}}'));
    await page.click('#job-type-form button[type="submit"]');
    await page.waitForSelector('.view .error-box');
    assert.match(await text('.view .error-box'), /job/);
    problems.splice(0, problems.length, ...problems.filter((p) => !/status of 400/.test(p)));
  });

  it('a distinct colour per job status; badges and chart series coloured alike', async () => {
    const statuses = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING', 'FAILED', 'COMPLETED', 'CANCELED'];
    const colours = (await page.evaluate(`(() => {
      const out = [];
      for (const s of ${JSON.stringify(statuses)}) {
        const b = document.createElement('span');
        b.className = 'badge status-' + s;
        document.body.append(b);
        const cs = getComputedStyle(b);
        out.push(cs.backgroundColor + '/' + cs.color);
        b.remove();
      }
      return out;
    })()`)) as string[];
    assert.equal(new Set(colours).size, statuses.length, JSON.stringify(Object.fromEntries(statuses.map((s, i) => [s, colours[i]]))));
  });

  it('no console errors and no CSP violations on any page; the chart timings', async () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate('window.__csp'), []);
    for (const line of timings) console.log(`      ${line}`);
  });
});
