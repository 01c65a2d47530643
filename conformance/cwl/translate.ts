// A case's job order as an OGC API – Processes execute request, and a run's results as a CWL
// output object, so the suite's expectations can be checked through the server's front door.
//
// Inputs: values as they are (records as qualified values, so a record with a `value` field is not
// taken for one); a File by reference to the runner's file server ({"href"}), or inline when the job
// gives its `contents`; a Directory by reference to a listing of its files (the document the server
// answers for a directory output); an input the server takes as JSON with files inside (a record,
// a union, Any) as CWL objects located at this runner's URLs; a File's secondaryFiles beside its
// href (`secondaryFiles`). What the server cannot take yet is a skip with its reason. A literal
// Directory is sent as it is (its files' locations made this runner's URLs).
import path from 'node:path';

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Unsendable extends Error {}

/** URLs the runner's file server answers for a local file, and for a directory's listing. */
export interface FileUrls {
  file(localPath: string): string;
  directory(localPath: string): string;
}

const holdsFileObject = (v: unknown): boolean =>
  Array.isArray(v) ? v.some(holdsFileObject) : isObject(v) ? v.class === 'File' || v.class === 'Directory' || Object.values(v).some(holdsFileObject) : false;

function localOf(v: Record<string, any>, base: string): string | null {
  const loc = typeof v.location === 'string' ? v.location : typeof v.path === 'string' ? v.path : null;
  if (!loc) return null;
  const p = loc.startsWith('file://') ? new URL(loc).pathname : loc;
  return path.resolve(base, decodeURIComponent(p));
}

function fileInput(v: Record<string, any>, base: string, urls: FileUrls, name: string): unknown {
  if (v.class === 'Directory') {
    // A literal Directory as it is, its files' locations made the runner's URLs.
    if (Array.isArray(v.listing) && !localOf(v, base)) return withLocations(v, base, urls);
    const local = localOf(v, base);
    if (!local) throw new Unsendable(`input ${name} is a Directory without a location`);
    return { href: urls.directory(local) };
  }
  const local = localOf(v, base);
  // A File's CWL format goes as its format's schema.
  const schema = typeof v.format === 'string' ? { schema: v.format } : {};
  if (local) return { href: urls.file(local), ...schema, ...secondaryOf(v, base, urls, name) };
  if (typeof v.contents === 'string') return { value: v.contents, mediaType: 'text/plain', ...schema };
  throw new Unsendable(`input ${name} is a File with neither a location nor contents`);
}

/** A File's secondaryFiles as the server takes them beside its href: each file or directory (its listing) by URL, with its basename. */
function secondaryOf(v: Record<string, any>, base: string, urls: FileUrls, name: string): Record<string, unknown> {
  if (!Array.isArray(v.secondaryFiles) || !v.secondaryFiles.length) return {};
  return {
    secondaryFiles: v.secondaryFiles.map((s: Record<string, any>) => {
      const local = isObject(s) ? localOf(s, base) : null;
      if (!local) throw new Unsendable(`input ${name} gives a secondary file without a location`);
      const dir = s.class === 'Directory';
      return { class: dir ? 'Directory' : 'File', href: dir ? urls.directory(local) : urls.file(local), ...(typeof s.basename === 'string' ? { basename: s.basename } : {}) };
    }),
  };
}

/**
 * A value for an input the server takes as JSON with files inside (a record with a File field, a
 * union, Any): each File or Directory as a CWL object whose location is the runner's URL for it.
 */
function withLocations(v: unknown, base: string, urls: FileUrls): unknown {
  if (Array.isArray(v)) return v.map((x) => withLocations(x, base, urls));
  if (!isObject(v)) return v;
  if (v.class === 'File' || v.class === 'Directory') {
    const { path: _p, location: _l, dirname: _d, listing, secondaryFiles, ...rest } = v;
    const local = localOf(v, base);
    const location = local ? (v.class === 'File' ? urls.file(local) : urls.directory(local)) : undefined;
    return {
      ...rest, ...(location ? { location } : {}),
      ...(Array.isArray(listing) && !location ? { listing: withLocations(listing, base, urls) } : {}),
      ...(Array.isArray(secondaryFiles) ? { secondaryFiles: withLocations(secondaryFiles, base, urls) } : {}),
    };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withLocations(x, base, urls)]));
}

/**
 * The execute request's inputs for a job order, keeping only the inputs the process declares (the
 * suite's job files may give others; runners ignore them); `valueInputs` are those the server takes
 * as JSON values (files inside them as CWL objects). Throws Unsendable when one cannot be said.
 */
export function ogcInputs(job: Record<string, unknown>, base: string, declared: Set<string>, urls: FileUrls, valueInputs: Set<string> = new Set()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(job)) {
    if (!declared.has(name) || v === null || v === undefined) continue;
    if (valueInputs.has(name) && holdsFileObject(v)) out[name] = { value: withLocations(v, base, urls), mediaType: 'application/json' };
    else if (isObject(v) && (v.class === 'File' || v.class === 'Directory')) out[name] = fileInput(v, base, urls, name);
    else if (Array.isArray(v) && v.length && v.every((x) => isObject(x) && (x.class === 'File' || x.class === 'Directory'))) out[name] = v.map((x) => fileInput(x as Record<string, any>, base, urls, name));
    else if (holdsFileObject(v)) throw new Unsendable(`input ${name} holds files inside a value (a record or a mixed array), which an OGC execute request gives only by reference`);
    else if (isObject(v)) out[name] = { value: v, mediaType: 'application/json' };
    else out[name] = v;
  }
  return out;
}

/** A file a run produced, as fetched from the server. */
export interface Fetched {
  name: string;
  size: number;
  sha1: string;
  text: string;
}

/** A results-document entry and how to fetch what it links to. */
export interface ResultReader {
  /** A file by its URL: name (Content-Disposition), size, checksum, text. */
  file(href: string): Promise<Fetched>;
  /** A JSON document by its URL. */
  json(href: string): Promise<unknown>;
}

const fileObject = (f: Fetched) => ({ class: 'File', basename: f.name, location: f.name, size: f.size, checksum: `sha1$${f.sha1}`, contents: f.text });

/** A directory listing document as a CWL Directory, its sub-directories made from the files' paths. */
async function directoryObject(listing: Record<string, any>, reader: ResultReader): Promise<Record<string, unknown>> {
  // Locations as cwltool's end: <somewhere>/<directory>/<path in it>.
  const at = `results/${listing.name}`;
  const root: Record<string, any> = { class: 'Directory', basename: listing.name, location: at, listing: [] };
  for (const f of Array.isArray(listing.files) ? listing.files : []) {
    const parts = String(f.path).split('/');
    let dir = root;
    for (const [i, seg] of parts.slice(0, -1).entries()) {
      let sub = dir.listing.find((x: any) => x.class === 'Directory' && x.basename === seg);
      if (!sub) {
        sub = { class: 'Directory', basename: seg, location: `${at}/${parts.slice(0, i + 1).join('/')}`, listing: [] };
        dir.listing.push(sub);
      }
      dir = sub;
    }
    dir.listing.push({ ...fileObject(await reader.file(f.href)), location: `${at}/${f.path}` });
  }
  return root;
}

const SERVER_FILE = /\/scale\/files\/\d+\/content$/;
const DIRECTORY_FILE = /^(.*\/jobs\/[^/]+\/results\/[^/]+)\/.+$/;

async function resultValue(v: unknown, reader: ResultReader): Promise<unknown> {
  if (Array.isArray(v)) return Promise.all(v.map((x) => resultValue(x, reader)));
  if (!isObject(v) || typeof v.href !== 'string') return isObject(v) && 'value' in v && 'mediaType' in v ? v.value : v;
  const url = new URL(v.href);
  // A file's CWL format comes back as its format's schema, its secondary files as links beside it.
  if (SERVER_FILE.test(url.pathname)) {
    return {
      ...fileObject(await reader.file(v.href)), ...(typeof v.schema === 'string' ? { format: v.schema } : {}),
      ...(Array.isArray(v.secondaryFiles) ? { secondaryFiles: await Promise.all(v.secondaryFiles.map((s) => resultValue(s, reader))) } : {}),
    };
  }
  // A directory is linked by its catalog.json, or by its listing: either way, read the listing.
  const dirOf = DIRECTORY_FILE.exec(url.pathname);
  const doc = await reader.json(dirOf ? `${url.origin}${dirOf[1]}` : v.href);
  if (isObject(doc) && doc.type === 'directory' && Array.isArray(doc.files)) return directoryObject(doc, reader);
  return doc;
}

/** A results document (every output by reference) as a CWL output object. */
export async function outputObject(results: Record<string, unknown>, outputs: string[], reader: ResultReader): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const id of outputs) out[id] = id in results ? await resultValue(results[id], reader) : null;
  return out;
}
