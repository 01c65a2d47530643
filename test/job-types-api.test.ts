import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { createJobType, queueJob, script, waitForJob } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

const IFACE = {
  version: '1.0',
  command: 'test_cmd',
  command_arguments: '${input_file}',
  input_data: [{ media_types: ['image/png'], type: 'file', name: 'input_file' }],
  output_data: [],
  shared_resources: [],
};

for (const kind of dbKinds()) {
  describe(`Scale API /job-types/ (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    before(async () => {
      t = await startServer(kind);
    });
    after(() => t?.close());

    it('creates a job type from the seed 002 example and returns its details', async () => {
      const res = await request(t.app)
        .post('/scale/job-types/')
        .send({
          name: 'my-job', version: '1.0', title: 'My Job', description: 'This is a description of the job', category: 'test',
          author_name: null, author_url: null, is_long_running: false, is_operational: true, is_paused: false, icon_code: 'f1c5',
          docker_privileged: false, docker_image: null, priority: 1, timeout: 0, max_tries: 0, cpus_required: 0.5, mem_required: 64.0,
          disk_out_const_required: 64.0, disk_out_mult_required: 0.0, interface: IFACE, error_mapping: { version: '1.0', exit_codes: { '1': 'unknown' } },
        })
        .expect(201);
      assert.match(res.headers.location, new RegExp(`/job-types/${res.body.id}/$`));
      const b = res.body;
      assert.equal(b.name, 'my-job');
      assert.equal(b.revision_num, 1);
      assert.equal(b.is_system, false);
      assert.equal(b.cpus_required, 0.5);
      assert.equal(b.timeout, 0);
      assert.equal(b.interface.input_data[0].required, true, 'defaults are filled in');
      assert.deepEqual(b.error_mapping, { version: '1.0', exit_codes: { '1': 'unknown' } });
      assert.deepEqual(b.errors.map((e: any) => e.name), ['unknown']);
      assert.deepEqual(b.job_counts_6h, []);
      for (const k of ['id', 'name', 'version', 'title', 'description', 'category', 'author_name', 'author_url', 'is_system', 'is_long_running', 'is_active', 'is_operational', 'is_paused', 'icon_code', 'uses_docker', 'docker_image', 'revision_num', 'priority', 'timeout', 'max_scheduled', 'max_tries', 'cpus_required', 'mem_required', 'disk_out_const_required', 'disk_out_mult_required', 'created', 'archived', 'paused', 'last_modified', 'interface', 'error_mapping']) {
        assert.ok(k in b, `details have ${k}`);
      }
      const list = await request(t.app).get('/scale/job-types/?name=my-job').expect(200);
      assert.equal(list.body.count, 1);
      assert.equal(list.body.results[0].category, 'test');
      assert.equal((await request(t.app).get('/scale/job-types/?category=test').expect(200)).body.count, 1);
    });

    it('rejects duplicates, bad interfaces and unknown errors naming the field', async () => {
      const dup = await request(t.app).post('/scale/job-types/').send({ name: 'my-job', version: '1.0', interface: IFACE }).expect(409);
      assert.match(dup.body.detail, /my-job version 1\.0 already exists/);
      const badIface = await request(t.app).post('/scale/job-types/').send({ name: 'j2', version: '1', interface: { command: 'x', command_arguments: '${nope}' } }).expect(400);
      assert.equal(badIface.body.field, 'interface.command_arguments');
      const badErr = await request(t.app).post('/scale/job-types/').send({ name: 'j3', version: '1', interface: IFACE, error_mapping: { exit_codes: { '2': 'no-such-error' } } }).expect(400);
      assert.equal(badErr.body.field, 'error_mapping.exit_codes.2');
      const badNum = await request(t.app).post('/scale/job-types/').send({ name: 'j4', version: '1', interface: IFACE, cpus_required: 'two', priority: 0 }).expect(400);
      assert.match(badNum.body.detail, /cpus_required: must be of type number/);
      const badName = await request(t.app).post('/scale/job-types/').send({ name: 'a b/c', version: '1', interface: IFACE }).expect(400);
      assert.equal(badName.body.field, 'name');
      const missing = await request(t.app).post('/scale/job-types/').send({ name: 'j5', version: '1' }).expect(400);
      assert.match(missing.body.detail, /interface: is required/);
    });

    it('validates without saving: warnings for media types, errors with 400', async () => {
      const ok = await request(t.app).post('/scale/job-types/validation/').send({ name: 'v-job', version: '1.0', interface: { ...IFACE, input_data: [{ name: 'input_file', type: 'file', media_types: ['png'] }] } }).expect(200);
      assert.equal(ok.body.is_valid, true);
      assert.equal(ok.body.warnings[0].id, 'media_type');
      const bad = await request(t.app).post('/scale/job-types/validation/').send({ name: 'v-job', version: '1.0', interface: { command: 1 } }).expect(400);
      assert.equal(bad.body.is_valid, false);
      assert.ok(bad.body.errors.some((e: any) => e.name === 'interface.command'));
      assert.equal((await request(t.app).get('/scale/job-types/?name=v-job').expect(200)).body.count, 0);
    });

    it('edits a job type: interface changes make a revision, running jobs keep theirs', async () => {
      const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30' } });
      const job = await queueJob(t.app, jt.id);
      await waitForJob(t.app, job.id, ['RUNNING']);
      const edited = await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ title: 'Edited', priority: 7, interface: { command: '/bin/true', command_arguments: '' } }).expect(200);
      assert.equal(edited.body.revision_num, 2);
      assert.equal(edited.body.title, 'Edited');
      assert.equal(edited.body.priority, 7);
      assert.equal(edited.body.interface.command, '/bin/true');
      const running = (await request(t.app).get(`/scale/jobs/${job.id}/`).expect(200)).body;
      assert.equal(running.job_type_rev.revision_num, 1);
      assert.match(running.job_type_rev.interface.command, /sleep\.sh/);
      const same = await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ description: 'only metadata' }).expect(200);
      assert.equal(same.body.revision_num, 2, 'metadata edits make no revision');
      const newJob = await waitForJob(t.app, (await queueJob(t.app, jt.id)).id);
      assert.equal(newJob.job_type_rev.revision_num, 2);
      assert.equal(newJob.status, 'COMPLETED');
      await request(t.app).patch(`/scale/jobs/${job.id}/`).send({ status: 'CANCELED' }).expect(200);
      const renamed = await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ name: 'other' }).expect(400);
      assert.match(renamed.body.detail, /name: cannot be changed/);
      await request(t.app).patch('/scale/job-types/987654/').send({ title: 'x' }).expect(404);
    });

    it('pauses a job type: its jobs wait on the queue and say why', async () => {
      const jt = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '' } });
      const paused = await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ is_paused: true }).expect(200);
      assert.equal(paused.body.is_paused, true);
      assert.ok(paused.body.paused);
      const job = await queueJob(t.app, jt.id);
      await new Promise((r) => setTimeout(r, 400));
      const waiting = (await request(t.app).get(`/scale/jobs/${job.id}/`).expect(200)).body;
      assert.equal(waiting.status, 'QUEUED');
      assert.equal(waiting.queue_reason.reason, 'JOB_TYPE_PAUSED');
      const status = await request(t.app).get('/scale/queue/status/').expect(200);
      const row = status.body.queue_status.find((r: any) => r.job_type_name === jt.name);
      assert.equal(row.count, 1);
      assert.equal(row.is_job_type_paused, true);
      await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ is_paused: false }).expect(200);
      assert.equal((await waitForJob(t.app, job.id)).status, 'COMPLETED');
    });

    it('reports status, running and system-failure statistics', async () => {
      const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30' } });
      const job = await queueJob(t.app, jt.id);
      await waitForJob(t.app, job.id, ['RUNNING']);
      const running = await request(t.app).get('/scale/job-types/running/').expect(200);
      const mine = running.body.results.find((r: any) => r.job_type.id === jt.id);
      assert.equal(mine.count, 1);
      assert.ok(mine.longest_running);
      const status = await request(t.app).get('/scale/job-types/status/?started=PT1H').expect(200);
      const counts = status.body.results.find((r: any) => r.job_type.id === jt.id).job_counts;
      assert.deepEqual(counts.map((c: any) => [c.status, c.count]), [['RUNNING', 1]]);
      const details = (await request(t.app).get(`/scale/job-types/${jt.id}/`).expect(200)).body;
      assert.equal(details.job_counts_6h[0].status, 'RUNNING');
      await request(t.app).patch(`/scale/jobs/${job.id}/`).send({ status: 'CANCELED' }).expect(200);
      // A system failure: the input file vanished from the database's view (deleted-file is SYSTEM).
      const sys = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '${f}', input_data: [{ name: 'f', type: 'file' }] } });
      const up = await request(t.app).post('/scale/files/').field('workspace', 'default').attach('file', Buffer.from('x'), 'x.txt').expect(201);
      await request(t.app).patch(`/scale/job-types/${sys.id}/`).send({ is_paused: true }).expect(200);
      const failing = await queueJob(t.app, sys.id, { input_data: [{ name: 'f', file_id: up.body.id }] });
      await t.db.query('UPDATE scale_file SET is_deleted = true WHERE id = $1', [up.body.id]);
      await request(t.app).patch(`/scale/job-types/${sys.id}/`).send({ is_paused: false }).expect(200);
      const failed = await waitForJob(t.app, failing.id);
      assert.equal(failed.error.name, 'deleted-file');
      const failures = await request(t.app).get('/scale/job-types/system-failures/').expect(200);
      const f = failures.body.results.find((r: any) => r.job_type.id === sys.id);
      assert.equal(f.error.name, 'deleted-file');
      assert.equal(f.count, 1);
      assert.ok(f.first_error && f.last_error);
      await waitFor(async () => (await request(t.app).get('/scale/job-types/running/')).body.results.every((r: any) => r.job_type.id !== jt.id));
    });
  });
}
