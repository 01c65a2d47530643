// Output capture for Scale 1.0 job types: the results manifest (1.0 or 1.1) and ARTIFACT lines name
// the files an execution produced; each must be a regular file inside the output directory.
import fs from 'node:fs/promises';
import path from 'node:path';
import { check } from '../../schemas.ts';
import { BUILTIN } from '../errors/model.ts';
import { mediaTypeFor } from '../files/service.ts';
import type { JobInterface } from '../job-types/model.ts';

export interface GeoMetadata {
  dataStarted?: string;
  dataEnded?: string;
  geoJson?: unknown;
}

export interface CapturedFile {
  output: string;
  localPath: string;
  /** Path relative to the output directory; products keep it under their execution's folder. */
  relPath: string;
  mediaType: string;
  geo: GeoMetadata | null;
  /** Free-form properties of a SEED side-car, kept as the product's meta_data. */
  metaData?: Record<string, unknown>;
  /** A CWL secondary file: the relPath of the primary file it goes with (cwl-capture.ts). */
  secondaryOf?: string;
}

export type CaptureResult =
  | { ok: true; files: CapturedFile[]; manifest: unknown }
  | { ok: false; error: (typeof BUILTIN)[keyof typeof BUILTIN]; message: string; manifest: unknown };

interface Entry {
  name: string;
  paths: { path: string; geo: GeoMetadata | null }[];
  usedFiles: boolean;
}

function geoOf(g: any): GeoMetadata | null {
  if (!g || typeof g !== 'object') return null;
  return { dataStarted: g.data_started, dataEnded: g.data_ended, geoJson: g.geo_json };
}

/** Reads results_manifest.json (absent → empty) into entries; throws a message when it is invalid. */
async function readManifest(outputDir: string): Promise<{ manifest: unknown; entries: Entry[] }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(outputDir, 'results_manifest.json'), 'utf8');
  } catch (err: any) {
    if (err?.code === 'ENOENT') return { manifest: null, entries: [] };
    throw new Error(`results_manifest.json cannot be read: ${err.message}`);
  }
  let manifest: any;
  try {
    manifest = JSON.parse(text);
  } catch (err) {
    throw new Error(`results_manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const v1 = manifest && typeof manifest === 'object' && (manifest.version === '1.0' || ('files' in manifest && !('output_data' in manifest)));
  const problems = check(v1 ? 'scale/results-manifest-1.0' : 'scale/results-manifest-1.1', manifest, 'results_manifest');
  if (problems.length) throw new Error(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  const entries: Entry[] = v1
    ? (manifest.files ?? []).map((f: any) => ({
        name: f.name,
        paths: (f.paths ?? (f.path !== undefined ? [f.path] : [])).map((p: string) => ({ path: p, geo: null })),
        usedFiles: f.paths !== undefined,
      }))
    : (manifest.output_data ?? []).map((o: any) => ({
        name: o.name,
        paths: o.files ? o.files.map((f: any) => ({ path: f.path, geo: geoOf(f.geo_metadata) })) : o.file ? [{ path: o.file.path, geo: geoOf(o.file.geo_metadata) }] : [],
        usedFiles: o.files !== undefined,
      }));
  return { manifest, entries };
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export async function captureOutputs(iface: JobInterface, outputDir: string, artifacts: { name: string; path: string }[]): Promise<CaptureResult> {
  let manifest: unknown = null;
  let entries: Entry[];
  try {
    ({ manifest, entries } = await readManifest(outputDir));
  } catch (err) {
    return { ok: false, error: BUILTIN.invalidResultsManifest, message: (err as Error).message, manifest };
  }
  for (const a of artifacts) {
    const e = entries.find((x) => x.name === a.name);
    if (e) e.paths.push({ path: a.path, geo: null });
    else entries.push({ name: a.name, paths: [{ path: a.path, geo: null }], usedFiles: false });
  }
  const specs = new Map(iface.outputs.map((o) => [o.name, o]));
  const realOut = entries.length ? await fs.realpath(outputDir) : outputDir;
  const files: CapturedFile[] = [];
  const fail = (error: (typeof BUILTIN)[keyof typeof BUILTIN], message: string): CaptureResult => ({ ok: false, error, message, manifest });
  for (const e of entries) {
    const spec = specs.get(e.name);
    if (!spec) return fail(BUILTIN.invalidResultsManifest, `output ${JSON.stringify(e.name)} is not in the job type's interface`);
    if (spec.kind === 'file' && e.paths.length > 1) return fail(BUILTIN.unexpectedMultipleOutputs, `output ${JSON.stringify(e.name)} takes one file; ${e.paths.length} were given`);
    for (const p of e.paths) {
      const abs = path.resolve(outputDir, p.path);
      let real: string;
      try {
        real = await fs.realpath(abs);
        if (!(await fs.stat(real)).isFile()) throw new Error('not a regular file');
      } catch {
        return fail(BUILTIN.invalidResultsManifest, `output ${JSON.stringify(e.name)} has an invalid or missing file path ${JSON.stringify(p.path)}`);
      }
      if (!inside(realOut, real)) return fail(BUILTIN.invalidResultsManifest, `output ${JSON.stringify(e.name)} names ${JSON.stringify(p.path)}, which is outside the output directory`);
      const relPath = path.relative(realOut, real);
      files.push({ output: e.name, localPath: real, relPath, mediaType: spec.mediaType ?? mediaTypeFor(real), geo: p.geo });
    }
  }
  for (const o of iface.outputs) {
    if (o.required && !files.some((f) => f.output === o.name)) {
      return fail(BUILTIN.missingRequiredOutput, `required output ${JSON.stringify(o.name)} was not produced`);
    }
  }
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.localPath)) return fail(BUILTIN.invalidResultsManifest, `file ${f.relPath} is named by more than one output`);
    seen.add(f.localPath);
  }
  return { ok: true, files, manifest };
}
