// Nothing a command writes is lost at the end of its stream: the last output without a newline,
// written just before the command exits, and two-byte characters that the engine's or the pipe's
// reads split in two. Each executor runs the command many times (a loss was intermittent: 4 runs in
// 15 lost a CWL stdout under load) and every byte is compared: the execution's log, and a CWL
// tool's captured stdout in its result. Real Docker engine, real cwltool.
import assert from 'node:assert/strict';
import path from 'node:path';
import request from 'supertest';
import { findProgram } from '../src/cwl/cwltool.ts';
import { buildImage, dockerAvailable } from './helpers/docker.ts';
import { createJobType, script, waitForJob } from './helpers/scale.ts';
import { startMesosMaster, type MesosMaster } from './helpers/mesos-master.ts';
import { seedManifest } from './helpers/seed.ts';
import { scaledMs, startServer, waitFor, type TestServer } from './helpers/server.ts';

const RUNS = 50;
const E_ACUTE = 3000; // 6,000 bytes of two-byte characters before the tail
const E_ACUTE_PAGES = 40_000; // 80 KB: the agent's 64 KB page ends inside a character
const expected = (i: number, n = E_ACUTE) => `>${'é'.repeat(n)}tail-${i}`;

/** Runs `count` jobs with at most `inFlight` unfinished at once; resolves with each one's final job. */
async function runMany(count: number, inFlight: number, start: (i: number) => Promise<number>, finish: (id: number) => Promise<any>): Promise<any[]> {
  const out: any[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await finish(await start(i));
    }
  }));
  return out;
}

const stdoutOf = async (t: TestServer, job: any) => {
  const exe = (await request(t.app).get(`/scale/jobs/${job.id}/`).expect(200)).body.job_exes[0];
  const logs = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/`).expect(200)).body;
  return String(logs.stdout ?? '').replace(/\n$/, '');
};

describe('the last output of a command is never lost', function () {
  this.timeout(300_000);

  describe('local executor', () => {
    let t: TestServer;
    before(async () => {
      t = await startServer('pglite', { SCALE_EXECUTOR: 'local' });
    });
    after(() => t?.close());

    it(`keeps every byte of ${RUNS} runs ending without a newline`, async () => {
      await tailRuns(t, RUNS, E_ACUTE, 8);
    });
  });

  /** A Scale 1.0 job type running tail.sh on the server's nodes, and `count` runs of it checked byte for byte. */
  async function tailRuns(t: TestServer, count: number, repeat: number, inFlight: number) {
    const jt = await createJobType(t.app, {
      interface: { version: '1.0', command: `/bin/sh ${script('tail.sh')}`, command_arguments: '${NUM} ${REPEAT}', input_data: [{ name: 'NUM', type: 'property' }, { name: 'REPEAT', type: 'property' }] },
    });
    const jobs = await runMany(count, inFlight, async (i) => (await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { input_data: [{ name: 'NUM', value: String(i) }, { name: 'REPEAT', value: String(repeat) }] } }).expect(201)).body.id, (id) => waitForJob(t.app, id, ['COMPLETED', 'FAILED', 'CANCELED'], scaledMs(60_000)));
    const lost: string[] = [];
    for (const [i, job] of jobs.entries()) {
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      const got = await stdoutOf(t, job);
      if (got !== expected(i, repeat)) lost.push(`run ${i}: ${got.length} characters, ends ${JSON.stringify(got.slice(-12))}`);
    }
    assert.deepEqual(lost, []);
  }

  describe('Mesos executor (master double, sandbox read through /files/read)', () => {
    let master: MesosMaster;
    let t: TestServer;
    before(async () => {
      master = await startMesosMaster({
        agents: [{ hostname: 'agent-a', resources: { cpus: 4, mem: 4096, disk: 10_000 } }, { hostname: 'agent-b', resources: { cpus: 4, mem: 4096, disk: 10_000 } }],
        offerIntervalMs: 100, heartbeatIntervalSeconds: 1, ackTimeoutMs: 500,
      });
      t = await startServer('pglite', { SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: master.url, MESOS_LOG_POLL_MS: '100', MESOS_RECONCILE_SECONDS: '1', MESOS_REFUSE_SECONDS: '1' });
    });
    after(async () => {
      await t?.close();
      await master?.close();
    });

    it(`keeps every byte of ${RUNS} runs ending without a newline, pages split inside characters`, async () => {
      await tailRuns(t, RUNS, E_ACUTE_PAGES, 8);
    });
  });

  describe('Docker executor and the cwl runtime', () => {
    let t: TestServer;
    const IMAGE = 'stream-tail-seed:1.0.0';
    const PLAIN_IMAGE = 'stream-tail-plain:1.0.0'; // no entrypoint: the CWL tool names the program
    before(async function () {
      if (!(await dockerAvailable())) {
        if (process.env.REQUIRE_DOCKER === '1') throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers at /var/run/docker.sock');
        this.skip();
      }
      await buildImage(IMAGE, script('tail.sh'));
      await buildImage(PLAIN_IMAGE, script('tail.sh'), {}, { entrypoint: false });
      t = await startServer('pglite', { SCALE_EXECUTOR: 'auto', SCALE_DOCKER_MAX_CONTAINERS: '8', SCALE_OGC_SYNC_SECONDS: '90' });
    });
    after(() => t?.close());

    it(`a container: every byte of ${RUNS} runs ending without a newline is in the log`, async () => {
      const manifest = seedManifest({ name: `stream-tail-${process.pid}` }, {
        command: '${NUM} ${REPEAT}',
        inputs: { json: [{ name: 'NUM', type: 'integer' }, { name: 'REPEAT', type: 'integer' }] },
      });
      const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: IMAGE, manifest }).expect(201)).body;
      const jobs = await runMany(RUNS, 8, async (i) => (await request(t.app).post('/scale/jobs/').send({ job_type_id: jt.id, input: { files: {}, json: { NUM: i, REPEAT: E_ACUTE } } }).expect(201)).body.id, (id) => waitForJob(t.app, id, ['COMPLETED', 'FAILED', 'CANCELED'], scaledMs(90_000)));
      const lost: string[] = [];
      for (const [i, job] of jobs.entries()) {
        assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
        const got = await stdoutOf(t, job);
        if (got !== expected(i)) lost.push(`run ${i}: ${got.length} characters, ends ${JSON.stringify(got.slice(-12))}`);
      }
      assert.deepEqual(lost, []);
    });

    it('a CWL tool: `echo -n` captured as its stdout is every time the whole result', async function () {
      if (!findProgram('cwltool')) {
        if (process.env.REQUIRE_CWLTOOL === '1') throw new Error('REQUIRE_CWLTOOL=1 but cwltool is not installed');
        this.skip();
      }
      const tool = {
        cwlVersion: 'v1.2', class: 'CommandLineTool', id: 'echo-n-tail',
        requirements: [{ class: 'DockerRequirement', dockerPull: PLAIN_IMAGE }],
        baseCommand: ['/bin/sh', '/job.sh'],
        inputs: { n: { type: 'int', inputBinding: { position: 1 } }, repeat: { type: 'int', inputBinding: { position: 2 } } },
        stdout: 'out.txt',
        outputs: { out: { type: 'stdout' } },
      };
      await request(t.app).post('/processes').set('Content-Type', 'application/cwl+json').send(JSON.stringify(tool)).expect(201);
      const runs = 15;
      const results = await runMany(runs, 4, async (i) => {
        const res = await request(t.app).post('/processes/echo-n-tail/execution').set('Prefer', 'respond-async').send({ inputs: { n: i, repeat: E_ACUTE }, response: 'document' }).expect(201);
        return res.body.jobID;
      }, async (id) => {
        await waitFor(async () => ['successful', 'failed', 'dismissed'].includes((await request(t.app).get(`/jobs/${id}`)).body.status), { timeoutMs: scaledMs(120_000), what: `CWL job ${id}` });
        return id;
      });
      const lost: string[] = [];
      for (const [i, id] of results.entries()) {
        const status = (await request(t.app).get(`/jobs/${id}`).expect(200)).body;
        assert.equal(status.status, 'successful', JSON.stringify(status));
        const out = (await request(t.app).get(`/jobs/${id}/results`).expect(200)).body.out;
        const href = new URL(out.href);
        const got = (await request(t.app).get(href.pathname + href.search).buffer(true).parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
        }).expect(200)).body as string;
        if (got !== expected(i)) lost.push(`run ${i}: ${got.length} characters, ends ${JSON.stringify(got.slice(-12))}`);
      }
      assert.deepEqual(lost, []);
    });
  });
});
