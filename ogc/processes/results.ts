// The results of a successful job, in the form the execute request asked for (OGC 18-062r2,
// table "mapping execute responses"): a results document; one raw value with its own media type;
// several raw values as multipart/related; or raw references as Link headers (204). Output files
// are served by this server (/scale/files/{id}/content) and inlined as base64 when asked by value.
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { Core } from '../../src/core/index.ts';
import type { JobInterface } from '../../src/core/job-types/model.ts';
import type { Job } from '../../src/core/jobs/model.ts';
import { REL, type Urls } from './http.ts';

/** Largest output file inlined by value; a larger one is answered as a reference. */
const MAX_INLINE_BYTES = 64 * 1024 * 1024;

interface Produced {
  id: string;
  kind: 'json' | 'file' | 'files';
  value?: unknown;
  fileIds: number[];
}

/** The outputs a job produced, by id, from its results (job results 1.0). */
function produced(job: Job, iface: JobInterface): Map<string, Produced> {
  const out = new Map<string, Produced>();
  const kinds = new Map(iface.outputs.map((o) => [o.name, o.kind]));
  for (const o of job.output?.output_data ?? []) {
    const kind = kinds.get(o.name);
    if (!kind) continue;
    if (kind === 'json') out.set(o.name, { id: o.name, kind, value: o.value, fileIds: [] });
    else out.set(o.name, { id: o.name, kind, fileIds: o.file_ids ?? (o.file_id !== undefined ? [o.file_id] : []) });
  }
  return out;
}

const fileHref = (u: Urls, id: number) => u.to(`/scale/files/${id}/content`);

async function readFile(core: Core, id: number): Promise<{ data: Buffer; mediaType: string } | null> {
  const file = await core.files.get(id);
  if (file.fileSize > MAX_INLINE_BYTES) return null;
  const { stream } = await core.files.open(id);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return { data: Buffer.concat(chunks), mediaType: file.mediaType };
}

/** A value as inlineOrRefData: plain JSON where the schema allows it, a qualified value for objects. */
const inlineJson = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { value: v, mediaType: 'application/json' } : v);

export async function fileEntry(core: Core, u: Urls, id: number, mode: 'value' | 'reference') {
  const file = await core.files.get(id);
  if (mode === 'value') {
    const read = await readFile(core, id);
    if (read) return { value: read.data.toString('base64'), mediaType: read.mediaType, encoding: 'base64' };
  }
  return { href: fileHref(u, id), type: file.mediaType };
}

/** The results document: output id → value, qualified value or link. */
export async function resultsDocument(core: Core, u: Urls, job: Job, iface: JobInterface, requested: Map<string, 'value' | 'reference'>) {
  const outs = produced(job, iface);
  const doc: Record<string, unknown> = {};
  for (const [id, mode] of requested) {
    const o = outs.get(id);
    if (!o) continue;
    if (o.kind === 'json') doc[id] = mode === 'value' ? inlineJson(o.value) : { href: u.to(`/jobs/${job.id}/results/${encodeURIComponent(id)}`), type: 'application/json' };
    else if (o.kind === 'file') doc[id] = o.fileIds[0] !== undefined ? await fileEntry(core, u, o.fileIds[0], mode) : undefined;
    else doc[id] = await Promise.all(o.fileIds.map((f) => fileEntry(core, u, f, mode)));
  }
  return doc;
}

interface Part {
  id: string;
  mediaType: string;
  body: Buffer | null;
  location: string | null;
}

/** Sends results as the request asked: `document` as JSON, `raw` as a value, multipart, or links. */
export async function sendResults(res: Response, core: Core, u: Urls, job: Job, iface: JobInterface, requested: Map<string, 'value' | 'reference'>, response: 'raw' | 'document'): Promise<void> {
  if (response === 'document') {
    res.status(200).type('application/json').json(await resultsDocument(core, u, job, iface, requested));
    return;
  }
  const outs = produced(job, iface);
  const parts: Part[] = [];
  for (const [id, mode] of requested) {
    const o = outs.get(id);
    if (!o) continue;
    if (o.kind === 'json') {
      parts.push(mode === 'value'
        ? { id, mediaType: 'application/json', body: Buffer.from(JSON.stringify(o.value)), location: null }
        : { id, mediaType: 'application/json', body: null, location: u.to(`/jobs/${job.id}/results/${encodeURIComponent(id)}`) });
      continue;
    }
    for (const [n, fileId] of o.fileIds.entries()) {
      const partId = o.kind === 'files' ? `${id}.${n}` : id;
      const read = mode === 'value' ? await readFile(core, fileId) : null;
      const file = read ? null : await core.files.get(fileId);
      parts.push(read ? { id: partId, mediaType: read.mediaType, body: read.data, location: null } : { id: partId, mediaType: file!.mediaType, body: null, location: fileHref(u, fileId) });
    }
  }
  if (parts.length && parts.every((p) => p.body === null)) {
    // Raw references: no body, a Link to each output.
    res.status(204);
    for (const p of parts) res.append('Link', `<${p.location}>; rel="${REL}results"; type="${p.mediaType}"; title="${p.id}"`);
    res.end();
    return;
  }
  if (parts.length === 1) {
    res.status(200).type(parts[0].mediaType).send(parts[0].body);
    return;
  }
  const boundary = `ogc-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head = [`--${boundary}`, `Content-Type: ${p.mediaType}`, `Content-ID: <${p.id}>`, ...(p.location ? [`Content-Location: ${p.location}`] : []), '', ''].join('\r\n');
    chunks.push(Buffer.from(head), p.body ?? Buffer.alloc(0), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  res.status(200).setHeader('Content-Type', `multipart/related; boundary="${boundary}"`);
  res.send(Buffer.concat(chunks));
}

/** One output's value alone (the target of a reference to a JSON output). */
export function outputValue(job: Job, iface: JobInterface, id: string): { found: boolean; value?: unknown; fileIds?: number[] } {
  const o = produced(job, iface).get(id);
  if (!o) return { found: false };
  return o.kind === 'json' ? { found: true, value: o.value } : { found: true, fileIds: o.fileIds };
}
