// cwltool, the reference CWL runner, as this server uses it: to check and pack a document when it is
// deployed (`cwltool --validate`, and `--pack`: every `run:` and `$import` pulled into one document
// with `#main` the process to run), and to run a packed document with a job order (the `cwl` runtime,
// see src/executors/cwl-contract.ts). Its messages are kept as it wrote them, less colour codes,
// progress lines and the temporary paths it was given.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface CwlToolOptions {
  /** The program and its leading arguments (SCALE_CWLTOOL: `cwltool`, or `python3 -m cwltool`). */
  command: string[];
  /** Time limit of a check or pack, in seconds. */
  timeoutSeconds?: number;
}

/** Its refusal of a document, in its own words. */
export class CwlRefused extends Error {}

const ANSI = /\u001b\[[0-9;]*m/g;

/** cwltool's output for people: its ERROR lines and what follows them, without colours, INFO lines and `dir`. */
export function cwltoolMessage(stderr: string, dir: string | null): string {
  const lines = stderr.replace(ANSI, '').split('\n');
  const kept = lines.filter((l) => l.trim() && !/^\s*(INFO|DEBUG|WARNING)\b/.test(l)).map((l) => l.replace(/^\s*ERROR\s*/, ''));
  let text = (kept.length ? kept : lines.filter((l) => l.trim())).join('\n').trim();
  if (dir) text = text.split(`file://${dir}/`).join('').split(`${dir}/`).join('');
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text || 'cwltool refused the document and said nothing more';
}

function run(command: string[], args: string[], opts: { cwd?: string; timeoutSeconds: number; maxBuffer?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command[0], [...command.slice(1), ...args], { cwd: opts.cwd, timeout: opts.timeoutSeconds * 1000, maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${command[0]} is not installed (install Debian's cwltool package, or set SCALE_CWLTOOL)`));
      if (err && (err as { killed?: boolean }).killed) return reject(new Error(`${command.join(' ')} did not finish within ${opts.timeoutSeconds} s`));
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Where a program would be run from (a path, or the first match on PATH); null when it is nowhere. Quick: nothing is started. */
export function findProgram(program: string): string | null {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, program));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return c;
    } catch {
      /* not here */
    }
  }
  return null;
}

export type CwlTool = ReturnType<typeof createCwlTool>;

export function createCwlTool(opts: CwlToolOptions) {
  const timeoutSeconds = opts.timeoutSeconds ?? 120;
  let version: Promise<string | null> | null = null;

  return {
    command: opts.command,

    /** cwltool's version, or null when it cannot be run here (asked once). */
    version(): Promise<string | null> {
      version ??= run(opts.command, ['--version'], { timeoutSeconds: 60 })
        .then((r) => (r.code === 0 ? (r.stdout.trim().split(/\s+/).pop() ?? '') : null))
        .catch(() => null);
      return version;
    },

    /**
     * Checks and packs the document `file` (in `dir`, beside what it references), the process
     * `target` of a $graph when given; CwlRefused with cwltool's words when it is not valid CWL.
     */
    async pack(dir: string, file: string, target: string | null): Promise<Record<string, any>> {
      const ref = target ? `${file}#${target}` : file;
      // Two runs, side by side: --pack only preprocesses (a v1.0 document using v1.2's `when` packs,
      // upgraded, as valid v1.2), and cwltool refuses --validate with --pack.
      const [v, r] = await Promise.all([
        run(opts.command, ['--quiet', '--validate', ref], { cwd: dir, timeoutSeconds }),
        run(opts.command, ['--quiet', '--pack', ref], { cwd: dir, timeoutSeconds }),
      ]);
      if (v.code !== 0) throw new CwlRefused(cwltoolMessage(v.stderr, dir));
      if (r.code !== 0) throw new CwlRefused(cwltoolMessage(r.stderr, dir));
      try {
        return JSON.parse(r.stdout);
      } catch {
        throw new CwlRefused(`cwltool packed the document into something that is not JSON: ${r.stdout.slice(0, 200)}`);
      }
    },
  };
}
