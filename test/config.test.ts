import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './helpers/process.ts';
import { scaledMs, waitFor } from './helpers/server.ts';
import { promisify } from 'node:util';
import { SETTINGS, databaseUrlFrom, loadConfig } from '../src/config.ts';

const run = promisify(execFile);

describe('configuration and command line', () => {
  it('serve --help lists every setting with its default', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--help']);
    for (const s of SETTINGS) assert.match(stdout, new RegExp(`\\b${s.env}\\b`), `${s.env} is listed`);
    assert.match(stdout, /PORT\s+.*default: 8080/);
    assert.match(stdout, /SCALE_DATA_DIR\s+.*default: \.\/data/);
  });

  it('npm start -- --help reaches the same help', async () => {
    const { stdout } = await run('npm', ['start', '--silent', '--', '--help']);
    assert.match(stdout, /SCALE_EXECUTOR/);
  });

  it('npm start serves the Scale API on PGlite with the local node sized to this machine', async function () {
    this.timeout(60_000);
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'scale-start-'));
    const port = await freePort();
    const proc = spawn('npm', ['start', '--silent'], { env: { ...process.env, PORT: String(port), SCALE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' }, stdio: 'ignore', detached: true });
    try {
      const status: any = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/scale/status/`).catch(() => null))?.json(), { timeoutMs: 45000, what: 'npm start' });
      assert.equal(status.scheduler.is_online, true);
      assert.equal(status.resources.total.cpus, os.cpus().length);
      assert.equal(status.resources.total.mem, Math.floor(os.totalmem() / 1024 / 1024));
      assert.ok((await fs.stat(path.join(dataDir, 'pglite'))).isDirectory(), 'PGlite keeps its files under SCALE_DATA_DIR');
      assert.ok((await fs.stat(path.join(dataDir, 'workspaces', 'default'))).isDirectory());
    } finally {
      process.kill(-proc.pid!, 'SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('npm start says what it does while the database starts, and stops cleanly on a SIGTERM to the npm process alone', async function () {
    this.timeout(90_000);
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'scale-start-'));
    const port = await freePort();
    // The signal goes to npm's own pid alone, as `kill <pid>` or a service manager sends it; its own
    // process group only so that a failed test can clear up whatever it left. Logs go to stderr.
    const proc = spawn('npm', ['start', '--silent'], { env: { ...process.env, PORT: String(port), SCALE_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const lines: string[] = [];
    proc.stderr.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const listening = async () => (await fetch(`http://127.0.0.1:${port}/scale/status/`).catch(() => null))?.ok;
    try {
      // The first line comes before the database is open (PGlite's first start takes seconds).
      await waitFor(async () => lines.length > 0, { timeoutMs: scaledMs(15_000), what: 'a first line from npm start' });
      assert.match(lines[0], /starting/, lines[0]);
      assert.match(lines[0], /pglite/);
      await waitFor(listening, { timeoutMs: scaledMs(60_000), what: 'npm start to listen' });
      proc.kill('SIGTERM');
      await waitFor(async () => !(await listening()), { timeoutMs: scaledMs(15_000), what: 'the port to be released' });
      const code = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), scaledMs(15_000)))]);
      assert.notEqual(code, 'running', 'npm start ends');
      assert.ok(lines.some((l) => /shutting down/.test(l)), 'the server itself got the signal and shut down');
    } finally {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // all gone
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('defaults to port 8080, ./data and PGlite', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.ok(c.dataDir.endsWith('/data'));
    assert.equal(c.databaseUrl, null);
    assert.equal(c.executor, 'auto');
  });

  it("builds a PostgreSQL URL from Scale's SCALE_DB_* variables", () => {
    assert.equal(
      databaseUrlFrom({ SCALE_DB_HOST: 'db.example', SCALE_DB_PORT: '5433', SCALE_DB_NAME: 'scale', SCALE_DB_USER: 'u', SCALE_DB_PASS: 'p@ss' }),
      'postgres://u:p%40ss@db.example:5433/scale',
    );
    assert.equal(databaseUrlFrom({ DATABASE_URL: 'postgres://x/y', SCALE_DB_HOST: 'ignored' }), 'postgres://x/y');
  });

  it('rejects bad values naming the setting', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT="eighty"/);
    assert.throws(() => loadConfig({ SCALE_EXECUTOR: 'kubernetes' }), /SCALE_EXECUTOR=kubernetes/);
    assert.throws(() => loadConfig({ SCALE_WORKSPACE_ROOTS: 'relative/dir' }), /absolute/);
    assert.throws(() => loadConfig({ SCALE_CWLTOOL_SERVER: 'maybe' }), /SCALE_CWLTOOL_SERVER=maybe must be on or off/);
    assert.equal(loadConfig({}).cwltoolServer, true);
    assert.equal(loadConfig({ SCALE_CWLTOOL_SERVER: 'off' }).cwltoolServer, false);
  });

  it('reads the Mesos settings under Scale\'s names, and refuses incomplete or unusable ones', () => {
    const c = loadConfig({ SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: 'http://master:5050/', DCOS_PACKAGE_FRAMEWORK_NAME: 'scale-prod', MESOS_ROLE: 'scale', MESOS_PRINCIPAL: 'p', MESOS_SECRET: 's' });
    assert.equal(c.executor, 'mesos');
    assert.deepEqual(
      { ...c.mesos },
      { masterUrl: 'http://master:5050', frameworkName: 'scale-prod', role: 'scale', principal: 'p', secret: 's', user: 'root', failoverSeconds: 604800, sharedDir: null, refuseSeconds: 5, reconcileSeconds: 120, logPollMs: 2000, cwlAttribute: 'cwltool' },
    );
    assert.equal(loadConfig({}).mesos, null);
    assert.throws(() => loadConfig({ SCALE_EXECUTOR: 'mesos' }), /needs MESOS_MASTER_URL/);
    assert.throws(() => loadConfig({ SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: 'zk://localhost:2181/scale' }), /ZooKeeper discovery is not supported/);
    assert.throws(() => loadConfig({ SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: 'http://m:5050', MESOS_SECRET: 's' }), /without MESOS_PRINCIPAL/);
    assert.throws(() => loadConfig({ SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: 'http://m:5050', MESOS_SHARED_DIR: 'rel' }), /MESOS_SHARED_DIR=rel must be an absolute path/);
    assert.throws(() => loadConfig({ SCALE_EXECUTOR: 'mesos', MESOS_MASTER_URL: 'http://m:5050', MESOS_REFUSE_SECONDS: '-1' }), /MESOS_REFUSE_SECONDS/);
  });

  it('exits with a clear message on a bad setting', async () => {
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { env: { ...process.env, PORT: 'x' } }), (err: any) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /configuration error: PORT="x"/);
      return true;
    });
  });
});
