// Local executor: runs an execution as a child process of this server, in its own directory:
//   executions/<exe id>/input/<INPUT>/…   staged inputs (symlinks into host workspaces)
//   executions/<exe id>/output/           OUTPUT_DIR, ${job_output_dir}
//   executions/<exe id>/log               stdout and stderr (see logs.ts)
//   executions/<exe id>/pid               "<pid> <start time>" so a restarted server can kill orphans
// The command runs without a shell, in its own process group, with only the environment it is given;
// the launcher process (launcher-process.mjs) starts it, so the server itself never forks.
import fs from 'node:fs/promises';
import path from 'node:path';
import { buildArgs, splitWords } from '../command.ts';
import type { ExecutionHandle, Executor, LaunchSpec, RunResult } from '../executor.ts';
import { Launcher } from './launcher.ts';
import { processStart } from './launcher-process.mjs';

/** Server environment variables a job may see; everything else (credentials, DATABASE_URL) stays out. */
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

/** SEED's name normalisation: upper case, '-' to '_', anything else outside [A-Z0-9_] dropped. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_').replace(/[^A-Z0-9_]/g, '');
}

export class LocalExecutor implements Executor {
  readonly kind = 'local';

  private readonly launcher: Launcher;

  constructor(
    private readonly dir: string,
    private readonly killGraceMs: number,
  ) {
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
    const kill = () => {
      killed = true;
      if (launched) this.launcher.kill(spec.exeId, this.killGraceMs);
    };

    const done = (async (): Promise<RunResult> => {
      const outputDir = path.join(exeDir, 'output');
      const env: Record<string, string> = {};
      for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
      const values = new Map<string, string | null>([['job_output_dir', outputDir]]);
      let commandLine = '';
      let argv: string[] = [];
      const failed = (message: string): RunResult => ({ exitCode: null, signal: null, launchError: message, outputDir, artifacts: [], commandLine, jobStarted: null, jobCompleted: new Date() });
      try {
        await fs.mkdir(outputDir, { recursive: true });
        for (const input of spec.inputs) {
          let value: string;
          if (input.kind === 'property') value = input.value;
          else if (input.kind === 'json') value = typeof input.value === 'string' ? input.value : JSON.stringify(input.value);
          else {
            const inputDir = path.join(exeDir, 'input', input.name);
            await fs.mkdir(inputDir, { recursive: true });
            const used = new Set<string>();
            const paths: string[] = [];
            for (const f of input.files) {
              // Two files of one input may share a name; Scale prefixes the file id then.
              const local = used.has(f.fileName) ? `${f.id}.${f.fileName}` : f.fileName;
              used.add(local);
              const p = path.join(inputDir, local);
              await fs.symlink(f.localPath, p);
              paths.push(p);
            }
            value = input.kind === 'file' ? paths[0] : inputDir;
          }
          values.set(input.name, value);
          env[envName(input.name)] = value;
        }
        Object.assign(env, {
          OUTPUT_DIR: outputDir,
          ALLOCATED_CPUS: String(spec.resources.cpus),
          ALLOCATED_MEM: String(spec.resources.mem),
          ALLOCATED_DISK: String(spec.resources.disk),
          SCALE_JOB_ID: String(spec.jobId),
          SCALE_EXE_NUM: String(spec.exeNum),
          SCALE_JOB_EXE_ID: String(spec.exeId),
        });
        argv = [...splitWords(spec.iface.command), ...buildArgs(spec.iface.commandArguments, values)];
        commandLine = argv.join(' ');
        if (!argv.length) return failed('the command is empty');
      } catch (err) {
        return failed((err as Error).message);
      }
      if (killed) return failed('killed before it started');
      launched = true;
      const end = await this.launcher.run({ id: spec.exeId, cmd: argv[0], args: argv.slice(1), cwd: exeDir, env, log: logPath, pidFile: path.join(exeDir, 'pid') });
      return {
        exitCode: end.code,
        signal: end.signal,
        launchError: end.error,
        outputDir,
        artifacts: end.artifacts,
        commandLine,
        jobStarted: end.started ? new Date(end.started) : null,
        jobCompleted: new Date(end.ended),
      };
    })();
    return { done, kill, logPath };
  }

  async cleanup(exeId: number): Promise<void> {
    const exeDir = this.exeDir(exeId);
    await Promise.all(['input', 'output', 'pid'].map((p) => fs.rm(path.join(exeDir, p), { recursive: true, force: true })));
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
    return killed;
  }
}
