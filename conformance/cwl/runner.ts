// The CWL v1.2 conformance suite through a live server (npm run cwl-conformance): each case's
// document deployed (OGC API – Processes Part 2, by href to this runner's file server, so its `run:`
// and `$import` files are fetched beside it), its job order executed (translate.ts), and the results
// compared with what the suite expects (compare.ts). In the same run the same cases go to cwltool
// directly, with the same documents and images, so the server's figure stands beside the runner's.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { compare } from './compare.ts';
import { CONFORMANCE_IMAGE, ensureConformanceImage, hasImage, rewriteImages } from './images.ts';
import { type CwlTestCase, loadSuite, readYaml } from './suite.ts';
import { type FileUrls, ogcInputs, outputObject, Unsendable } from './translate.ts';

export type Verdict = 'pass' | 'fail' | 'skip';

export interface Outcome {
  verdict: Verdict;
  /** Why it failed or was skipped. */
  reason?: string;
  seconds: number;
}

export interface CaseResult {
  id: string;
  tags: string[];
  server: Outcome | null;
  direct: Outcome | null;
}

export interface CwlConformanceOptions {
  /** The server's base URL (its OGC API – Processes landing page). */
  url: string;
  /** The suite: a directory holding conformance_tests.yaml and tests/. */
  suiteDir: string;
  /** Only cases with one of these tags (all when empty). */
  tags?: string[];
  /** Only these cases. */
  ids?: string[];
  /** Cases in flight at once. */
  jobs: number;
  /** Run the cases through the server, and with cwltool directly. */
  server: boolean;
  direct: boolean;
  /** The name the server reaches this machine's file server by. */
  filesHost: string;
  /** A bearer token for deploy and undeploy. */
  token?: string;
  /** cwltool for the direct runs. */
  cwltool?: string[];
  /** Time limit of one case, seconds. */
  caseSeconds?: number;
  log?: (line: string) => void;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const seconds = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;

/** Copies the suite with the stand-in image written into its documents; answers each document's images it still needs. */
async function prepare(suiteDir: string, into: string): Promise<Map<string, string[]>> {
  await fs.cp(suiteDir, into, { recursive: true });
  const needs = new Map<string, string[]>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.(cwl|ya?ml|json)$/.test(e.name)) {
        const text = await fs.readFile(p, 'utf8');
        const r = rewriteImages(text);
        if (r.text !== text) await fs.writeFile(p, r.text);
        if (r.needs.length) needs.set(p, r.needs);
      }
    }
  };
  await walk(into);
  return needs;
}

/** The documents a document refers to by path (run:, $import, $include, $mixin), followed recursively. */
async function documentsOf(file: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file)) return seen;
  seen.add(file);
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return seen;
  }
  for (const m of text.matchAll(/(?:run|\$import|\$include|\$mixin)["']?\s*:\s*["']?([\w./-]+\.(?:cwl|ya?ml|json))/g)) {
    await documentsOf(path.resolve(path.dirname(file), m[1]), seen);
  }
  return seen;
}

/** Serves the prepared suite: files at /f/<path>, a directory's listing (the server's listing document) at /d/<path> and /f/<path>. */
async function fileServer(root: string, host: string): Promise<{ urls: FileUrls; close(): Promise<void> }> {
  const listing = async (dir: string, base: string): Promise<Record<string, unknown>> => {
    const files: { path: string; href: string }[] = [];
    const walk = async (d: string, rel: string): Promise<void> => {
      for (const e of (await fs.readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(d, e.name), r);
        else files.push({ path: r, href: `${base}/f/${encodeURI(path.relative(root, path.join(d, e.name)))}` });
      }
    };
    await walk(dir, '');
    return { type: 'directory', name: path.basename(dir), files };
  };
  let base = '';
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, kind, ...rest] = url.pathname.split('/');
    const local = path.join(root, ...rest.map(decodeURIComponent).filter((s) => s && s !== '..'));
    try {
      // A directory under /f/ answers its listing too (a directory a document names beside itself).
      if (kind === 'f' && (await fs.stat(local)).isDirectory()) res.setHeader('Content-Type', 'application/json').end(JSON.stringify(await listing(local, base)));
      else if (kind === 'f') res.end(await fs.readFile(local));
      else if (kind === 'd') res.setHeader('Content-Type', 'application/json').end(JSON.stringify(await listing(local, base)));
      else throw new Error('not found');
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, host === 'localhost' ? '127.0.0.1' : '0.0.0.0', r));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  const rel = (p: string) => encodeURI(path.relative(root, p));
  return {
    urls: { file: (p) => `${base}/f/${rel(p)}`, directory: (p) => `${base}/d/${rel(p)}` },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A job order file read as the suite's runners read it (YAML or JSON). */
async function jobOf(c: CwlTestCase): Promise<Record<string, unknown>> {
  if (!c.job) return {};
  const doc = readYaml(path.join(c.base, c.job));
  return isObject(doc) ? doc : {};
}

/** The server side: deploy each document once, execute each case, read its results. */
function serverClient(opts: CwlConformanceOptions, urls: FileUrls) {
  const base = opts.url.replace(/\/+$/, '');
  const auth: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const deployed = new Map<string, Promise<{ id: string; inputs: Set<string>; values: Set<string>; outputs: string[] } | { refused: string }>>();

  const problem = async (res: Response) => {
    const text = await res.text();
    try {
      const j = JSON.parse(text);
      return `${res.status} ${j.detail ?? j.title ?? text}`;
    } catch {
      return `${res.status} ${text.slice(0, 500)}`;
    }
  };

  async function deploy(toolPath: string): Promise<{ id: string; inputs: Set<string>; values: Set<string>; outputs: string[] } | { refused: string }> {
    const [file, fragment] = toolPath.split('#');
    const id = `cwlc-${createHash('sha1').update(toolPath).digest('hex').slice(0, 12)}`;
    const pkg = { processDescription: { process: { id, version: '1.0.0', inputs: {}, outputs: {} } }, executionUnit: { href: urls.file(file), type: 'application/cwl' } };
    const query = fragment ? `?w=${encodeURIComponent(fragment)}` : '';
    let res = await fetch(`${base}/processes${query}`, { method: 'POST', headers: { 'Content-Type': 'application/ogcapppkg+json', ...auth }, body: JSON.stringify(pkg) });
    if (res.status === 409) {
      // Left from an earlier run: replaced with this one's document.
      await res.text();
      res = await fetch(`${base}/processes/${id}${query}`, { method: 'PUT', headers: { 'Content-Type': 'application/ogcapppkg+json', ...auth }, body: JSON.stringify(pkg) });
    }
    if (!res.ok) return { refused: `deploy answered ${await problem(res)}` };
    await res.text();
    const d = await (await fetch(`${base}/processes/${id}`)).json() as Record<string, any>;
    // Inputs whose schema is not a file's (binary content) nor a directory's (a URI): JSON values, files inside them.
    const isFileSchema = (s: any): boolean => isObject(s) && ((s.type === 'string' && (s.contentEncoding === 'binary' || s.format === 'uri')) || (s.type === 'array' && isFileSchema(s.items)));
    const values = new Set(Object.entries((d.inputs ?? {}) as Record<string, any>).filter(([, i]) => !isFileSchema(i?.schema)).map(([k]) => k));
    return { id, inputs: new Set(Object.keys(d.inputs ?? {})), values, outputs: Object.keys(d.outputs ?? {}) };
  }

  const reader = {
    async file(href: string) {
      const res = await fetch(href);
      if (!res.ok) throw new Error(`${href} answered ${res.status}`);
      const data = Buffer.from(await res.arrayBuffer());
      const cd = res.headers.get('content-disposition') ?? '';
      const name = decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(cd)?.[1] ?? '') || /filename="([^"]+)"/.exec(cd)?.[1] || decodeURIComponent(new URL(href).pathname.split('/').pop() ?? '');
      return { name, size: data.length, sha1: createHash('sha1').update(data).digest('hex'), text: data.toString('utf8') };
    },
    async json(href: string) {
      const res = await fetch(href);
      if (!res.ok) throw new Error(`${href} answered ${res.status}`);
      return res.json();
    },
  };

  async function run(c: CwlTestCase, deadline: number): Promise<Outcome> {
    const t0 = Date.now();
    const done = (verdict: Verdict, reason?: string): Outcome => ({ verdict, ...(reason ? { reason } : {}), seconds: seconds(t0) });
    const toolPath = path.join(c.base, c.tool);
    if (!deployed.has(toolPath)) deployed.set(toolPath, deploy(toolPath));
    const d = await deployed.get(toolPath)!;
    if ('refused' in d) return c.shouldFail ? done('pass', d.refused) : done('fail', d.refused);
    let inputs: Record<string, unknown>;
    try {
      inputs = ogcInputs(await jobOf(c), path.dirname(path.join(c.base, c.job ?? c.tool)), d.inputs, urls, d.values);
    } catch (err) {
      if (err instanceof Unsendable) return done('skip', err.message);
      throw err;
    }
    const body = { inputs, outputs: Object.fromEntries(d.outputs.map((o) => [o, { transmissionMode: 'reference' }])), response: 'document' };
    const res = await fetch(`${base}/processes/${d.id}/execution`, { method: 'POST', headers: { 'Content-Type': 'application/json', Prefer: 'respond-async', ...auth }, body: JSON.stringify(body) });
    if (!res.ok) {
      const why = `execute answered ${await problem(res)}`;
      return c.shouldFail && res.status < 500 ? done('pass', why) : done('fail', why);
    }
    const jobId = String(((await res.json()) as any).jobID);
    let status: Record<string, any>;
    for (;;) {
      status = await (await fetch(`${base}/jobs/${jobId}`)).json() as Record<string, any>;
      if (['successful', 'failed', 'dismissed'].includes(status.status)) break;
      if (Date.now() > deadline) {
        await fetch(`${base}/jobs/${jobId}`, { method: 'DELETE' }).catch(() => {});
        return done('fail', `job ${jobId} did not finish within the case's time`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (status.status !== 'successful') return c.shouldFail ? done('pass', status.message) : done('fail', `job ${jobId} ${status.status}: ${status.message ?? ''}`);
    if (c.shouldFail) return done('fail', `job ${jobId} succeeded; the case must fail`);
    const results = await (await fetch(`${base}/jobs/${jobId}/results`)).json() as Record<string, unknown>;
    const actual = await outputObject(results, d.outputs, reader);
    try {
      compare(c.output ?? {}, actual, (f) => (typeof f.contents === 'string' ? f.contents : null));
      return done('pass');
    } catch (err) {
      return done('fail', `job ${jobId}: ${(err as Error).message}`);
    }
  }

  async function undeployAll(): Promise<void> {
    for (const p of deployed.values()) {
      const d = await p.catch(() => null);
      if (d && 'id' in d) await fetch(`${base}/processes/${d.id}`, { method: 'DELETE', headers: auth }).then((r) => r.text()).catch(() => {});
    }
  }

  return { run, undeployAll };
}

/** The direct side: cwltool on the same documents, with the same image for tools that name none. */
function directRunner(opts: CwlConformanceOptions, work: string) {
  const command = opts.cwltool ?? ['cwltool'];
  return async function run(c: CwlTestCase, deadline: number): Promise<Outcome> {
    const t0 = Date.now();
    const done = (verdict: Verdict, reason?: string): Outcome => ({ verdict, ...(reason ? { reason } : {}), seconds: seconds(t0) });
    const out = await fs.mkdtemp(path.join(work, 'direct-'));
    const args = [
      ...command.slice(1), '--disable-color', '--outdir', path.join(out, 'out'), '--tmpdir-prefix', `${out}/tmp-`, '--tmp-outdir-prefix', `${out}/tmpout-`,
      '--default-container', CONFORMANCE_IMAGE, path.join(c.base, c.tool), ...(c.job ? [path.join(c.base, c.job)] : []),
    ];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(command[0], args, { timeout: Math.max(1000, deadline - Date.now()), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
    try {
      if (r.code !== 0) return c.shouldFail ? done('pass') : done('fail', `cwltool exited ${r.code}: ${r.stderr.split('\n').filter((l) => /error/i.test(l)).slice(-3).join(' ').slice(0, 500)}`);
      if (c.shouldFail) return done('fail', 'cwltool succeeded; the case must fail');
      let actual: unknown;
      try {
        actual = JSON.parse(r.stdout);
      } catch {
        return done('fail', 'cwltool printed no output object');
      }
      try {
        compare(c.output ?? {}, actual, (f) => {
          try {
            return typeof f.path === 'string' ? readFileSync(f.path, 'utf8') : null;
          } catch {
            return null;
          }
        });
        return done('pass');
      } catch (err) {
        return done('fail', (err as Error).message);
      }
    } finally {
      await fs.rm(out, { recursive: true, force: true }).catch(() => {});
    }
  };
}

/** Runs `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, n) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

export async function runCwlConformance(opts: CwlConformanceOptions): Promise<CaseResult[]> {
  const log = opts.log ?? (() => {});
  const all = loadSuite(path.join(opts.suiteDir, 'conformance_tests.yaml'));
  const cases = all.filter((c) => (!opts.tags?.length || c.tags.some((t) => opts.tags!.includes(t))) && (!opts.ids?.length || opts.ids.includes(c.id)));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'cwl-conformance-'));
  // Readable by whoever runs the steps (the server's unprivileged CWL user, containers).
  await fs.chmod(work, 0o755);
  const suite = path.join(work, 'suite');
  const needs = await prepare(opts.suiteDir, suite);
  await ensureConformanceImage();
  const present = new Map<string, boolean>();
  for (const image of new Set([...needs.values()].flat())) present.set(image, await hasImage(image));
  const files = await fileServer(suite, opts.filesHost);
  const server = opts.server ? serverClient(opts, files.urls) : null;
  const direct = opts.direct ? directRunner(opts, work) : null;
  const results: CaseResult[] = [];
  const limit = (opts.caseSeconds ?? 300) * 1000;
  const relocated = (c: CwlTestCase): CwlTestCase => ({ ...c, base: path.join(suite, path.relative(opts.suiteDir, c.base)) });
  try {
    await pool(cases.map(relocated), opts.jobs, async (c) => {
      const missing = [...(await documentsOf(path.join(c.base, c.tool.split('#')[0])))].flatMap((d) => needs.get(d) ?? []).filter((i) => !present.get(i));
      const skip = missing.length ? { verdict: 'skip' as const, reason: `needs the image ${[...new Set(missing)].join(', ')}, which this Docker engine does not hold (no registry is reachable)`, seconds: 0 } : null;
      const guard = (side: string, p: Promise<Outcome>) => p.catch((err): Outcome => ({ verdict: 'fail', reason: `${side}: ${(err as Error).message}`, seconds: 0 }));
      const deadline = Date.now() + limit;
      const [s, d] = await Promise.all([
        server ? (skip ?? guard('server', server.run(c, deadline))) : null,
        direct ? (skip ?? guard('cwltool', direct(c, deadline))) : null,
      ]);
      results.push({ id: c.id, tags: c.tags, server: s, direct: d });
      log(`${c.id}: server ${s?.verdict ?? '-'}${s?.reason && s.verdict !== 'pass' ? ` (${s.reason.slice(0, 300)})` : ''}, cwltool ${d?.verdict ?? '-'}${d?.reason && d.verdict !== 'pass' ? ` (${d.reason.slice(0, 200)})` : ''}`);
    });
  } finally {
    await server?.undeployAll();
    await files.close();
    await fs.rm(work, { recursive: true, force: true }).catch(() => {});
  }
  const order = new Map(cases.map((c, i) => [c.id, i]));
  return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/** The table per tag: cases, and passed / failed / skipped through the server and with cwltool. */
export function tagTable(results: CaseResult[]): string {
  const tags = [...new Set(results.flatMap((r) => r.tags))].sort((a, b) => (a === 'required' ? -1 : b === 'required' ? 1 : a.localeCompare(b)));
  const count = (rs: CaseResult[], side: 'server' | 'direct', v: Verdict) => rs.filter((r) => r[side]?.verdict === v).length;
  const row = (name: string, rs: CaseResult[]) => [name, rs.length, `${count(rs, 'server', 'pass')}/${count(rs, 'server', 'fail')}/${count(rs, 'server', 'skip')}`, `${count(rs, 'direct', 'pass')}/${count(rs, 'direct', 'fail')}/${count(rs, 'direct', 'skip')}`,
    rs.filter((r) => r.direct?.verdict === 'pass' && r.server?.verdict !== 'pass').length];
  const rows = [['tag', 'cases', 'server pass/fail/skip', 'cwltool pass/fail/skip', 'cwltool passes, server not'], ...tags.map((t) => row(t, results.filter((r) => r.tags.includes(t)))), row('all', results)];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
}
