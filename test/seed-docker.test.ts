// SEED job types run on a real Docker engine: images built FROM scratch with a static busybox.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { buildSeedImage, docker, dockerAvailable, testJobManifest } from './helpers/docker.ts';
import { api, spawnServer } from './helpers/process.ts';
import { startRegistry, type LocalRegistry } from './helpers/registry.ts';
import { upload, waitForJob } from './helpers/scale.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

let CONFIG: { settings: Record<string, string>; mounts: Record<string, { type: 'host'; host_path: string }> };

describe('SEED jobs on the Docker engine', function () {
  this.timeout(120_000);
  let t: TestServer;
  let image: string;
  let manifest: any;
  let jobType: any;
  let registry: LocalRegistry;

  before(async function () {
    if (!(await dockerAvailable())) {
      if (process.env.REQUIRE_DOCKER === '1') throw new Error('REQUIRE_DOCKER=1 but no Docker engine answers at /var/run/docker.sock');
      this.skip();
    }
    registry = await startRegistry();
    const shared = await tempDir('shared-');
    await fs.writeFile(path.join(shared, 'hello.txt'), 'shared says hi');
    CONFIG = { settings: { DB_HOST: 'db.example', DB_PASS: 'hunter2' }, mounts: { SHARED: { type: 'host', host_path: shared } } };
    manifest = testJobManifest(`seed-it-${process.pid}`);
    image = await buildSeedImage(manifest);
    t = await startServer('pglite', { SCALE_EXECUTOR: 'docker', SCALE_REGISTRY: registry.url, SCALE_DOCKER_MAX_CONTAINERS: '4' });
    jobType = (await request(t.app).post('/scale/job-types/').send({ docker_image: image, configuration: CONFIG }).expect(201)).body;
  });
  after(async () => {
    await t?.close();
    await registry?.stop();
  });

  const run = async (json: Record<string, unknown>, files: Record<string, number[]> = {}, jt = jobType) => {
    const job = (await request(t.app).post('/scale/jobs/').send({ job_type_id: jt.id, input: { files, json } }).expect(201)).body;
    return waitForJob(t.app, job.id, ['COMPLETED', 'FAILED', 'CANCELED'], 60_000);
  };

  it('reads the manifest from the image label when only docker_image is given', () => {
    assert.equal(jobType.name, manifest.job.name);
    assert.equal(jobType.docker_image, image);
    assert.equal(jobType.manifest.job.interface.command, '${MODE} ${INPUT_FILE}');
    assert.deepEqual(jobType.errors.map((e: any) => e.name).sort(), ['algo-broke', 'bad-data']);
  });

  it('runs a job: input staged, run contract met, outputs captured with side-cars, JSON output, input metadata updated', async () => {
    const file = await upload(t.app, 'hello seed\n', 'in.txt', { file_path: `inputs/${Date.now()}/in.txt` });
    const job = await run({ MODE: 'ok' }, { INPUT_FILE: [file.id] });
    assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error ?? job.job_exes?.[0]));
    const result = job.outputs.find((o: any) => o.name === 'RESULT').value;
    assert.equal(result.media_type, 'text/plain');
    assert.match(result.file_path, new RegExp(`^jobs/${manifest.job.name}/1\\.0\\.0/.*/job_exe_\\d+/result\\.out$`));
    assert.deepEqual(result.geometry, { type: 'Point', coordinates: [125.6, 10.1] });
    assert.equal(result.data_started, '2019-10-14T00:00:00.000Z');
    assert.equal(result.meta_data.note, 'hi');
    assert.equal((await request(t.app).get(`/scale/files/${result.id}/content`).expect(200)).text, 'HELLO SEED\n');
    assert.deepEqual(job.outputs.find((o: any) => o.name === 'TOTAL'), { name: 'TOTAL', type: 'json', value: 42 });
    assert.deepEqual(job.results.output_data.find((o: any) => o.name === 'TOTAL'), { name: 'TOTAL', value: 42 });
    const source = (await request(t.app).get(`/scale/files/${file.id}/`).expect(200)).body;
    assert.deepEqual(source.data_type, ['landsat', 'vis'], 'the input side-car updated the source file');
    assert.deepEqual(source.geometry, { type: 'Point', coordinates: [1, 2] });
    const exe = job.job_exes[0];
    const stdout = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/stdout/`).expect(200)).text;
    assert.match(stdout, /^args: ok \/scale\/input_data\/INPUT_FILE\/in\.txt$/m);
    assert.match(stdout, /DB_HOST=db\.example pass_len=7 cpus=0\.25 mem=32 shm=16 disk=1/);
    assert.match(stdout, /input metadata ok/);
    assert.match(stdout, /mounted: shared says hi/, 'the configured host mount is bound read-only');
    assert.doesNotMatch(stdout, /hunter2/);
    assert.equal((await request(t.app).get(`/scale/job-executions/${exe.id}/logs/stderr/`).expect(200)).text, 'to stderr\n');
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`scale-job-exe-id=${exe.id}`] }) });
    assert.equal(left.length, 0, 'the container was removed');
  });

  it("maps exit codes to the manifest's errors and their categories; unknown codes are algorithm errors", async () => {
    const data = await run({ MODE: 'exit', NUM: 3 });
    assert.equal(data.status, 'FAILED');
    assert.equal(data.error.name, 'bad-data');
    assert.equal(data.error.category, 'DATA');
    assert.equal(data.job_exes[0].job_exit_code, 3);
    const algo = await run({ MODE: 'exit', NUM: 4 });
    assert.equal(algo.error.name, 'algo-broke');
    assert.equal(algo.error.category, 'ALGORITHM');
    const unknown = await run({ MODE: 'exit', NUM: 9 });
    assert.equal(unknown.error.name, 'algorithm-unknown');
    assert.equal(unknown.num_exes, 1, 'algorithm errors are not retried');
    // The job says why in the algorithm's words: its stderr, after the manifest's error when one is named.
    assert.match(unknown.error_message, /^exit code 9: (.|\n)*giving up with code 9, as MODE asked$/);
    assert.match(data.error_message, /^exit code 3: (.|\n)*giving up with code 3, as MODE asked$/);
  });

  it("fails a job whose image cannot be had with the engine's reason", async () => {
    const gone = await buildSeedImage(testJobManifest(`seed-gone-${process.pid}`));
    const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: gone, configuration: CONFIG }).expect(201)).body;
    await docker.getImage(gone).remove({ force: true });
    const failed = await run({ MODE: 'none' }, {}, jt);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.error.name, 'pull');
    assert.match(failed.error_message, new RegExp(`^image ${gone} is not on the Docker engine \\(No such image: ${gone}\\) and pulling it failed: .+`));
    // Each try says why in its own error and in its log: Docker's words, not an empty log.
    for (const exe of failed.job_exes) {
      const detail = (await request(t.app).get(`/scale/job-executions/${exe.id}/`).expect(200)).body;
      assert.match(detail.error_message, new RegExp(`No such image: ${gone}`));
      const log = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/combined/`).expect(200)).text;
      assert.match(log, new RegExp(`the job could not be started: image ${gone} is not on the Docker engine \\(No such image: ${gone}\\)`));
    }
  });

  it('refuses a job type whose image neither the engine nor a registry knows, naming the image', async () => {
    const m = testJobManifest(`seed-nowhere-${process.pid}`);
    const res = await request(t.app).post('/scale/job-types/').send({ docker_image: 'registry.invalid/upper:1.0', manifest: m, configuration: CONFIG }).expect(400);
    assert.match(res.body.detail, /docker_image: image registry\.invalid\/upper:1\.0 cannot be had: the Docker engine says "No such image: registry\.invalid\/upper:1\.0"; its registry host registry\.invalid is under \.invalid, which never resolves/);
    const v1 = await request(t.app).post('/scale/job-types/').send({
      name: `v1-nowhere-${process.pid}`, version: '1.0', docker_image: 'registry.invalid/upper:1.0', interface: { version: '1.0', command: 'true', command_arguments: '', input_data: [] },
    }).expect(400);
    assert.match(v1.body.detail, /registry\.invalid\/upper:1\.0 cannot be had/);
    // A registry host the engine cannot resolve says nothing of the image (this server may be offline
    // where its nodes are not): accepted, with a warning that says why it was not checked.
    const unresolved = await request(t.app).post('/scale/job-types/').send({
      name: `v1-unresolved-${process.pid}`, version: '1.0', docker_image: 'nowhere.example/upper:1.0', interface: { version: '1.0', command: 'true', command_arguments: '', input_data: [] },
    }).expect(201);
    assert.match(unresolved.body.warnings.find((w: any) => w.id === 'docker_image')?.details ?? '', /^image nowhere\.example\/upper:1\.0 was not checked \(.*nowhere\.example/);
    // The registry this server is configured with answers for the images it names.
    const inRegistry = await request(t.app).post('/scale/job-types/').send({ docker_image: `${registry.host}/nothing-1.0.0-seed:1.0.0`, manifest: m, configuration: CONFIG }).expect(400);
    assert.match(inRegistry.body.detail, new RegExp(`the registry at ${registry.url} has no nothing-1\\.0\\.0-seed:1\\.0\\.0`));
    assert.equal((await request(t.app).get(`/scale/job-types/?name=${m.job.name}`)).body.count, 0);
  });

  it('accepts an image with a warning where no engine or registry can be asked', async () => {
    const apiOnly = await startServer('pglite', { SCALE_SCHEDULER: 'off' });
    try {
      const m = testJobManifest(`seed-unasked-${process.pid}`);
      const res = await request(apiOnly.app).post('/scale/job-types/').send({ docker_image: 'registry.invalid/upper:1.0', manifest: m, configuration: CONFIG }).expect(201);
      const w = res.body.warnings.find((x: any) => x.id === 'docker_image');
      assert.match(w?.details ?? '', /^image registry\.invalid\/upper:1\.0 was not checked \(no Docker engine runs containers here and no registry is configured \(SCALE_REGISTRY\)\)/, JSON.stringify(res.body.warnings));
    } finally {
      await apiOnly.close();
    }
  });

  it('fails missing, multiple and badly typed outputs with the builtin errors', async () => {
    assert.equal((await run({ MODE: 'none' })).error.name, 'missing-required-output');
    assert.equal((await run({ MODE: 'multi' })).error.name, 'unexpected-multiple-outputs');
    assert.equal((await run({ MODE: 'badjson' })).error.name, 'invalid-results-manifest');
  });

  it('kills a container that outlives the manifest timeout, and a canceled one', async () => {
    const short = structuredClone(manifest);
    short.job.name = `${manifest.job.name}-short`;
    short.job.timeout = 1;
    const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: image, manifest: short, configuration: CONFIG }).expect(201)).body;
    const started = Date.now();
    const timedOut = await run({ MODE: 'sleep', NUM: 30 }, {}, jt);
    assert.equal(timedOut.error.name, 'timeout');
    assert.ok(Date.now() - started < 20_000);
    const job = (await request(t.app).post('/scale/jobs/').send({ job_type_id: jobType.id, input: { json: { MODE: 'sleep', NUM: 30 } } }).expect(201)).body;
    const running = await waitForJob(t.app, job.id, ['RUNNING']);
    const [info] = await waitFor(async () => {
      const l = await docker.listContainers({ filters: JSON.stringify({ label: [`scale-job-exe-id=${running.job_exes[0].id}`] }) });
      return l.length === 1 ? l : null;
    }, { what: 'the container' });
    const host = (await docker.getContainer(info.Id).inspect()).HostConfig;
    assert.equal(host.NanoCpus, 0.25e9, 'cpus limit from the allocation');
    assert.equal(host.Memory, 32 * 1024 * 1024, 'memory limit from the allocation');
    assert.equal(host.ShmSize, 16 * 1024 * 1024, 'shm size from sharedMem');
    assert.ok(host.Binds!.some((b: string) => b.endsWith(':/scale/output_data:rw')));
    await request(t.app).patch(`/scale/jobs/${job.id}/`).send({ status: 'CANCELED' }).expect(200);
    const canceled = await waitFor(async () => {
      const b = (await request(t.app).get(`/scale/jobs/${job.id}/`)).body;
      return b.job_exes[0].status === 'CANCELED' ? b : null;
    }, { timeoutMs: 30_000 });
    assert.equal(canceled.status, 'CANCELED');
    assert.equal((await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`scale-job-exe-id=${running.job_exes[0].id}`] }) })).length, 0);
  });

  it('fails a job whose setting has no value with missing-setting', async () => {
    const other = structuredClone(manifest);
    other.job.name = `${manifest.job.name}-nosettings`;
    const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: image, manifest: other }).expect(201)).body;
    assert.ok(jt.warnings.some((w: any) => w.id === 'missing_setting'));
    const job = await run({ MODE: 'none' }, {}, jt);
    assert.equal(job.error.name, 'missing-setting');
    assert.equal(job.error.category, 'SYSTEM');
  });

  it('reads labels written with the escaping variants of seed-cli and docker build', async () => {
    const m = testJobManifest(`seed-esc-${process.pid}`);
    const img = await buildSeedImage(m, (x) => JSON.stringify(JSON.stringify(x)).replace(/\$/g, '\\$').replace(/\//g, '\\/'));
    const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: img }).expect(201)).body;
    assert.equal(jt.manifest.job.name, m.job.name);
    assert.equal(jt.manifest.job.interface.command, '${MODE} ${INPUT_FILE}');
  });

  it('refuses images without a SEED label, unknown images and bad manifests in labels with 400', async () => {
    const plain = `plain-${process.pid}:1`;
    const m = testJobManifest('x');
    await buildSeedImage(m, () => '', plain);
    const noLabel = await request(t.app).post('/scale/job-types/').send({ docker_image: plain }).expect(400);
    assert.match(noLabel.body.detail, /no com\.ngageoint\.seed\.manifest label/);
    const unknown = await request(t.app).post('/scale/job-types/').send({ docker_image: 'nowhere-1.0.0-seed:1.0.0' }).expect(400);
    assert.match(unknown.body.detail, /registry at .* has no|cannot be reached/);
    const bad = testJobManifest(`seed-bad-${process.pid}`);
    bad.job.interface.outputs.files[0].pattern = '../../etc/*';
    const badImg = await buildSeedImage(bad);
    const res = await request(t.app).post('/scale/job-types/').send({ docker_image: badImg }).expect(400);
    assert.match(res.body.detail, /manifest\.job\.interface\.outputs\.files\[0\]\.pattern/);
    assert.equal((await request(t.app).get(`/scale/job-types/?name=${bad.job.name}`)).body.count, 0, 'nothing half-created');
  });

  it('imports every SEED image of a registry, and answers an unreachable registry with 400', async () => {
    const m = testJobManifest(`seed-reg-${process.pid}`);
    const local = await buildSeedImage(m);
    const remote = `${registry.host}/${local}`;
    await docker.getImage(local).tag({ repo: remote.split(':').slice(0, -1).join(':'), tag: '1.0.0' });
    const push: any = await docker.getImage(remote).push({ authconfig: { serveraddress: registry.host } } as any);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(push, (err: Error | null, out: any[]) => (err || out.find((o) => o.error) ? reject(err ?? new Error(JSON.stringify(out.find((o) => o.error)))) : resolve())));
    const scan = await request(t.app).post('/scale/job-types/scan-registry/').send({}).expect(200);
    const got = scan.body.imported.find((i: any) => i.name === m.job.name);
    assert.ok(got, JSON.stringify(scan.body));
    assert.equal(got.docker_image, remote);
    assert.equal(got.created, true);
    const again = await request(t.app).post('/scale/job-types/scan-registry/').send({}).expect(200);
    assert.equal(again.body.imported.find((i: any) => i.name === m.job.name).created, false, 'a second scan finds it known');
    await docker.getImage(remote).remove({ force: true });
    const viaRegistry = await request(t.app).post('/scale/job-types/').send({ docker_image: remote, configuration: CONFIG }).expect(200);
    assert.equal(viaRegistry.body.name, m.job.name, 'the label is read from the registry when the engine lacks the image');
    const pulled = await run({ MODE: 'sleep', NUM: 0 }, {}, viaRegistry.body);
    assert.equal(pulled.status, 'COMPLETED', 'the executor pulled the image it lacked');
    assert.ok(await docker.getImage(remote).inspect());
    const nowhere = await startServer('pglite', { SCALE_SCHEDULER: 'off', SCALE_REGISTRY: 'http://127.0.0.1:1' });
    try {
      const res = await request(nowhere.app).post('/scale/job-types/scan-registry/').send({}).expect(400);
      assert.match(res.body.detail, /registry at http:\/\/127\.0\.0\.1:1 cannot be reached/);
    } finally {
      await nowhere.close();
    }
  });

  it('passes a SEED job\'s file and JSON outputs to the next job of a recipe', async () => {
    const job = (deps: unknown[], input: Record<string, unknown>) => ({
      dependencies: deps, input, node_type: { node_type: 'job', job_type_name: jobType.name, job_type_version: jobType.version, job_type_revision: jobType.revision_num },
    });
    const rt = (await request(t.app).post('/scale/recipe-types/').send({
      name: `seed-chain-${process.pid}`,
      definition: {
        version: '7',
        input: { files: [{ name: 'IMAGE', media_types: [], required: true, multiple: false }], json: [{ name: 'MODE', type: 'string', required: true }] },
        nodes: {
          first: job([], { INPUT_FILE: { type: 'recipe', input: 'IMAGE' }, MODE: { type: 'recipe', input: 'MODE' } }),
          second: job([{ name: 'first' }], {
            INPUT_FILE: { type: 'dependency', node: 'first', output: 'RESULT' }, NUM: { type: 'dependency', node: 'first', output: 'TOTAL' }, MODE: { type: 'recipe', input: 'MODE' },
          }),
        },
      },
    }).expect(201)).body;
    const file = await upload(t.app, 'chained\n', 'in.txt', { file_path: `inputs/${Date.now()}/chain/in.txt` });
    const made = (await request(t.app).post('/scale/recipes/').send({ recipe_type_id: rt.id, input: { files: { IMAGE: [file.id] }, json: { MODE: 'ok' } } }).expect(201)).body;
    const done = await waitFor(async () => {
      const r = (await request(t.app).get(`/scale/recipes/${made.id}/`).expect(200)).body;
      return r.is_completed || r.jobs_failed ? r : null;
    }, { timeoutMs: 60_000, what: 'SEED recipe' });
    assert.equal(done.jobs_completed, 2, JSON.stringify(done.nodes));
    const [first, second] = ['first', 'second'].map((n) => done.jobs.find((j: any) => j.job_name === n).job.id);
    const firstJob = (await request(t.app).get(`/scale/jobs/${first}/`).expect(200)).body;
    const secondJob = (await request(t.app).get(`/scale/jobs/${second}/`).expect(200)).body;
    const result = firstJob.outputs.find((o: any) => o.name === 'RESULT').value;
    assert.equal(secondJob.inputs.find((i: any) => i.name === 'INPUT_FILE').value.id, result.id, 'the file output fed the next job');
    assert.equal(secondJob.inputs.find((i: any) => i.name === 'NUM').value, 42, 'the JSON output fed the next job');
    const out = secondJob.outputs.find((o: any) => o.name === 'RESULT').value;
    assert.equal((await request(t.app).get(`/scale/files/${out.id}/content`).expect(200)).text, 'CHAINED\n');
  });

  it('adopts a running container after the server restarts, instead of losing it', async () => {
    const dataDir = await tempDir();
    const env = { SCALE_DATA_DIR: dataDir, SCALE_NODE_NAME: `adopt-${process.pid}`, SCALE_EXECUTOR: 'docker', DATABASE_URL: '' };
    let server = await spawnServer(env);
    try {
      const jt = (await api(server.url, 'POST', '/scale/job-types/', { docker_image: image, configuration: CONFIG })).body;
      const job = (await api(server.url, 'POST', '/scale/jobs/', { job_type_id: jt.id, input: { json: { MODE: 'sleep', NUM: 4 } } })).body;
      const exeId = await waitFor(async () => (await api(server.url, 'GET', `/scale/jobs/${job.id}/`)).body.job_exes[0]?.id);
      await waitFor(async () => (await docker.listContainers({ filters: JSON.stringify({ label: [`scale-job-exe-id=${exeId}`] }) })).length === 1, { what: 'the container' });
      await server.crash({ withChildren: true });
      assert.equal((await docker.listContainers({ filters: JSON.stringify({ label: [`scale-job-exe-id=${exeId}`] }) })).length, 1, 'the container outlives the server');
      server = await spawnServer(env);
      const done = await waitFor(async () => {
        const b = (await api(server.url, 'GET', `/scale/jobs/${job.id}/`)).body;
        return b.status === 'COMPLETED' ? b : null;
      }, { timeoutMs: 60_000, what: 'the adopted job to complete' });
      assert.equal(done.num_exes, 1, 'the same execution finished; nothing ran twice');
      assert.equal(done.job_exes[0].status, 'COMPLETED');
      assert.ok(done.outputs.find((o: any) => o.name === 'RESULT').value, 'its output was captured');
    } finally {
      await server.stop();
    }
  });
});
