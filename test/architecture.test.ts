// The structure docs/ARCHITECTURE.md draws, held by the code: read from the import graph of src/,
// ogc/ and seed-mapping/ (every static and dynamic import, type-only ones too) and from the source
// text. A door never imports another door's internals; the core imports no door; the store, the
// storage brokers and the shared modules below the core import nothing of it; job and run states are
// spelled once; each job state change has its owner; the core hands out no database.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const FILES = [...sources('src'), ...sources('ogc'), ...sources('seed-mapping')];
const text = new Map(FILES.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));

/** Every module a file imports (relative specifiers resolved to repository paths). */
function importsOf(file: string): string[] {
  const src = text.get(file)!;
  const specs = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g), ...src.matchAll(/import\(\s*'([^']+)'\s*\)/g), ...src.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)].map((m) => m[1]);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)));
}

const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

/** The part of the system a file belongs to. */
function partOf(file: string): string {
  if (file.startsWith('src/scale-api/')) return 'door:scale';
  if (file.startsWith('ogc/processes/')) return 'door:ogc';
  if (file.startsWith('ogc/wps/')) return 'door:wps';
  if (file.startsWith('src/core/')) return 'core';
  if (file.startsWith('src/store/')) return 'store';
  if (file.startsWith('src/storage/')) return 'storage';
  if (file.startsWith('seed-mapping/')) return 'seed-mapping';
  if (file.startsWith('src/http/')) return 'http';
  if (file.startsWith('src/net/')) return 'net';
  return file;
}

/** Every import from a file in `from` (a part, or a predicate) into a file of a part in `to`. */
function violations(from: (f: string) => boolean, to: (part: string, f: string) => boolean): string[] {
  const out: string[] = [];
  for (const [f, deps] of GRAPH) {
    if (!from(f)) continue;
    for (const d of deps) if (to(partOf(d), d)) out.push(`${f} imports ${d}`);
  }
  return out;
}

const isDoor = (part: string) => part.startsWith('door:');

describe('architecture', () => {
  it('reads an import graph that covers the code (a guard for the checks below)', () => {
    assert.ok(FILES.length > 150, `${FILES.length} files`);
    const edges = [...GRAPH.values()].reduce((n, d) => n + d.length, 0);
    assert.ok(edges > 500, `${edges} imports`);
    for (const [f, deps] of GRAPH) for (const d of deps) assert.ok(fs.existsSync(path.join(ROOT, d)), `${f} imports ${d}, which does not exist`);
    // The checks see imports of each kind: a door's own modules, the core from a door, a type-only import.
    assert.ok(GRAPH.get('ogc/wps/router.ts')!.includes('ogc/wps/service.ts'));
    assert.ok(GRAPH.get('ogc/wps/service.ts')!.includes('src/core/runs/service.ts'));
  });

  it('no door imports another door', () => {
    const crossing: string[] = [];
    for (const [f, deps] of GRAPH) {
      const mine = partOf(f);
      if (!isDoor(mine)) continue;
      for (const d of deps) if (isDoor(partOf(d)) && partOf(d) !== mine) crossing.push(`${f} imports ${d}`);
    }
    assert.deepEqual(crossing, []);
  });

  it('the core imports no door, no HTTP plumbing, and not the composition root', () => {
    assert.deepEqual(violations((f) => partOf(f) === 'core', (part, d) => isDoor(part) || part === 'http' || d === 'src/server.ts' || d === 'src/cli.ts'), []);
  });

  it('the store, the storage brokers and the modules below the core import nothing of the core or the doors', () => {
    const below = (f: string) => ['store', 'storage', 'net'].includes(partOf(f)) || ['src/errors.ts', 'src/schemas.ts', 'src/ogc-schemas.ts', 'src/log.ts'].includes(f);
    assert.deepEqual(violations(below, (part) => part === 'core' || isDoor(part)), []);
  });

  it('the pure translations (seed-mapping) and the shared HTTP plumbing import no door; the settings import no door', () => {
    assert.deepEqual(violations((f) => ['seed-mapping', 'http'].includes(partOf(f)) || f === 'src/config.ts', (part) => isDoor(part)), []);
  });

  it('the process doors reach the core only through the runs and deploy services (and its models and events)', () => {
    const allowed = (d: string) => /^src\/core\/(runs|deploy)\//.test(d) || /^src\/core\/(events|jobs\/model|job-types\/cwl-packages)\.ts$/.test(d);
    assert.deepEqual(violations((f) => partOf(f) === 'door:ogc' || partOf(f) === 'door:wps', (part, d) => part === 'core' && !allowed(d)), []);
  });

  it('no door spells a job or run state: the core\'s constants are the only ones', () => {
    const STATE = /'(PENDING|BLOCKED|QUEUED|RUNNING|COMPLETED|FAILED|CANCELED|ACCEPTED|SUCCEEDED|DISMISSED)'/;
    const found: string[] = [];
    for (const [f, src] of text) {
      if (!isDoor(partOf(f))) continue;
      src.split('\n').forEach((line, n) => {
        if (STATE.test(line)) found.push(`${f}:${n + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(found, []);
    // The OGC API's status words are written in its codec alone, WPS's in its own.
    const word = (words: string) => new RegExp(`(status: |status === |status !== )'(${words})'`);
    const ogcWords = [...text].filter(([f, src]) => f.startsWith('ogc/processes/') && f !== 'ogc/processes/status.ts' && word('accepted|running|successful|failed|dismissed').test(src)).map(([f]) => f);
    assert.deepEqual(ogcWords, []);
    const wpsWords = [...text].filter(([f, src]) => f.startsWith('ogc/wps/') && f !== 'ogc/wps/work.ts' && word('Accepted|Running|Succeeded|Failed|Dismissed').test(src)).map(([f]) => f);
    assert.deepEqual(wpsWords, []);
  });

  it('each job state change is written by its owner: cancel, fail-waiting and block in transitions.ts, finish in finish.ts, start in the queue, Strike and Scan jobs in ingest-jobs.ts', () => {
    const owners: Record<string, RegExp> = {
      'src/core/jobs/transitions.ts': /status = 'CANCELED'|status = 'FAILED'|status = 'BLOCKED'|status = 'PENDING'/,
      'src/core/jobs/finish.ts': /UPDATE job SET status = e\.job_status/,
      'src/core/queue/service.ts': /UPDATE job SET status = 'RUNNING'/,
      'src/core/jobs/service.ts': /UPDATE job SET status = 'QUEUED'|UPDATE job j SET status = CASE/,
      // Strike and Scan jobs (never queued, never on a node): their ingest service runs, resumes and ends them.
      'src/core/ingest/ingest-jobs.ts': /UPDATE job SET status = \$2/,
    };
    const writers = [...text].filter(([, src]) => /UPDATE job (?:j )?SET status\b/.test(src)).map(([f]) => f).sort();
    assert.deepEqual(writers, Object.keys(owners).sort(), 'the modules that write job states');
    for (const [f, re] of Object.entries(owners)) assert.match(text.get(f)!, re, f);
    // Cancel is written once: every cancel goes through cancelJobs.
    const cancels = [...text].filter(([, src]) => /SET status = 'CANCELED'/.test(src)).map(([f]) => f);
    assert.deepEqual(cancels, ['src/core/jobs/transitions.ts']);
  });

  it('the core hands out no database and keeps no registry filled by imports', () => {
    const core = text.get('src/core/index.ts')!;
    const returned = core.slice(core.lastIndexOf('return {'));
    assert.doesNotMatch(returned, /^\s*db,?$/m, 'createCore returns no db');
    for (const [f, src] of text) assert.doesNotMatch(src, /registerInterfaceKind|interfaceReaders\.set/, f);
    // Doors use the store's list request types, never the database itself.
    assert.deepEqual(violations((f) => isDoor(partOf(f)), (_part, d) => d.startsWith('src/store/') && d !== 'src/store/listing.ts'), [], 'doors do not reach the database');
  });
});
