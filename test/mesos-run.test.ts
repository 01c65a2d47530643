// End to end on Mesos: the server as a framework of the master double (test/helpers/mesos-master.ts),
// with two fake agents whose tasks really run. Jobs of the Scale API, a recipe and an OGC execute run
// on the agents; agent loss, a dropped stream, a server restart and offers too small for a job are
// survived as issue 10 asks.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import request from 'supertest';
import { s3Client } from '../src/storage/s3-broker.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { buildServer, type Server } from '../src/server.ts';
import { freshDatabase } from './helpers/db.ts';
import { startMesosMaster, type MesosMaster } from './helpers/mesos-master.ts';
import { createRecipeType, fileText, newRecipe, outputIds, stepJobType, waitForRecipe } from './helpers/recipes.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { seedManifest } from './helpers/seed.ts';
import { startServer, tempDir, waitFor, type TestServer } from './helpers/server.ts';

describe('running jobs on Mesos agents (master double)', function () {
  this.timeout(60_000);
  let master: MesosMaster;
  let t: TestServer;
  before(async () => {
    master = await startMesosMaster({
      agents: [
        { hostname: 'agent-a', resources: { cpus: 2, mem: 2048, disk: 10_000 } },
        { hostname: 'agent-b', resources: { cpus: 2, mem: 2048, disk: 10_000 } },
      ],
      offerIntervalMs: 100,
      heartbeatIntervalSeconds: 1,
      ackTimeoutMs: 500,
    });
    t = await startServer('pglite', { SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: master.url, MESOS_LOG_POLL_MS: '100', MESOS_RECONCILE_SECONDS: '1', MESOS_REFUSE_SECONDS: '1' });
  });
  after(async () => {
    await t?.close();
    await master?.close();
  });

  it('runs a Scale job on an agent: inputs in, outputs stored, logs read from the agent sandbox', async () => {
    const jt = await createJobType(t.app, {
      interface: {
        version: '1.0',
        command: `/bin/sh ${script('produce.sh')}`,
        command_arguments: '${message} ${input_file} ${job_output_dir}',
        input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file', media_types: ['text/plain'] }],
        output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'files', required: false }],
      },
    });
    const file = await upload(t.app, 'hello mesos\n', 'in.txt');
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [{ name: 'message', value: 'two words' }, { name: 'input_file', file_id: file.id }] });
    const job = await waitForJob(t.app, queued.id);
    assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
    const upper = job.outputs.find((o: any) => o.name === 'upper').value;
    const content = await request(t.app).get(`/scale/files/${upper.id}/content`).expect(200);
    assert.equal(content.text, 'HELLO MESOS\n');
    assert.equal(job.outputs.find((o: any) => o.name === 'notes').value.length, 1, 'the ARTIFACT line (read from the sandbox stdout) registered a file');
    const exe = job.job_exes[0];
    assert.equal(exe.job_exit_code, 0);
    const node = (await request(t.app).get(`/scale/nodes/${exe.node.id}/`).expect(200)).body;
    assert.match(node.hostname, /^agent-[ab]$/);
    const stdout = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/stdout/`).expect(200)).text;
    assert.match(stdout, /message=two words/);
    const stderr = (await request(t.app).get(`/scale/job-executions/${exe.id}/logs/stderr/`).expect(200)).text;
    assert.equal(stderr, 'to stderr\n');
    // The wire: one ACCEPT with a LAUNCH of a command TaskInfo with Scale's task id, and every update acknowledged.
    const accept = master.calls.find((c) => c.type === 'ACCEPT' && JSON.stringify(c.body).includes(`_${job.id}x1_main`));
    assert.ok(accept, 'an ACCEPT launched the task');
    const task = accept.body.accept.operations[0].launch.task_infos[0];
    assert.equal(task.command.shell, false);
    assert.equal(task.command.value, '/bin/sh');
    assert.deepEqual(task.resources.map((r: any) => r.name).sort(), ['cpus', 'disk', 'mem']);
    const acks = master.calls.filter((c) => c.type === 'ACKNOWLEDGE' && c.body.acknowledge.task_id.value === task.task_id.value);
    assert.ok(acks.length >= 3, `STARTING, RUNNING and FINISHED acknowledged (${acks.length})`);
    await waitFor(async () => ![...master.tasks.values()].find((x) => x.id === task.task_id.value)?.queue.length, { what: 'no update left unacknowledged' });
  });

  /** The task a job's n-th execution ran as, and the agent it ran on. */
  const taskOf = (jobId: number, exeNum = 1) => [...master.tasks.values()].find((x) => x.id.endsWith(`_${jobId}x${exeNum}_main`));

  it('runs a SEED image as a Docker task: environment, volumes on the shared directory, shm-size, outputs captured', async () => {
    const m = seedManifest(
      { resources: { scalar: [{ name: 'cpus', value: 0.25 }, { name: 'mem', value: 32 }, { name: 'sharedMem', value: 16 }, { name: 'disk', value: 1 }] } },
      {
        command: 'cp ${INPUT_FILE} ${OUTPUT_DIR}/result.out',
        inputs: { files: [{ name: 'INPUT_FILE' }] },
        outputs: { files: [{ name: 'RESULT', pattern: 'result*.out', mediaType: 'text/plain' }] },
      },
    );
    const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: `${m.job.name}:1.0.0`, manifest: m }).expect(201)).body;
    const file = await upload(t.app, 'seed on mesos\n', 'in.txt');
    const queued = (await request(t.app).post('/scale/jobs/').send({ job_type_id: jt.id, input: { files: { INPUT_FILE: [file.id] } } }).expect(201)).body;
    const job = await waitForJob(t.app, queued.id);
    assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
    const result = job.outputs.find((o: any) => o.name === 'RESULT').value;
    assert.equal((await request(t.app).get(`/scale/files/${result.id}/content`).expect(200)).text, 'seed on mesos\n');
    const info = taskOf(job.id)!.info;
    assert.equal(info.container.type, 'DOCKER');
    assert.equal(info.container.docker.image, `${m.job.name}:1.0.0`);
    const params = info.container.docker.parameters.map((p: any) => `${p.key}=${p.value}`);
    assert.ok(params.includes('shm-size=16m'), params.join(' '));
    assert.ok(params.some((p: string) => /^env=ALLOCATED_SHAREDMEM=16$/.test(p)), 'SEED allocation variables');
    assert.ok(params.some((p: string) => /^volume=(\/\S+\/output):\1:rw$/.test(p)), 'the output directory is bound at the same path on the agent');
    assert.equal(info.command.value, undefined, 'the image entrypoint runs the SEED command');
  });

  it('schedules GPUs: a SEED job needing a GPU waits, saying so, until an agent with one offers, and runs there with its GPU', async () => {
    const m = seedManifest(
      { resources: { scalar: [{ name: 'cpus', value: 0.5 }, { name: 'mem', value: 32 }, { name: 'gpus', value: 1 }] } },
      { command: 'echo ${GPU_JOB}', inputs: { json: [{ name: 'GPU_JOB', type: 'string' }] } },
    );
    const jt = (await request(t.app).post('/scale/job-types/').send({ docker_image: `${m.job.name}:1.0.0`, manifest: m }).expect(201)).body;
    const queued = (await request(t.app).post('/scale/jobs/').send({ job_type_id: jt.id, input: { json: { GPU_JOB: 'on a gpu' } } }).expect(201)).body;
    const waiting = await waitFor(async () => {
      const j = (await request(t.app).get(`/scale/jobs/${queued.id}/`).expect(200)).body;
      return j.queue_reason?.reason === 'INSUFFICIENT_RESOURCES' ? j : null;
    }, { what: 'the GPU job to wait for a GPU agent' });
    assert.match(waiting.queue_reason.details, /gpus 1.*no node has 1 GPUs/);
    const gpuAgent = master.addAgent({ hostname: 'agent-gpu', resources: { cpus: 2, mem: 2048, disk: 10_000, gpus: 1 } });
    const job = await waitForJob(t.app, queued.id);
    assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
    const task = taskOf(job.id)!;
    assert.equal(task.agentId, gpuAgent.id);
    // Taken from the offer as offered: unreserved ("*") and allocated to the framework's role.
    assert.deepEqual(task.info.resources.find((r: any) => r.name === 'gpus'), { name: 'gpus', type: 'SCALAR', scalar: { value: 1 }, role: '*', allocation_info: { role: '*' } });
    // Work without GPUs keeps to the other agents.
    const plain = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '', input_data: [] } });
    const other = await waitForJob(t.app, (await queueJob(t.app, plain.id, { version: '1.0', input_data: [] })).id);
    assert.notEqual(taskOf(other.id)!.agentId, gpuAgent.id);
    master.loseAgent(gpuAgent.id);
  });

  it('runs a recipe whose jobs pass files from agent to agent', async () => {
    const a = await stepJobType(t.app, `mesos-a-${process.pid}`, 'copy', 'stage-a');
    const b = await stepJobType(t.app, `mesos-b-${process.pid}`, 'copy', 'stage-b');
    const rt = await createRecipeType(t.app, {
      name: `mesos-chain-${process.pid}`,
      definition: {
        version: '1.0',
        input_data: [{ name: 'image', type: 'file', media_types: ['text/plain'] }],
        jobs: [
          { name: 's1', job_type: { name: a.name, version: a.version }, recipe_inputs: [{ recipe_input: 'image', job_input: 'input' }] },
          { name: 's2', job_type: { name: b.name, version: b.version }, dependencies: [{ name: 's1', connections: [{ output: 'result', input: 'input' }] }] },
        ],
      },
    });
    const file = await upload(t.app, 'line one\n', 'in.txt', { media_type: 'text/plain' });
    const created = await newRecipe(t.app, rt.id, { version: '1.0', input_data: [{ name: 'image', file_id: file.id }] });
    const done = await waitForRecipe(t.app, created.id, (r) => !!r.completed, 'completed');
    const last = done.details.nodes.s2.node_type.job_id ?? done.jobs.find((j: any) => j.job_name === 's2').job.id;
    const [out] = await outputIds(t.app, last, 'result');
    assert.equal(await fileText(t.app, out), 'line one\nstage-a\nstage-b\n');
  });

  it('runs an OGC execute (the echo process) on an agent', async () => {
    const res = await request(t.app).post('/processes/echo/execution').send({ inputs: { message: 'from mesos' }, outputs: { message: {} } }).expect(200);
    assert.equal(res.text, 'from mesos');
    assert.ok([...master.tasks.values()].some((x) => x.info.name.startsWith('Scale echo ')), 'the echo job ran as a Mesos task');
  });

  it('cancel KILLs the task; the job ends CANCELED and the task KILLED', async () => {
    const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30', input_data: [] } });
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [] });
    await waitFor(async () => taskOf(queued.id)?.state === 'TASK_RUNNING', { what: 'the task to run' });
    await request(t.app).patch(`/scale/jobs/${queued.id}/`).send({ status: 'CANCELED' }).expect(200);
    const job = await waitForJob(t.app, queued.id);
    assert.equal(job.status, 'CANCELED');
    await waitFor(async () => taskOf(queued.id)?.state === 'TASK_KILLED', { what: 'the task to be killed' });
    assert.ok(master.calls.some((c) => c.type === 'KILL' && c.body.kill.task_id.value === taskOf(queued.id)!.id));
  });

  it('a timeout KILLs the task; the execution fails with the timeout error', async () => {
    const jt = await createJobType(t.app, { timeout: 1, max_tries: 1, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '30', input_data: [] } });
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [] });
    const job = await waitForJob(t.app, queued.id);
    assert.equal(job.status, 'FAILED');
    assert.equal(job.error.name, 'timeout');
    await waitFor(async () => taskOf(queued.id)?.state === 'TASK_KILLED', { what: 'the task to be killed' });
  });

  it('a job too big for any agent stays queued with its reason and does not hold back smaller jobs', async () => {
    const big = await createJobType(t.app, { cpus_required: 16, interface: { command: '/bin/true', command_arguments: '', input_data: [] } });
    const small = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '', input_data: [] } });
    const bigJob = await queueJob(t.app, big.id, { version: '1.0', input_data: [] }, { priority: 1 });
    const smallJob = await queueJob(t.app, small.id, { version: '1.0', input_data: [] }, { priority: 200 });
    assert.equal((await waitForJob(t.app, smallJob.id)).status, 'COMPLETED');
    const waiting = (await request(t.app).get(`/scale/jobs/${bigJob.id}/`).expect(200)).body;
    assert.equal(waiting.status, 'QUEUED');
    assert.match(JSON.stringify(waiting.queue_reason), /INSUFFICIENT_RESOURCES|resources/i);
    await request(t.app).patch(`/scale/jobs/${bigJob.id}/`).send({ status: 'CANCELED' }).expect(200);
  });

  it('an agent lost mid-task: the execution fails node-lost and the job runs again on the other agent', async () => {
    const jt = await createJobType(t.app, { max_tries: 3, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '1', input_data: [] } });
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [] });
    await waitFor(async () => taskOf(queued.id)?.state === 'TASK_RUNNING', { what: 'the task to run' });
    const lost = taskOf(queued.id)!.agentId;
    master.loseAgent(lost);
    const job = await waitForJob(t.app, queued.id);
    assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
    assert.equal(job.num_exes, 2);
    const exes = (await request(t.app).get(`/scale/jobs/${job.id}/executions/`).expect(200)).body.results;
    const first = exes.find((x: any) => x.exe_num === 1);
    assert.equal(first.status, 'FAILED');
    assert.equal(first.error.name, 'node-lost');
    assert.notEqual(taskOf(job.id, 2)!.agentId, lost, 'the retry ran on the other agent');
  });

  it('moves inputs and outputs between an S3 workspace and the agents through the shared directory', async () => {
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: await tempDir('s3rver-'), configureBuckets: [{ name: 'mesos-test', configs: [] }] });
    const addr = (await s3.run()) as unknown as { port: number };
    const broker = { type: 's3', bucket_name: 'mesos-test', endpoint_url: `http://127.0.0.1:${addr.port}`, region_name: 'us-east-1', credentials: { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' } };
    try {
      const ws = (await request(t.app).post('/scale/workspaces/').send({ name: 's3-mesos', title: 'S3', json_config: { broker } }).expect(201)).body;
      const input = await upload(t.app, 'from the bucket\n', 'in.txt', { workspace: 's3-mesos', media_type: 'text/plain' });
      const jt = await createJobType(t.app, {
        interface: {
          version: '1.0', command: `/bin/sh ${path.join(import.meta.dirname, 'helpers', 'owslib', 'upper.sh')}`, command_arguments: '${input_file} ${job_output_dir}',
          input_data: [{ name: 'input_file', type: 'file', media_types: ['text/plain'] }], output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }],
        },
      });
      const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [{ name: 'input_file', file_id: input.id }], output_data: [{ name: 'upper', workspace_id: ws.id }] });
      const job = await waitForJob(t.app, queued.id);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      const out = job.outputs.find((o: any) => o.name === 'upper').value;
      assert.equal(out.workspace.name, 's3-mesos');
      const obj = await s3Client(broker).send(new GetObjectCommand({ Bucket: 'mesos-test', Key: out.file_path }));
      assert.equal(Buffer.from(await obj.Body!.transformToByteArray()).toString(), 'FROM THE BUCKET\n');
      assert.ok(taskOf(job.id), 'it ran as a Mesos task');
    } finally {
      await s3.close();
    }
  });

  it('reconciles tasks not heard from periodically, and KILLs a task of ours that no execution follows', async () => {
    const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '3', input_data: [] } });
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [] });
    await waitFor(async () => taskOf(queued.id)?.state === 'TASK_RUNNING', { what: 'the task to run' });
    const id = taskOf(queued.id)!.id;
    const since = master.calls.length;
    await waitFor(async () => master.calls.slice(since).some((c) => c.type === 'RECONCILE' && c.body.reconcile.tasks.some((x: any) => x.task_id.value === id)), { timeoutMs: 5000, what: 'a periodic RECONCILE' });
    const fw = [...master.frameworks.keys()][0];
    const stray = `scale_job_${fw}_999999x1_main`;
    master.inject({ type: 'UPDATE', update: { status: { task_id: { value: stray }, state: 'TASK_RUNNING', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', agent_id: { value: taskOf(queued.id)!.agentId } } } });
    await waitFor(async () => master.calls.some((c) => c.type === 'KILL' && c.body.kill.task_id.value === stray), { what: 'the stray task to be killed' });
    assert.equal((await waitForJob(t.app, queued.id)).status, 'COMPLETED');
  });

  it('an ACCEPT whose answer is lost: the task is not launched twice; an ACCEPT lost on the way: the job runs again', async () => {
    const jt = await createJobType(t.app, { max_tries: 3, interface: { command: '/bin/echo', command_arguments: 'accepted', input_data: [] } });
    master.cutNext('ACCEPT', { process: true });
    const once = await waitForJob(t.app, (await queueJob(t.app, jt.id, { version: '1.0', input_data: [] })).id);
    assert.equal(once.status, 'COMPLETED', JSON.stringify(once.error));
    assert.equal(once.num_exes, 1, 'the master had taken it: followed by reconciliation, not launched again');
    assert.equal([...master.tasks.values()].filter((x) => x.id.includes(`_${once.id}x`)).length, 1);
    master.cutNext('ACCEPT', { process: false });
    const again = await waitForJob(t.app, (await queueJob(t.app, jt.id, { version: '1.0', input_data: [] })).id);
    assert.equal(again.status, 'COMPLETED', JSON.stringify(again.error));
    assert.equal(again.num_exes, 2, 'the master never had it: reconciliation says lost, and the job runs again');
    const first = (await request(t.app).get(`/scale/jobs/${again.id}/executions/`).expect(200)).body.results.find((x: any) => x.exe_num === 1);
    assert.equal(first.error.name, 'node-lost');
  });

  it('declines unused offers with the refuse filter, suppresses offers when the queue is empty and revives them for new work', async () => {
    // Offers are suppressed now: the last SUPPRESS or REVIVE on record is a SUPPRESS (an earlier test's work, or the
    // periodic recheck, may have revived them after an older SUPPRESS).
    const lastToggle = () => master.calls.filter((c) => c.type === 'SUPPRESS' || c.type === 'REVIVE').at(-1)?.type;
    await waitFor(async () => lastToggle() === 'SUPPRESS', { what: 'SUPPRESS with an empty queue' });
    const declines = master.calls.filter((c) => c.type === 'DECLINE');
    assert.ok(declines.length > 0);
    assert.ok(declines.every((c) => c.body.decline.filters.refuse_seconds === 1 && c.status === 202));
    const suppressedAt = master.calls.length;
    const jt = await createJobType(t.app, { interface: { command: '/bin/true', command_arguments: '', input_data: [] } });
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [] });
    assert.equal((await waitForJob(t.app, queued.id)).status, 'COMPLETED');
    const after = master.calls.slice(suppressedAt).map((c) => c.type);
    assert.ok(after.indexOf('REVIVE') >= 0 && after.indexOf('REVIVE') < after.indexOf('ACCEPT'), `REVIVE before the ACCEPT: ${after.join(' ')}`);
  });

  it('the master stream drops mid-task: the framework subscribes again with its id, reconciles, and the job completes once', async () => {
    const jt = await createJobType(t.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '1', input_data: [] } });
    const queued = await queueJob(t.app, jt.id, { version: '1.0', input_data: [] });
    await waitFor(async () => taskOf(queued.id)?.state === 'TASK_RUNNING', { what: 'the task to run' });
    const before = master.calls.length;
    master.dropStream();
    const job = await waitForJob(t.app, queued.id);
    assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
    assert.equal(job.num_exes, 1);
    const since = master.calls.slice(before);
    const sub = since.find((c) => c.type === 'SUBSCRIBE');
    assert.ok(sub, 'subscribed again');
    assert.equal(sub.body.subscribe.framework_info.id.value, [...master.frameworks.keys()][0], 'as the same framework');
    assert.ok(since.some((c) => c.type === 'RECONCILE' && c.body.reconcile.tasks.some((x: any) => x.task_id.value === taskOf(queued.id)!.id)), 'the running task was reconciled');
  });
});

describe('a server restart with tasks running on Mesos', function () {
  this.timeout(60_000);
  let master: MesosMaster;
  before(async () => {
    master = await startMesosMaster({ agents: [{ hostname: 'agent-r', resources: { cpus: 2, mem: 2048, disk: 10_000 } }], offerIntervalMs: 100, heartbeatIntervalSeconds: 1, ackTimeoutMs: 500 });
  });
  after(() => master?.close());

  it('adopts and reconciles the running task: the job completes once, with its outputs, and no task runs twice', async () => {
    const dataDir = await tempDir();
    const database = await freshDatabase('pglite');
    const db = await database.open();
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', SCALE_DATA_DIR: dataDir, SCALE_SCHEDULER_INTERVAL_MS: '100', SCALE_HEARTBEAT_SECONDS: '1',
      SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: master.url, MESOS_LOG_POLL_MS: '100', MESOS_RECONCILE_SECONDS: '1',
    });
    const log = createLogger({}, (process.env.TEST_LOG_LEVEL as any) ?? 'silent');
    let first: Server | null = await buildServer(config, { db, log, listen: false });
    let second: Server | null = null;
    try {
      const jt = await createJobType(first.app, {
        interface: {
          version: '1.0', command: `/bin/sh ${script('produce.sh')}`, command_arguments: '${message} ${input_file} ${job_output_dir}',
          input_data: [{ name: 'message', type: 'property' }, { name: 'input_file', type: 'file' }],
          output_data: [{ name: 'upper', type: 'file', media_type: 'text/plain' }, { name: 'notes', type: 'files', required: false }],
        },
      });
      const slow = await createJobType(first.app, { interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: '2', input_data: [] } });
      const file = await upload(first.app, 'survives\n', 'in.txt');
      const sleeper = await queueJob(first.app, slow.id, { version: '1.0', input_data: [] });
      await waitFor(async () => [...master.tasks.values()].find((x) => x.id.endsWith(`_${sleeper.id}x1_main`))?.state === 'TASK_RUNNING', { what: 'the task to run' });
      await first.close();
      first = null;
      // While no server is connected, the task runs on; a job queued meanwhile waits.
      second = await buildServer(config, { db, log, listen: false });
      const job = await waitForJob(second.app, sleeper.id);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job.error));
      assert.equal(job.num_exes, 1, 'followed again, not rerun');
      assert.equal(job.job_exes[0].job_exit_code, 0);
      assert.equal([...master.tasks.values()].filter((x) => x.id.includes(`_${sleeper.id}x`)).length, 1);
      assert.match((await request(second.app).get(`/scale/job-executions/${job.job_exes[0].id}/logs/stdout/`).expect(200)).text, /sleeping 2/);
      const subs = master.calls.filter((c) => c.type === 'SUBSCRIBE');
      assert.equal(subs.length, 2);
      assert.equal(subs[1].body.subscribe.framework_info.id.value, subs[0].body.subscribe.framework_info.id?.value ?? [...master.frameworks.keys()][0], 'the stored framework id');
      // Work still flows after the restart.
      const queued = await queueJob(second.app, jt.id, { version: '1.0', input_data: [{ name: 'message', value: 'again' }, { name: 'input_file', file_id: file.id }] });
      assert.equal((await waitForJob(second.app, queued.id)).status, 'COMPLETED');
    } finally {
      await first?.close();
      await second?.close();
      await db.close();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
