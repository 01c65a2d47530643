// Execution logs: one file per execution, one record per line (see log-writer.mjs for the format
// and the writer); this module reads them back for the API.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';

export { createLogWriter, type LogWriter } from './log-writer.mjs';

export type LogStream = 'stdout' | 'stderr';
export interface LogLine {
  stream: LogStream;
  time: string;
  message: string;
}

/**
 * Adds what the server itself has to say about an execution to its log, as stderr lines (why it
 * could not be started: the engine's or the system's words), so the log is never silent on it.
 */
export async function noteInLog(logPath: string, text: string): Promise<void> {
  const time = new Date().toISOString();
  const lines = text.split('\n').map((l) => `e ${time} ${l.replace(/\r$/, '')}\n`).join('');
  await fs.mkdir(path.dirname(logPath), { recursive: true });
  await fs.appendFile(logPath, lines);
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

/**
 * The last words of a failed command, for its job's error message: the last few non-empty lines of
 * its stderr (its stdout's when it wrote no stderr), read from the end of the log only.
 */
export async function lastWords(path: string | null | undefined, lines = 5, maxChars = 1500): Promise<string | null> {
  if (!path) return null;
  let text: string;
  let whole = false;
  try {
    const fh = await fs.open(path, 'r');
    try {
      const { size } = await fh.stat();
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, size - length);
      text = buf.toString('utf8');
      whole = length === size;
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
  // The first record read from the middle of the file is partial. cwltool's own INFO lines say
  // nothing of why a step failed; its WARNING/ERROR lines and the tools' output do.
  const records = text.split('\n').slice(whole ? 0 : 1).filter((r) => r.length > 27 && r.slice(27).trim() && !/^INFO /.test(r.slice(27)));
  const of = (s: 'e' | 'o') => records.filter((r) => r[0] === s).map((r) => r.slice(27).trimEnd());
  const chosen = (of('e').length ? of('e') : of('o')).slice(-lines);
  if (!chosen.length) return null;
  const joined = chosen.join('\n');
  return joined.length > maxChars ? `…${joined.slice(-maxChars)}` : joined;
}
