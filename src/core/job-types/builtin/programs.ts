// The programs of the built-in job types (echo, the diagnostics), by the script their command runs.
// Each is small, trusted code of this server that only waits, prints and writes its output
// directory: a local executor runs one in its own process instead of starting Node.js for it
// (src/executors/local/in-process.ts), with the same environment, log and outputs. None reads the
// INPUT_METADATA document (seed 001), which is not written for them: a program that comes to need
// it must be run as a command again.
import { fileURLToPath } from 'node:url';
import { diagnostic } from './diagnostics.mjs';
import { echo } from './echo.mjs';

/** What a program is given in place of a process: its environment, its two streams, and a stop signal. */
export interface ProgramIo {
  env: Record<string, string | undefined>;
  print(stream: 'stdout' | 'stderr', text: string): void;
  signal?: AbortSignal;
}

/** A program run in-process: its arguments (after the script) and io; resolves to its exit code. */
export type Program = (args: string[], io: ProgramIo) => Promise<number>;

export const ECHO_SCRIPT = fileURLToPath(new URL('./echo.mjs', import.meta.url));
export const DIAGNOSTICS_SCRIPT = fileURLToPath(new URL('./diagnostics.mjs', import.meta.url));

/** The built-in programs by script path. */
export function builtinPrograms(): Map<string, Program> {
  return new Map<string, Program>([
    [ECHO_SCRIPT, (_args, io) => echo(io)],
    [DIAGNOSTICS_SCRIPT, (args, io) => diagnostic(args[0], io)],
  ]);
}
