// Execution logs: one file per execution, one record per line, so stdout, stderr and the two
// interleaved can all be served from it, live while the command runs.
//   <o|e> <ISO time> <text>
import { createReadStream, createWriteStream } from 'node:fs';
import readline from 'node:readline';

export type LogStream = 'stdout' | 'stderr';
export interface LogLine {
  stream: LogStream;
  time: string;
  message: string;
}

export interface LogWriter {
  write(stream: LogStream, chunk: Buffer): void;
  /** Flushes partial lines and closes the file. */
  close(): Promise<void>;
}

export function createLogWriter(path: string, onStdoutLine?: (line: string) => void): LogWriter {
  const out = createWriteStream(path, { flags: 'a' });
  out.on('error', () => {}); // a full disk must not crash the server; the execution still ends
  const partial: Record<LogStream, string> = { stdout: '', stderr: '' };
  const emit = (stream: LogStream, line: string) => {
    out.write(`${stream === 'stdout' ? 'o' : 'e'} ${new Date().toISOString()} ${line}\n`);
    if (stream === 'stdout' && onStdoutLine) onStdoutLine(line);
  };
  return {
    write(stream, chunk) {
      const text = partial[stream] + chunk.toString('utf8');
      const lines = text.split('\n');
      partial[stream] = lines.pop()!;
      for (const line of lines) emit(stream, line.endsWith('\r') ? line.slice(0, -1) : line);
    },
    close() {
      for (const s of ['stdout', 'stderr'] as const) {
        if (partial[s]) emit(s, partial[s]);
        partial[s] = '';
      }
      return new Promise((resolve) => out.end(() => resolve()));
    },
  };
}

/** Reads the lines of a log; `which` picks stdout, stderr or both; `since` drops older lines. */
export async function readLog(path: string, which: LogStream | 'combined', since?: Date): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  let input;
  try {
    input = createReadStream(path, { encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      input!.once('open', () => resolve());
      input!.once('error', reject);
    });
  } catch (err: any) {
    if (err?.code === 'ENOENT') return [];
    throw err;
  }
  const sinceIso = since?.toISOString();
  for await (const raw of readline.createInterface({ input, crlfDelay: Infinity })) {
    const stream: LogStream = raw[0] === 'e' ? 'stderr' : 'stdout';
    if (which !== 'combined' && stream !== which) continue;
    const time = raw.slice(2, 26);
    if (sinceIso && time < sinceIso) continue;
    lines.push({ stream, time, message: raw.slice(27) });
  }
  return lines;
}
