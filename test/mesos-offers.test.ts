// Mesos offers read into node resources and run contracts written as TaskInfos (src/executors/
// mesos/offers.ts), checked field by field and then on the wire: the scheduler client accepts an
// offer from the master double with a TaskInfo built from a real run contract, and the task runs.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runContract } from '../src/executors/contract.ts';
import type { LaunchSpec } from '../src/executors/executor.ts';
import { MesosSchedulerClient } from '../src/executors/mesos/client.ts';
import { bindResources, parseTaskId, readOffer, taskIdOf, taskInfoOf } from '../src/executors/mesos/offers.ts';
import { MesosOffers } from '../src/executors/mesos/mesos-offers.ts';
import { dbAgentUrlStore } from '../src/executors/mesos/framework-store.ts';
import { createNodeService } from '../src/core/nodes/service.ts';
import { createLogger } from '../src/log.ts';
import { freshDatabase } from './helpers/db.ts';
import { startMesosMaster } from './helpers/mesos-master.ts';
import { waitFor } from './helpers/server.ts';

const LAYOUT = { inputDir: (n: string) => `/in/${n}`, inputFile: (n: string, f: string) => `/in/${n}/${f}`, outputDir: '/out', inputMetadata: '/in/meta.json' };

function spec(over: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    exeId: 7, jobId: 42, exeNum: 2, jobTypeName: 'tagger', jobTypeVersion: '1.0',
    iface: { format: 'scale-1.0', command: '/bin/echo', commandArguments: 'hello mesos', inputs: [], outputs: [], sharedResources: [] },
    inputs: [], resources: { cpus: 0.5, mem: 64, disk: 0 }, ...over,
  };
}

describe('Mesos offers and TaskInfos', () => {
  it("reads an offer's scalars in accepted roles, its attributes, and what it leaves out", () => {
    const offer = {
      id: { value: 'M-O1' }, framework_id: { value: 'M-0000' }, agent_id: { value: 'M-S3' }, hostname: 'agent1', allocation_info: { role: '*' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' },
        { name: 'mem', type: 'SCALAR', scalar: { value: 15360 }, role: '*' },
        { name: 'disk', type: 'SCALAR', scalar: { value: 1000 } },
        { name: 'gpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'gis' }] },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*' },
      ],
      attributes: [{ name: 'os', type: 'TEXT', text: { value: 'ubuntu' } }, { name: 'rack', type: 'SCALAR', scalar: { value: 3 } }],
    };
    const any = readOffer(offer).value!;
    assert.deepEqual(any.resources, { cpus: 4, mem: 15360, disk: 1000 });
    assert.equal(any.foreignRole, 'gis', 'a resource reserved for another role: Scale declines the offer');
    assert.deepEqual(any.ignored, ['ports']);
    assert.deepEqual(any.attributes, { os: 'ubuntu', rack: 3 });
    const gis = readOffer(offer, 'gis').value!;
    assert.deepEqual(gis.resources, { cpus: 4, mem: 15360, disk: 1000, gpus: 1 });
    assert.equal(gis.foreignRole, null);
    assert.match(readOffer({ id: 'x' }).problem!, /id or agent_id/);
  });

  it("takes a task's resources from the offered ones exactly as offered: static, dynamic (principal, labels), unreserved with allocation_info", () => {
    const alloc = { allocation_info: { role: 'gis' } };
    const labels = { labels: [{ key: 'team', value: 'geo' }] };
    const offer = readOffer({
      id: { value: 'M-O9' }, agent_id: { value: 'M-S1' }, hostname: 'a1', allocation_info: { role: 'gis' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*', ...alloc },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'gis', ...alloc },
        { name: 'mem', type: 'SCALAR', scalar: { value: 256 }, role: 'gis', reservation: { principal: 'ops', labels }, ...alloc },
        { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: '*', ...alloc },
      ],
    }, 'gis').value!;
    const pool = offer.scalars;
    const want = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 512 } }];
    assert.deepEqual(bindResources(want, pool), [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'gis', ...alloc },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: '*', ...alloc },
      { name: 'mem', type: 'SCALAR', scalar: { value: 256 }, role: 'gis', reservation: { principal: 'ops', labels }, ...alloc },
      { name: 'mem', type: 'SCALAR', scalar: { value: 256 }, role: '*', ...alloc },
    ], 'reserved resources first, each share written as offered');
    assert.deepEqual(pool.map((p) => p.value), [1.5, 0, 0, 768], 'the pool is used up');
    assert.equal(bindResources([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }], pool), null, 'not enough left');
    assert.deepEqual(pool.map((p) => p.value), [1.5, 0, 0, 768], 'a task that does not fit takes nothing');
  });

  it('writes a SEED image run as a Docker TaskInfo: resources, environment, volumes, shm-size, labels', () => {
    const s = spec({ image: 'registry/tagger:1.0', resources: { cpus: 1, mem: 512, disk: 0, gpus: 0, sharedMem: 128 } });
    const contract = { ...runContract(s, LAYOUT), env: { OUTPUT_DIR: '/out', SCALE_JOB_ID: '42' } };
    const t: any = taskInfoOf(s, contract, { frameworkId: 'F-0001', agentId: 'A-S1' }, { inputDir: '/shared/7/in', outputDir: '/shared/7/out', containerIn: '/in', containerOut: '/out' });
    assert.equal(t.task_id.value, taskIdOf('F-0001', 42, 2));
    assert.deepEqual(parseTaskId(t.task_id.value), { jobId: 42, exeNum: 2 });
    assert.deepEqual(parseTaskId('scale_job_F-0001_42x2_main_lost-1'), { jobId: 42, exeNum: 2 });
    assert.equal(parseTaskId('scale_health_F_1'), null);
    assert.deepEqual(t.resources, [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 512 } },
    ], 'zero-valued resources are left out; roles and reservations come from the offer the task launches on (bindResources)');
    assert.equal(t.container.type, 'DOCKER');
    assert.equal(t.container.docker.image, 'registry/tagger:1.0');
    const params = t.container.docker.parameters.map((p: any) => `${p.key}=${p.value}`);
    for (const p of ['env=OUTPUT_DIR=/out', 'env=SCALE_JOB_ID=42', 'volume=/shared/7/in:/in:ro', 'volume=/shared/7/out:/out:rw', 'shm-size=128m', 'label=scale-job-id=42']) assert.ok(params.includes(p), p);
    assert.deepEqual(t.command, { shell: false, arguments: ['/bin/echo', 'hello', 'mesos'] });
  });

  it('launches a TaskInfo built from a run contract on an offer from the master double, and the task runs', async function () {
    this.timeout(20_000);
    const master = await startMesosMaster({ agents: [{ hostname: 'agent-1', resources: { cpus: 2, mem: 1024, disk: 100 } }], heartbeatIntervalSeconds: 1, offerIntervalMs: 200, ackTimeoutMs: 500 });
    const client = new MesosSchedulerClient(master.url, { user: 'root', name: 'offers-test', roles: ['*'], checkpoint: false, failoverTimeoutSeconds: 0 }, { load: async () => null, save: async () => {} }, undefined, { minBackoffMs: 50 });
    const states: string[] = [];
    let launched = false;
    client.on('event', (e) => {
      if (e.type === 'OFFERS' && !launched) {
        launched = true;
        const offer = readOffer(e.offers.offers[0]).value!;
        const s = spec();
        const t = taskInfoOf(s, runContract(s, LAYOUT), { frameworkId: client.id!, agentId: offer.agentId }, { inputDir: '/tmp', outputDir: '/tmp', containerIn: '/in', containerOut: '/out' });
        void client.call('ACCEPT', { accept: { offer_ids: [{ value: offer.offerId }], operations: [{ type: 'LAUNCH', launch: { task_infos: [t] } }], filters: { refuse_seconds: 1 } } });
      }
      if (e.type === 'UPDATE') {
        const st = e.update.status;
        states.push(st.state);
        if (st.uuid) void client.call('ACKNOWLEDGE', { acknowledge: { agent_id: st.agent_id, task_id: st.task_id, uuid: st.uuid } });
      }
    });
    try {
      await client.start();
      await waitFor(async () => states.includes('TASK_FINISHED') || states.includes('TASK_FAILED') || states.includes('TASK_ERROR'), { timeoutMs: 15_000, what: 'the task to end' });
      assert.deepEqual(states.filter((s) => s !== 'TASK_STAGING'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      const sandbox = master.sandboxOf(taskIdOf(client.id!, 42, 2))!;
      assert.equal((await fs.readFile(path.join(sandbox, 'stdout'), 'utf8')).trim(), 'hello mesos');
    } finally {
      client.stop();
      await master.close();
    }
  });

  it('a launch waiting for an offer from its agent can be taken back, and gives up after the launch timeout', async () => {
    const database = await freshDatabase('pglite');
    const db = await database.open();
    // A client that never subscribes: no offer ever comes, so launches wait.
    const client = new MesosSchedulerClient('http://127.0.0.1:9', { user: 'root', name: 'idle', roles: ['*'], checkpoint: true, failoverTimeoutSeconds: 60 }, { load: async () => null, save: async () => {} });
    const offers = new MesosOffers(client, createNodeService({ db }), dbAgentUrlStore(db), { role: '*', incarnation: 'i', refuseSeconds: 5, runtimes: ['process'], suppressRecheckMs: 10_000, launchTimeoutMs: 200 }, createLogger({}, 'silent'));
    try {
      const task = { name: 't', task_id: { value: 'x' }, agent_id: { value: 'S1' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] };
      const canceled = offers.launch(1, 'S1', task);
      assert.equal(offers.cancelLaunch(1), true);
      await assert.rejects(canceled, (err: any) => err.canceled === true);
      assert.equal(offers.cancelLaunch(1), false, 'nothing left to take back');
      const stuck = offers.launch(2, 'S1', task);
      await new Promise((r) => setTimeout(r, 250));
      await offers.offers();
      await assert.rejects(stuck, /no offer from agent S1 took the task within 0.2 s/);
    } finally {
      offers.close();
      await db.close();
      await database.drop();
    }
  });
});
