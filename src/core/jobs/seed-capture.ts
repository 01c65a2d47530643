// Output capture for SEED job types (SEED 1.0 "Output capture", Scale's job/seed/results):
//   - each file output's pattern is globbed in OUTPUT_DIR (not recursively); side-car and manifest
//     files never count as outputs; a required output with no match fails the execution with
//     missing-required-output, a single-valued output with several with unexpected-multiple-outputs;
//   - `<file>.metadata.json` GeoJSON side-cars give a product its geometry, times and properties;
//   - JSON outputs come from seed.outputs.json by `key` (or name), type-checked;
//   - `<INPUT>.metadata.json` beside them updates the metadata of that (single-file) input.
import fs from 'node:fs/promises';
import path from 'node:path';
import { check } from '../../schemas.ts';
import { BUILTIN } from '../errors/model.ts';
import { mediaTypeFor } from '../files/service.ts';
import type { JobInterface } from '../job-types/model.ts';
import type { CaptureResult, CapturedFile, GeoMetadata } from './capture.ts';
import { jsonTypeOf, matchesJsonType } from './job-data.ts';
import { glob, listDir, type Listings } from './glob.ts';

const NOT_OUTPUTS = [/\.metadata\.json$/, /(^|\/)seed\.outputs\.json$/, /(^|\/)results_manifest\.json$/];
const METADATA_SCHEMA = 'seed/seed.metadata.schema.json';

export interface SourceMetadata {
  input: string;
  geo: GeoMetadata & { dataTypes?: string[]; properties?: Record<string, unknown> };
}

export type SeedCaptureResult = CaptureResult & { jsonValues?: Record<string, unknown>; sourceUpdates?: SourceMetadata[] };

async function readJson(file: string): Promise<{ value?: unknown; missing?: boolean; error?: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err: any) {
    return err?.code === 'ENOENT' ? { missing: true } : { error: err.message };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `is not valid JSON: ${(err as Error).message}` };
  }
}

/** Reads a GeoJSON side-car into a product's geometry, times and properties; null when absent. */
export async function readSidecar(file: string): Promise<{ geo: SourceMetadata['geo'] | null; error?: string }> {
  const r = await readJson(file);
  if (r.missing) return { geo: null };
  if (r.error) return { geo: null, error: `${path.basename(file)} ${r.error}` };
  const problems = check(METADATA_SCHEMA, r.value, path.basename(file));
  if (problems.length) return { geo: null, error: problems.map((p) => `${p.field}: ${p.message}`).join('; ') };
  const g = r.value as any;
  const properties: Record<string, unknown> = g.type === 'Feature' ? (g.properties ?? {}) : {};
  const geometry = g.type === 'Feature' ? g.geometry : g.type === 'FeatureCollection' ? g : g;
  return {
    geo: {
      geoJson: geometry ?? null,
      dataStarted: typeof properties.dataStarted === 'string' ? properties.dataStarted : undefined,
      dataEnded: typeof properties.dataEnded === 'string' ? properties.dataEnded : undefined,
      dataTypes: Array.isArray(properties.dataTypes) ? properties.dataTypes.map(String) : undefined,
      properties,
    },
  };
}

export async function captureSeedOutputs(iface: JobInterface, outputDir: string): Promise<SeedCaptureResult> {
  const fail = (error: (typeof BUILTIN)[keyof typeof BUILTIN], message: string): SeedCaptureResult => ({ ok: false, error, message, manifest: null });
  const files: CapturedFile[] = [];
  // The output directory is listed once for every pattern, and a file at its top (seed.outputs.json,
  // an input's side-car) that is not listed there is not looked for: most jobs write none of them.
  const listings: Listings = new Map();
  const top = async (name: string): Promise<boolean> => {
    const entries = await listDir(outputDir, '', listings);
    return entries === null || entries.some((e) => e.name === name);
  };
  for (const o of iface.outputs) {
    if (o.kind === 'json' || !o.pattern) continue;
    const matches = (await glob(outputDir, o.pattern, listings)).filter((m) => !NOT_OUTPUTS.some((re) => re.test(m)));
    if (o.required && !matches.length) return fail(BUILTIN.missingRequiredOutput, `required output ${JSON.stringify(o.name)} matched nothing by ${JSON.stringify(o.pattern)}`);
    if (o.kind === 'file' && matches.length > 1) return fail(BUILTIN.unexpectedMultipleOutputs, `output ${JSON.stringify(o.name)} takes one file; ${matches.length} matched ${JSON.stringify(o.pattern)}`);
    for (const rel of matches) {
      const localPath = path.join(outputDir, rel);
      const side = await readSidecar(`${localPath}.metadata.json`);
      if (side.error) return fail(BUILTIN.invalidResultsManifest, `side-car of ${rel}: ${side.error}`);
      const mediaType = o.mediaType && o.mediaType !== 'application/octet-stream' ? o.mediaType : mediaTypeFor(rel);
      files.push({ output: o.name, localPath, relPath: rel, mediaType, geo: side.geo, metaData: side.geo?.properties });
    }
  }

  const jsonOutputs = iface.outputs.filter((o) => o.kind === 'json');
  const jsonValues: Record<string, unknown> = {};
  if (jsonOutputs.length) {
    const r = (await top('seed.outputs.json')) ? await readJson(path.join(outputDir, 'seed.outputs.json')) : { missing: true as const };
    if (r.error) return fail(BUILTIN.invalidResultsManifest, `seed.outputs.json ${r.error}`);
    if (r.missing) {
      const required = jsonOutputs.filter((o) => o.required);
      if (required.length) return fail(BUILTIN.missingRequiredOutput, `seed.outputs.json is missing; it must give ${required.map((o) => JSON.stringify(o.jsonKey ?? o.name)).join(', ')}`);
    } else {
      const doc = r.value;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail(BUILTIN.invalidResultsManifest, 'seed.outputs.json must hold a JSON object');
      for (const o of jsonOutputs) {
        const key = o.jsonKey ?? o.name;
        const v = (doc as Record<string, unknown>)[key];
        if (v === undefined) {
          if (o.required) return fail(BUILTIN.missingRequiredOutput, `seed.outputs.json has no ${JSON.stringify(key)} for required output ${JSON.stringify(o.name)}`);
          continue;
        }
        if (!matchesJsonType(v, o.jsonType!)) return fail(BUILTIN.invalidResultsManifest, `seed.outputs.json ${JSON.stringify(key)} must be of JSON type ${o.jsonType}, not ${jsonTypeOf(v)}`);
        jsonValues[o.name] = v;
      }
    }
  }

  const sourceUpdates: SourceMetadata[] = [];
  for (const i of iface.inputs) {
    if (i.kind !== 'file') continue;
    const side = (await top(`${i.name}.metadata.json`)) ? await readSidecar(path.join(outputDir, `${i.name}.metadata.json`)) : { geo: null };
    if (side.error) return fail(BUILTIN.invalidResultsManifest, `side-car of input ${i.name}: ${side.error}`);
    if (side.geo) sourceUpdates.push({ input: i.name, geo: side.geo });
  }
  return { ok: true, files, manifest: null, jsonValues, sourceUpdates };
}
