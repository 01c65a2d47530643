// Processes deployed as CWL (OGC API - Processes Part 2 `cwl`, by value or href, alone or inside an
// Application Package; WPS-T by reference). cwltool checks and packs the document (src/cwl): the
// packed document, `#main` its process, is what every run of the process hands cwltool. A deployed
// CWL process is one job type of interface kind `cwl`, whose jobs run on the `cwl` runtime (cwltool
// on a node with a Docker engine), whatever the document holds: a tool, a workflow with its steps and
// sub-workflows, expressions. Relative references (`run:`, `$import`, `$include`) of a document given
// by href are fetched beside it under the fetch policy, so cwltool itself never reaches the network.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type CwlDescription, describeCwl, mainProcess, type StoredCwl } from '../../../seed-mapping/cwl-process.ts';
import type { ProcessDoc } from '../../../seed-mapping/ogc-app-package.ts';
import { plainPatterns, secondaryName } from '../../../seed-mapping/cwl-secondary-files.ts';
import { CwlRefused, type CwlTool } from '../../cwl/cwltool.ts';
import { repairPack } from '../../cwl/pack-repair.ts';
import { Conflict, Invalid } from '../../errors.ts';
import { type ImageChecker, vetImage } from './images.ts';
import type { PackageDeployer } from './packages.ts';
import type { JobType, JobTypeService } from './service.ts';

export interface CwlDeployment {
  /** The CWL text (YAML or JSON). */
  cwl: string;
  /** Where it came from, when by href (relative references are fetched against it). */
  href: string | null;
  /** `w`: which process of a $graph to deploy. */
  w: string | null;
  /** The process id the package gives (its processDescription), or a name to fall back on (the href's file name). */
  id: string | null;
  fallbackId: string | null;
  /** The deploy body's processDescription, when it has one. */
  given: Partial<ProcessDoc> | null;
  /** Fetches a document the CWL references (resolved against `href`), under the fetch policy. */
  load: ((url: string) => Promise<string>) | null;
  /** Fetches a file the CWL names beside itself (resolved against `href`), under the fetch policy. */
  loadFile: ((url: string) => Promise<Buffer>) | null;
  /** The body as the client sent it, and its media type (GET /processes/{id}/package). */
  raw: string;
  mediaType: string;
}

/** A deployed process; `warnings`: what the deploy could not check (an image no engine or registry could be asked about). */
export type Deployed = { kind: 'tool'; jobType: JobType; warnings?: string[] };

/** A `w` naming no process of the document (Part 2: 400 workflow-not-found). */
export class WorkflowNotFound extends Invalid {}

/** Where the files a package keeps are written beside its packed document in a run (relative to it). */
export const PACKAGE_FILES = 'package-files';

/** A deployment as read: its process id and description, the packed document and the files it keeps (path → base64). */
interface Read {
  id: string;
  description: CwlDescription;
  packed: Record<string, any>;
  files: Record<string, string>;
  /** Images the tools name that could not be checked (vetImage). */
  warnings: string[];
}

const PROCESS_ID = /^[A-Za-z0-9][\w.-]{0,49}$/;
const MAX_DOCUMENTS = 64;
/** The most files a directory beside a document may list. */
const MAX_DIRECTORY_FILES = 1000;
/** The deepest nesting a deployed document (a package, a CWL document) may have. */
export const MAX_DEPTH = 64;
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The deepest nesting of a parsed document, counted up to just past MAX_DEPTH (iteratively: a hostile body must not overflow the stack). */
export function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (d > MAX_DEPTH) break;
    if (v && typeof v === 'object') for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
}

/** Parses CWL text; alias bombs and absurd nesting are refused before anything else reads it. */
function parseCwlText(text: string, field: string): Record<string, any> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: false });
  } catch (err) {
    throw new Invalid(field, `is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new Invalid(field, 'must be a CWL document: an object with a class (CommandLineTool, Workflow, ExpressionTool) or a $graph');
  if (depthOf(doc) > MAX_DEPTH) throw new Invalid(field, `nests deeper than ${MAX_DEPTH} levels`);
  return doc;
}

/** The references a document makes to other documents: `run:` strings, `$import`, `$include`, `$mixin`. */
function referencesOf(doc: unknown): string[] {
  const out = new Set<string>();
  const stack: unknown[] = [doc];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'run' || k === '$import' || k === '$include' || k === '$mixin') && typeof x === 'string' && !x.startsWith('#')) out.add(x.split('#')[0]);
        else stack.push(x);
      }
    }
  }
  return [...out].filter(Boolean);
}

/** The processes a $graph offers by short id. */
/** The images a packed document's DockerRequirements (requirements or hints) pull, each once. */
function dockerPulls(doc: unknown): string[] {
  const found = new Set<string>();
  const stack: unknown[] = [doc];
  while (stack.length) {
    const x = stack.pop();
    if (Array.isArray(x)) stack.push(...x);
    else if (isObject(x)) {
      if (x.class === 'DockerRequirement' && typeof x.dockerPull === 'string') found.add(x.dockerPull);
      stack.push(...Object.values(x));
    }
  }
  return [...found];
}

function graphIds(doc: Record<string, any>): string[] {
  return Array.isArray(doc.$graph) ? doc.$graph.filter(isObject).map((p) => String(p.id ?? '').replace(/^#/, '')).filter(Boolean) : [];
}

export type CwlDeployer = ReturnType<typeof createCwlDeployer>;

export function createCwlDeployer(deps: {
  packages: PackageDeployer;
  jobTypes: JobTypeService;
  cwltool: CwlTool | null;
  /** The image tools that name no container run in (SCALE_CWL_DEFAULT_CONTAINER); null refuses them. */
  defaultContainer: string | null;
  /** The most bytes of files beside a document a package keeps (embedFiles). */
  maxEmbeddedBytes: number;
  /** Asks whether the images the tools name (dockerPull) can be had; null: not checked. */
  images?: ImageChecker | null;
}) {
  const { packages } = deps;

  /**
   * Writes the document and everything it references into a fresh directory, as cwltool would find
   * them: beside each other at the paths their URLs give. Returns the directory and the main file.
   */
  async function gather(d: CwlDeployment, doc: Record<string, any>): Promise<{ dir: string; file: string }> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scale-cwl-'));
    const base = d.href ? new URL(d.href) : null;
    // Every document at a path under dir named by its URL's path (so relative references between them hold).
    const local = (u: URL) => path.join(dir, 'docs', ...decodeURIComponent(u.pathname).split('/').filter((s) => s && s !== '..' && s !== '.'));
    const main = base ? local(base) : path.join(dir, 'docs', 'package.cwl');
    await fs.mkdir(path.dirname(main), { recursive: true });
    await fs.writeFile(main, d.cwl);
    const queue: { doc: unknown; url: URL | null; field: string }[] = [{ doc, url: base, field: 'cwl' }];
    const seen = new Set<string>(base ? [base.href.split('#')[0]] : []);
    while (queue.length) {
      const { doc: current, url, field } = queue.shift()!;
      for (const ref of referencesOf(current)) {
        if (!url) throw new Invalid(`${field}.run`, `${JSON.stringify(ref)} refers to another document, which a CWL document given by value cannot: deploy it by href, or pack it (cwltool --pack)`);
        let target: URL;
        try {
          target = new URL(ref, url);
        } catch {
          throw new Invalid(`${field}.run`, `${JSON.stringify(ref)} is not a reference this server can follow`);
        }
        if (target.origin !== base!.origin) throw new Invalid(`${field}.run`, `${JSON.stringify(ref)} names a document on another server (${target.origin}); give it beside the package, or inline it`);
        const key = target.href.split('#')[0];
        if (seen.has(key)) continue;
        seen.add(key);
        if (seen.size > MAX_DOCUMENTS) throw new Invalid(field, `references more than ${MAX_DOCUMENTS} documents`);
        const text = await d.load!(key);
        const file = local(target);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, text);
        // $include'd text is not CWL; documents are read on for what they reference.
        if (/\.(cwl|ya?ml|json)$/i.test(target.pathname)) {
          let next: unknown = null;
          try {
            next = parseYaml(text, { maxAliasCount: 50, uniqueKeys: false });
          } catch {
            next = null;
          }
          if (next !== null && depthOf(next) <= MAX_DEPTH) queue.push({ doc: next, url: target, field: `run ${ref}` });
        }
      }
      if (url && d.loadFile) await fetchBeside(d, current, url, local);
    }
    return { dir, file: path.relative(dir, main) };
  }

  /**
   * The files and directories a document names beside itself (an InitialWorkDir entry's or a
   * default's `location`), fetched next to it before cwltool checks it (it looks for them there); a
   * directory by the listing its URL answers (this server's form: {"type": "directory", "files":
   * [{path, href}]}), when it answers one. What cannot be fetched is left for cwltool to name.
   */
  async function fetchBeside(d: CwlDeployment, doc: unknown, url: URL, local: (u: URL) => string): Promise<void> {
    let total = 0;
    const get = async (u: URL): Promise<Buffer | null> => {
      const data = await d.loadFile!(u.href).catch(() => null);
      total += data?.length ?? 0;
      if (total > deps.maxEmbeddedBytes) throw new Invalid('cwl', `names files beside the document larger than ${deps.maxEmbeddedBytes} bytes in all`);
      return data;
    };
    const write = async (file: string, data: Buffer) => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, data);
    };
    const stack: unknown[] = [doc];
    while (stack.length) {
      const v = stack.pop();
      if (Array.isArray(v)) stack.push(...v);
      if (!isObject(v)) continue;
      stack.push(...Object.values(v));
      const loc = typeof v.location === 'string' ? v.location : typeof v.path === 'string' ? v.path : null;
      if ((v.class !== 'File' && v.class !== 'Directory') || !loc || /^[a-z][a-z0-9+.-]*:/i.test(loc) || loc.includes('$(') || loc.includes('${')) continue;
      const target = new URL(loc, url);
      if (target.origin !== url.origin || existsSync(local(target))) continue;
      const data = await get(target);
      if (!data) continue;
      if (v.class === 'File') {
        await write(local(target), data);
        continue;
      }
      let listing: any = null;
      try {
        listing = JSON.parse(data.toString('utf8'));
      } catch {
        continue;
      }
      if (!isObject(listing) || listing.type !== 'directory' || !Array.isArray(listing.files) || listing.files.length > MAX_DIRECTORY_FILES) continue;
      for (const f of listing.files) {
        const rel = isObject(f) && typeof f.path === 'string' ? f.path.split('/').filter((x: string) => x && x !== '.' && x !== '..') : [];
        if (!rel.length || typeof f.href !== 'string') continue;
        const content = await get(new URL(f.href, target));
        if (content) await write(path.join(local(target), ...rel), content);
      }
    }
  }

  /**
   * Files the document names beside itself (a default's or an InitialWorkDir entry's `location`) are
   * fetched at deploy and kept with the package: the packed document names them by paths relative
   * to itself (PACKAGE_FILES/<n>/<name>), and each run writes them there beside it, so runs never
   * reach back to the origin and cwltool sees ordinary files (size, checksum, secondary files). Up
   * to the deploy size limit in all; a Directory beside the document is kept with the files of the
   * listing its URL answered (fetchBeside), and refused when it answered none, as is any such
   * location in a document given by value.
   */
  async function embedFiles(d: CwlDeployment, packed: unknown, dir: string): Promise<Record<string, string>> {
    // Fetched beside the documents already (fetchBeside), where they are read from.
    const gathered = (rel: string) => path.join(dir, 'docs', ...rel.split('/'));
    const prefix = `file://${path.join(dir, 'docs')}/`;
    const base = d.href ? new URL(d.href) : null;
    const files: Record<string, string> = {};
    const byUrl = new Map<string, string>();
    let total = 0;
    /** Fetches a file named beside the document (once), keeps it with the package, answers its path there. */
    const urlOf = (rel: string) => new URL(`/${rel.split('/').map(encodeURIComponent).join('/')}`, base!.origin).href;
    const add = (kept: string, data: Buffer) => {
      total += data.length;
      if (total > deps.maxEmbeddedBytes) throw new Invalid('cwl', `names files beside the document larger than ${deps.maxEmbeddedBytes} bytes in all`);
      files[kept] = data.toString('base64');
    };
    /** `patterns`: the secondaryFiles patterns of the input whose default it is; the files they name beside it are kept beside it too, when there. */
    const keep = async (rel: string, what: string, patterns: string[] = []): Promise<string> => {
      const basename = rel.split('/').pop() || 'file';
      if (!base) throw new Invalid('cwl', `names the ${what} ${JSON.stringify(basename)} beside the document, which a document given by value cannot: deploy it by href, or give the file's contents (a file literal)`);
      const url = urlOf(rel);
      let kept = byUrl.get(url);
      if (!kept) {
        const data = await fs.readFile(gathered(rel)).catch(() => d.loadFile!(url));
        kept = `${PACKAGE_FILES}/${byUrl.size + 1}/${basename}`;
        byUrl.set(url, kept);
        add(kept, data);
        for (const pattern of patterns) {
          const name = secondaryName(basename, pattern);
          const data = await d.loadFile!(urlOf([...rel.split('/').slice(0, -1), name].join('/'))).catch(() => null);
          if (data) add(`${path.posix.dirname(kept)}/${name}`, data);
        }
      }
      return kept;
    };
    // The ontologies a document's formats are checked against ($schemas: EDAM.owl beside it).
    if (isObject(packed) && Array.isArray(packed.$schemas)) {
      packed.$schemas = await Promise.all(packed.$schemas.map(async (sc: unknown) => (typeof sc === 'string' && sc.startsWith(prefix) ? keep(decodeURIComponent(sc.slice(prefix.length)), 'schema') : sc)));
    }
    // Each value with the plain secondaryFiles patterns of the nearest declaration holding it.
    const stack: [unknown, string[]][] = [[packed, []]];
    while (stack.length) {
      const [v, outer] = stack.pop()!;
      if (Array.isArray(v)) {
        stack.push(...v.map((x): [unknown, string[]] => [x, outer]));
        continue;
      }
      if (!isObject(v)) continue;
      const patterns = v.class !== 'File' && 'secondaryFiles' in v ? plainPatterns(v.secondaryFiles) : outer;
      const location = typeof v.location === 'string' ? v.location : typeof v.path === 'string' ? (v.path.startsWith('file://') ? v.path : `file://${v.path}`) : null;
      if ((v.class === 'File' || v.class === 'Directory') && location?.startsWith(prefix)) {
        const rel = decodeURIComponent(location.slice(prefix.length));
        const basename = rel.split('/').pop() || 'file';
        if (v.class === 'Directory') {
          if (!base) throw new Invalid('cwl', `names the directory ${JSON.stringify(basename)} beside the document, which a document given by value cannot: deploy it by href, or give the file's contents (a file literal)`);
          // Kept file by file, as fetched from the listing its URL answered.
          const members = await filesUnder(gathered(rel));
          if (!members.length) throw new Invalid('cwl', `names the directory ${JSON.stringify(basename)} beside the document, whose URL answers no directory listing ({"type": "directory", "files": [{path, href}]}) of any file: give it as a literal (class: Directory, listing of file literals)`);
          const url = urlOf(rel);
          let kept = byUrl.get(url);
          if (!kept) {
            kept = `${PACKAGE_FILES}/${byUrl.size + 1}/${basename}`;
            byUrl.set(url, kept);
            for (const m of members) add(`${kept}/${path.relative(gathered(rel), m).split(path.sep).join('/')}`, await fs.readFile(m));
          }
          delete v.path;
          v.location = kept;
          continue;
        }
        const kept = await keep(rel, 'file', patterns);
        delete v.path;
        v.location = kept;
      }
      stack.push(...Object.values(v).map((x): [unknown, string[]] => [x, patterns]));
    }
    return files;
  }

  /** Every regular file below a directory (none when it is not one). */
  async function filesUnder(root: string): Promise<string[]> {
    const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as any).path, e.name)).sort();
  }

  /** The process id a deployment takes: the package's, the document's own, `w`, or the file name. */
  function processIdOf(d: CwlDeployment, doc: Record<string, any>): string {
    const picked = d.w ? (Array.isArray(doc.$graph) ? doc.$graph.find((p: any) => isObject(p) && String(p.id ?? '').replace(/^#/, '') === d.w) : null) : Array.isArray(doc.$graph) ? null : doc;
    const own = isObject(picked) && typeof picked.id === 'string' ? picked.id.replace(/^#/, '').replace(/\/.*$/, '') : null;
    const id = d.id ?? (own && own !== 'main' ? own : null) ?? (d.w && d.w !== 'main' ? d.w : null) ?? d.fallbackId;
    if (!id) throw new Invalid('cwl.id', 'the CWL document has no id: give the process one (id: my-process), or deploy it in an application package with a processDescription');
    if (!PROCESS_ID.test(id)) throw new Invalid('cwl.id', `${JSON.stringify(id)} is not a usable process id: letters, digits, "_", "-" and "." (at most 50 characters, starting with a letter or digit)`);
    return id;
  }

  /** Checks and packs with cwltool, then describes: what a deployment writes. */
  async function read(given: CwlDeployment): Promise<Read> {
    let d = given;
    if (!deps.cwltool) throw new Invalid('cwl', 'this server has no CWL runner: install cwltool (apt install cwltool, or pip install cwltool), or set SCALE_CWLTOOL');
    const doc = parseCwlText(d.cwl, 'cwl');
    if (typeof doc.cwlVersion !== 'string') throw new Invalid('cwl.cwlVersion', 'is required (v1.0, v1.1 or v1.2)');
    if (!/^v1\.[012](\.\d+)?$/.test(doc.cwlVersion)) throw new Invalid('cwl.cwlVersion', `${JSON.stringify(doc.cwlVersion)} is not a CWL version this server runs: use v1.0, v1.1 or v1.2`);
    const ids = graphIds(doc);
    if (d.w !== null && !ids.includes(d.w) && !(d.w === 'main' && !Array.isArray(doc.$graph))) {
      throw new WorkflowNotFound('w', `no process ${JSON.stringify(d.w)} in the CWL document${ids.length ? ` (it has ${ids.map((x) => JSON.stringify(x)).join(', ')})` : ''}`);
    }
    // Without w: #main, the only process, or the only Workflow of a $graph.
    let target = d.w;
    if (target === null && ids.length > 1 && !ids.includes('main')) {
      const workflows = doc.$graph.filter((p: any) => isObject(p) && p.class === 'Workflow');
      if (workflows.length !== 1) throw new Invalid('cwl.$graph', `has several processes (${ids.map((x) => JSON.stringify(x)).join(', ')}) and none is #main: name the one to deploy with the w query parameter`);
      target = String(workflows[0].id).replace(/^#/, '');
    }
    d = { ...d, w: target };
    const id = processIdOf(d, doc);
    const { dir, file } = await gather(d, doc);
    let packed: Record<string, any>;
    let files: Record<string, string>;
    try {
      packed = await deps.cwltool.pack(dir, file, d.w !== null && Array.isArray(doc.$graph) ? d.w : null);
      packed = await repairPack(packed, path.join(dir, 'docs'), (one) => deps.cwltool!.pack(dir, path.join('docs', one), null));
      files = await embedFiles(d, packed, dir);
    } catch (err) {
      if (err instanceof CwlRefused) throw new Invalid('cwl', `cwltool refused the document: ${err.message}`);
      throw err;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    if (!mainProcess(packed)) throw new Invalid('cwl', 'cwltool packed the document into no process to run');
    const described = describeCwl(packed, id, d.given);
    if (!described.value) throw Invalid.many(described.problems.map((p) => ({ field: `cwl.${p.field ?? ''}`.replace(/\.$/, ''), message: p.message })));
    if (described.value.withoutContainer.length && !deps.defaultContainer) {
      throw new Invalid('cwl.requirements', `${described.value.withoutContainer.map((t) => JSON.stringify(t)).join(', ')} name no container (DockerRequirement); tools run in containers only here: give each a DockerRequirement (dockerPull), or ask the operator for a default image (SCALE_CWL_DEFAULT_CONTAINER)`);
    }
    // An image no engine or registry knows is refused here, not found out when a step starts.
    const warnings: string[] = [];
    for (const image of dockerPulls(packed)) {
      const w = await vetImage(deps.images, image, 'cwl.requirements.DockerRequirement.dockerPull');
      if (w) warnings.push(w);
    }
    return { id, description: described.value, packed, files, warnings };
  }

  async function write(d: CwlDeployment, { id, description, packed, files, warnings }: Read, existing: JobType | null): Promise<Deployed> {
    const stored: StoredCwl = { packed, processId: id, given: d.given, ...(Object.keys(files).length ? { files } : {}) };
    const { resources } = description;
    const jobType = await packages.writeJobType({
      process: description.process, image: null, kind: 'cwl', stored, raw: d.raw, mediaType: d.mediaType,
      resources: { cpus: resources.cpus, mem: resources.mem, disk: 0, timeout: resources.timeout ?? 3600 },
    }, existing);
    return { kind: 'tool', jobType, ...(warnings.length ? { warnings } : {}) };
  }

  async function deploy(d: CwlDeployment): Promise<Deployed> {
    const r = await read(d);
    const { id, description } = r;
    const active = await packages.activeByName(id);
    if (active) {
      const what = active.isSystem ? 'a built-in process' : 'already deployed';
      throw Object.assign(new Conflict(`process ${JSON.stringify(id)} is ${what}; ${active.isSystem ? 'deploy yours under another id' : `replace it with PUT /processes/${id}`}`), { processId: id });
    }
    // A process undeployed before comes back as a new revision of its old job type.
    const old = await deps.jobTypes.byNameVersion(id, description.process.version);
    return write(d, r, old && !old.isSystem ? old : null);
  }

  async function replace(name: string, d: CwlDeployment): Promise<Deployed> {
    const existing = await packages.mutable(name);
    const r = await read({ ...d, fallbackId: name });
    const { id } = r;
    if (id !== name) throw new Invalid('cwl.id', `is ${JSON.stringify(id)}; a replacement keeps the process id ${JSON.stringify(name)}`);
    return write(d, r, existing);
  }

  return { deploy, replace };
}
