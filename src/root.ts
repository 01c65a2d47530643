// The repository's top directory (where package.json, schemas/ and ui/ are), found from this
// module's own place: the same whether the server runs from its TypeScript sources (src/) or from
// the compiled tree `npm start` runs (dist/src/, see scripts/build.mjs), one level deeper.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
