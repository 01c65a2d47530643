// Execution logs: one file per execution, one record per line (see log-writer.mjs for the format
// and the writer); this module reads them back for the API.
import { createReadStream } from 'node:fs';
import readline from 'node:readline';

export { createLogWriter, type LogWriter } from './log-writer.mjs';

export type LogStream = 'stdout' | 'stderr';
export interface LogLine {
  stream: LogStream;
  time: string;
  message: string;
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
