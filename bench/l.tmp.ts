import { Launcher } from '../src/executors/local/launcher.ts';
import fs from 'node:fs';
const l = new Launcher(async () => {});
fs.mkdirSync('/tmp/lt', { recursive: true });
let id = 0; const n = 2000; let started = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: 8 }, async () => {
  while (started < n) { started++; const i = ++id; await l.run({ id: i, cmd: '/bin/true', args: [], cwd: '/tmp/lt', env: { PATH: '/usr/bin:/bin' }, log: `/tmp/lt/${i}.log`, pidFile: `/tmp/lt/${i}.pid` }); }
}));
console.log('launcher rate', (n / ((performance.now() - t0) / 1000)).toFixed(0));
await l.close();
