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

/**
 * A file by value or by link; its CWL format IRI, when it has one, as the format's `schema` (a
 * qualified value's member, beside a link's type); its CWL secondary files, when it has some, as
 * `secondaryFiles` (links, the same way again), which an execute request takes back on a File input.
 */
async function fileEntry(runs: RunService, u: Urls, f: RunFile, mode: 'value' | 'reference'): Promise<Record<string, unknown>> {
  const schema = f.format ? { schema: f.format } : {};
  const secondary = f.secondaryFiles?.length ? { secondaryFiles: await Promise.all(f.secondaryFiles.map((s) => fileEntry(runs, u, s, 'reference'))) } : {};
  if (mode === 'value') {
    const read = await runs.fileContent(f.id, MAX_INLINE_BYTES);
    if (read) return { value: read.data.toString('base64'), mediaType: read.mediaType, encoding: 'base64', ...schema, ...secondary };
  }
  return { href: fileHref(u, f.id), type: f.mediaType, ...schema, ...secondary };
}

/** What a client's `Prefer: return=…` (RFC 7240; OGC API - Processes 1.1/2.0) asks of results. */
export type ReturnPreference = 'minimal' | 'representation';

export function returnPreference(prefer: Map<string, string | true>): ReturnPreference | null {
  const r = prefer.get('return');
  return r === 'minimal' || r === 'representation' ? r : null;
}

/**
 * The outputs to answer with and how: those the request named (every output when it named none).
 * `return=minimal` sends every file output as a link and `return=representation` inlines it, whatever
 * the request's transmissionMode said; without a preference, a named output's transmissionMode
 * decides, and an output the request did not name is a link when it is a file and a value when it is
 * a literal (so an EMS staging files out gets hrefs, not base64). A directory is always a link.
 */
export function requestedOf(outputs: Record<string, 'value' | 'reference'> | null, produced: Map<string, RunOutput>, preference: ReturnPreference | null = null, declared: string[] | null = null): Requested {
  // No outputs named: every output the process declares (those not produced are left out of the
  // answer, whose shape still follows: several outputs asked for are multipart when raw).
  const ids = outputs ? Object.keys(outputs) : (declared ?? [...produced.keys()]);
  return new Map(ids.map((id) => {
    const literal = produced.get(id)?.kind === 'json';
    if (preference === 'representation') return [id, 'value'];
    if (preference === 'minimal') return [id, literal ? 'value' : 'reference'];
    return [id, outputs ? outputs[id] : literal ? 'value' : 'reference'];
  }));
}

/**
 * A directory output as a link: to its STAC catalog (the catalog.json nearest its top) when it is
 * one, else to the listing of its files (GET /jobs/{id}/results/{output}).
 */
function directoryEntry(u: Urls, run: Run, id: string, files: RunFile[]) {
  const catalog = files.filter((f) => f.name === 'catalog.json').sort((a, b) => relPathOf(a).length - relPathOf(b).length)[0];
  if (catalog) return { href: directoryFileHref(u, run, id, catalog), type: 'application/json', title: 'the STAC catalog of the directory' };
  return { href: u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}`), type: 'application/json', title: 'the files of the directory' };
}

const relPathOf = (f: RunFile) => f.relPath ?? f.name;

/**
 * A directory output's file by its path in the directory (GET /jobs/{id}/results/{output}/{path}):
 * served under the directory's own URL so that the relative links between its files (a STAC
 * catalog's children, items and assets) resolve.
 */
export const directoryFileHref = (u: Urls, run: Run, id: string, f: RunFile) =>
  u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}/${relPathOf(f).split('/').map(encodeURIComponent).join('/')}`);

/** A directory output's file with that path, if it holds one. */
export const directoryFile = (files: RunFile[], path: string) => files.find((f) => relPathOf(f) === path);

/** A directory output's files as a listing document: each file's path in the directory and its link. */
export function directoryListing(u: Urls, run: Run, id: string, name: string, files: RunFile[]) {
  return { type: 'directory', name, files: files.map((f) => ({ path: relPathOf(f), href: directoryFileHref(u, run, id, f), type: f.mediaType, size: f.size })) };
}

/** The results document: output id → value, qualified value or link. */
export async function resultsDocument(runs: RunService, u: Urls, run: Run, outputs: Map<string, RunOutput>, requested: Requested): Promise<Record<string, unknown>> {
  const doc: Record<string, unknown> = {};
  for (const [id, mode] of requested) {
    const o = outputs.get(id);
    if (!o) continue;
    if (o.kind === 'json') doc[id] = mode === 'value' ? inlineJson(o.value) : { href: u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}`), type: 'application/json' };
    else if (o.kind === 'file') doc[id] = o.files[0] !== undefined ? await fileEntry(runs, u, o.files[0], mode) : undefined;
    else if (o.kind === 'directory') doc[id] = directoryEntry(u, run, id, o.files);
    else doc[id] = await Promise.all(o.files.map((f) => fileEntry(runs, u, f, mode)));
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
      // A string raw is its text (a text/plain part, which multipart readers such as the OGC test
      // suite's javax.mail read as text); any other value is its JSON.
      const text = typeof o.value === 'string';
      parts.push(mode === 'value'
        ? { id, mediaType: text ? 'text/plain; charset=utf-8' : 'application/json', body: Buffer.from(text ? (o.value as string) : JSON.stringify(o.value)), location: null }
        : { id, mediaType: 'application/json', body: null, location: u.to(`/jobs/${run.id}/results/${encodeURIComponent(id)}`) });
      continue;
    }
    if (o.kind === 'directory') {
      // A directory is a link, raw or not.
      parts.push({ id, mediaType: 'application/json', body: null, location: directoryEntry(u, run, id, o.files).href });
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
  // One output asked for is answered as itself; several are multipart, even when only one of them
  // was produced (an optional output its inputs did not call for): the answer's shape follows the request.
  if (parts.length === 1 && requested.size === 1) {
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
