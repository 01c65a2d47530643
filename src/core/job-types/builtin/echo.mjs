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
// The complex input's content (COMPLEX is the staged file's path), else the bounding box as JSON, else the message.
const message = process.env.COMPLEX ? fs.readFileSync(process.env.COMPLEX, 'utf8') : (process.env.BBOX ?? process.env.MESSAGE ?? '');
fs.writeFileSync(path.join(process.env.OUTPUT_DIR ?? '.', 'seed.outputs.json'), JSON.stringify({ message }));
console.log(message);
