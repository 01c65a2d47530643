// scripts/build.mjs: the compiled tree `npm start` runs (dist/). test/config.test.ts starts the
// server from it through `npm start`; here, that the tree is whole: every relative import names a
// file that exists, and every file that is not TypeScript sits beside the compiled modules.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, rewriteSpecifiers } from '../scripts/build.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('compiled server (scripts/build.mjs)', () => {
  it('rewrites relative .ts specifiers of static, re-export, side-effect and dynamic imports, and nothing else', () => {
    const src = [
      'import { a } from "./a.ts";',
      'export * from "../b/c.ts";',
      'import "./side.ts";',
      'const m = await import("./store/open.ts");',
      'import x from "pkg.ts";',
      'const s = "./not-an-import.ts";',
      'import { y } from "./y.mjs";',
    ].join('\n');
    assert.equal(rewriteSpecifiers(src), [
      'import { a } from "./a.js";',
      'export * from "../b/c.js";',
      'import "./side.js";',
      'const m = await import("./store/open.js");',
      'import x from "pkg.ts";',
      'const s = "./not-an-import.ts";',
      'import { y } from "./y.mjs";',
    ].join('\n'));
  });

  it('builds a whole tree: every relative import resolves, and the non-TypeScript files are copied', async function () {
    this.timeout(60_000);
    await build();
    const files = walk(DIST);
    const js = files.filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
    assert.ok(js.some((f) => f.endsWith(path.join('src', 'cli.js'))), 'dist/src/cli.js');
    const missing: string[] = [];
    for (const f of js) {
      // Without comments: JSDoc types name .ts modules (`import('./programs.ts').ProgramIo`) that are never loaded.
      const code = fs.readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"'\n]+)["']/g)) {
        if (!fs.existsSync(path.resolve(path.dirname(f), m[1]!))) missing.push(`${path.relative(DIST, f)} → ${m[1]}`);
      }
    }
    assert.deepEqual(missing, []);
    for (const tree of ['src', 'ogc', 'seed-mapping']) {
      for (const f of walk(path.join(ROOT, tree)).filter((f) => !f.endsWith('.ts'))) {
        assert.ok(fs.existsSync(path.join(DIST, path.relative(ROOT, f))), `dist/${path.relative(ROOT, f)}`);
      }
    }
  });
});
