// Crashes and sharing: servers as child processes, killed with SIGKILL, or two on one database.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { dbKinds, freshDatabase, type TestDatabase } from './helpers/db.ts';
import { api, spawnServer, type ServerProcess } from './helpers/process.ts';
import { pidAlive, script } from './helpers/scale.ts';
import { tempDir, waitFor } from './helpers/server.ts';

async function jobType(url: string, fields: Record<string, unknown>): Promise<any> {
  const res = await api(url, 'POST', '/scale/job-types/', { name: `p-${Date.now()}-${Math.random().toString(36).slice(2, 7)}`, version: '1', mem_required: 16, disk_out_const_required: 1, ...fields });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function job(url: string, id: number) {
  return (await api(url, 'GET', `/scale/jobs/${id}/`)).body;
}

for (const kind of dbKinds()) describe(`restart safety: a crashed server recovers its executions (${kind})`, function () {
  this.timeout(120_000);
  let dataDir: string;
  let database: TestDatabase;
  let server: ServerProcess | null = null;
  // PGlite keeps its files in the data directory, so a restart finds them there.
  const env = () => ({ SCALE_DATA_DIR: dataDir, SCALE_NODE_NAME: 'restart-node', DATABASE_URL: database.url ?? '' });
  before(async () => {
    dataDir = await tempDir();
    database = await freshDatabase(kind);
  });
  after(async () => {
    await server?.stop();
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('a crashed server takes its running commands with it (its launcher kills them)', async () => {
    server = await spawnServer(env());
    const markers = await tempDir();
    const jt = await jobType(server.url, { max_tries: 1, cpus_required: 0.25, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${path.join(markers, 'z')}` } });
    const z = (await api(server.url, 'POST', '/scale/queue/new-job/', { job_type_id: jt.id })).body;
    const pid = Number(await waitFor(() => fs.readFile(path.join(markers, 'z'), 'utf8').catch(() => null)));
    await server.crash();
    await waitFor(async () => !pidAlive(pid), { what: 'the command to die with the server' });
    server = await spawnServer(env());
    const lost = await waitFor(async () => {
      const j = await job(server!.url, z.id);
      return j.status === 'FAILED' ? j : null;
    });
    assert.equal(lost.error.name, 'scheduler-lost');
    await server.stop();
  });

  it('marks executions of a dead server lost, kills true orphans, requeues jobs with tries left and fails the others', async () => {
    server = await spawnServer(env());
    const markers = await tempDir();
    const retried = await jobType(server.url, { max_tries: 3, cpus_required: 0.25, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${path.join(markers, 'a')}` } });
    const once = await jobType(server.url, { max_tries: 1, cpus_required: 0.25, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${path.join(markers, 'b')}` } });
    const a = (await api(server.url, 'POST', '/scale/queue/new-job/', { job_type_id: retried.id })).body;
    const b = (await api(server.url, 'POST', '/scale/queue/new-job/', { job_type_id: once.id })).body;
    const pidA = Number(await waitFor(() => fs.readFile(path.join(markers, 'a'), 'utf8').catch(() => null)));
    const pidB = Number(await waitFor(() => fs.readFile(path.join(markers, 'b'), 'utf8').catch(() => null)));
    await fs.rm(path.join(markers, 'a'));
    assert.equal((await job(server.url, a.id)).status, 'RUNNING');
    await server.crash({ withChildren: true });
    assert.ok(pidAlive(pidA) && pidAlive(pidB), 'with the launcher killed too, the job processes are orphans that keep running');

    server = await spawnServer(env());
    await waitFor(async () => !pidAlive(pidA) && !pidAlive(pidB), { what: 'the orphans to be killed' });
    const lostB = await waitFor(async () => {
      const j = await job(server!.url, b.id);
      return j.status === 'FAILED' ? j : null;
    });
    assert.equal(lostB.error.name, 'scheduler-lost');
    assert.equal(lostB.error.category, 'SYSTEM');
    assert.equal(lostB.job_exes[0].status, 'FAILED');
    const rerun = await waitFor(async () => {
      const j = await job(server!.url, a.id);
      return j.status === 'RUNNING' && j.num_exes === 2 ? j : null;
    });
    assert.deepEqual(rerun.job_exes.map((x: any) => [x.exe_num, x.status]), [[1, 'FAILED'], [2, 'RUNNING']]);
    assert.equal(rerun.job_exes[0].error.name, 'scheduler-lost');
    const newPid = Number(await waitFor(() => fs.readFile(path.join(markers, 'a'), 'utf8').catch(() => null)));
    assert.notEqual(newPid, pidA);
    const running = (await api(server.url, 'GET', '/scale/jobs/?status=RUNNING')).body;
    assert.equal(running.count, 1, 'nothing is left RUNNING but the rerun');
    await api(server.url, 'PATCH', `/scale/jobs/${a.id}/`, { status: 'CANCELED' });
    await waitFor(async () => !pidAlive(newPid));
  });

  it('on a clean stop (SIGTERM) kills its executions and leaves them retryable', async () => {
    const markers = await tempDir();
    const jt = await jobType(server!.url, { max_tries: 2, cpus_required: 0.25, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${path.join(markers, 'c')}` } });
    const c = (await api(server!.url, 'POST', '/scale/queue/new-job/', { job_type_id: jt.id })).body;
    const pid = Number(await waitFor(() => fs.readFile(path.join(markers, 'c'), 'utf8').catch(() => null)));
    await server!.stop();
    assert.equal(pidAlive(pid), false);
    server = await spawnServer(env());
    const j = await waitFor(async () => {
      const x = await job(server!.url, c.id);
      return x.num_exes === 2 ? x : null;
    });
    assert.equal(j.job_exes[0].error.name, 'scheduler-lost');
    await api(server!.url, 'PATCH', `/scale/jobs/${c.id}/`, { status: 'CANCELED' });
  });
});

(process.env.DATABASE_URL ? describe : describe.skip)('two server processes sharing one PostgreSQL database', function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let a: ServerProcess | null = null;
  let b: ServerProcess | null = null;
  let dirA: string;
  let dirB: string;
  before(async () => {
    database = await freshDatabase('postgres');
    dirA = await tempDir();
    dirB = await tempDir();
    a = await spawnServer({ DATABASE_URL: database.url!, SCALE_DATA_DIR: dirA, SCALE_NODE_NAME: 'node-a', SCALE_NODE_LOST_SECONDS: '2' });
    b = await spawnServer({ DATABASE_URL: database.url!, SCALE_DATA_DIR: dirB, SCALE_NODE_NAME: 'node-b', SCALE_NODE_LOST_SECONDS: '2' });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it('runs every job exactly once, spread over both nodes', async () => {
    const jt = await jobType(a!.url, { cpus_required: 0.25, interface: { command: '/bin/true', command_arguments: '' } });
    const ids: number[] = [];
    for (let i = 0; i < 200; i++) ids.push((await api(i % 2 ? b!.url : a!.url, 'POST', '/scale/queue/new-job/', { job_type_id: jt.id })).body.id);
    await waitFor(async () => (await api(a!.url, 'GET', `/scale/jobs/?job_type_id=${jt.id}&status=COMPLETED&page_size=1`)).body.count === 200, { timeoutMs: 60000, what: '200 jobs to complete' });
    const c = new pg.Client({ connectionString: database.url! });
    await c.connect();
    try {
      const exes = (await c.query('SELECT job_id, count(*)::int AS n FROM job_exe WHERE job_id = ANY($1::bigint[]) GROUP BY job_id', [ids])).rows;
      assert.equal(exes.length, 200);
      assert.ok(exes.every((r) => r.n === 1), 'no job has a second execution');
      const perNode = (await c.query('SELECT node_id, count(*)::int AS n FROM job_exe WHERE job_id = ANY($1::bigint[]) GROUP BY node_id', [ids])).rows;
      assert.equal(perNode.length, 2, `both nodes ran jobs: ${JSON.stringify(perNode)}`);
    } finally {
      await c.end();
    }
  });

  it('when one process dies, the other fails its executions as node-lost, kills the orphans and reruns them', async () => {
    const markers = await tempDir();
    const jt = await jobType(a!.url, { max_tries: 3, cpus_required: 2, interface: { command: `/bin/sh ${script('sleep.sh')}`, command_arguments: `60 ${path.join(markers, 'pid')}` } });
    // Pause b's node so the job lands on a.
    const nodes = (await api(a!.url, 'GET', '/scale/nodes/')).body.results;
    const nodeB = nodes.find((n: any) => n.slave_id === 'node-b');
    await api(a!.url, 'PATCH', `/scale/nodes/${nodeB.id}/`, { is_paused: true });
    const j = (await api(a!.url, 'POST', '/scale/queue/new-job/', { job_type_id: jt.id })).body;
    const pid = Number(await waitFor(() => fs.readFile(path.join(markers, 'pid'), 'utf8').catch(() => null)));
    await fs.rm(path.join(markers, 'pid'));
    await a!.crash({ withChildren: true });
    assert.ok(pidAlive(pid), 'the orphan outlives its server and launcher');
    a = null;
    await api(b!.url, 'PATCH', `/scale/nodes/${nodeB.id}/`, { is_paused: false });
    const rerun = await waitFor(async () => {
      const x = await job(b!.url, j.id);
      return x.num_exes === 2 && x.status === 'RUNNING' ? x : null;
    }, { timeoutMs: 30000, what: 'the job to run again on node b' });
    assert.equal(pidAlive(pid), false, 'the orphan on the dead node was killed before the rerun');
    assert.equal(rerun.job_exes[0].error.name, 'node-lost');
    assert.equal(rerun.job_exes[1].node.id, nodeB.id);
    await api(b!.url, 'PATCH', `/scale/jobs/${j.id}/`, { status: 'CANCELED' });
  });
});
