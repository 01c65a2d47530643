// CWL on Mesos (issue 19, point 8), against the master double (test/helpers/mesos-master.ts): an
// agent whose attributes say it has cwltool (MESOS_CWL_ATTRIBUTE, default `cwltool`) takes jobs of
// the cwl runtime as command tasks running cwltool, whose steps run on that machine's Docker engine;
// an agent without the attribute never gets one. The double runs command tasks as real processes, so
// cwltool really runs; it checks each call against Mesos's own definitions (see its header).
import assert from 'node:assert/strict';
import path from 'node:path';
import request from 'supertest';
import { findProgram } from '../src/cwl/cwltool.ts';
import { buildImage, dockerAvailable } from './helpers/docker.ts';
import { startMesosMaster, type MesosMaster } from './helpers/mesos-master.ts';
import { FIXTURES } from './helpers/scale.ts';
import { startServer, waitFor, type TestServer } from './helpers/server.ts';

describe('CWL on Mesos agents that advertise cwltool (master double)', function () {
  this.timeout(120_000);
  let master: MesosMaster;
  let t: TestServer;

  before(async function () {
    if (!(await dockerAvailable()) || !findProgram('cwltool')) {
      if (process.env.REQUIRE_CWLTOOL === '1' || process.env.REQUIRE_DOCKER === '1') throw new Error('cwltool and a Docker engine are required (REQUIRE_CWLTOOL / REQUIRE_DOCKER)');
      this.skip();
    }
    await buildImage('cwl-busybox-test:1.0', path.join(FIXTURES, 'app-image', 'app.sh'), {}, { entrypoint: false });
    master = await startMesosMaster({
      agents: [
        { hostname: 'plain-agent', resources: { cpus: 4, mem: 4096, disk: 10_000 } },
        { hostname: 'cwl-agent', resources: { cpus: 2, mem: 2048, disk: 10_000 }, attributes: { cwltool: 'true', rack: 'r1' } },
      ],
      offerIntervalMs: 100,
      heartbeatIntervalSeconds: 1,
      ackTimeoutMs: 500,
    });
    t = await startServer('pglite', { SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: master.url, MESOS_LOG_POLL_MS: '100', MESOS_RECONCILE_SECONDS: '1', MESOS_REFUSE_SECONDS: '1', SCALE_NODE_LOST_SECONDS: '3' });
  });
  after(async () => {
    await t?.close();
    await master?.close();
  });

  const api = () => request(t.url!);
  const step = (command: string) => ({
    class: 'CommandLineTool', requirements: [{ class: 'DockerRequirement', dockerPull: 'cwl-busybox-test:1.0' }],
    baseCommand: ['sh', '-c', command], inputs: { text: 'string' }, arguments: ['$(inputs.text)'], outputs: { out: 'stdout' }, stdout: 'out.txt',
  });

  it('runs a CWL workflow as a command task running cwltool on the agent with the attribute, never on the other; progress read from its sandbox log', async () => {
    const nodes = await waitFor(async () => {
      const r = (await api().get('/scale/nodes/').expect(200)).body.results;
      return r.length === 2 ? r : null;
    }, { timeoutMs: 30_000, what: 'both agents registered as nodes' });
    assert.equal(nodes.length, 2);
    await api().post('/processes').set('Content-Type', 'application/cwl+json').send(JSON.stringify({
      cwlVersion: 'v1.2', class: 'Workflow', id: 'shout-twice', requirements: [{ class: 'InlineJavascriptRequirement' }, { class: 'StepInputExpressionRequirement' }],
      inputs: { text: 'string' }, outputs: { out: { type: 'File', outputSource: 'second/out' } },
      steps: {
        first: { run: step('echo "$0" | tr a-z A-Z'), in: { text: 'text' }, out: ['out'] },
        second: { run: step('sleep 3; echo "$0!"'), in: { text: { source: 'first/out', loadContents: true, valueFrom: '$(self.contents.trim())' } }, out: ['out'] },
      },
    })).expect(201);
    const res = await api().post('/processes/shout-twice/execution').set('Prefer', 'respond-async').send({ inputs: { text: 'hello mesos' }, outputs: { out: { transmissionMode: 'reference' } }, response: 'document' }).expect(201);
    const jobId = String(res.body.jobID);
    const half = await waitFor(async () => {
      const s = (await api().get(`/jobs/${jobId}`).expect(200)).body;
      assert.notEqual(s.status, 'failed', JSON.stringify(s));
      return s.status === 'running' && s.progress === 50 ? s : null;
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'progress 50 from the sandbox log' });
    assert.equal(half.progress, 50);
    const done = await waitFor(async () => {
      const s = (await api().get(`/jobs/${jobId}`).expect(200)).body;
      return ['successful', 'failed'].includes(s.status) ? s : null;
    }, { timeoutMs: 60_000 });
    assert.equal(done.status, 'successful', JSON.stringify(done));
    const log = (await api().get(`/scale/job-executions/${(await api().get(`/scale/jobs/${jobId}/`).expect(200)).body.job_exes[0].id}/logs/combined/`).set('Accept', 'text/plain').expect(200)).text;
    const results = (await api().get(`/jobs/${jobId}/results`).expect(200)).body;
    const out = results.out;
    assert.ok(out?.href, JSON.stringify(results));
    const file = await api().get(new URL(out.href).pathname).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => cb(null, text));
    }).expect(200);
    assert.equal(file.body, 'HELLO MESOS!\n');
    // One task: a command (no container of its own) running cwltool, launched on the cwl agent.
    const tasks = [...master.tasks.values()];
    assert.equal(tasks.length, 1);
    const cwlAgent = master.agents.find((a) => a.hostname === 'cwl-agent')!;
    assert.equal(tasks[0].agentId, cwlAgent.id);
    assert.equal(tasks[0].info.container, undefined, 'a command task');
    assert.match(JSON.stringify(tasks[0].info.command.arguments), /cwltool/);
    assert.ok(Number(tasks[0].info.kill_policy?.grace_period?.nanoseconds) >= 15e9, 'cwltool gets time to stop its containers when killed');
    assert.match(log, /\[step second\] completed success/, "cwltool's log, read from the agent's sandbox");
  });

  it('keeps a CWL job queued, saying why, while no agent offers the cwl runtime', async () => {
    const cwlAgent = master.agents.find((a) => a.hostname === 'cwl-agent')!;
    master.loseAgent(cwlAgent.id);
    const res = await api().post('/processes/shout-twice/execution').set('Prefer', 'respond-async').send({ inputs: { text: 'later' } }).expect(201);
    const jobId = String(res.body.jobID);
    const job = await waitFor(async () => {
      const j = (await api().get(`/scale/jobs/${jobId}/`).expect(200)).body;
      return j.status === 'QUEUED' && j.queue_reason?.reason === 'NO_RUNTIME' ? j : null;
    }, { timeoutMs: 20_000, what: 'NO_RUNTIME once the removed agent is lost' });
    assert.match(job.queue_reason.details, /CWL on cwltool and no available node offers the cwl runtime/);
    master.addAgent({ hostname: 'cwl-agent-2', resources: { cpus: 2, mem: 2048, disk: 10_000 }, attributes: { cwltool: 'true' } });
    const done = await waitFor(async () => {
      const s = (await api().get(`/jobs/${jobId}`).expect(200)).body;
      return ['successful', 'failed'].includes(s.status) ? s : null;
    }, { timeoutMs: 60_000 });
    assert.equal(done.status, 'successful', JSON.stringify(done));
  });
});
