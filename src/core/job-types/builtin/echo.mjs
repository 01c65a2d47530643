// The built-in echo process (the test process OGC API - Processes asks servers to offer): waits
// PAUSE seconds, fails when FAIL is true, and otherwise returns each input as the output of the
// same id: MESSAGE always, BBOX and OBJECT (JSON) when given, and the files BINARY and COMPLEX
// copied byte for byte, keeping their extension (so their media type) when given.
// Run as a SEED job on the local executor, so it goes through the queue like any other job.
import fs from 'node:fs';
import path from 'node:path';

const out = process.env.OUTPUT_DIR ?? '.';
const pause = Number(process.env.PAUSE ?? 0);
if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause * 1000));
if (process.env.FAIL === 'true') {
  console.error('failing, as the fail input asked');
  process.exit(1);
}
/** @type {Record<string, unknown>} */
const outputs = { message: process.env.MESSAGE ?? '' };
for (const name of ['object', 'bbox']) {
  const given = process.env[name.toUpperCase()];
  if (given !== undefined && given !== '') outputs[name] = JSON.parse(given);
}
for (const name of ['binary', 'complex']) {
  const file = process.env[name.toUpperCase()];
  if (file) fs.copyFileSync(file, path.join(out, `${name}${path.extname(file)}`));
}
fs.writeFileSync(path.join(out, 'seed.outputs.json'), JSON.stringify(outputs));
console.log(outputs.message);
