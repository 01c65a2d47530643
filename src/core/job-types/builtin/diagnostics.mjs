// @ts-check
// Scale's diagnostic jobs (v6 /diagnostics/): `hello` prints a greeting, `roulette` completes or
// fails at even odds, `bake` runs for SECONDS (15 minutes unless told) and completes.
// Run in the server's own process by the local executor (src/executors/local/in-process.ts), or as
// a script with the kind as its argument.
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

/**
 * One diagnostic job's work; the exit code it ends with. Stops with an AbortError when `signal` aborts.
 * @param {string | undefined} kind
 * @param {import('./programs.ts').ProgramIo} io
 * @returns {Promise<number>}
 */
export async function diagnostic(kind, { env, print, signal }) {
  if (kind === 'hello') {
    print('stdout', 'Hello Scale!\n');
  } else if (kind === 'roulette') {
    if (Math.random() < 0.5) {
      print('stderr', 'Lost at roulette\n');
      return 1;
    }
    print('stdout', 'Won at roulette\n');
  } else if (kind === 'bake') {
    const seconds = Number(env.SECONDS ?? 900);
    await sleep(Math.min(Math.max(0, seconds) * 1000, 2 ** 31 - 1), undefined, { signal });
    print('stdout', `Baked for ${seconds} s\n`);
  } else {
    print('stderr', `unknown diagnostic ${kind}\n`);
    return 2;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await diagnostic(process.argv[2], { env: process.env, print: (stream, text) => process[stream].write(text) });
}
