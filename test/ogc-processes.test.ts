// OGC API - Processes - Part 1 end to end over a real server: processes from job types, execution
// in every mode of the response table, inputs by value, content and reference, jobs, results,
// dismiss, callbacks, HTML and exceptions. Every JSON body is checked against the v1.0 schemas.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAPISchemaValidatorModule from 'openapi-schema-validator';
import request from 'supertest';
import YAML from 'yaml';
import { checkOgc } from '../src/ogc-schemas.ts';
import { dbKinds } from './helpers/db.ts';
import { createJobType, script, upload } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

// The package is CommonJS: its class is the default export's default.
const OpenAPISchemaValidator = ((OpenAPISchemaValidatorModule as any).default ?? OpenAPISchemaValidatorModule) as new (o: { version: number }) => { validate(doc: unknown): { errors: unknown[] } };
const EXC = 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/';
const valid = (file: string, body: unknown) => assert.deepEqual(checkOgc(file, body), [], `${file}: ${JSON.stringify(body).slice(0, 400)}`);
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

/** A local HTTP server for inputs by reference and for callbacks. */
async function helperServer() {
  const received: { path: string; body: any }[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        received.push({ path: req.url!, body: JSON.parse(data || 'null') });
        res.end('ok');
      });
      return;
    }
    if (req.url === '/text') res.setHeader('Content-Type', 'text/plain').end('referenced text\n');
    else if (req.url === '/value') res.end('from a reference');
    else if (req.url === '/scene.tif') res.setHeader('Content-Type', 'image/tiff').end(Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const kind of dbKinds()) {
  describe(`OGC API - Processes Part 1 (${kind})`, function () {
    this.timeout(90_000);
    let t: TestServer;
    let api: ReturnType<typeof request>;
    let helper: Awaited<ReturnType<typeof helperServer>>;
    let produce: any;

    before(async () => {
      t = await startServer(kind, { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_OGC_SYNC_SECONDS: '20', SCALE_OGC_MAX_BODY_BYTES: '200000', SCALE_OGC_CALLBACK_SECONDS: '2' });
      api = request(t.url!) as unknown as ReturnType<typeof request>;
      helper = await helperServer();
      produce = await createJobType(t.app, {
        name: `produce-${kind}`,
        interface: {
          version: '1.0', command: `/bin/sh ${script('produce.sh')}`, command_arguments: '${message} ${input_file} ${job_output_dir}',
          input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file', media_types: ['text/plain'] }],
          output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'files', required: false }],
        },
      });
    });
    after(async () => {
      await helper?.close();
      await t?.close();
    });

    const get = (p: string) => request(t.url!).get(p);
    const post = (p: string, body: unknown) => request(t.url!).post(p).send(body as object);
    const waitStatus = (jobId: string, statuses: string[]) =>
      waitFor(async () => {
        const r = await get(`/jobs/${jobId}`);
        return statuses.includes(r.body.status) ? r.body : null;
      }, { timeoutMs: 30_000, what: `job ${jobId} to be ${statuses.join('/')}` });

    describe('capabilities', () => {
      it('serves a landing page with the required links, JSON by default and HTML on request', async () => {
        const res = await get('/').expect(200);
        assert.match(res.headers['content-type'], /^application\/json/);
        valid('landingPage.yaml', res.body);
        const rels = res.body.links.map((l: any) => l.rel);
        for (const rel of ['service-desc', 'service-doc', 'http://www.opengis.net/def/rel/ogc/1.0/conformance', 'http://www.opengis.net/def/rel/ogc/1.0/processes', 'http://www.opengis.net/def/rel/ogc/1.0/job-list']) {
          assert.ok(rels.includes(rel), rel);
        }
        const html = await get('/').set('Accept', 'text/html,application/xhtml+xml').expect(200);
        assert.match(html.headers['content-type'], /^text\/html/);
        assert.match(html.text, /^<!DOCTYPE html>/);
        assert.match(html.text, /<a href="[^"]+\/conformance"/);
        assert.match((await get('/processes?f=html').expect(200)).text, /<a href="[^"]+\/processes\/echo"/);
        assert.match((await get('/jobs').set('Accept', 'text/html').expect(200)).headers['content-type'], /^text\/html/);
      });

      it('declares all eight Part 1 conformance classes and the Part 2 classes it implements', async () => {
        const res = await get('/conformance').expect(200);
        valid('confClasses.yaml', res.body);
        const names = res.body.conformsTo.map((c: string) => c.split('/').pop());
        assert.deepEqual(names.slice(0, 8), ['core', 'ogc-process-description', 'json', 'html', 'oas30', 'job-list', 'callback', 'dismiss']);
        for (const c of ['deploy-replace-undeploy', 'ogcapppkg', 'docker']) assert.ok(names.includes(c), c);
      });

      it('serves its OpenAPI 3.0 document as JSON, YAML and HTML, with an execute body per process', async () => {
        const res = await get('/api').expect(200);
        assert.equal(res.headers['content-type'], 'application/vnd.oai.openapi+json;version=3.0');
        const doc = JSON.parse(res.text);
        assert.equal(doc.openapi, '3.0.3');
        assert.deepEqual(new OpenAPISchemaValidator({ version: 3 }).validate(doc).errors, [], 'a valid OpenAPI 3.0 document');
        const echo = doc.paths['/processes/echo/execution'].post.requestBody.content['application/json'].schema;
        assert.equal(echo.properties.inputs.required, undefined, 'every input of echo is optional (the WPS 2.0 suite sends its complex input alone)');
        assert.deepEqual(Object.keys(echo.properties.inputs.properties), ['message', 'pause', 'fail', 'object', 'bbox', 'binary', 'complex']);
        assert.ok(doc.paths[`/processes/${produce.name}/execution`]);
        for (const p of ['/', '/conformance', '/processes', '/processes/{processID}', '/jobs', '/jobs/{jobId}', '/jobs/{jobId}/results']) assert.ok(doc.paths[p], p);
        const yaml = await get('/api?f=yaml').expect(200);
        assert.equal(yaml.headers['content-type'], 'application/vnd.oai.openapi;version=3.0');
        assert.deepEqual(YAML.parse(yaml.text), doc);
        assert.match((await get('/api?f=html').expect(200)).text, /<!DOCTYPE html>/);
      });
    });

    describe('processes', () => {
      it('lists job types as processes, with limit and next links', async () => {
        const all = (await get('/processes').expect(200)).body;
        valid('processList.yaml', all);
        for (const p of all.processes) valid('processSummary.yaml', p);
        assert.ok(all.processes.some((p: any) => p.id === 'echo'));
        assert.ok(all.processes.some((p: any) => p.id === produce.name));
        const one = (await get('/processes?limit=1').expect(200)).body;
        assert.equal(one.processes.length, 1);
        const next = one.links.find((l: any) => l.rel === 'next');
        assert.ok(next, 'a next link when there are more');
        const second = (await get(pathOf(next.href)).expect(200)).body;
        assert.equal(second.processes.length, 1);
        assert.notEqual(second.processes[0].id, one.processes[0].id);
        assert.ok(one.links.some((l: any) => l.rel === 'self') && one.links.some((l: any) => l.rel === 'alternate'));
        for (const bad of ['limit=0', 'limit=abc', 'limit=10001', 'offset=-1']) {
          const r = await get(`/processes?${bad}`).expect(400);
          valid('exception.yaml', r.body);
        }
      });

      it('describes each process; unknown ids are no-such-process', async () => {
        for (const id of ['echo', produce.name, `${produce.name}:${produce.version}`]) {
          const d = (await get(`/processes/${encodeURIComponent(id)}`).expect(200)).body;
          valid('process.yaml', d);
          assert.equal(d.id, id);
        }
        const missing = await get('/processes/no-such-thing').expect(404);
        assert.equal(missing.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(missing.body.type, `${EXC}no-such-process`);
        valid('exception.yaml', missing.body);
        await get('/processes/echo:9.9.9').expect(404);
      });
    });

    describe('execution', () => {
      it('a sync execute writes the run with its job, and reads neither back after the outcome (issue 24)', async () => {
        // Every statement the server runs while it answers (the Db object every service holds, watched).
        const db = t.db as any;
        const { query, transaction } = db;
        const seen: string[] = [];
        const note = (sql: any) => seen.push((typeof sql === 'string' ? sql : sql.text).replace(/\s+/g, ' ').trim());
        const body = { inputs: { message: 'hi' }, response: 'document' };
        await post('/processes/echo/execution', body).expect(200); // caches warmed
        db.query = (sql: any, params?: unknown[]) => (note(sql), query.call(db, sql, params));
        db.transaction = (fn: any) => transaction.call(db, (tx: any) => fn({ query: (sql: any, params?: unknown[]) => (note(sql), tx.query(sql, params)) }));
        let res;
        try {
          res = await post('/processes/echo/execution', body).expect(200);
        } finally {
          db.query = query;
          db.transaction = transaction;
        }
        assert.deepEqual(res.body, { message: 'hi' });
        const count = (re: RegExp) => seen.filter((s) => re.test(s)).length;
        assert.equal(count(/^INSERT INTO run\b/), 0, 'the run record is no statement of its own');
        assert.equal(count(/INSERT INTO job\b.*INSERT INTO run\b/), 1, 'the job and its run are made by one statement');
        assert.equal(count(/^SELECT \* FROM job WHERE id = \$1/), 0, 'the job is not read back for its outputs');
        assert.equal(count(/^SELECT j\.id, j\.job_type_id, j\.job_type_rev_id, j\.status\b/), 0, 'the run is not read back for its status');
        assert.equal(count(/^UPDATE run SET callback_next = now\(\) WHERE job_id/), 0, 'no subscriber: no callback look-up');
        assert.ok(count(/FROM workspace\b/) <= 1, 'the default workspace is read at most once (not at all when read a moment ago)');
        // The job, its execution (with its log) and its run are all recorded.
        const job = /\/jobs\/(\d+)>/.exec(res.headers.link)![1];
        const status = (await get(`/jobs/${job}`).expect(200)).body;
        assert.equal(status.status, 'successful');
        const rows = (await t.db.query(`SELECT x.status, x.log_path, r.response FROM job_exe x JOIN run r ON r.job_id = x.job_id WHERE x.job_id = $1`, [Number(job)])).rows;
        assert.deepEqual(rows.map((r) => [r.status, Boolean(r.log_path), r.response]), [['COMPLETED', true, 'document']]);
      });

      it('refuses a value too long for one command-line string with a 400 naming the input and the limit, and runs one just under it', async () => {
        const before = (await get('/jobs?processID=echo&limit=1000').expect(200)).body.jobs.length;
        const res = await post('/processes/echo/execution', { inputs: { message: 'x'.repeat(131_100) }, outputs: { message: {} } }).expect(400);
        assert.match(JSON.stringify(res.body), /message/);
        assert.match(res.body.detail, /131,100 bytes.*131,072 bytes/);
        assert.equal((await get('/jobs?processID=echo&limit=1000').expect(200)).body.jobs.length, before, 'no job was made');
        const long = 'y'.repeat(120_000);
        const ok = await post('/processes/echo/execution', { inputs: { message: long }, outputs: { message: {} } }).expect(200);
        assert.equal(ok.text, long);
      });

      it('runs echo synchronously by default: 200 with the raw value, a monitor link, and a job listed in /jobs', async () => {
        // No outputs named: every output echo declares, so raw is multipart (one part: only message was produced).
        const all = await post('/processes/echo/execution', { inputs: { message: 'teststring' } }).buffer(true)
          .parse((r, cb) => { const c: Buffer[] = []; r.on('data', (x: Buffer) => c.push(x)); r.on('end', () => cb(null, Buffer.concat(c).toString())); }).expect(200);
        assert.match(all.headers['content-type'], /^multipart\/related/);
        assert.match(all.body as string, /Content-Type: text\/plain; charset=utf-8\r\nContent-ID: <message>\r\n\r\nteststring\r\n/);
        const res = await post('/processes/echo/execution', { inputs: { message: 'teststring' }, outputs: { message: {} } }).expect(200);
        // A string raw is its text.
        assert.match(res.headers['content-type'], /^text\/plain/);
        assert.equal(res.text, 'teststring');
        // RFC 8288: <URI>; rel=monitor.
        const monitor = /^<([^>]+)>; rel=monitor$/.exec(res.headers.link)![1];
        const job = (await get(pathOf(monitor)).expect(200)).body;
        valid('statusInfo.yaml', job);
        assert.equal(job.status, 'successful');
        const listed = (await get('/jobs?processID=echo').expect(200)).body;
        assert.ok(listed.jobs.some((j: any) => j.jobID === job.jobID));
        const scale = (await request(t.app).get(`/scale/jobs/${job.jobID}/`).expect(200)).body;
        assert.equal(scale.status, 'COMPLETED', 'the same job, seen through the Scale API');
        assert.equal(scale.job_type.name, 'echo');
      });

      it('answers a document, and runs asynchronously when asked: 201, absolute Location, Preference-Applied', async () => {
        const doc = await post('/processes/echo/execution', { inputs: { message: 'hi' }, response: 'document' }).expect(200);
        assert.deepEqual(doc.body, { message: 'hi' });
        valid('results.yaml', doc.body);
        const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async ').send({ inputs: { message: 'later', pause: 1 }, outputs: { message: {} } }).expect(201);
        assert.equal(res.headers['preference-applied'], 'respond-async');
        assert.match(res.headers.location, /^http:\/\/127\.0\.0\.1:\d+\/jobs\/\d+$/);
        valid('statusInfo.yaml', res.body);
        assert.ok(['accepted', 'running'].includes(res.body.status));
        assert.ok(!res.body.links.some((l: any) => l.rel.endsWith('/results')), 'no results link before there are results');
        assert.ok(res.body.links.some((l: any) => l.rel === 'status'));
        const notReady = await get(`${pathOf(res.headers.location)}/results`).expect(404);
        assert.equal(notReady.body.type, `${EXC}result-not-ready`);
        const done = await waitStatus(res.body.jobID, ['successful']);
        const results = done.links.find((l: any) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/results');
        assert.equal((await get(pathOf(results.href)).expect(200)).text, 'later', 'results follow the raw response the request asked for');
        assert.ok(done.started && done.finished && done.progress === 100);
      });

      it('answers a synchronous execution that outlasts its wait with the job status (201), as async would', async () => {
        const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'wait=1').send({ inputs: { message: 'slow', pause: 3 } }).expect(201);
        assert.equal(res.headers['preference-applied'], 'wait=1');
        assert.match(res.headers.location, /\/jobs\/\d+$/);
        valid('statusInfo.yaml', res.body);
        assert.ok(['accepted', 'running'].includes(res.body.status));
        assert.equal((await waitStatus(res.body.jobID, ['successful'])).status, 'successful');
      });

      it('reports a failed job: an exception naming its error, synchronously and from /results', async () => {
        const sync = await post('/processes/echo/execution', { inputs: { message: 'x', fail: true } }).expect(500);
        valid('exception.yaml', sync.body);
        assert.equal(sync.body.type, 'algorithm-unknown');
        assert.equal(sync.headers['content-type'], 'application/json; charset=utf-8');
        // The algorithm's own words (its stderr), not Scale's generic "define the appropriate errors".
        assert.match(sync.body.detail, /exit code 1: failing, as the fail input asked/);
        assert.doesNotMatch(sync.body.detail, /define the appropriate errors/);
        const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async').send({ inputs: { message: 'x', fail: true } }).expect(201);
        const failed = await waitStatus(res.body.jobID, ['failed']);
        assert.match(failed.message, /failing, as the fail input asked/);
        const r = await get(`/jobs/${res.body.jobID}/results`).expect(500);
        assert.equal(r.body.type, 'algorithm-unknown');
        assert.match(r.body.detail, /failing, as the fail input asked/);
        // The Scale door says it too, on the job and on its execution.
        const job = await get(`/scale/jobs/${sync.body.jobID}/`).expect(200);
        assert.equal(job.body.error.name, 'algorithm-unknown');
        assert.match(job.body.error_message, /^exit code 1: failing, as the fail input asked$/);
        const exes = await get(`/scale/jobs/${sync.body.jobID}/executions/`).expect(200);
        assert.match(exes.body.results[0].error_message ?? (await get(`/scale/jobs/${sync.body.jobID}/executions/${exes.body.results[0].exe_num}/`)).body.error_message, /failing, as the fail input asked/);
      });

      it("runs echo in the server's own process: no child process, and its job, execution and log in the Scale API", async () => {
        // Processes running echo.mjs whose parent (the launcher) or grandparent is this test process.
        const echoChildren = async (): Promise<number[]> => {
          const parentOf = async (pid: string) => Number((await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ')[1]);
          const found: number[] = [];
          for (const pid of await fs.readdir('/proc')) {
            if (!/^\d+$/.test(pid)) continue;
            const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
            if (!cmd.includes('builtin/echo.mjs')) continue;
            const parent = await parentOf(pid);
            if (parent === process.pid || (await parentOf(String(parent))) === process.pid) found.push(Number(pid));
          }
          return found;
        };
        // A pause of a second: a child process would be seen while it runs.
        let answered = false;
        const sync = post('/processes/echo/execution', { inputs: { message: 'in-process', pause: 1 }, outputs: { message: {} } }).then((r) => ((answered = true), r));
        const seen: number[] = [];
        while (!answered) {
          seen.push(...(await echoChildren()));
          await new Promise((r) => setTimeout(r, 20));
        }
        const res = await sync;
        assert.equal(res.status, 200);
        assert.equal(res.text, 'in-process');
        assert.deepEqual(seen, [], 'no process was started for echo');
        const jobId = /\/jobs\/(\d+)>/.exec(res.headers.link)![1];
        const job = (await get(`/scale/jobs/${jobId}/`).expect(200)).body;
        assert.equal(job.status, 'COMPLETED');
        assert.equal(job.job_exes[0].status, 'COMPLETED');
        const logs = (await get(`/scale/job-executions/${job.job_exes[0].id}/logs/`).expect(200)).body;
        assert.equal(logs.stdout, 'in-process\n');
        assert.equal(logs.is_finished, true);
      });

      it('takes file inputs as base64 content, as a reference to fetch, and as a reference to its own files', async () => {
        const body = {
          inputs: { message: 'inline', input_file: { value: Buffer.from('from base64\n').toString('base64'), format: { mediaType: 'text/plain', encoding: 'base64' } } },
          response: 'document',
        };
        // With no outputs named and no preference, a file output is a link and a literal a value.
        const plain = await post(`/processes/${produce.name}/execution`, body).expect(200);
        assert.match(plain.body.upper.href, /\/scale\/files\/\d+\/content$/);
        assert.equal(plain.body.upper.type, 'text/plain');
        assert.equal(plain.headers['preference-applied'], undefined);
        const inline = await request(t.url!).post(`/processes/${produce.name}/execution`).set('Prefer', 'return=representation').send(body).expect(200);
        assert.equal(inline.headers['preference-applied'], 'return=representation');
        valid('results.yaml', inline.body);
        assert.equal(Buffer.from(inline.body.upper.value, 'base64').toString(), 'FROM BASE64\n');
        assert.equal(inline.body.upper.mediaType, 'text/plain');
        assert.equal(inline.body.upper.encoding, 'base64');
        const fetched = await post(`/processes/${produce.name}/execution`, {
          inputs: { message: 'ref', input_file: { href: `${helper.url}/text` } }, outputs: { upper: { transmissionMode: 'reference' } }, response: 'document',
        }).expect(200);
        const href = fetched.body.upper.href;
        assert.match(href, /\/scale\/files\/\d+\/content$/);
        assert.equal((await get(pathOf(href)).expect(200)).text, 'REFERENCED TEXT\n');
        // A file of this server is used as it is, not fetched again.
        const own = await post(`/processes/${produce.name}/execution`, { inputs: { message: 'own', input_file: { href } }, response: 'document', outputs: { upper: {} } }).expect(200);
        assert.equal(Buffer.from(own.body.upper.value, 'base64').toString(), 'REFERENCED TEXT\n');
        const files = (await request(t.app).get('/scale/files/').expect(200)).body.results;
        assert.equal(files.filter((f: any) => f.file_name === 'text').length, 1, 'the referenced file was stored once');
        const value = await post('/processes/echo/execution', { inputs: { message: { href: `${helper.url}/value` } }, outputs: { message: {} } }).expect(200);
        assert.equal(value.text, 'from a reference');
      });

      it('answers several raw values as multipart/related, and raw references as 204 with Link headers', async () => {
        const file = await upload(t.app, 'multi\n', 'm.txt', { media_type: 'text/plain' });
        const inputs = { message: 'multi', input_file: { href: `${t.url}/scale/files/${file.id}/content` } };
        const multi = await request(t.url!).post(`/processes/${produce.name}/execution`).set('Prefer', 'return=representation').send({ inputs, response: 'raw' }).buffer(true).parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks).toString()));
        }).expect(200);
        const boundary = /boundary="([^"]+)"/.exec(multi.headers['content-type'])![1];
        assert.match(multi.headers['content-type'], /^multipart\/related/);
        const text = multi.body as string;
        assert.equal(text.split(`--${boundary}`).length - 1, 3, 'two parts and the closing boundary');
        assert.match(text, /Content-ID: <upper>\r\nContent-Type|Content-Type: text\/plain\r\nContent-ID: <upper>/);
        assert.match(text, /MULTI\n/);
        assert.match(text, /Content-ID: <notes\.0>/);
        assert.equal(multi.headers['preference-applied'], 'return=representation');
        // Without a preference and without outputs named, files are links: raw, that is 204 with a Link each.
        const byDefault = await post(`/processes/${produce.name}/execution`, { inputs, response: 'raw' }).expect(204);
        assert.match(String(byDefault.headers.link), /title="upper"/);
        const refs = await post(`/processes/${produce.name}/execution`, { inputs, outputs: { upper: { transmissionMode: 'reference' }, notes: { transmissionMode: 'reference' } } }).expect(204);
        assert.equal(refs.text, '');
        const links = String(refs.headers.link);
        assert.match(links, /<http:\/\/[^>]+\/scale\/files\/\d+\/content>; rel="http:\/\/www\.opengis\.net\/def\/rel\/ogc\/1\.0\/results"; type="text\/plain"; title="upper"/);
        assert.match(links, /title="notes\.0"/);
        const one = await post(`/processes/${produce.name}/execution`, { inputs, outputs: { upper: {} } }).expect(200);
        assert.match(one.headers['content-type'], /^text\/plain/);
        assert.equal(one.text, 'MULTI\n');
      });

      it("echoes what the official suite sends: its bbox, {value} objects and a GeoTIFF byte for byte; a TIFF to an XML/JSON/text input is a 400 naming it", async () => {
        // A little-endian TIFF header and bytes no text decoder keeps (NUL, 0xff).
        const tiff = Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]), Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x00, 0x01])]);
        const inputs = {
          message: 'teststring',
          bbox: { crs: 'urn:ogc:def:crs:EPSG:6.6:4326', bbox: [345345345, 345345345, 345345345, 345345345] },
          object: { value: 'teststring' },
          binary: { value: tiff.toString('base64'), format: { encoding: 'base64' } },
        };
        const all = { message: { transmissionMode: 'value' }, bbox: { transmissionMode: 'value' }, object: { transmissionMode: 'value' }, binary: { transmissionMode: 'value' } };
        const doc = await post('/processes/echo/execution', { inputs, outputs: all, response: 'document' }).expect(200);
        assert.equal(doc.body.message, 'teststring', 'the message whatever else is given');
        assert.deepEqual(doc.body.bbox.value, inputs.bbox);
        assert.deepEqual(doc.body.object.value, { value: 'teststring' });
        assert.deepEqual(Buffer.from(doc.body.binary.value, 'base64'), tiff, 'the bytes, not a JSON string of them');
        // With a media type, the copy keeps it.
        const typed = await post('/processes/echo/execution', { inputs: { message: 'm', binary: { value: tiff.toString('base64'), format: { mediaType: 'image/tiff', encoding: 'base64' } } }, outputs: { binary: {} } }).buffer(true)
          .parse((res, cb) => { const c: Buffer[] = []; res.on('data', (x: Buffer) => c.push(x)); res.on('end', () => cb(null, Buffer.concat(c))); }).expect(200);
        assert.match(typed.headers['content-type'], /^image\/tiff/);
        assert.deepEqual(typed.body, tiff);
        // complex takes XML, JSON and text only: by its media type, or by what the bytes are when none is given.
        const wrongType = await post('/processes/echo/execution', { inputs: { message: 'm', complex: { value: tiff.toString('base64'), format: { mediaType: 'image/tiff', encoding: 'base64' } } } }).expect(400);
        assert.match(wrongType.body.detail, /inputs\.complex: input "complex" takes application\/xml, text\/xml, application\/json, text\/plain, not image\/tiff/);
        const untyped = await post('/processes/echo/execution', { inputs: { message: 'm', complex: { value: tiff.toString('base64'), encoding: 'base64' } } }).expect(400);
        assert.match(untyped.body.detail, /inputs\.complex: .*the content given is binary, not text/);
        const byRef = await post('/processes/echo/execution', { inputs: { message: 'm', complex: { href: `${helper.url}/text`, type: 'image/tiff' } } }).expect(400);
        assert.match(byRef.body.detail, /not image\/tiff/);
        // By reference, the type the far server gives is checked too.
        const served = await post('/processes/echo/execution', { inputs: { message: 'm', complex: { href: `${helper.url}/scene.tif` } } }).expect(400);
        assert.match(served.body.detail, /inputs\.complex: input "complex" takes application\/xml, text\/xml, application\/json, text\/plain; http:\/\/[^ ]+\/scene\.tif is image\/tiff/);
        // A bounding box is one: {"value": …} is no box.
        const box = await post('/processes/echo/execution', { inputs: { message: 'm', bbox: { value: 'teststring' } } }).expect(400);
        assert.match(box.body.detail, /inputs\.bbox: input "bbox" is a bounding box/);
      });

      it('refuses bad requests with 4xx exceptions that name the problem, and creates no job', async () => {
        const count = async () => (await get('/jobs?limit=10000').expect(200)).body.jobs.length;
        const before = await count();
        const cases: [number, unknown, RegExp][] = [
          [400, { inputs: { message: 5 } }, /inputs\.message: input "message" must be a string/],
          [400, { inputs: { message: 'x', pause: 'long' } }, /inputs\.pause/],
          [400, { 'invalid-execute-request': 'true)' }, /invalid-execute-request: is not a member of an execute request/],
          [400, { inputs: { message: { href: 'http://127.0.0.1:1/nothing' } } }, /could not fetch/],
          [400, { inputs: { message: { href: `${helper.url}/missing` } } }, /answered 404/],
          [400, { inputs: { message: { href: 'file:///etc/passwd' } } }, /only http and https/],
          [400, { inputs: { message: 'x' }, response: 'all' }, /response/],
        ];
        for (const [status, body, re] of cases) {
          const res = await post('/processes/echo/execution', body);
          assert.equal(res.status, status, JSON.stringify(body));
          valid('exception.yaml', res.body);
          assert.match(res.body.detail, re, JSON.stringify(body));
          assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
        }
        const malformed = await request(t.url!).post('/processes/echo/execution').set('Content-Type', 'application/json').send('{"inputs": ').expect(400);
        assert.match(malformed.body.detail, /malformed JSON/);
        const wrongType = await request(t.url!).post('/processes/echo/execution').set('Content-Type', 'text/plain').send('message=x').expect(415);
        valid('exception.yaml', wrongType.body);
        const huge = await post('/processes/echo/execution', { inputs: { message: 'x'.repeat(300_000) } }).expect(413);
        valid('exception.yaml', huge.body);
        await post('/processes/nope/execution', { inputs: {} }).expect(404);
        assert.equal(await count(), before, 'no job was created');
        const wrong = await request(t.url!).patch('/processes/echo').send({}).expect(405);
        valid('exception.yaml', wrong.body);
      });
    });

    describe('jobs', () => {
      it('lists jobs with filters, limits and next links; every job has its processID', async () => {
        const started = new Date(Date.now() - 1000).toISOString();
        await post('/processes/echo/execution', { inputs: { message: 'a' } }).expect(200);
        await post('/processes/echo/execution', { inputs: { message: 'b' } }).expect(200);
        const all = (await get('/jobs').expect(200)).body;
        valid('jobList.yaml', all);
        for (const j of all.jobs) {
          valid('statusInfo.yaml', j);
          assert.ok(j.processID);
        }
        const page = (await get('/jobs?limit=1').expect(200)).body;
        assert.equal(page.jobs.length, 1);
        const next = page.links.find((l: any) => l.rel === 'next');
        assert.notEqual((await get(pathOf(next.href)).expect(200)).body.jobs[0].jobID, page.jobs[0].jobID);
        const failed = (await get('/jobs?status=failed').expect(200)).body;
        assert.ok(failed.jobs.length > 0 && failed.jobs.every((j: any) => j.status === 'failed'));
        const echoes = (await get(`/jobs?processID=echo&processID=${produce.name}`).expect(200)).body;
        assert.ok(echoes.jobs.every((j: any) => ['echo', produce.name].includes(j.processID)));
        assert.equal((await get('/jobs?type=process-chain').expect(200)).body.jobs.length, 0);
        const recent = (await get(`/jobs?datetime=${started}/..`).expect(200)).body;
        assert.ok(recent.jobs.length >= 2 && recent.jobs.every((j: any) => j.created >= started));
        assert.equal((await get('/jobs?datetime=../2000-01-01T00:00:00Z').expect(200)).body.jobs.length, 0);
        const long = (await get('/jobs?minDuration=3600').expect(200)).body;
        assert.equal(long.jobs.length, 0);
        const short = (await get('/jobs?maxDuration=3600').expect(200)).body;
        assert.ok(short.jobs.every((j: any) => j.started));
        for (const bad of ['status=done', 'limit=0', 'datetime=yesterday', 'minDuration=-1']) {
          const r = await get(`/jobs?${bad}`).expect(400);
          valid('exception.yaml', r.body);
        }
        for (const id of ['987654321', 'invalid-job-x']) {
          assert.equal((await get(`/jobs/${id}`).expect(404)).body.type, `${EXC}no-such-job`);
          assert.equal((await get(`/jobs/${id}/results`).expect(404)).body.type, `${EXC}no-such-job`);
        }
      });

      it('dismisses a running job: canceled, status dismissed, then gone for OGC clients', async () => {
        const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async').send({ inputs: { message: 'slow', pause: 20 } }).expect(201);
        await waitStatus(res.body.jobID, ['running']);
        const dismissed = await request(t.url!).delete(`/jobs/${res.body.jobID}`).expect(200);
        valid('statusInfo.yaml', dismissed.body);
        assert.equal(dismissed.body.status, 'dismissed');
        await get(`/jobs/${res.body.jobID}`).expect(404);
        await request(t.url!).delete(`/jobs/${res.body.jobID}`).expect(404);
        const scale = await waitFor(async () => {
          const j = (await request(t.app).get(`/scale/jobs/${res.body.jobID}/`).expect(200)).body;
          return j.status === 'CANCELED' && j.job_exes[0]?.status === 'CANCELED' ? j : null;
        }, { what: 'the canceled execution' });
        assert.equal(scale.status, 'CANCELED');
        assert.ok(!(await get('/jobs?limit=1000').expect(200)).body.jobs.some((j: any) => j.jobID === res.body.jobID));
      });

      it('calls subscribers back, and a dead subscriber neither blocks nor fails the job', async () => {
        const ok = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async').send({
          inputs: { message: 'call me', pause: 1 },
          subscriber: { successUri: `${helper.url}/success`, inProgressUri: `${helper.url}/progress`, failedUri: `${helper.url}/failed` },
        }).expect(201);
        const success = await waitFor(async () => helper.received.find((r) => r.path === '/success'), { what: 'the success callback' });
        assert.deepEqual(success.body, { message: 'call me' });
        const progress = helper.received.find((r) => r.path === '/progress');
        assert.ok(progress, 'the in-progress callback came first');
        assert.equal(progress.body.jobID, ok.body.jobID);
        await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async').send({ inputs: { message: 'x', fail: true }, subscriber: { successUri: `${helper.url}/success2`, failedUri: `${helper.url}/failed` } }).expect(201);
        const failed = await waitFor(async () => helper.received.find((r) => r.path === '/failed'), { what: 'the failed callback' });
        assert.equal(failed.body.type, 'algorithm-unknown');
        const dead = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async').send({ inputs: { message: 'nobody listens' }, subscriber: { successUri: 'http://127.0.0.1:1/gone' } }).expect(201);
        assert.equal((await waitStatus(dead.body.jobID, ['successful', 'failed'])).status, 'successful');
      });
    });
  });
}
