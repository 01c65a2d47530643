// Output capture for CWL job types: cwltool prints the output object (each output of the process:
// a File, an array of Files, a Directory, or a value), its files left where the steps wrote them
// inside the execution's directory (--leave-outputs: cwltool's moving into --outdir loses a file
// whose name another output has). Files become products, named by their basenames (made unique
// here); a Directory's files all do, their paths inside it kept; values are the job's JSON outputs
// (files inside values are named, not stored). A File's secondary files are products too, each
// marked as its primary's (secondaryOf). Files are taken at their real paths (a step may glob a
// symbolic link, or name a file another output names too: an in-place update), and one stored twice
// is copied, since storing moves it.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BUILTIN } from '../errors/model.ts';
import { CWL_FORMAT, mediaTypeFor } from '../files/service.ts';
import type { JobInterface } from '../job-types/model.ts';
import type { CapturedFile } from './capture.ts';
import type { SeedCaptureResult } from './seed-capture.ts';

export type CwlCaptureResult = SeedCaptureResult & { directories?: Record<string, string> };

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every regular file below a directory, by its path there; symbolic links are followed while they
 * stay inside the execution's directory (`within`: cwltool links an input directory into a step's
 * output directory), each real directory once.
 */
async function filesBelow(dir: string, within: (real: string) => string | null): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir];
  const seen = new Set<string>();
  while (stack.length) {
    const d = stack.pop()!;
    const real = await fs.realpath(d).catch(() => null);
    if (!real || seen.has(real)) continue;
    seen.add(real);
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = e.isSymbolicLink() ? (within(await fs.realpath(p).catch(() => '')) ? await fs.stat(p).catch(() => null) : null) : e;
      if (st?.isDirectory()) stack.push(p);
      else if (st?.isFile()) out.push(p);
    }
  }
  return out.sort();
}

/**
 * A value as clients may see it: File and Directory objects without the execution's local paths; a
 * File's size and checksum filled in where cwltool left them out (files inside a listing it did not
 * move: --leave-outputs).
 */
async function publicValue(v: unknown): Promise<unknown> {
  if (Array.isArray(v)) return Promise.all(v.map(publicValue));
  if (!isObject(v)) return v;
  const { path: p, location: l, dirname: _d, listing, secondaryFiles, ...rest } = v;
  if (v.class === 'File' || v.class === 'Directory') {
    const local = typeof p === 'string' ? p : typeof l === 'string' && l.startsWith('file://') ? decodeURIComponent(l.slice('file://'.length)) : null;
    if (v.class === 'File' && local && (rest.checksum === undefined || rest.size === undefined)) {
      const data = await fs.readFile(local).catch(() => null);
      if (data) {
        rest.size ??= data.length;
        rest.checksum ??= `sha1$${createHash('sha1').update(data).digest('hex')}`;
      }
    }
    return {
      ...rest,
      ...(Array.isArray(listing) ? { listing: await Promise.all(listing.map(publicValue)) } : {}),
      ...(Array.isArray(secondaryFiles) ? { secondaryFiles: await Promise.all(secondaryFiles.map(publicValue)) } : {}),
    };
  }
  return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await publicValue(x)])));
}

/**
 * A File or Directory literal an ExpressionTool returned (no file of its own: `contents`, or a
 * `listing` of files it was given), written under `into`: files from their contents or copied from
 * where they are in the execution's directory. Answers its path, or null when it cannot be made.
 */
async function materialize(v: Record<string, any>, into: string, inside: (p: unknown) => string | null, depth = 0): Promise<string | null> {
  if (depth > 32) return null;
  const local = inside(v.path ?? (typeof v.location === 'string' ? v.location.replace(/^file:\/\//, '') : undefined));
  const name = path.basename(typeof v.basename === 'string' && v.basename ? v.basename : local ?? 'file');
  if (!name || name === '.' || name === '..') return null;
  const at = path.join(into, name);
  if (v.class === 'File') {
    if (local) await fs.copyFile(local, at);
    else if (typeof v.contents === 'string') await fs.writeFile(at, v.contents);
    else return null;
    return at;
  }
  if (v.class !== 'Directory') return null;
  if (local && !Array.isArray(v.listing)) {
    await fs.cp(local, at, { recursive: true });
    return at;
  }
  await fs.mkdir(at, { recursive: true });
  for (const e of Array.isArray(v.listing) ? v.listing : []) if (isObject(e) && !(await materialize(e, at, inside, depth + 1))) return null;
  return at;
}

const isLiteral = (v: Record<string, any>) => v.path === undefined && (v.location === undefined || (typeof v.location === 'string' && v.location.startsWith('_:')));

export async function captureCwlOutputs(iface: JobInterface, outputDir: string, outputObject: string | undefined): Promise<CwlCaptureResult> {
  const fail = (error: (typeof BUILTIN)[keyof typeof BUILTIN], message: string): CwlCaptureResult => ({ ok: false, error, message, manifest: null });
  if (!outputObject) return fail(BUILTIN.invalidResultsManifest, 'cwltool wrote no output object');
  let doc: unknown;
  try {
    doc = JSON.parse(await fs.readFile(outputObject, 'utf8'));
  } catch (err) {
    return fail(BUILTIN.invalidResultsManifest, `cwltool's output object cannot be read: ${(err as Error).message}`);
  }
  if (!isObject(doc)) return fail(BUILTIN.invalidResultsManifest, "cwltool's output object is not a JSON object");
  // The execution's directory: outputs, cwltool's step directories and the staged inputs.
  const root = path.dirname(path.resolve(outputDir));
  const inside = (p: unknown): string | null => {
    if (typeof p !== 'string') return null;
    const abs = path.resolve(decodeURIComponent(p));
    return abs.startsWith(`${root}${path.sep}`) ? abs : null;
  };
  // Real paths are checked against the directory's real path (SCALE_DATA_DIR may lie behind a link).
  const realRoot = await fs.realpath(root).catch(() => root);
  const within = (real: string): string | null => (real.startsWith(`${realRoot}${path.sep}`) ? real : null);
  const taken = new Set<string>();
  /**
   * A product path not yet used in this execution, its name the basename as cwltool gave it: the
   * basename, else in a folder of its own (_2/<basename>, _3/…), since clients read the name.
   */
  const unique = (name: string): string => {
    let top = name;
    for (let i = 2; taken.has(top); i++) top = `_${i}`;
    taken.add(top);
    return top === name ? name : `${top}/${name}`;
  };
  const localOf = (o: Record<string, any>) => inside(o.path ?? (typeof o.location === 'string' ? o.location.replace(/^file:\/\//, '') : undefined));
  const files: CapturedFile[] = [];
  const jsonValues: Record<string, unknown> = {};
  const directories: Record<string, string> = {};
  let literals = 0;
  /** Where a literal is written: a directory of its own under the outputs. */
  const literalAt = async (v: Record<string, any>): Promise<string | null> => {
    const into = path.join(outputDir, `.literal-${++literals}`);
    await fs.mkdir(into, { recursive: true });
    return materialize(v, into, inside);
  };
  const claimed = new Set<string>();
  let copies = 0;
  /** A file's real path, to be stored (moved) from: a copy when another output has it already; null when it leads outside the execution's directory. */
  const claim = async (local: string): Promise<string | null> => {
    const real = within(await fs.realpath(local).catch(() => ''));
    if (!real) return null;
    if (!claimed.has(real)) {
      claimed.add(real);
      return real;
    }
    const copy = path.join(outputDir, `.copy-${++copies}`, path.basename(real));
    await fs.mkdir(path.dirname(copy), { recursive: true });
    await fs.copyFile(real, copy);
    return copy;
  };
  const fileOf = async (output: string, f: Record<string, any>, mediaType: string | null, secondaryOf?: string): Promise<CapturedFile | string> => {
    const found = localOf(f) ?? (isLiteral(f) ? await literalAt(f) : null);
    const local = found ? await claim(found) : null;
    if (!local) return `output ${JSON.stringify(output)} names a file outside the execution's directory`;
    const relPath = unique(typeof f.basename === 'string' && f.basename ? f.basename : path.basename(found!));
    // The file's CWL format (an IRI: EDAM, IANA…), as cwltool computed it, is kept with the product.
    return {
      output, localPath: local, relPath, mediaType: mediaType && mediaType !== 'application/octet-stream' ? mediaType : mediaTypeFor(relPath), geo: null,
      ...(typeof f.format === 'string' ? { metaData: { [CWL_FORMAT]: f.format } } : {}),
      ...(secondaryOf ? { secondaryOf } : {}),
    };
  };
  for (const o of iface.outputs) {
    const v = doc[o.name];
    if (v === undefined || v === null) {
      if (o.required) return fail(BUILTIN.missingRequiredOutput, `cwltool gave no value for required output ${JSON.stringify(o.name)}`);
      continue;
    }
    if (o.kind === 'json') {
      jsonValues[o.name] = await publicValue(v);
      continue;
    }
    if (o.directory) {
      if (!isObject(v) || v.class !== 'Directory') return fail(BUILTIN.invalidResultsManifest, `output ${JSON.stringify(o.name)} is not a Directory`);
      const dir = localOf(v) ?? (isLiteral(v) ? await literalAt(v) : null);
      if (!dir) return fail(BUILTIN.invalidResultsManifest, `output ${JSON.stringify(o.name)} names a directory outside the execution's directory`);
      const name = unique(typeof v.basename === 'string' && v.basename ? v.basename : path.basename(dir));
      directories[o.name] = name;
      for (const f of await filesBelow(dir, within)) {
        const local = await claim(f);
        if (local) files.push({ output: o.name, localPath: local, relPath: path.join(name, path.relative(dir, f)), mediaType: mediaTypeFor(f), geo: null });
      }
      continue;
    }
    const list = (Array.isArray(v) ? v : [v]).filter((x) => x !== null);
    if (o.kind === 'file' && list.length !== 1) return fail(BUILTIN.unexpectedMultipleOutputs, `output ${JSON.stringify(o.name)} takes one file, not ${list.length}`);
    for (const f of list) {
      if (!isObject(f) || f.class !== 'File') return fail(BUILTIN.invalidResultsManifest, `output ${JSON.stringify(o.name)} is not a File`);
      const c = await fileOf(o.name, f, o.mediaType);
      if (typeof c === 'string') return fail(BUILTIN.invalidResultsManifest, c);
      files.push(c);
      // Its secondary files (a Directory among them is not kept: results name files).
      for (const sf of Array.isArray(f.secondaryFiles) ? f.secondaryFiles : []) {
        if (!isObject(sf) || sf.class !== 'File') continue;
        const s = await fileOf(o.name, sf, null, c.relPath);
        if (typeof s === 'string') return fail(BUILTIN.invalidResultsManifest, s);
        files.push(s);
      }
    }
  }
  return { ok: true, files, manifest: null, jsonValues, directories };
}
