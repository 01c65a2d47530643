// The built-in programs (echo, the diagnostics) run in the server's own process by the local
// executor: no child process, the same log and outputs, a pause that does not hold the event loop,
// a kill that stops it, a failure with its words; and their scripts still run on their own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seedToInterface } from '../seed-mapping/seed-manifest.ts';
import { echoManifest } from '../src/core/job-types/builtin/echo.ts';
import { builtinPrograms, ECHO_SCRIPT } from '../src/core/job-types/builtin/programs.ts';
import type { LaunchSpec } from '../src/executors/executor.ts';
import { readLog } from '../src/executors/logs.ts';
import { LocalExecutor } from '../src/executors/local/local-executor.ts';

describe('built-in programs in-process', () => {
  let dir: string;
  let executor: LocalExecutor;
  const iface = seedToInterface(echoManifest());
  let nextId = 1;
  const spec = (values: Record<string, unknown>): LaunchSpec => ({
    exeId: nextId++, jobId: 1, exeNum: 1, jobTypeName: 'echo', jobTypeVersion: '1.0.0', iface, resources: { cpus: 0.1, mem: 64, disk: 1 },
    inputs: Object.entries(values).map(([name, value]) => ({ name, kind: 'json' as const, value })), inputMetadata: { JOB: values, RECIPE: {} },
  });

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'in-process-'));
    executor = new LocalExecutor(dir, 1000, null, builtinPrograms());
  });
  after(async () => {
    await executor.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('echoes in this process: outputs and log as the script writes them, and no pid file (no process)', async () => {
    const s = spec({ message: 'in here', object: { a: 1 } });
    const h = executor.launch(s);
    const r = await h.done;
    assert.equal(r.exitCode, 0);
    assert.equal(r.launchError, null);
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(r.outputDir, 'seed.outputs.json'), 'utf8')), { message: 'in here', object: { a: 1 } });
    assert.deepEqual((await readLog(h.logPath, 'stdout')).map((l) => l.message), ['in here']);
    await assert.rejects(fs.access(path.join(dir, String(s.exeId), 'pid')), 'no process was started, so no pid was recorded');
    assert.match(r.commandLine, /echo\.mjs$/);
  });

  it('writes no INPUT_METADATA document for it (it reads none), and cleanup leaves only the log', async () => {
    const s = spec({ message: 'tidy' });
    const h = executor.launch(s);
    assert.equal((await h.done).exitCode, 0);
    const exeDir = path.join(dir, String(s.exeId));
    await assert.rejects(fs.access(path.join(exeDir, 'input', 'scale-input-metadata.json')));
    await executor.cleanup(s.exeId);
    assert.deepEqual(await fs.readdir(exeDir), ['log']);
  });

  it('fails with its words on stderr, exit code 1', async () => {
    const h = executor.launch(spec({ message: 'x', fail: true }));
    const r = await h.done;
    assert.equal(r.exitCode, 1);
    assert.deepEqual((await readLog(h.logPath, 'stderr')).map((l) => l.message), ['failing, as the fail input asked']);
  });

  it('pauses without holding the event loop, and a kill stops it at once', async () => {
    const t0 = Date.now();
    const h = executor.launch(spec({ message: 'x', pause: 30 }));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    let ended = false;
    void h.done.then(() => (ended = true));
    // The event loop turns while echo pauses.
    while (ticks < 5) await new Promise((r) => setTimeout(r, 5));
    assert.equal(ended, false, 'still pausing');
    h.kill();
    const r = await h.done;
    clearInterval(ticker);
    assert.ok(Date.now() - t0 < 10_000, 'the kill ended the pause');
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
  });

  it('still runs as a script of its own', async () => {
    const out = await fs.mkdtemp(path.join(dir, 'script-'));
    const res = spawnSync(process.execPath, [ECHO_SCRIPT], { env: { MESSAGE: 'by script', OUTPUT_DIR: out }, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, 'by script\n');
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(out, 'seed.outputs.json'), 'utf8')), { message: 'by script' });
    const failed = spawnSync(process.execPath, [ECHO_SCRIPT], { env: { FAIL: 'true', OUTPUT_DIR: out }, encoding: 'utf8' });
    assert.equal(failed.status, 1);
    assert.equal(failed.stderr, 'failing, as the fail input asked\n');
  });
});
