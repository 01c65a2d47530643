// @ts-check
// The built-in echo process (the test process OGC API - Processes asks servers to offer): waits
// PAUSE seconds, fails when FAIL is true, and otherwise returns each input as the output of the
// same id: MESSAGE always, BBOX and OBJECT (JSON) when given, and the files BINARY and COMPLEX
// copied byte for byte, keeping their extension (so their media type) when given.
// A SEED job like any other (queue, execution, outputs, log); the local executor runs it in the
// server's own process (src/executors/local/in-process.ts), and run as a script it is the same.
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

/** @typedef {import('./programs.ts').ProgramIo} ProgramIo */

/**
 * Echo's work; the exit code it ends with. Stops with an AbortError when `signal` aborts.
 * @param {ProgramIo} io
 * @returns {Promise<number>}
 */
export async function echo({ env, print, signal }) {
  const out = env.OUTPUT_DIR ?? '.';
  const pause = Number(env.PAUSE ?? 0);
  // Timers hold at most ~24.8 days (a longer one fires at once); the job's timeout ends it before.
  if (pause > 0) await sleep(Math.min(pause * 1000, 2 ** 31 - 1), undefined, { signal });
  if (env.FAIL === 'true') {
    print('stderr', 'failing, as the fail input asked\n');
    return 1;
  }
  /** @type {Record<string, unknown>} */
  const outputs = { message: env.MESSAGE ?? '' };
  for (const name of ['object', 'bbox']) {
    const given = env[name.toUpperCase()];
    if (given !== undefined && given !== '') outputs[name] = JSON.parse(given);
  }
  for (const name of ['binary', 'complex']) {
    const file = env[name.toUpperCase()];
    signal?.throwIfAborted();
    if (file) await fs.copyFile(file, path.join(out, `${name}${path.extname(file)}`));
  }
  signal?.throwIfAborted();
  await fs.writeFile(path.join(out, 'seed.outputs.json'), JSON.stringify(outputs));
  print('stdout', `${outputs.message}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await echo({ env: process.env, print: (stream, text) => process[stream].write(text) });
}
