// Runs through the process doors: an asynchronous execute is accepted (201, or WPS's StatusInfo /
// statusLocation) as soon as it is checked and recorded, before any input is fetched; fetching is the
// run's first step, and a fetch that fails ends the run failed, saying which input and what the
// server answered. An EMS that gives up waiting for a 201 while a large input downloads, and sends
// its request again, would otherwise start two jobs it hears of only one of.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { checkOgc } from '../src/ogc-schemas.ts';
import { dbKinds } from './helpers/db.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';
import { exec2 } from './helpers/wps-xml.ts';

const valid = (file: string, body: unknown) => assert.deepEqual(checkOgc(file, body), [], `${file}: ${JSON.stringify(body).slice(0, 400)}`);
const SLOW_MS = 12_000;

/** Serves /slow after SLOW_MS, /value at once, /missing as 404; counts what it was asked. */
async function inputServer() {
  const hits: string[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/slow') {
      const t = setTimeout(() => {
        pending.delete(t);
        res.end('worth the wait');
      }, SLOW_MS);
      pending.add(t);
    } else if (req.url === '/value') res.end('at once');
    else res.writeHead(404, 'Not Found').end('no such thing');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, hits,
    close: () => {
      for (const t of pending) clearTimeout(t);
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

for (const kind of dbKinds()) {
  describe(`runs: accept first, stage after (${kind})`, function () {
    this.timeout(90_000);
    let t: TestServer;
    let inputs: Awaited<ReturnType<typeof inputServer>>;
    const jobCount = async () => Number((await t.db.query('SELECT count(*) AS n FROM job')).rows[0].n);

    before(async () => {
      t = await startServer(kind, { SCALE_FETCH_ALLOW: '127.0.0.1', SCALE_OGC_FETCH_SECONDS: '60' });
      inputs = await inputServer();
    });
    after(async () => {
      await inputs.close();
      await t.close();
    });

    it('answers an asynchronous execute before a slow input arrives: 201 at once, one job, the run ends successful with the input', async () => {
      const before = await jobCount();
      const started = performance.now();
      const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async')
        .send({ inputs: { message: { href: `${inputs.url}/slow` } }, response: 'document' });
      const elapsed = performance.now() - started;
      assert.equal(res.status, 201, res.text);
      assert.ok(elapsed < 1000, `the 201 took ${Math.round(elapsed)} ms; the input server answers after ${SLOW_MS} ms`);
      valid('statusInfo.yaml', res.body);
      assert.equal(res.body.status, 'accepted');
      assert.equal(await jobCount(), before + 1, 'one job');
      // The job waits for its input: PENDING in the Scale API, accepted for OGC clients.
      const job = (await request(t.url!).get(`/scale/jobs/${res.body.jobID}/`).expect(200)).body;
      assert.equal(job.status, 'PENDING');
      assert.equal((await request(t.url!).get(`/jobs/${res.body.jobID}`).expect(200)).body.status, 'accepted');
      const done = await waitFor(async () => {
        const s = (await request(t.url!).get(`/jobs/${res.body.jobID}`).expect(200)).body;
        return ['successful', 'failed', 'dismissed'].includes(s.status) && s;
      }, { timeoutMs: SLOW_MS + 30_000, what: 'the run to end' });
      assert.equal(done.status, 'successful', JSON.stringify(done));
      const results = (await request(t.url!).get(`/jobs/${res.body.jobID}/results`).expect(200)).body;
      assert.equal(results.message, 'worth the wait');
      assert.equal(await jobCount(), before + 1, 'still one job');
      assert.equal(inputs.hits.filter((h) => h === '/slow').length, 1, 'the input was fetched once');
    });

    it('answers a WPS 2.0 asynchronous Execute before a slow Reference arrives, and the job succeeds', async () => {
      const started = performance.now();
      const res = await request(t.url!).post('/wps').set('Content-Type', 'application/xml')
        .send(exec2(`<wps:Input id="message"><wps:Reference xlink:href="${inputs.url}/slow"/></wps:Input><wps:Output id="message" transmission="value"/>`, 'mode="async" response="document"'));
      const elapsed = performance.now() - started;
      assert.equal(res.status, 200, res.text);
      assert.ok(elapsed < 1000, `the StatusInfo took ${Math.round(elapsed)} ms`);
      assert.match(res.text, /<wps:Status>Accepted<\/wps:Status>/);
      const jobId = /<wps:JobID>([^<]+)<\/wps:JobID>/.exec(res.text)![1];
      await waitFor(async () => /Succeeded/.test((await request(t.url!).get(`/wps?service=WPS&version=2.0.0&request=GetStatus&jobid=${jobId}`)).text), { timeoutMs: SLOW_MS + 30_000, what: 'the WPS job to succeed' });
      const result = await request(t.url!).get(`/wps?service=WPS&version=2.0.0&request=GetResult&jobid=${jobId}`).expect(200);
      assert.match(result.text, /worth the wait/);
    });

    it('ends a run whose input cannot be fetched failed, naming the input and the answer (OGC status, results, Scale job, WPS)', async () => {
      const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async')
        .send({ inputs: { message: { href: `${inputs.url}/missing` } } }).expect(201);
      const failed = await waitFor(async () => {
        const s = (await request(t.url!).get(`/jobs/${res.body.jobID}`).expect(200)).body;
        return s.status !== 'accepted' && s;
      }, { what: 'the run to fail' });
      valid('statusInfo.yaml', failed);
      assert.equal(failed.status, 'failed');
      assert.match(failed.message, /inputs\.message/);
      assert.match(failed.message, /answered 404 Not Found/);
      const results = await request(t.url!).get(`/jobs/${res.body.jobID}/results`);
      assert.equal(results.status, 500);
      valid('exception.yaml', results.body);
      assert.equal(results.body.type, 'input-fetch');
      assert.match(results.body.detail, /inputs\.message: fetching http:\/\/127\.0\.0\.1:\d+\/missing answered 404/);
      const job = (await request(t.url!).get(`/scale/jobs/${res.body.jobID}/`).expect(200)).body;
      assert.equal(job.status, 'FAILED');
      assert.equal(job.error.name, 'input-fetch');
      assert.equal(job.error.category, 'DATA');
      assert.equal(job.num_exes, 0, 'nothing ran');
      const wps = await request(t.url!).get(`/wps?service=WPS&version=2.0.0&request=GetResult&jobid=${res.body.jobID}`);
      assert.match(wps.text, /answered 404/);
    });

    it('refuses at once what can be told without fetching: a URL it will not fetch from is a 400, and no job is made', async () => {
      const before = await jobCount();
      for (const href of ['file:///etc/passwd', 'http://10.0.0.1/x', 'not a url']) {
        const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async').send({ inputs: { message: { href } } });
        assert.equal(res.status, 400, `${href}: ${res.text}`);
        valid('exception.yaml', res.body);
        assert.match(res.body.detail, /inputs\.message/);
      }
      assert.equal(await jobCount(), before);
    });

    it('dismissing a run while its input is fetched cancels it; the fetched input does not queue it again', async () => {
      const res = await request(t.url!).post('/processes/echo/execution').set('Prefer', 'respond-async')
        .send({ inputs: { message: { href: `${inputs.url}/slow` } } }).expect(201);
      const dismissed = await request(t.url!).delete(`/jobs/${res.body.jobID}`).expect(200);
      assert.equal(dismissed.body.status, 'dismissed');
      await request(t.url!).get(`/jobs/${res.body.jobID}`).expect(404);
      // Once the slow input has arrived and its staging is over, the job is still canceled and never ran.
      await waitFor(async () => (await t.db.query(`SELECT stage_state FROM run WHERE job_id = $1`, [Number(res.body.jobID)])).rows[0]?.stage_state !== 'pending', { timeoutMs: SLOW_MS + 30_000, what: 'staging to end' });
      const job = (await request(t.url!).get(`/scale/jobs/${res.body.jobID}/`).expect(200)).body;
      assert.equal(job.status, 'CANCELED');
      assert.equal(job.num_exes, 0);
    });

    it('synchronous executes still fetch first: a bad reference is a 400 naming the input and no job is made', async () => {
      const before = await jobCount();
      const res = await request(t.url!).post('/processes/echo/execution').send({ inputs: { message: { href: `${inputs.url}/missing` } } });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.detail, /inputs\.message: fetching .* answered 404/);
      assert.equal(await jobCount(), before);
      const ok = await request(t.url!).post('/processes/echo/execution').send({ inputs: { message: { href: `${inputs.url}/value` } }, response: 'document' }).expect(200);
      assert.equal(ok.body.message, 'at once');
    });
  });
}
