// SEED job types through the native API (the v6 shape), without running them.
import assert from 'node:assert/strict';
import request from 'supertest';
import { dbKinds } from './helpers/db.ts';
import { upload } from './helpers/scale.ts';
import { seedManifest } from './helpers/seed.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const IFACE = {
  command: '${INPUT_FILE} ${OUTPUT_DIR} ${COUNT}',
  inputs: { files: [{ name: 'INPUT_FILE', mediaTypes: ['text/plain'] }], json: [{ name: 'COUNT', type: 'integer' }, { name: 'LABEL', type: 'string', required: false }] },
  outputs: { files: [{ name: 'OUTPUT_FILE', pattern: '*.out', mediaType: 'text/plain' }], json: [{ name: 'total', key: 'totalCount', type: 'integer' }] },
  settings: [{ name: 'DB_HOST' }, { name: 'DB_PASS', secret: true }],
};

for (const kind of dbKinds()) {
  describe(`SEED job types (${kind})`, function () {
    this.timeout(60_000);
    let t: TestServer;
    before(async () => {
      // The scheduler runs, but this server has no Docker runtime: SEED jobs stay queued.
      t = await startServer(kind, { SCALE_EXECUTOR: 'local' });
    });
    after(() => t?.close());

    it('creates a job type from a manifest and configuration (201), and revises it on a second POST (200)', async () => {
      const m = seedManifest({ errors: [{ code: 3, name: 'bad-count', title: 'Bad count', description: 'COUNT out of range', category: 'data' }] }, IFACE);
      const created = await request(t.app)
        .post('/scale/job-types/')
        .send({ docker_image: `${m.job.name}-1.0.0-seed:1.0.0`, manifest: m, configuration: { settings: { DB_HOST: 'db.local', DB_PASS: 's3cr3t' } } })
        .expect(201);
      const jt = created.body;
      assert.equal(jt.name, m.job.name);
      assert.equal(jt.version, '1.0.0');
      assert.equal(jt.revision_num, 1);
      assert.equal(jt.docker_image, `${m.job.name}-1.0.0-seed:1.0.0`);
      assert.equal(jt.uses_docker, true);
      assert.equal(jt.timeout, 60);
      assert.equal(jt.cpus_required, 0.25);
      assert.equal(jt.package_version, '1.0.0');
      assert.equal(jt.manifest.job.interface.inputs.files[0].required, true, 'defaults are filled');
      assert.equal(jt.configuration.settings.DB_HOST, 'db.local');
      assert.equal(jt.configuration.settings.DB_PASS, '*****', 'secrets come back masked');
      assert.equal(jt.configuration.output_workspaces.default, 'default');
      assert.deepEqual(jt.errors.map((e: any) => [e.name, e.category]), [['bad-count', 'DATA']]);
      const raw = (await t.db.query('SELECT configuration, secrets FROM job_type WHERE id = $1', [jt.id])).rows[0];
      assert.equal(raw.configuration.settings.DB_PASS, '*****');
      assert.ok(raw.secrets && !raw.secrets.includes('s3cr3t'), 'the secret is stored encrypted');
      assert.deepEqual(await t.core.seedJobTypes.secretSettings(jt.id), { DB_PASS: 's3cr3t' });

      const same = await request(t.app).post('/scale/job-types/').send({ docker_image: jt.docker_image, manifest: m, configuration: { settings: { DB_HOST: 'db.local', DB_PASS: '*****' } } }).expect(200);
      assert.equal(same.body.revision_num, 1, 'an unchanged manifest makes no revision');
      assert.deepEqual(await t.core.seedJobTypes.secretSettings(jt.id), { DB_PASS: 's3cr3t' }, 'a masked value keeps the secret');
      const changed = structuredClone(m);
      changed.job.description = 'Changed';
      const revised = await request(t.app).post('/scale/job-types/').send({ docker_image: jt.docker_image, manifest: changed }).expect(200);
      assert.equal(revised.body.revision_num, 2);
      assert.equal(revised.body.description, 'Changed');
      const patched = await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ docker_image: `${m.job.name}-1.0.0-seed:1.0.1` }).expect(200);
      assert.equal(patched.body.revision_num, 3, 'a new image is a new revision');
      await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ interface: { command: 'x', command_arguments: '' } }).expect(400);
      const other = seedManifest({}, {});
      await request(t.app).patch(`/scale/job-types/${jt.id}/`).send({ manifest: other }).expect(400);
    });

    it('answers bad manifests and configurations with 400 naming the field, creating nothing', async () => {
      const before = (await request(t.app).get('/scale/job-types/')).body.count;
      const m = seedManifest({}, IFACE);
      const cases: [unknown, RegExp][] = [
        [{ docker_image: 'x-1.0.0-seed:1.0.0', manifest: { seedVersion: '1.0.0' } }, /manifest\.job: is required/],
        [{ docker_image: 'x-1.0.0-seed:1.0.0', manifest: { ...m, job: { ...m.job, interface: { ...m.job.interface, mounts: [{ name: 'M', path: '../../etc' }] } } } }, /manifest\.job\.interface\.mounts\[0\]\.path: must be an absolute path/],
        [{ docker_image: 'x-1.0.0-seed:1.0.0', manifest: { ...m, job: { ...m.job, interface: { ...m.job.interface, outputs: { files: [{ name: 'O', pattern: '../../*' }] } } } } }, /outputs\.files\[0\]\.pattern/],
        [{ docker_image: 'x-1.0.0-seed:1.0.0', manifest: m, configuration: { output_workspaces: { default: 'missing-ws', outputs: {} } } }, /workspace "missing-ws" does not exist/],
        [{ docker_image: 'x-1.0.0-seed:1.0.0', manifest: m, configuration: { priority: 0 } }, /configuration\.priority/],
        [{ docker_image: 'not a valid image', manifest: m }, /docker_image: is not a valid image reference/],
        [{ manifest: m }, /docker_image: is required/],
        [{ docker_image: 'x-1.0.0-seed:1.0.0', manifest: m, colour: 'red' }, /colour: is not an allowed field/],
      ];
      for (const [b, re] of cases) {
        const res = await request(t.app).post('/scale/job-types/').send(b as object);
        assert.equal(res.status, 400, JSON.stringify(b).slice(0, 200));
        assert.match(res.body.detail, re);
      }
      assert.equal((await request(t.app).get('/scale/job-types/')).body.count, before);
      const v = await request(t.app).post('/scale/job-types/validation/').send({ docker_image: 'x-1.0.0-seed:1.0.0', manifest: m }).expect(200);
      assert.equal(v.body.is_valid, true);
      assert.ok(v.body.warnings.some((w: any) => w.id === 'missing_setting'));
      // A setting the manifest does not declare is ignored with a warning (Scale's UNKNOWN_SETTING).
      const extra = await request(t.app).post('/scale/job-types/validation/').send({ docker_image: 'x-1.0.0-seed:1.0.0', manifest: m, configuration: { settings: { NOPE: '1' } } }).expect(200);
      assert.equal(extra.body.is_valid, true);
      assert.ok(extra.body.warnings.some((w: any) => w.id === 'unknown_setting'));
      const bad = await request(t.app).post('/scale/job-types/validation/').send({ docker_image: 'x', manifest: { seedVersion: 'x' } }).expect(400);
      assert.equal(bad.body.is_valid, false);
    });

    it('takes v6 jobs with JSON inputs, sizes them from the manifest, and says no node can run them', async () => {
      const m = seedManifest({ resources: { scalar: [{ name: 'cpus', value: 0.5 }, { name: 'mem', value: 10, inputMultiplier: 2 }, { name: 'disk', value: 5, inputMultiplier: 3 }] } }, IFACE);
      const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: `${m.job.name}-1.0.0-seed:1.0.0`, manifest: m, configuration: { settings: { DB_HOST: 'h', DB_PASS: 'p' } } }).expect(201)).body;
      const file = await upload(t.app, 'x'.repeat(1024 * 1024), 'one-mib.txt');
      const job = (await request(t.app).post('/scale/jobs/').send({ job_type_id: jt.id, input: { files: { INPUT_FILE: [file.id] }, json: { COUNT: 3 } } }).expect(201)).body;
      assert.equal(job.status, 'QUEUED');
      assert.deepEqual(job.data.json, { COUNT: 3 });
      assert.equal(job.cpus_required, 0.5);
      assert.equal(job.mem_required, 12, 'mem = 10 + 2 × 1 MiB of input');
      assert.equal(job.disk_out_required, 8, 'disk = 5 + 3 × 1 MiB of input');
      assert.equal(job.docker_image, jt.docker_image);
      assert.equal(job.configuration.settings.DB_PASS, '*****');
      assert.equal(job.inputs.find((i: any) => i.name === 'COUNT').value, 3);
      await new Promise((r) => setTimeout(r, 300));
      const waiting = (await request(t.app).get(`/scale/jobs/${job.id}/`).expect(200)).body;
      assert.equal(waiting.queue_reason.reason, 'NO_RUNTIME');
      const small = (await request(t.app).post('/scale/job-types/').send({ docker_image: 'y-1.0.0-seed:1.0.0', manifest: seedManifest({}, {}) }).expect(201)).body;
      const j2 = (await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: small.id }).expect(201)).body;
      assert.equal(j2.status, 'QUEUED');

      for (const [input, re] of [
        [{ files: { INPUT_FILE: [file.id] }, json: { COUNT: 'three' } }, /input\.json\.COUNT: input "COUNT" must be of JSON type integer, not string/],
        [{ files: { INPUT_FILE: [file.id] } }, /input\.json: required input "COUNT" is missing/],
        [{ files: { INPUT_FILE: [file.id, file.id] }, json: { COUNT: 1 } }, /input\.files\.INPUT_FILE: input "INPUT_FILE" takes exactly one file/],
        [{ files: { INPUT_FILE: [99999] }, json: { COUNT: 1 } }, /input\.files\.INPUT_FILE: file 99999 does not exist/],
        [{ files: { NOPE: [file.id] }, json: { COUNT: 1 } }, /input\.files\.NOPE: the job type has no input named "NOPE"/],
        [{ files: 'x' }, /input\.files: must be an object/],
        [{ json: { COUNT: 1 }, extra: 1 }, /input\.extra: is not an allowed field/],
      ] as const) {
        const res = await request(t.app).post('/scale/jobs/').send({ job_type_id: jt.id, input });
        assert.equal(res.status, 400, JSON.stringify(input));
        assert.match(res.body.detail, re);
      }
      const v1 = await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { input_data: [{ name: 'INPUT_FILE', file_id: file.id }, { name: 'COUNT', value: '7' }] } }).expect(201);
      assert.equal(v1.body.inputs.find((i: any) => i.name === 'COUNT').value, 7, 'job data 1.0 values are read as JSON of the input type');
      await request(t.app).post('/scale/queue/new-job/').send({ job_type_id: jt.id, job_data: { input_data: [{ name: 'INPUT_FILE', file_id: file.id }, { name: 'COUNT', value: 'x' }] } }).expect(400);
    });
  });
}
