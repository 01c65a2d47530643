// The built-in echo process (the test process OGC API - Processes asks servers to offer): waits
// PAUSE seconds, fails when FAIL is true, and otherwise returns MESSAGE as its "message" output.
// Run as a SEED job on the local executor, so it goes through the queue like any other job.
import fs from 'node:fs';
import path from 'node:path';

const pause = Number(process.env.PAUSE ?? 0);
if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause * 1000));
if (process.env.FAIL === 'true') {
  console.error('failing, as the fail input asked');
  process.exit(1);
}
const message = process.env.MESSAGE ?? '';
fs.writeFileSync(path.join(process.env.OUTPUT_DIR ?? '.', 'seed.outputs.json'), JSON.stringify({ message }));
console.log(message);
