// The README is tested: every ```sh / ```bash block of README.md runs, in order and as written, in
// one bash session (so the ids one example captures in shell variables reach the next) against a
// fresh server, from the repository's root, with `set -euo pipefail`: a block passes when bash gets
// to its end. Conventions:
//   - the examples address the server as `localhost:8080` (or `http://localhost:8080`): the test
//     replaces that with the test server's address, and nothing else;
//   - a block that must not run here (npm install/start/test, a Mesos cluster, a GitHub clone) has
//     `<!-- doc-test: skip (why) -->` on the line before its fence; keep that list short.
// The examples build their images with the docker CLI and run SEED jobs and CWL: they need a Docker
// engine, cwltool, jq and a static busybox at /bin/busybox (.ci/run installs them all).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram } from '../src/cwl/cwltool.ts';
import { dockerAvailable } from './helpers/docker.ts';
import { scaledMs, startServer, tempDir, type TestServer } from './helpers/server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = /^<!--\s*doc-test:\s*skip\b\s*(?:\((.+)\))?\s*-->$/;

export interface DocBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Why it does not run, when marked so. */
  skip: string | null;
}

/** The shell blocks of a Markdown text, with their skip marks. */
export function shellBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+|~~~+)\s*(\w*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith(fence)) end++;
    if (['sh', 'bash', 'shell'].includes(open[2])) {
      let prev = i - 1;
      while (prev >= 0 && lines[prev].trim() === '') prev--;
      const mark = prev >= 0 ? SKIP.exec(lines[prev].trim()) : null;
      blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), skip: mark ? (mark[1] ?? 'marked skip') : null });
    }
    i = end;
  }
  return blocks;
}

/** A bash session that runs blocks one after another, keeping its variables between them. */
class Session {
  private readonly bash: ChildProcessWithoutNullStreams;
  private out = '';
  private exited: number | null = null;
  private waiter: (() => void) | null = null;

  constructor(private readonly dir: string) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd: ROOT, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    const take = (c: Buffer) => {
      this.out += c.toString('utf8');
      this.waiter?.();
    };
    this.bash.stdout.on('data', take);
    this.bash.stderr.on('data', take);
    this.bash.on('exit', (code, signal) => {
      this.exited = code ?? (signal ? 128 : 1);
      this.waiter?.();
    });
    this.bash.stdin.write('set -euo pipefail\n');
  }

  get alive(): boolean {
    return this.exited === null;
  }

  /** Runs one block (stdin from /dev/null); resolves with what it printed, or rejects saying how it failed. */
  async run(n: number, code: string): Promise<string> {
    const file = path.join(this.dir, `block-${n}.sh`);
    fs.writeFileSync(file, `${code}\n`);
    const marker = `__doc_test_block_${n}_done__`;
    const start = this.out.length;
    this.bash.stdin.write(`source '${file}' < /dev/null\necho ${marker}\n`);
    await new Promise<void>((resolve) => {
      const check = () => {
        if (this.exited !== null || this.out.includes(marker, start)) {
          this.waiter = null;
          resolve();
        }
      };
      this.waiter = check;
      check();
    });
    const printed = this.out.slice(start).replace(`${marker}\n`, '');
    if (this.exited !== null) throw new Error(`the block ended bash with status ${this.exited}; it printed:\n${printed}`);
    return printed;
  }

  close(): void {
    if (this.exited === null) this.bash.kill('SIGKILL');
  }
}

describe('README.md: the shell examples run as written', function () {
  this.timeout(120_000);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = shellBlocks(readme);
  let t: TestServer;
  let session: Session;
  let address: { url: string; host: string };
  let started = 0;

  before(async function () {
    const missing = [
      !(await dockerAvailable()) && 'a Docker engine',
      !findProgram('docker') && 'the docker CLI',
      !findProgram('cwltool') && 'cwltool',
      !findProgram('jq') && 'jq',
      !fs.existsSync('/bin/busybox') && 'a static busybox at /bin/busybox',
    ].filter(Boolean);
    if (missing.length) {
      if (process.env.REQUIRE_DOCKER === '1' || process.env.REQUIRE_CWLTOOL === '1') throw new Error(`the README's examples need ${missing.join(', ')}`);
      this.skip();
    }
    started = Date.now();
    t = await startServer('pglite', { SCALE_EXECUTOR: 'auto', SCALE_OGC_SYNC_SECONDS: '60' });
    const url = new URL(t.url!);
    address = { url: url.origin, host: url.host };
    session = new Session(await tempDir('readme-'));
  });
  after(async () => {
    session?.close();
    await t?.close();
  });

  it('marks few blocks as not to run, each saying why', () => {
    const skipped = blocks.filter((b) => b.skip);
    assert.ok(blocks.length >= 8, `README.md has ${blocks.length} shell blocks`);
    assert.ok(skipped.length <= 4, `${skipped.length} blocks are skipped: ${skipped.map((b) => `line ${b.line} (${b.skip})`).join(', ')}`);
    for (const b of skipped) assert.notEqual(b.skip, 'marked skip', `the skip mark before line ${b.line} says why`);
    // Every block that runs addresses the server the one way the test rewrites.
    for (const b of blocks.filter((x) => !x.skip)) assert.doesNotMatch(b.code.replace(/localhost:8080/g, ''), /localhost:\d+|127\.0\.0\.1:\d+/, `block at line ${b.line}`);
  });

  blocks.forEach((b, n) => {
    const first = b.code.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? b.code;
    const title = `line ${b.line}: ${first.trim().slice(0, 80)}`;
    if (b.skip) {
      it.skip(`${title} (${b.skip})`, () => {});
      return;
    }
    it(title, async function () {
      if (!session.alive) this.skip(); // an earlier block failed: that one is the failure
      const code = b.code.replace(/http:\/\/localhost:8080/g, address.url).replace(/localhost:8080/g, address.host);
      await session.run(n + 1, code);
    });
  });

  it('took under 90 s (on an idle machine: longer in proportion to the load)', function () {
    if (!started) this.skip();
    assert.ok(Date.now() - started < scaledMs(90_000), `the examples took ${Math.round((Date.now() - started) / 1000)} s`);
  });
});

describe('README.md: the examples need nothing that is not in the repository', () => {
  it('names only files that exist', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const b of shellBlocks(readme).filter((x) => !x.skip)) {
      for (const m of b.code.matchAll(/(?:@|\s)((?:examples|test)\/[\w./-]+)/g)) {
        const file = m[1].replace(/\$\w+/g, 'tiler');
        if (/[{}]/.test(file)) continue;
        assert.ok(fs.existsSync(path.join(ROOT, file)), `README.md line ${b.line} names ${file}`);
      }
    }
    assert.equal(spawnSync('sh', ['-n', path.join(ROOT, 'examples', 'wait-job.sh')]).status, 0);
  });
});
