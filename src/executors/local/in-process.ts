// Runs a built-in program (src/core/job-types/builtin/programs.ts) in the server's own process, as
// the launcher would run its command: the same environment, the same log (written by the same
// writer, ARTIFACT lines read), the same report of how it ended. Starting Node.js for echo cost a
// sync execute ~170 ms of a ~220 ms answer; this costs a few file writes. No process means no pid
// file: a server that dies takes the run with it, and recovery finds nothing to kill.
import type { Program } from '../../core/job-types/builtin/programs.ts';
import { createLogWriter } from '../log-writer.mjs';
import type { DoneMessage } from './launcher-process.mjs';

/** The program a command runs in-process, when it is one of them (`node <script> …` with this server's node). */
export function inProcessProgram(argv: string[], programs: ReadonlyMap<string, Program>): Program | null {
  return argv.length >= 2 && argv[0] === process.execPath ? (programs.get(argv[1]) ?? null) : null;
}

/** Runs it to its end; an abort of `signal` ends it as a SIGTERM would. */
export async function runInProcess(program: Program, m: { id: number; args: string[]; env: Record<string, string>; log: string; signal: AbortSignal }): Promise<DoneMessage> {
  const artifacts: DoneMessage['artifacts'] = [];
  const log = createLogWriter(m.log, (line) => {
    const a = /^ARTIFACT:([^:]+):(.+)$/.exec(line);
    if (a) artifacts.push({ name: a[1], path: a[2].trim() });
  });
  const started = new Date().toISOString();
  let code: number | null = null;
  let signal: string | null = null;
  try {
    code = await program(m.args, { env: m.env, signal: m.signal, print: (stream, text) => log.write(stream, Buffer.from(text)) });
  } catch (err) {
    if (m.signal.aborted) signal = 'SIGTERM';
    else {
      // What an uncaught exception does to a script: its words on stderr, exit code 1.
      log.write('stderr', Buffer.from(`${(err as Error)?.message ?? String(err)}\n`));
      code = 1;
    }
  }
  await log.close();
  return { t: 'done', id: m.id, code, signal, error: null, artifacts, started, ended: new Date().toISOString() };
}
