// Output capture for CWL job types: cwltool prints the output object (each output of the process:
// a File, an array of Files, a Directory, or a value), its files left where the steps wrote them
// inside the execution's directory (--leave-outputs: cwltool's moving into --outdir loses a file
// whose name another output has). Files become products, named by their basenames (made unique
// here); a Directory's files all do, their paths inside it kept; values are the job's JSON outputs
// (files inside values are named, not stored).
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

/** Every regular file below a directory (symbolic links are not followed out of it). */
async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) out.push(p);
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
  const taken = new Set<string>();
  /** A product name not yet used in this execution: the basename, else basename_2, _3… (as cwltool names them). */
  const unique = (name: string): string => {
    let n = name;
    for (let i = 2; taken.has(n); i++) n = `${name}_${i}`;
    taken.add(n);
    return n;
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
  const fileOf = async (output: string, f: Record<string, any>, mediaType: string | null): Promise<CapturedFile | string> => {
    const local = localOf(f) ?? (isLiteral(f) ? await literalAt(f) : null);
    if (!local) return `output ${JSON.stringify(output)} names a file outside the execution's directory`;
    const relPath = unique(typeof f.basename === 'string' && f.basename ? f.basename : path.basename(local));
    // The file's CWL format (an IRI: EDAM, IANA…), as cwltool computed it, is kept with the product.
    return {
      output, localPath: local, relPath, mediaType: mediaType && mediaType !== 'application/octet-stream' ? mediaType : mediaTypeFor(relPath), geo: null,
      ...(typeof f.format === 'string' ? { metaData: { [CWL_FORMAT]: f.format } } : {}),
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
      for (const f of await filesBelow(dir)) files.push({ output: o.name, localPath: f, relPath: path.join(name, path.relative(dir, f)), mediaType: mediaTypeFor(f), geo: null });
      continue;
    }
    const list = (Array.isArray(v) ? v : [v]).filter((x) => x !== null);
    if (o.kind === 'file' && list.length !== 1) return fail(BUILTIN.unexpectedMultipleOutputs, `output ${JSON.stringify(o.name)} takes one file, not ${list.length}`);
    for (const f of list) {
      if (!isObject(f) || f.class !== 'File') return fail(BUILTIN.invalidResultsManifest, `output ${JSON.stringify(o.name)} is not a File`);
      const c = await fileOf(o.name, f, o.mediaType);
      if (typeof c === 'string') return fail(BUILTIN.invalidResultsManifest, c);
      files.push(c);
    }
  }
  return { ok: true, files, manifest: null, jsonValues, directories };
}
