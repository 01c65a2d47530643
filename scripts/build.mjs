// Compiles the server (src/, ogc/, seed-mapping/) to plain JavaScript under dist/, the same tree,
// for `npm start`: running precompiled modules instead of under tsx spares the server tsx's loader
// thread and its transformed-source caches (~50 MB of an idle server's memory, issue 24).
// esbuild transpiles each file alone (no type check: `npm run typecheck` does that) and relative
// `.ts` specifiers become `.js`, as tsc's rewriteRelativeImportExtensions would; files that are not
// TypeScript (.mjs, .py, .sql, .json) are copied beside them. Nothing is rebuilt when dist/ is newer
// than every source file, so a start after an unchanged checkout costs one directory walk.
//
//   node scripts/build.mjs          build when stale
//   node scripts/build.mjs --force  build regardless
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TREES = ['src', 'ogc', 'seed-mapping'];
const OUT = path.join(ROOT, 'dist');
const STAMP = path.join(OUT, '.built');

/** @param {string} dir @param {string[]} files @returns {string[]} */
function walk(dir, files = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, files);
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/**
 * Relative module specifiers ending in .ts (static, re-export and dynamic imports) end in .js instead.
 * @param {string} code
 */
export function rewriteSpecifiers(code) {
  return code.replace(/((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.ts\2/g, '$1$2$3.js$2');
}

export async function build({ force = false } = {}) {
  const sources = TREES.flatMap((tree) => walk(path.join(ROOT, tree)));
  const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs), fs.statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (!force && fs.existsSync(STAMP) && fs.statSync(STAMP).mtimeMs >= newest) return false;
  // A fresh tree each time, so a source file removed since the last build does not linger in dist/.
  const tmp = `${OUT}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await Promise.all(sources.map(async (file) => {
    const rel = path.relative(ROOT, file);
    const isTs = file.endsWith('.ts');
    const dest = path.join(tmp, isTs ? `${rel.slice(0, -3)}.js` : rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (!isTs) return fs.copyFileSync(file, dest);
    // The map beside the file, not inline: an inline map would sit in every loaded module's source text.
    const { code, map } = await transform(fs.readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: path.relative(path.dirname(dest.replace(tmp, OUT)), file), sourcemap: 'external' });
    fs.writeFileSync(dest, `${rewriteSpecifiers(code)}//# sourceMappingURL=${path.basename(dest)}.map\n`);
    fs.writeFileSync(`${dest}.map`, map);
  }));
  fs.writeFileSync(path.join(tmp, '.built'), `${new Date().toISOString()}\n`);
  // Swap the new tree in; a server running from the old one keeps its already-loaded modules.
  const old = `${OUT}.old-${process.pid}`;
  if (fs.existsSync(OUT)) fs.renameSync(OUT, old);
  fs.renameSync(tmp, OUT);
  fs.rmSync(old, { recursive: true, force: true });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const built = await build({ force: process.argv.includes('--force') });
  if (built) process.stderr.write(`compiled the server to dist/ in ${Date.now() - t0} ms\n`);
}
