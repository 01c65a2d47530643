// Local executor: runs an execution as a child process of this server, in its own directory:
//   executions/<exe id>/input/<INPUT>/…   staged inputs (symlinks into host workspaces)
//   executions/<exe id>/output/           OUTPUT_DIR, ${job_output_dir}
//   executions/<exe id>/log               stdout and stderr (see logs.ts)
//   executions/<exe id>/pid               "<pid> <start time>" so a restarted server can kill orphans
// The command runs without a shell, in its own process group, with only the environment it is given;
// the launcher process (launcher-process.mjs) starts it, so the server itself never forks. The
// built-in programs (echo, the diagnostics) run in this process instead (in-process.ts).
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Contract, directoryLayout, type Layout, runContract } from '../contract.ts';
import type { ExecutionHandle, Executor, LaunchSpec, RunResult } from '../executor.ts';
import type { Program } from '../../core/job-types/builtin/programs.ts';
import { inProcessProgram, runInProcess } from './in-process.ts';
import { Launcher } from './launcher.ts';
import { type DoneMessage, processStart } from './launcher-process.mjs';

/** Server environment variables a job may see; everything else (credentials, DATABASE_URL) stays out. */
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

/** Whether the file system holding dir is full (what a process of this user can still write), as a note; null when it is not. */
async function noSpaceLeft(dir: string): Promise<string | null> {
  try {
    const s = await fs.statfs(dir);
    const free = (process.getuid?.() === 0 ? s.bfree : s.bavail) * s.bsize;
    return free < 64 * 1024 ? `${free} bytes free of ${s.blocks * s.bsize}` : null;
  } catch {
    return null;
  }
}

/**
 * A file of the execution's own: a hard link to the workspace's file (no bytes copied) when the
 * command's user may read it, else a copy it may read; a copy too across file systems.
 */
async function ownCopy(from: string, to: string, user: Contract['user']): Promise<void> {
  const st = await fs.stat(from);
  const readable = !user || st.mode & 0o004 || (st.uid === user.uid && st.mode & 0o400) || (st.gid === user.gid && st.mode & 0o040);
  if (readable) {
    try {
      await fs.link(from, to);
      return;
    } catch {
      /* another file system, or links refused: copy */
    }
  }
  await fs.copyFile(from, to);
  if (user) await fs.chown(to, user.uid, user.gid);
}

/**
 * Removes a directory entry and, for a directory, everything under it, without following links. As
 * fs.rm(…, { recursive: true, force: true }) does, by the entries' types as listed (rm looks at each
 * path first, and tries a directory's removal before it lists it: twice the file system calls for
 * the few small files an execution leaves). Whatever it cannot remove this way goes to fs.rm.
 */
async function removeEntry(dir: string, e: Dirent): Promise<void> {
  const p = path.join(dir, e.name);
  try {
    if (!e.isDirectory()) return await fs.unlink(p);
    const inner = await fs.readdir(p, { withFileTypes: true });
    await Promise.all(inner.map((i) => removeEntry(p, i)));
    await fs.rmdir(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code !== 'ENOENT') await fs.rm(p, { recursive: true, force: true });
  }
}

/** What makes a local executor run something other than a job type's own command (the `cwl` runtime: cwltool). */
export interface LocalRuntime {
  kind: string;
  /** The contract of an execution (defaults to the job type's command, runContract). */
  contract(spec: LaunchSpec, layout: Layout, exeDir: string): Contract;
  /** Log lines that tell progress (a RegExp source), and how each moves it (null: it does not). */
  progress?(spec: LaunchSpec): { watch: string; line(line: string): number | null } | null;
  /** Removes what an execution left beyond its process (containers cwltool started), once it has ended or been found orphaned. */
  leftovers?(exeId: number, exeDir: string): Promise<void>;
}

export class LocalExecutor implements Executor {
  readonly kind: string;

  private readonly launcher: Launcher;

  constructor(
    private readonly dir: string,
    private readonly killGraceMs: number,
    private readonly runtime: LocalRuntime | null = null,
    /** Built-in programs run in this process rather than as a command (in-process.ts), by script path. */
    private readonly programs: ReadonlyMap<string, Program> = new Map(),
  ) {
    this.kind = runtime?.kind ?? 'local';
    this.launcher = new Launcher(async (ids) => {
      await this.killOrphans(ids);
    });
  }

  /** Stops the launcher process; anything still running is killed. */
  close(): Promise<void> {
    return this.launcher.close();
  }

  exeDir(exeId: number): string {
    return path.join(this.dir, String(exeId));
  }

  launch(spec: LaunchSpec): ExecutionHandle {
    const exeDir = this.exeDir(spec.exeId);
    const logPath = path.join(exeDir, 'log');
    let killed = false;
    let launched = false;
    let progressListener: ((percent: number) => void) | null = null;
    const progress = this.runtime?.progress?.(spec) ?? null;
    const stop = new AbortController();
    const kill = () => {
      killed = true;
      stop.abort();
      if (launched) this.launcher.kill(spec.exeId, this.killGraceMs);
    };

    const done = (async (): Promise<RunResult> => {
      const layout = directoryLayout(exeDir);
      const { outputDir, inputRoot } = layout;
      const contract = this.runtime ? this.runtime.contract(spec, layout, exeDir) : runContract(spec, layout);
      const commandLine = contract.argv.join(' ');
      const failed = (message: string): RunResult => ({ exitCode: null, signal: null, launchError: message, outputDir, artifacts: [], commandLine, jobStarted: null, jobCompleted: new Date() });
      if (contract.failure) return { ...failed(contract.failure.message), failWith: contract.failure.error };
      if (!contract.argv.length) return failed('the command is empty');
      const env: Record<string, string> = {};
      for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
      Object.assign(env, contract.env);
      // A built-in program runs here, as the server's own user and with no streams redirected.
      const program = !this.runtime && !contract.user && !contract.stdio ? inProcessProgram(contract.argv, this.programs) : null;
      try {
        await fs.mkdir(outputDir, { recursive: true });
        for (const d of contract.dirs ?? []) {
          await fs.mkdir(d, { recursive: true });
          if (contract.user) await fs.chown(d, contract.user.uid, contract.user.gid);
        }
        for (const w of contract.writes ?? []) {
          await fs.mkdir(path.dirname(w.path), { recursive: true });
          await fs.writeFile(w.path, w.content);
        }
        for (const f of contract.files) {
          await fs.mkdir(path.dirname(f.path), { recursive: true });
          if (f.own) await ownCopy(f.localPath, f.path, contract.user);
          else await fs.symlink(f.localPath, f.path);
        }
        // The built-in programs read no INPUT_METADATA document (programs.ts): it is not written for them.
        if (spec.inputMetadata !== undefined && !program) {
          await fs.mkdir(inputRoot, { recursive: true });
          await fs.writeFile(path.join(inputRoot, 'scale-input-metadata.json'), JSON.stringify(spec.inputMetadata));
        }
      } catch (err) {
        return failed((err as Error).message);
      }
      const argv = contract.argv;
      if (killed) return failed('killed before it started');
      let end: DoneMessage;
      if (program) end = await runInProcess(program, { id: spec.exeId, args: argv.slice(2), env, log: logPath, signal: stop.signal });
      else {
        launched = true;
        end = await this.launcher.run({ id: spec.exeId, cmd: argv[0], args: argv.slice(1), cwd: contract.workingDir ?? exeDir, env, log: logPath, pidFile: path.join(exeDir, 'pid'), ...(contract.stdio ? { stdio: contract.stdio } : {}), ...(contract.user ? { uid: contract.user.uid, gid: contract.user.gid } : {}), ...(progress ? { watch: progress.watch } : {}) }, progress ? (line) => {
          const p = progress.line(line);
          if (p !== null) progressListener?.(p);
        } : undefined);
      }
      await this.runtime?.leftovers?.(spec.exeId, exeDir).catch(() => {});
      // A command that failed on a full disk is not the algorithm's fault, and its log (on the same
      // disk) cannot say what happened: the execution fails as a system error that does.
      const full = end.code !== 0 && !end.error && !killed ? await noSpaceLeft(exeDir) : null;
      return {
        ...(full ? { failWith: 'filesystem-io', message: `no space left on the device of ${this.dir} (${full}); the command failed when it could not write` } : {}),
        exitCode: end.code,
        signal: end.signal,
        launchError: end.error,
        outputDir,
        artifacts: end.artifacts,
        ...(contract.outputObject ? { outputObject: contract.outputObject } : {}),
        commandLine,
        jobStarted: end.started ? new Date(end.started) : null,
        jobCompleted: new Date(end.ended),
      };
    })();
    return { done, kill, logPath, onProgress: (listener) => (progressListener = listener) };
  }

  async cleanup(exeId: number): Promise<void> {
    const exeDir = this.exeDir(exeId);
    // Everything but the log: inputs, outputs, and what a runtime wrote (cwltool's document, job order, temporary directories).
    const entries = await fs.readdir(exeDir, { withFileTypes: true }).catch(() => [] as Dirent[]);
    await Promise.all(entries.filter((e) => e.name !== 'log').map((e) => removeEntry(exeDir, e)));
  }

  async killOrphans(exeIds: number[], workDir = this.dir): Promise<number> {
    let killed = 0;
    for (const id of exeIds) {
      let text: string;
      try {
        text = await fs.readFile(path.join(workDir, String(id), 'pid'), 'utf8');
      } catch {
        continue;
      }
      const [pidText, start] = text.trim().split(' ');
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 1) continue;
      // Only a process with the recorded start time is ours; a reused pid belongs to someone else.
      if (!start || processStart(pid) !== start) continue;
      try {
        process.kill(-pid, 'SIGKILL');
        killed++;
      } catch {
        /* gone in the meantime */
      }
    }
    if (this.runtime?.leftovers) for (const id of exeIds) await this.runtime.leftovers(id, path.join(workDir, String(id))).catch(() => {});
    return killed;
  }
}
