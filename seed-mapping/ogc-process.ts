// Job types as OGC API - Processes v1.0 processes: the internal JobInterface (from a SEED manifest
// or a Scale 1.0 interface) ⇄ process summaries and descriptions. Pure: data in, data out.
// Input and output schemas use only the OpenAPI 3.0 subset a v1.0 description allows (schema.yaml).
import type { InterfaceInput, InterfaceOutput, JobInterface, JsonType } from '../src/core/job-types/model.ts';

export const JOB_CONTROL_OPTIONS = ['sync-execute', 'async-execute', 'dismiss'] as const;
export const OUTPUT_TRANSMISSION = ['value', 'reference'] as const;

/** What a process description is made from: a job type's descriptive fields and its interface. */
export interface ProcessSource {
  name: string;
  version: string;
  title: string | null;
  description: string | null;
  category: string | null;
  /** The SEED manifest, when the job type is a SEED image (for keywords and metadata). */
  manifest: Record<string, any> | null;
  iface: JobInterface;
}

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

/** The process id of a job type: its name, or name:version for a version that is not the newest. */
export function processId(name: string, version: string, newest: boolean): string {
  return newest ? name : `${name}:${version}`;
}

/** A process id → job type name and version (null: the newest version). */
export function parseProcessId(id: string): { name: string; version: string | null } {
  const at = id.indexOf(':');
  return at < 0 ? { name: id, version: null } : { name: id.slice(0, at), version: id.slice(at + 1) };
}

/** One file's schema: binary content of the accepted media types. */
function fileSchema(mediaTypes: string[]): Record<string, unknown> {
  const one = (m?: string) => ({ type: 'string', format: 'binary', contentEncoding: 'binary', ...(m ? { contentMediaType: m } : {}) });
  if (mediaTypes.length <= 1) return one(mediaTypes[0]);
  return { oneOf: mediaTypes.map(one) };
}

function valueSchema(t: JsonType | undefined): Record<string, unknown> {
  if (!t) return {};
  if (t === 'array') return { type: 'array', items: {} };
  if (t === 'object') return { type: 'object' };
  return { type: t };
}

/** The JSON Schema of one value of an input (a file input's schema is that of one file). */
/** An OGC bounding box (Part 1 bbox.yaml). */
export const BBOX_SCHEMA = {
  type: 'object', format: 'ogc-bbox', required: ['bbox'],
  properties: {
    bbox: { type: 'array', oneOf: [{ minItems: 4, maxItems: 4 }, { minItems: 6, maxItems: 6 }], items: { type: 'number' } },
    crs: { type: 'string', format: 'uri', default: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' },
  },
};

export function inputSchema(i: InterfaceInput): Record<string, unknown> {
  if (i.kind === 'file' || i.kind === 'files') return fileSchema(i.mediaTypes);
  if (i.bbox) return BBOX_SCHEMA;
  if (i.kind === 'property') return { type: 'string' };
  return valueSchema(i.jsonType);
}

export function outputSchema(o: InterfaceOutput): Record<string, unknown> {
  // application/octet-stream is SEED's "not said": the file keeps the media type it is made with.
  const known = o.mediaType && o.mediaType !== 'application/octet-stream' ? [o.mediaType] : [];
  if (o.kind === 'file') return fileSchema(known);
  if (o.kind === 'files') return { type: 'array', items: fileSchema(known) };
  return valueSchema(o.jsonType);
}

function keywordsOf(src: ProcessSource): string[] {
  const tags: string[] = Array.isArray(src.manifest?.job?.tags) ? src.manifest.job.tags.filter((t: unknown) => typeof t === 'string') : [];
  return [...new Set([...(src.category ? [src.category] : []), ...tags])];
}

function metadataOf(src: ProcessSource): { title: string; role?: string; href?: string }[] {
  const m = src.manifest?.job?.maintainer;
  const out: { title: string; role?: string; href?: string }[] = [];
  if (m?.name) out.push({ title: `${m.name}${m.organization ? `, ${m.organization}` : ''}${m.email ? ` <${m.email}>` : ''}`, role: 'maintainer', ...(m.url ? { href: m.url } : {}) });
  if (src.manifest?.job?.packageVersion) out.push({ title: `package ${src.manifest.job.packageVersion}`, role: 'packageVersion' });
  return out;
}

export function processSummary(src: ProcessSource, id: string, links: Link[]) {
  const keywords = keywordsOf(src);
  const metadata = metadataOf(src);
  return {
    id,
    version: src.version,
    title: src.title ?? src.name,
    ...(src.description ? { description: src.description } : {}),
    ...(keywords.length ? { keywords } : {}),
    ...(metadata.length ? { metadata } : {}),
    jobControlOptions: [...JOB_CONTROL_OPTIONS],
    outputTransmission: [...OUTPUT_TRANSMISSION],
    links,
  };
}

export function processDescription(src: ProcessSource, id: string, links: Link[]) {
  const inputs: Record<string, unknown> = {};
  // Required inputs first, and values before files within each (stable): clients such as the OGC
  // test suite treat the first input as the main one, and the WPS 2.0 suite the last complex one.
  const isFile = (i: InterfaceInput) => i.kind === 'file' || i.kind === 'files';
  const ordered = [true, false].flatMap((req) => [false, true].flatMap((file) => src.iface.inputs.filter((i) => i.required === req && isFile(i) === file)));
  for (const i of ordered) {
    inputs[i.name] = {
      title: i.name,
      schema: inputSchema(i),
      minOccurs: i.required ? 1 : 0,
      maxOccurs: i.kind === 'files' ? 'unbounded' : 1,
    };
  }
  const outputs: Record<string, unknown> = {};
  // Outputs in the same order (the WPS 2.0 suite echoes into the last complex output).
  const fileOut = (o: InterfaceOutput) => o.kind === 'file' || o.kind === 'files';
  for (const req of [true, false]) for (const file of [false, true]) {
    for (const o of src.iface.outputs) if (o.required === req && fileOut(o) === file) outputs[o.name] = { title: o.name, schema: outputSchema(o) };
  }
  return { ...processSummary(src, id, links), inputs, outputs };
}
