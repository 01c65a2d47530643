// Failures that explain themselves: a command that cannot be started records the system's reason
// (spawn ENOENT, E2BIG) in its execution's error and in its log, and an image that cannot be checked
// because nothing here can be asked about it is accepted with a warning saying so. (The Docker
// engine's reasons — no such image, an image no registry knows — are in seed-docker.test.ts and
// ogc-deploy.test.ts, against a real engine.)
import assert from 'node:assert/strict';
import request from 'supertest';
import { createJobType, queueJob, waitForJob } from './helpers/scale.ts';
import { startServer, type TestServer } from './helpers/server.ts';

describe('launch failures say why', function () {
  this.timeout(60_000);
  let t: TestServer;
  before(async () => {
    // The local executor only: no engine runs containers here, no registry is configured.
    t = await startServer('pglite', { SCALE_EXECUTOR: 'local', SCALE_MAX_BODY_BYTES: String(8 * 1024 * 1024) });
  });
  after(() => t?.close());

  /** The job, its executions' details and their logs, once the job ended. */
  const ended = async (jobId: number) => {
    const job = await waitForJob(t.app, jobId);
    const exes = await Promise.all(job.job_exes.map(async (x: any) => ({
      detail: (await request(t.app).get(`/scale/job-executions/${x.id}/`).expect(200)).body,
      log: (await request(t.app).get(`/scale/job-executions/${x.id}/logs/combined/`).expect(200)).text,
    })));
    return { job, exes };
  };

  it('records spawn ENOENT in the execution error and its log', async () => {
    const jt = await createJobType(t.app, { interface: { version: '1.0', command: '/nonexistent/program', command_arguments: '', input_data: [] } });
    const { job, exes } = await ended((await queueJob(t.app, jt.id, { version: '1.0', input_data: [] })).id);
    assert.equal(job.status, 'FAILED');
    assert.match(job.error_message, /ENOENT/);
    assert.ok(exes.length >= 1);
    for (const x of exes) {
      assert.match(x.detail.error_message, /ENOENT/);
      assert.match(x.log, /the job could not be started: .*\/nonexistent\/program.*ENOENT|the job could not be started: .*ENOENT.*\/nonexistent\/program/);
    }
  });

  it('refuses at submit, with 400 naming the limit, inputs that together pass what Linux lets a command start with', async () => {
    const inputs = Array.from({ length: 24 }, (_, i) => ({ name: `v${i}`, type: 'property' }));
    const jt = await createJobType(t.app, {
      interface: { version: '1.0', command: 'true', command_arguments: inputs.map((i) => `\${${i.name}}`).join(' '), input_data: inputs },
    });
    // 24 × 120,000 bytes: each under Linux's 128 KiB per string, together (as arguments and as
    // environment variables) over its usual 2 MiB for a command's start.
    const data = { version: '1.0', input_data: inputs.map((i) => ({ name: i.name, value: 'x'.repeat(120_000) })) };
    const res = await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: data }).expect(400);
    assert.match(JSON.stringify(res.body), /come to 5,760,\d{3} bytes of arguments and environment, over the 1,966,080 bytes Linux lets a command start with/);
  });

  it('records E2BIG from the system when a command line the submit check cannot foresee is too long', async () => {
    // One 120,000-byte value, used 24 times by the command line: the check counts each value once
    // as an argument and once in the environment; the system refuses the 2.9 MB it becomes.
    const jt = await createJobType(t.app, {
      interface: { version: '1.0', command: 'true', command_arguments: Array.from({ length: 24 }, () => '${v}').join(' '), input_data: [{ name: 'v', type: 'property' }] },
    });
    const { job, exes } = await ended((await queueJob(t.app, jt.id, { version: '1.0', input_data: [{ name: 'v', value: 'x'.repeat(120_000) }] })).id);
    assert.equal(job.status, 'FAILED');
    assert.match(job.error_message, /E2BIG/);
    for (const x of exes) {
      assert.match(x.detail.error_message, /E2BIG/);
      assert.match(x.log, /the job could not be started: .*E2BIG/);
    }
  });

  it('accepts an image nothing here can be asked about, with a warning saying so (Scale API and OGC deploy)', async () => {
    const jt = await request(t.app).post('/scale/job-types/').send({
      name: 'unasked', version: '1.0', docker_image: 'registry.invalid/upper:1.0', interface: { version: '1.0', command: 'true', command_arguments: '', input_data: [] },
    }).expect(201);
    assert.match(jt.body.warnings.find((w: any) => w.id === 'docker_image')?.details ?? '', /^image registry\.invalid\/upper:1\.0 was not checked \(no Docker engine runs containers here and no registry is configured \(SCALE_REGISTRY\)\)/);
    const pkg = {
      processDescription: { process: { id: 'upper-unasked', version: '1.0.0', inputs: { text: { schema: { type: 'string' } } }, outputs: { result: { schema: { type: 'string', contentMediaType: 'text/plain' } } } } },
      executionUnit: { type: 'docker', image: 'registry.invalid/upper:1.0', bindings: { inputBindings: { text: { position: 1 } }, outputBindings: { result: { glob: 'result.txt' } } } },
    };
    const res = await request(t.app).post('/processes').set('Content-Type', 'application/ogcapppkg+json').send(JSON.stringify(pkg)).expect(201);
    assert.equal(res.body.id, 'upper-unasked');
    assert.deepEqual(res.body.warnings?.length, 1, JSON.stringify(res.body));
    assert.match(res.body.warnings[0], /^image registry\.invalid\/upper:1\.0 was not checked \(no Docker engine runs containers here/);
  });
});
