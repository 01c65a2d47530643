// End to end: jobs submitted through the Scale API run as real processes on the local executor.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createJobType, pidAlive, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

for (const kind of dbKinds()) {
  describe(`running jobs on the local executor (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    before(async () => {
      t = await startServer(kind);
    });
    after(() => t?.close());

    it('stages inputs, runs the command, stores outputs as products and keeps the logs', async () => {
      const jt = await createJobType(t.app, {
        interface: {
          version: '1.0',
          command: `/bin/sh ${script('produce.sh')}`,
          command_arguments: '${message} ${input_file} ${job_output_dir}',
          input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file', media_types: ['text/plain'] }],
          output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'files', required: false }],
        },
      });
      const file = await upload(t.app, 'hello scale\n', 'in.txt');
      const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [{ name: 'message', value: 'two words' }, { name: 'input_file', file_id: file.id }] });
      // Queued; the scheduler may have claimed it before the answer read it back.
      assert.ok(['QUEUED', 'RUNNING', 'COMPLETED'].includes(queued.status), queued.status);
      const job = await waitForJob(t.app, queued.id);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      assert.equal(job.num_exes, 1);
      assert.equal(job.inputs.find((i: any) => i.name === 'message').value, 'two words');
      assert.equal(job.inputs.find((i: any) => i.name === 'input_file').value.id, file.id);
      const upper = job.outputs.find((o: any) => o.name === 'upper').value;
      assert.equal(upper.file_type, 'PRODUCT');
      assert.equal(upper.media_type, 'text/plain');
      assert.equal(upper.job.id, job.id);
      assert.match(upper.file_path, new RegExp(`^jobs/${jt.name}/1\\.0/\\d{4}/\\d{2}/\\d{2}/job_exe_${job.job_exes[0].id}/sub/upper\\.txt$`));
      const notes = job.outputs.find((o: any) => o.name === 'notes').value;
      assert.equal(notes.length, 1, 'the ARTIFACT line registered a file');
      const content = await request(t.app).get(`/scale/files/${upper.id}/content`).expect(200);
      assert.equal(content.text, 'HELLO SCALE\n');
      assert.deepEqual(job.results.output_data.find((o: any) => o.name === 'upper'), { name: 'upper', file_id: upper.id });

      const exe = job.job_exes[0];
      assert.equal(exe.status, 'COMPLETED');
      assert.equal(exe.job_exit_code, 0);
      assert.match(exe.command_arguments, /produce\.sh two words \/.*\/input\/input_file\/in\.txt \/.*\/output$/);
      const stdout = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/stdout/`).expect(200)).text;
      assert.match(stdout, /message=two words/);
      assert.match(stdout, /OUTPUT_DIR=\/\S+\/output ALLOCATED_CPUS=0\.5 ALLOCATED_MEM=16 MESSAGE=two words SCALE_JOB_ID=\d+/);
      assert.match(stdout, /secret=none/, 'server secrets such as DATABASE_URL do not leak into jobs');
      assert.doesNotMatch(stdout, /to stderr/);
      const stderr = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/stderr/`).expect(200)).text;
      assert.equal(stderr, 'to stderr\n');
      const combined = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/combined/`).expect(200)).text;
      assert.match(combined, /to stderr/);
      assert.match(combined, /message=two words/);
      const json = await request(t.app).get(`/scale/job-executions/${exe.id}/logs/combined/`).set('Accept', 'application/json').expect(200);
      assert.ok(json.body.hits.hits.some((h: any) => h._source.stream === 'stderr' && h._source.message === 'to stderr'));
      const logs = await request(t.app).get(`/scale/job-executions/${exe.id}/logs/`).expect(200);
      assert.equal(logs.body.is_finished, true);
      assert.match(logs.body.stdout, /message=two words/);
      const details = await request(t.app).get(`/scale/job-executions/${exe.id}/`).expect(200);
      assert.equal(details.body.job.id, job.id);
      assert.equal(details.body.results.output_data.length, 2);
      assert.equal(details.body.node.id, exe.node.id);
      assert.equal(details.body.cpus_scheduled, 0.5);
      const dir = path.join(t.dataDir, 'executions', String(exe.id));
      await waitFor(async () => !(await fs.stat(path.join(dir, 'output')).catch(() => null)), { what: 'execution directory cleanup' });
      assert.ok(await fs.stat(path.join(dir, 'log')), 'the log stays');
    });

    it('maps exit codes through the error mapping and does not retry algorithm errors', async () => {
      await request(t.app).post('/scale/errors/').send({ name: 'bad-input-data', title: 'Bad input', category: 'DATA' }).expect(201);
      const jt = await createJobType(t.app, {
        interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '${code}', input_data: [{ name: 'code', type: 'property' }] },
        error_mapping: { version: '1.0', exit_codes: { '3': 'bad-input-data' } },
      });
      const mapped = await waitForJob(t.app, (await queueJob(t.app, jt.id, { input_data: [{ name: 'code', value: '3' }] })).id);
      assert.equal(mapped.status, 'FAILED');
      assert.equal(mapped.error.name, 'bad-input-data');
      assert.equal(mapped.error.category, 'DATA');
      assert.equal(mapped.num_exes, 1);
      assert.equal(mapped.job_exes[0].job_exit_code, 3);
      const unmapped = await waitForJob(t.app, (await queueJob(t.app, jt.id, { input_data: [{ name: 'code', value: '9' }] })).id);
      assert.equal(unmapped.error.name, 'algorithm-unknown');
      assert.equal(unmapped.num_exes, 1);
      const missing = await createJobType(t.app, { interface: { command: '/no/such/program', command_arguments: '' } });
      const notFound = await waitForJob(t.app, (await queueJob(t.app, missing.id)).id);
      assert.equal(notFound.status, 'FAILED');
      assert.equal(notFound.job_exes[0].job_exit_code, 127);
    });

    it('retries a retryable error until max_tries, then requeue gives it more tries', async () => {
      await request(t.app).post('/scale/errors/').send({ name: 'flaky-service', category: 'ALGORITHM', should_be_retried: true }).expect(201);
      const jt = await createJobType(t.app, {
        max_tries: 2,
        interface: { command: `/bin/sh ${script('exit.sh')}`, command_arguments: '5' },
        error_mapping: { exit_codes: { '5': 'flaky-service' } },
      });
      const job = await waitForJob(t.app, (await queueJob(t.app, jt.id)).id);
      assert.equal(job.status, 'FAILED');
      assert.equal(job.num_exes, 2);
      assert.deepEqual(job.job_exes.map((x: any) => x.status), ['FAILED', 'FAILED']);
      // A bad paging parameter is refused before anything is requeued (found by the request fuzzer).
      const refused = await request(t.app).post('/scale/queue/requeue-jobs/?page=x').send({ job_ids: [job.id], priority: 5 }).expect(400);
      assert.equal(refused.body.field, 'page');
      assert.equal((await request(t.app).get(`/scale/jobs/${job.id}/`).expect(200)).body.status, 'FAILED');
      const requeued = await request(t.app).post('/scale/queue/requeue-jobs/').send({ job_ids: [job.id], priority: 5 }).expect(200);
      assert.equal(requeued.body.count, 1);
      assert.equal(requeued.body.results[0].max_tries, 4);
      assert.equal(requeued.body.results[0].priority, 5);
      const again = await waitForJob(t.app, job.id, ['FAILED'], 20000).then(() => waitFor(async () => {
        const b = (await request(t.app).get(`/scale/jobs/${job.id}/`)).body;
        return b.status === 'FAILED' && b.num_exes === 4 ? b : null;
      }));
      assert.deepEqual(again.job_exes.map((x: any) => x.exe_num), [1, 2, 3, 4]);
    });

    it('kills an execution that exceeds the job type timeout and records the timeout error', async () => {
      const marker = path.join(await tempDir(), 'pid');
      const jt = await createJobType(t.app, { timeout: 1, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${marker}` } });
      const started = Date.now();
      const job = await waitForJob(t.app, (await queueJob(t.app, jt.id)).id);
      assert.equal(job.status, 'FAILED');
      assert.equal(job.error.name, 'timeout');
      assert.equal(job.num_exes, 1, 'timeouts are not retried');
      assert.ok(Date.now() - started < 15000);
      const pid = Number(await fs.readFile(marker, 'utf8'));
      assert.equal(pidAlive(pid), false, 'the process is gone');
    });

    it('cancels a running job: the process is killed and the execution ends CANCELED', async () => {
      const marker = path.join(await tempDir(), 'pid');
      const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${marker}` } });
      const queued = await queueJob(t.app, jt.id);
      await waitForJob(t.app, queued.id, ['RUNNING']);
      const pid = Number(await waitFor(() => fs.readFile(marker, 'utf8').catch(() => null), { what: 'the job to write its pid' }));
      assert.ok(pidAlive(pid));
      const canceled = await request(t.app).patch(`/scale/jobs/${queued.id}/`).send({ status: 'CANCELED' }).expect(200);
      assert.equal(canceled.body.status, 'CANCELED');
      const job = await waitFor(async () => {
        const b = (await request(t.app).get(`/scale/jobs/${queued.id}/`)).body;
        return b.job_exes[0]?.status === 'CANCELED' ? b : null;
      });
      assert.equal(job.status, 'CANCELED');
      await waitFor(async () => !pidAlive(pid), { what: 'the process to die' });
      await request(t.app).patch(`/scale/jobs/${queued.id}/`).send({ status: 'CANCELED' }).expect(200);
    });

    it('kills an execution at once when another process has declared it lost', async () => {
      const marker = path.join(await tempDir(), 'pid');
      const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${marker}` } });
      const queued = await queueJob(t.app, jt.id);
      const running = await waitForJob(t.app, queued.id, ['RUNNING']);
      const pid = Number(await waitFor(() => fs.readFile(marker, 'utf8').catch(() => null)));
      // What a surviving process does to the executions of a node it believes dead.
      await t.core.finisher.apply([{ exeId: running.job_exes[0].id, jobId: queued.id, exeNum: 1, status: 'FAILED', errorName: 'node-lost' }]);
      await t.scheduler!.pollCancels();
      await waitFor(async () => !pidAlive(pid), { what: 'the taken execution to be killed' });
      const after = await waitFor(async () => {
        const j = (await request(t.app).get(`/scale/jobs/${queued.id}/`)).body;
        return j.num_exes === 2 ? j : null;
      });
      assert.equal(after.job_exes[0].error.name, 'node-lost');
      await request(t.app).patch(`/scale/jobs/${queued.id}/`).send({ status: 'CANCELED' }).expect(200);
    });

    it('refuses to cancel a completed job and rejects other PATCH values', async () => {
      const jt = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' } });
      const job = await waitForJob(t.app, (await queueJob(t.app, jt.id)).id);
      assert.equal(job.status, 'COMPLETED');
      const res = await request(t.app).patch(`/scale/jobs/${job.id}/`).send({ status: 'CANCELED' }).expect(400);
      assert.match(res.body.detail, /COMPLETED and cannot be canceled/);
      await request(t.app).patch(`/scale/jobs/${job.id}/`).send({ status: 'RUNNING' }).expect(400);
      await request(t.app).patch(`/scale/jobs/${job.id}/`).send({ priority: 1 }).expect(400);
      await request(t.app).patch('/scale/jobs/99999999/').send({ status: 'CANCELED' }).expect(404);
    });

    it('serves a running execution\'s log while it runs', async () => {
      const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30' } });
      const queued = await queueJob(t.app, jt.id);
      const running = await waitForJob(t.app, queued.id, ['RUNNING']);
      const exeId = running.job_exes[0].id;
      const text = await waitFor(async () => {
        const res = await request(t.app).get(`/scale/job-executions/${exeId}/logs/stdout/`);
        return res.status === 200 ? res.text : null;
      });
      assert.equal(text, 'sleeping 30\n');
      const logs = await request(t.app).get(`/scale/job-executions/${exeId}/logs/`).expect(200);
      assert.equal(logs.body.is_finished, false);
      await request(t.app).patch(`/scale/jobs/${queued.id}/`).send({ status: 'CANCELED' }).expect(200);
    });
  });
}
