// Docker executor: runs an execution as a container on a Docker engine, through its API (dockerode,
// never the docker CLI). Layout inside the container, as Scale's (seed 001):
//   /scale/input_data/<INPUT>/<file>            each input file, bound read-only from its workspace
//   /scale/input_data/scale-input-metadata.json  INPUT_METADATA
//   /scale/output_data                           OUTPUT_DIR, bound read-write from executions/<id>/output
// Containers carry labels with the node and the execution id, so a restarted server finds the
// ones still running and adopts them instead of leaking them.
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { type Contract, runContract } from '../contract.ts';
import type { ExecutionHandle, Executor, LaunchSpec, RunResult } from '../executor.ts';
import { createLogWriter } from '../logs.ts';
import { isImageReference } from './images.ts';

export const LABEL_NODE = 'scale-node';
export const LABEL_EXE = 'scale-job-exe-id';
const IN = '/scale/input_data';
const OUT = '/scale/output_data';
const MIB = 1024 * 1024;

/** Whether an engine request failed because the engine could not be reached (stopped, restarting, socket gone). */
function unreachable(err: any): boolean {
  return err?.syscall === 'connect' || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(err?.code) || /socket hang up/i.test(err?.message ?? '');
}

/** How a followed container ended, as a run's result; one that vanished from the engine fails as docker-terminated. */
function ended(end: { exitCode: number | null; gone: boolean; artifacts: { name: string; path: string }[] }, run: { outputDir: string; commandLine: string; jobStarted: Date | null }): RunResult {
  const ran: RunResult = { exitCode: end.exitCode, signal: null, launchError: null, artifacts: end.artifacts, jobCompleted: new Date(), ...run };
  return end.gone ? { ...ran, failWith: 'docker-terminated', message: 'the container vanished from the engine before it ended' } : ran;
}

export class DockerExecutor implements Executor {
  readonly kind = 'docker';
  /** Image pulls under way, so each image is pulled once per node, not once per job. */
  private readonly pulls = new Map<string, Promise<void>>();
  /** Set while the engine cannot be reached: no container is started until a ping gets through again. */
  private probe: NodeJS.Timeout | null = null;
  /** How often a container's state is read while its wait() is pending (a wait cut by an engine restart never ends). */
  pollMs = 2000;

  constructor(
    private readonly docker: Docker,
    private readonly dir: string,
    private readonly killGraceMs: number,
    /** The node this executor serves, written on every container it creates. */
    private readonly node: string,
  ) {}

  exeDir(exeId: number): string {
    return path.join(this.dir, String(exeId));
  }

  /** Whether containers can be started now: false from a failed attempt to reach the engine until it answers again. */
  available(): boolean {
    return this.probe === null;
  }

  /** The engine went away: stop offering containers, and ping it until it is back. */
  private lost(err: unknown): void {
    if (this.probe || !unreachable(err)) return;
    this.probe = setInterval(() => {
      this.docker.ping().then(
        () => {
          if (this.probe) clearInterval(this.probe);
          this.probe = null;
        },
        () => {},
      );
    }, 1000);
    this.probe.unref();
  }

  /**
   * The container's exit code once it has stopped: from wait(), or from its state read every
   * pollMs, since a wait cut by the engine going away may never settle. While the engine cannot be
   * reached the container may well run on, so it is waited for, not given up on. `gone`: the
   * container no longer exists (removed, or lost with the engine).
   */
  private async exitOf(container: Docker.Container): Promise<{ exitCode: number | null; gone: boolean }> {
    let over = false;
    const waited = container.wait().then(
      (w) => ({ exitCode: typeof w?.StatusCode === 'number' ? w.StatusCode : null, gone: false }),
      (err) => {
        this.lost(err);
        return new Promise<never>(() => {}); // the state poll decides
      },
    );
    const polled = (async () => {
      while (!over) {
        await new Promise((r) => setTimeout(r, this.pollMs));
        if (over) break;
        try {
          const info = await container.inspect();
          if (!info.State?.Running) return { exitCode: typeof info.State?.ExitCode === 'number' ? info.State.ExitCode : null, gone: false };
        } catch (err: any) {
          if (err?.statusCode === 404) return { exitCode: null, gone: true };
          this.lost(err);
        }
      }
      return new Promise<never>(() => {});
    })();
    try {
      return await Promise.race([waited, polled]);
    } finally {
      over = true;
    }
  }

  /** Makes sure the image is on the engine, pulling it (once) when it is not. */
  async ensureImage(image: string): Promise<void> {
    if (!isImageReference(image)) throw new Error(`${JSON.stringify(image.slice(0, 200))} is not a Docker image reference`);
    let missing: string;
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch (err: any) {
      if (err?.statusCode !== 404) throw err;
      // What the engine answers a 404 for an image with (dockerode's message repeats it, lower-cased).
      missing = `No such image: ${image}`;
    }
    let pull = this.pulls.get(image);
    if (!pull) {
      pull = (async () => {
        try {
          const stream = await this.docker.pull(image);
          await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
        } catch (err: any) {
          // The engine's reason alone ("dial tcp: lookup registry-1.docker.io: no such host") does not say what was pulled.
          throw Object.assign(new Error(`image ${image} is not on the Docker engine (${missing}) and pulling it failed: ${err?.json?.message ?? err?.message ?? String(err)}`), { pull: true });
        }
      })().finally(() => this.pulls.delete(image));
      this.pulls.set(image, pull);
    }
    await pull;
  }

  private createOptions(spec: LaunchSpec, contract: Contract, exeDir: string): Docker.ContainerCreateOptions {
    const binds = [`${path.join(exeDir, 'input')}:${IN}:ro`, `${path.join(exeDir, 'output')}:${OUT}:rw`, ...contract.files.map((f) => `${f.localPath}:${f.path}:ro`)];
    const mounts: Docker.MountSettings[] = [];
    for (const m of contract.mounts) {
      if (m.source.type === 'host') binds.push(`${m.source.host_path}:${m.path}:${m.mode}`);
      else mounts.push({ Type: 'volume', Target: m.path, ReadOnly: m.mode === 'ro', VolumeOptions: { DriverConfig: { Name: m.source.driver!, Options: m.source.driver_opts ?? {} } } } as Docker.MountSettings);
    }
    const shm = spec.resources.sharedMem ?? spec.resources.sharedmem;
    return {
      Image: spec.image!,
      // An empty SEED command runs the image's own CMD.
      Cmd: contract.argv.length ? contract.argv : undefined,
      // A CWL stdin: the engine holds the container's stdin open until the file has been sent.
      ...(contract.stdio?.stdin ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
      ...(contract.workingDir ? { WorkingDir: contract.workingDir } : {}),
      Env: Object.entries(contract.env).map(([k, v]) => `${k}=${v}`),
      Labels: {
        [LABEL_NODE]: this.node,
        [LABEL_EXE]: String(spec.exeId),
        'scale-job-id': String(spec.jobId),
        'scale-job-type-name': spec.jobTypeName,
        'scale-job-type-version': spec.jobTypeVersion,
      },
      HostConfig: {
        Binds: binds,
        Mounts: mounts.length ? mounts : undefined,
        NanoCpus: Math.max(1, Math.round((spec.resources.cpus ?? 1) * 1e9)),
        // Docker refuses less than 6 MiB.
        Memory: Math.max(6, Math.ceil(spec.resources.mem ?? 64)) * MIB,
        ShmSize: shm ? Math.ceil(shm) * MIB : undefined,
      },
    };
  }

  /** Follows a started container to its end: logs into the log file, then its exit code. */
  private async follow(container: Docker.Container, logPath: string, redirect: { stdout?: string; stderr?: string } = {}, attached?: NodeJS.ReadableStream): Promise<{ exitCode: number | null; gone: boolean; artifacts: { name: string; path: string }[] }> {
    const artifacts: { name: string; path: string }[] = [];
    const log = createLogWriter(logPath, (line) => {
      const a = /^ARTIFACT:([^:]+):(.+)$/.exec(line);
      if (a) artifacts.push({ name: a[1], path: a[2].trim().replace(new RegExp(`^${OUT}/?`), '') });
    });
    // Without the engine there is no log to follow; the container is still waited for.
    // An adopted container's log is followed from its start: the engine keeps it whole.
    const stream = attached ?? ((await container.logs({ follow: true, stdout: true, stderr: true }).catch((err) => {
      if (!unreachable(err)) throw err;
      this.lost(err);
      return new PassThrough().end();
    })) as unknown) as NodeJS.ReadableStream;
    const out = new PassThrough();
    const err = new PassThrough();
    // Streams the command redirects (CWL stdout/stderr) go to their files; the rest to the log.
    const files = [redirect.stdout ? createWriteStream(redirect.stdout) : null, redirect.stderr ? createWriteStream(redirect.stderr) : null];
    if (files[0]) out.pipe(files[0]);
    else out.on('data', (c: Buffer) => log.write('stdout', c));
    if (files[1]) err.pipe(files[1]);
    else err.on('data', (c: Buffer) => log.write('stderr', c));
    this.docker.modem.demuxStream(stream, out, err);
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', resolve);
    });
    const waited = await this.exitOf(container);
    // The engine ends a followed log once the container has stopped and everything it wrote has
    // been sent; on a busy machine that can be seconds after the exit. Cutting it short lost the
    // last output (a final line without a newline, a CWL stdout). Only an engine that never ends
    // the stream is given up on, after a minute.
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise<void>((r) => (guard = setTimeout(r, 60_000)))]);
    clearTimeout(guard);
    (stream as any).destroy?.();
    out.end();
    err.end();
    await Promise.all(files.map((f) => (f ? new Promise<void>((r) => (f.writableFinished ? r() : f.once('finish', () => r()).once('error', () => r()))) : null)));
    await log.close();
    return { exitCode: waited.exitCode, gone: waited.gone, artifacts };
  }

  private handleFor(exeId: number, logPath: string, run: (state: { container: Docker.Container | null; killed: boolean }) => Promise<RunResult>): ExecutionHandle {
    const state = { container: null as Docker.Container | null, killed: false };
    const kill = () => {
      state.killed = true;
      const c = state.container;
      if (!c) return;
      c.kill({ signal: 'SIGTERM' }).catch(() => {});
      const t = setTimeout(() => c.kill({ signal: 'SIGKILL' }).catch(() => {}), this.killGraceMs);
      t.unref();
    };
    return { done: run(state), kill, logPath };
  }

  launch(spec: LaunchSpec): ExecutionHandle {
    const exeDir = this.exeDir(spec.exeId);
    const logPath = path.join(exeDir, 'log');
    const outputDir = path.join(exeDir, 'output');
    return this.handleFor(spec.exeId, logPath, async (state) => {
      const contract = runContract(spec, {
        inputDir: (name) => `${IN}/${name}`,
        inputFile: (name, file) => `${IN}/${name}/${file}`,
        outputDir: OUT,
        inputMetadata: `${IN}/scale-input-metadata.json`,
      });
      const commandLine = contract.argv.join(' ');
      const failed = (message: string, extra: Partial<RunResult> = {}): RunResult => ({
        exitCode: null, signal: null, launchError: message, outputDir, artifacts: [], commandLine, jobStarted: null, jobCompleted: new Date(), ...extra,
      });
      if (contract.failure) return failed(contract.failure.message, { failWith: contract.failure.error });
      if (!spec.image) return failed('the job has no Docker image');
      let container: Docker.Container | null = null;
      let output: NodeJS.ReadableStream | undefined;
      try {
        const inputDir = path.join(exeDir, 'input');
        await fs.mkdir(outputDir, { recursive: true });
        await fs.mkdir(inputDir, { recursive: true });
        // The container writes as whoever its image says; let it write its outputs.
        await fs.chmod(outputDir, 0o777);
        await fs.writeFile(path.join(inputDir, 'scale-input-metadata.json'), JSON.stringify(spec.inputMetadata ?? { JOB: {}, RECIPE: {} }));
        // Mount points for the input files, so the engine binds onto files that exist.
        for (const f of contract.files) {
          const host = path.join(inputDir, path.relative(IN, f.path));
          await fs.mkdir(path.dirname(host), { recursive: true });
          await fs.writeFile(host, '');
        }
        await this.ensureImage(spec.image);
        if (state.killed) return failed('killed before it started');
        container = await this.docker.createContainer(this.createOptions(spec, contract, exeDir));
        state.container = container;
        if (state.killed) throw new Error('killed before it started');
        // Attached before it starts, as `docker run` does: a followed log (GET /logs?follow) of a
        // container that exits at once came back empty in 15 of 50 runs of a one-line printf, while
        // the engine had the output; an attachment made before the start receives every byte.
        output = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
        const stdin = contract.stdio?.stdin ? await this.attachStdin(container, contract) : null;
        await container.start();
        stdin?.();
      } catch (err: any) {
        this.lost(err);
        (output as any)?.destroy?.();
        if (container) await container.remove({ force: true }).catch(() => {});
        const message = err?.json?.message ?? err?.message ?? String(err);
        return failed(message, { failWith: err?.pull || (/pull|not found|manifest unknown|repository/i.test(message) && !container) ? 'pull' : 'docker-task-launch' });
      }
      const jobStarted = new Date();
      try {
        const onHost = (p: string | undefined) => (p ? path.join(outputDir, path.relative(OUT, p)) : undefined);
        const end = await this.follow(container, logPath, { stdout: onHost(contract.stdio?.stdout), stderr: onHost(contract.stdio?.stderr) }, output);
        return ended(end, { outputDir, commandLine, jobStarted });
      } finally {
        await container.remove({ force: true }).catch(() => {});
      }
    });
  }

  /** Attaches to the container's stdin; the function returned, called once it started, sends the staged file and closes it. */
  private async attachStdin(container: Docker.Container, contract: Contract): Promise<() => void> {
    const staged = contract.files.find((f) => f.path === contract.stdio!.stdin);
    if (!staged) throw new Error(`stdin ${contract.stdio!.stdin} is not an input file of the job`);
    const stream = (await container.attach({ stream: true, stdin: true, hijack: true })) as unknown as NodeJS.ReadWriteStream;
    return () => {
      const file = createReadStream(staged.localPath);
      file.on('error', () => stream.end());
      file.pipe(stream);
    };
  }

  /**
   * Containers this node's executions left running when the server stopped: each becomes an
   * execution handle again (its log followed, its end awaited), keyed by execution id.
   * Containers of executions not in `live` are removed.
   */
  async adopt(live: Set<number>): Promise<Map<number, ExecutionHandle>> {
    const adopted = new Map<number, ExecutionHandle>();
    const list = await this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL_NODE}=${this.node}`] }) });
    for (const info of list) {
      const exeId = Number(info.Labels?.[LABEL_EXE]);
      const container = this.docker.getContainer(info.Id);
      if (!live.has(exeId)) {
        await container.remove({ force: true }).catch(() => {});
        continue;
      }
      const exeDir = this.exeDir(exeId);
      const handle = this.handleFor(exeId, path.join(exeDir, 'log'), async (state) => {
        state.container = container;
        const startedAt = info.Created ? new Date(info.Created * 1000) : null;
        try {
          // The engine keeps the whole log; write it again from the start.
          await fs.rm(path.join(exeDir, 'log'), { force: true });
          const end = await this.follow(container, path.join(exeDir, 'log'));
          return ended(end, { outputDir: path.join(exeDir, 'output'), commandLine: info.Command ?? '', jobStarted: startedAt });
        } finally {
          await container.remove({ force: true }).catch(() => {});
        }
      });
      adopted.set(exeId, handle);
    }
    return adopted;
  }

  async cleanup(exeId: number): Promise<void> {
    const exeDir = this.exeDir(exeId);
    await Promise.all(['input', 'output'].map((p) => fs.rm(path.join(exeDir, p), { recursive: true, force: true })));
  }

  /** Removes the containers of these executions, whichever node made them (execution ids are unique). */
  async killOrphans(exeIds: number[]): Promise<number> {
    if (!exeIds.length) return 0;
    const list = await this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [LABEL_EXE] }) });
    const wanted = new Set(exeIds);
    let n = 0;
    for (const info of list) {
      if (!wanted.has(Number(info.Labels?.[LABEL_EXE]))) continue;
      await this.docker.getContainer(info.Id).remove({ force: true }).catch(() => {});
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }
}
