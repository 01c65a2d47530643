// @ts-check
// Writes an execution log: one record per line, so stdout, stderr and the two interleaved can all
// be served from one file, live while the command runs (logs.ts reads it):
//   <o|e> <ISO time> <text>
// Plain JavaScript because the launcher process (launcher-process.mjs) loads it without a
// TypeScript loader; the server imports it too. The file is opened on the first line, so a silent
// command costs no file at all.
import { createWriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** @typedef {'stdout' | 'stderr'} LogStream */
/**
 * @typedef {object} LogWriter
 * @property {(stream: LogStream, chunk: Buffer) => void} write
 * @property {() => Promise<void>} close flushes partial lines and closes the file
 */

/**
 * @param {string} path
 * @param {(line: string) => void} [onStdoutLine]
 * @param {(line: string) => void} [onStderrLine]
 * @returns {LogWriter}
 */
export function createLogWriter(path, onStdoutLine, onStderrLine) {
  /** @type {import('node:fs').WriteStream | null} */
  let out = null;
  /** @type {Record<LogStream, string>} */
  const partial = { stdout: '', stderr: '' };
  // A character whose bytes arrive in two chunks is decoded whole, not as two U+FFFDs.
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  /** @param {LogStream} stream @param {string} line */
  const emit = (stream, line) => {
    if (!out) {
      out = createWriteStream(path, { flags: 'a' });
      out.on('error', () => {}); // a full disk must not crash anything; the execution still ends
    }
    out.write(`${stream === 'stdout' ? 'o' : 'e'} ${new Date().toISOString()} ${line}\n`);
    if (stream === 'stdout' && onStdoutLine) onStdoutLine(line);
    else if (stream === 'stderr' && onStderrLine) onStderrLine(line);
  };
  return {
    write(stream, chunk) {
      const text = partial[stream] + decoders[stream].write(chunk);
      const lines = text.split('\n');
      partial[stream] = /** @type {string} */ (lines.pop());
      for (const line of lines) emit(stream, line.endsWith('\r') ? line.slice(0, -1) : line);
    },
    close() {
      for (const s of /** @type {LogStream[]} */ (['stdout', 'stderr'])) {
        partial[s] += decoders[s].end();
        if (partial[s]) emit(s, partial[s]);
        partial[s] = '';
      }
      const stream = out;
      return stream ? new Promise((resolve) => stream.end(() => resolve(undefined))) : Promise.resolve();
    },
  };
}
