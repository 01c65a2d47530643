// The raw rate of child_process.spawn('/bin/true') in a fresh process (nothing else loaded):
// what the machine can do, to compare the job rate against. Prints the rate for the concurrency
// given as argv[2] over argv[3] spawns.
import { spawn } from 'node:child_process';

const concurrency = Number(process.argv[2] ?? 1);
const n = Number(process.argv[3] ?? 1000);
let started = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (started < n) {
      started++;
      await new Promise<void>((resolve, reject) => {
        const p = spawn('/bin/true', [], { stdio: 'ignore' });
        p.once('error', reject);
        p.once('exit', () => resolve());
      });
    }
  }),
);
process.stdout.write(String(n / ((performance.now() - t0) / 1000)));
