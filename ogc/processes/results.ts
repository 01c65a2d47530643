// The results of a successful run, in the form the execute request asked for (OGC 18-062r2, table
// "mapping execute responses"): a results document; one raw value with its own media type; several
// raw values as multipart/related; or raw references as Link headers (204). Output files are served
// by this server (/scale/files/{id}/content) and inlined as base64 when asked for by value.
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { Run, RunFile, RunOutput } from '../../src/core/runs/model.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import type { Urls } from '../../src/http/urls.ts';
import { REL } from './http.ts';

/** Largest output file inlined by value; a larger one is answered as a reference. */
const MAX_INLINE_BYTES = 64 * 1024 * 1024;

export type Requested = Map<string, 'value' | 'reference'>;

const fileHref = (u: Urls, id: number) => u.to(`/scale/files/${id}/content`);

/** A value as inlineOrRefData: plain JSON where the schema allows it, a qualified value for objects. */
const inlineJson = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { value: v, mediaType: 'application/json' } : v);

async function fileEntry(runs: RunService, u: Urls, f: RunFile, mode: 'value' | 'reference') {
  if (mode === 'value') {
    const read = await runs.fileContent(f.id, MAX_INLINE_BYTES);
    if (read) return { value: read.data.toString('base64'), mediaType: read.mediaType, encoding: 'base64' };
  }
  return { href: fileHref(u, f.id), type: f.mediaType };
}

/** The outputs asked for: those the request named, or every output (a job's by value, a workflow's by reference: its outputTransmission). */
export function requestedOf(run: Run, outputs: Record<string, 'value' | 'reference'> | null, produced: Map<string, RunOutput>): Requested {
  const mode = run.kind === 'workflow' ? 'reference' : 'value';
  return new Map(outputs ? Object.entries(outputs) : [...produced.keys()].map((id) => [id, mode]));
}

/** The results document: output id → value, qualified value or link. */
export async function resultsDocument(runs: RunService, u: Urls, run: Run, outputs: Map<string, RunOutput>, requested: Requested): Promise<Record<string, unknown>> {
  const doc: Record<string, unknown> = {};
  for (const [id, mode] of requested) {
    const o = outputs.get(id);
    if (!o) continue;
    if (o.kind === 'json') doc[id] = mode === 'value' ? inlineJson(o.value) : { href: u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}`), type: 'application/json' };
    else if (o.kind === 'file') doc[id] = o.files[0] !== undefined ? await fileEntry(runs, u, o.files[0], mode) : undefined;
    else {
      const entries = await Promise.all(o.files.map((f) => fileEntry(runs, u, f, mode)));
      // A workflow's output that is one file reads as that file.
      doc[id] = run.kind === 'workflow' && entries.length === 1 ? entries[0] : entries;
    }
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
export async function sendResults(res: Response, runs: RunService, u: Urls, run: Run, outputs: Map<string, RunOutput>, requested: Requested, response: 'raw' | 'document'): Promise<void> {
  if (response === 'document') {
    res.status(200).type('application/json').json(await resultsDocument(runs, u, run, outputs, requested));
    return;
  }
  const parts: Part[] = [];
  for (const [id, mode] of requested) {
    const o = outputs.get(id);
    if (!o) continue;
    if (o.kind === 'json') {
      parts.push(mode === 'value'
        ? { id, mediaType: 'application/json', body: Buffer.from(JSON.stringify(o.value)), location: null }
        : { id, mediaType: 'application/json', body: null, location: u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}`) });
      continue;
    }
    for (const [n, f] of o.files.entries()) {
      const partId = o.kind === 'files' ? `${id}.${n}` : id;
      const read = mode === 'value' ? await runs.fileContent(f.id, MAX_INLINE_BYTES) : null;
      parts.push(read ? { id: partId, mediaType: read.mediaType, body: read.data, location: null } : { id: partId, mediaType: f.mediaType, body: null, location: fileHref(u, f.id) });
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
