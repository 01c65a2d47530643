// Local executor: runs an execution as a child process of this server, in its own directory:
//   executions/<exe id>/input/<INPUT>/…   staged inputs (symlinks into host workspaces)
//   executions/<exe id>/output/           OUTPUT_DIR, ${job_output_dir}
//   executions/<exe id>/log               stdout and stderr (see logs.ts)
//   executions/<exe id>/pid               "<pid> <start time>" so a restarted server can kill orphans
// The command runs without a shell, in its own process group, with only the environment it is given.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildArgs, splitWords } from '../command.ts';
import type { ExecutionHandle, Executor, LaunchSpec, RunResult } from '../executor.ts';
import { createLogWriter } from '../logs.ts';

/** Server environment variables a job may see; everything else (credentials, DATABASE_URL) stays out. */
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

/** SEED's name normalisation: upper case, '-' to '_', anything else outside [A-Z0-9_] dropped. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_').replace(/[^A-Z0-9_]/g, '');
}

/** The process start time from /proc, which tells a live pid from a reused one. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the parenthesised command name are space separated.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export class LocalExecutor implements Executor {
  readonly kind = 'local';

  constructor(
    private readonly dir: string,
    private readonly killGraceMs: number,
  ) {}

  exeDir(exeId: number): string {
    return path.join(this.dir, String(exeId));
  }

  launch(spec: LaunchSpec): ExecutionHandle {
    const exeDir = this.exeDir(spec.exeId);
    const logPath = path.join(exeDir, 'log');
    let child: ReturnType<typeof spawn> | null = null;
    let killed = false;
    let killTimer: NodeJS.Timeout | null = null;

    const kill = () => {
      killed = true;
      if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
      const pid = child.pid;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      killTimer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, this.killGraceMs);
      killTimer.unref();
    };

    const done = (async (): Promise<RunResult> => {
      const outputDir = path.join(exeDir, 'output');
      const artifacts: RunResult['artifacts'] = [];
      const env: Record<string, string> = {};
      for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
      const values = new Map<string, string | null>([['job_output_dir', outputDir]]);
      let commandLine = '';
      try {
        await fs.mkdir(outputDir, { recursive: true });
        for (const input of spec.inputs) {
          let value: string;
          if (input.kind === 'property') value = input.value;
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
        const argv = [...splitWords(spec.iface.command), ...buildArgs(spec.iface.commandArguments, values)];
        commandLine = argv.join(' ');
        if (!argv.length) throw new Error('the command is empty');
        if (killed) throw new Error('canceled before start');
        const log = createLogWriter(logPath, (line) => {
          const m = /^ARTIFACT:([^:]+):(.+)$/.exec(line);
          if (m) artifacts.push({ name: m[1], path: m[2].trim() });
        });
        const jobStarted = new Date();
        const proc = spawn(argv[0], argv.slice(1), { cwd: exeDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        child = proc;
        proc.stdout!.on('data', (c: Buffer) => log.write('stdout', c));
        proc.stderr!.on('data', (c: Buffer) => log.write('stderr', c));
        if (proc.pid) {
          const start = processStart(proc.pid);
          fs.writeFile(path.join(exeDir, 'pid'), `${proc.pid} ${start ?? ''}`).catch(() => {});
        }
        if (killed) kill();
        const end = await new Promise<{ code: number | null; signal: string | null; error: string | null }>((resolve) => {
          proc.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
          proc.once('close', (code, signal) => resolve({ code, signal, error: null }));
        });
        if (killTimer) clearTimeout(killTimer);
        if (end.error) log.write('stderr', Buffer.from(`failed to start ${argv[0]}: ${end.error}\n`));
        await log.close();
        return {
          exitCode: end.code,
          signal: end.signal,
          launchError: end.error,
          outputDir,
          artifacts,
          commandLine,
          jobStarted: end.error ? null : jobStarted,
          jobCompleted: new Date(),
        };
      } catch (err) {
        return { exitCode: null, signal: null, launchError: (err as Error).message, outputDir, artifacts, commandLine, jobStarted: null, jobCompleted: new Date() };
      }
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
