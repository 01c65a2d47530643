// Staging a run's inputs: values are taken as they are, inline file content is stored as a file in
// the run's workspace (streamed, with a size limit), references to this server's own files are used
// as they are, and anything else given by reference is fetched under the fetch policy
// (src/net/fetch-guard.ts) with time and size limits. Each step names the input at fault.
//
// An asynchronous run is accepted before anything is fetched: `prepare` checks what it can without
// fetching (URLs, and whether their hosts may be fetched from) and stores inline content; what is
// left (`Pending`) is kept with the run and fetched by `fetchPending` as the run's first step.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import mime from 'mime-types';
import { type GivenValue, type SecondaryRef, takesMediaType } from '../../../seed-mapping/ogc-execute.ts';
import { DomainError, Invalid, Unavailable } from '../../errors.ts';
import { type AllowList, NO_ALLOW } from '../../net/fetch-guard.ts';
import { checkFetchable, fetchWithin, readWithin } from '../../net/fetch.ts';
import { CWL_FORMAT, CWL_SECONDARY_FILES, type FileService } from '../files/service.ts';
import type { InterfaceInput, JobInterface } from '../job-types/model.ts';
import type { InputValue } from '../jobs/job-data.ts';
import { checkInputCount } from '../input-count.ts';
import { stagingRoot } from '../files/staged-directory.ts';
import { stageEmbedded } from './embedded-files.ts';
import { secondaryPatterns, secondaryUrl } from '../../../seed-mapping/cwl-secondary-files.ts';
import { bodyStream, stageDirectory } from './stac.ts';

export interface StagingLimits {
  /** Aborts fetches when the server stops (they are not the input's fault). */
  stop?: AbortSignal;
  /** Called before each fetch (a run's staging renews its lease). */
  beforeFetch?: () => Promise<void>;
  /** Where files are stored (null: this server has no default workspace, and takes no files). */
  workspaceId: number | null;
  fetchSeconds: number;
  maxBytes: number;
  /** The server URL the client used: references to its own files are not fetched. */
  base: string;
  /** Private addresses hrefs may point at (SCALE_FETCH_ALLOW); none by default. */
  allow?: AllowList;
}

/** An input value once staged (`file`), or still to be (`href`). */
export type StagedValue = { kind: 'value'; value: unknown } | { kind: 'file'; id: number } | { kind: 'href'; href: string; mediaType: string | null; format?: string; secondaryFiles?: SecondaryRef[] };

/** What a run still has to fetch, kept with it: every input's values, the references among them not yet fetched. */
export interface Pending {
  workspaceId: number | null;
  inputs: Record<string, StagedValue[]>;
}

/** Staged inputs, as the core's job data has them. */
export type StagedInputs = Map<string, InputValue>;

const isLiteralDirectory = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && (v as any).class === 'Directory' && Array.isArray((v as any).listing) && (v as any).location === undefined;

const OWN_FILE = /^\/scale\/(?:v\d+\/)?files\/(\d+)\/(?:content\/?)?$/;
/** Values given by reference are read whole; they are small by nature. */
const MAX_VALUE_BYTES = 1024 * 1024;
/** STAC catalogs and items are read whole too. */
const MAX_CATALOG_BYTES = 8 * 1024 * 1024;

function ownFileId(href: string, base: string): number | null {
  try {
    const u = new URL(href);
    if (u.origin !== new URL(base).origin) return null;
    const m = OWN_FILE.exec(u.pathname);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const isFileInput = (spec: InterfaceInput) => spec.kind === 'file' || spec.kind === 'files';

function fileNameFor(spec: InterfaceInput, href: string | null, mediaType: string | null, n: number): string {
  const fromUrl = href ? decodeURIComponent(new URL(href).pathname.split('/').pop() ?? '') : '';
  if (fromUrl && /^[\w.-]+$/.test(fromUrl)) return fromUrl;
  const ext = mediaType ? mime.extension(mediaType) : false;
  return `${spec.name}${n ? `-${n}` : ''}${ext ? `.${ext}` : ''}`;
}

export type Staging = ReturnType<typeof createStaging>;

export function createStaging(deps: { files: FileService; maxInputs?: number }) {
  const { files } = deps;

  async function store(spec: InterfaceInput, data: Readable, fileName: string, mediaType: string | null, field: string, limits: Pick<StagingLimits, 'workspaceId' | 'maxBytes'>, filePath?: string, format?: string, secondary?: number[]): Promise<number> {
    if (limits.workspaceId === null) throw new Unavailable('inputs given as content or by reference are stored in the default workspace, and this server has none (SCALE_DEFAULT_WORKSPACE)');
    const metaData = { ...(format ? { [CWL_FORMAT]: format } : {}), ...(secondary?.length ? { [CWL_SECONDARY_FILES]: secondary } : {}) };
    try {
      const file = await files.upload({ workspaceId: limits.workspaceId, fileName, ...(filePath ? { filePath } : {}), mediaType: mediaType ?? undefined, data, maxBytes: limits.maxBytes, ...(Object.keys(metaData).length ? { metaData } : {}) });
      return file.id;
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'too-large') throw new Invalid(field, `input ${JSON.stringify(spec.name)}: ${err.message}`);
      throw err;
    }
  }

  async function valueByReference(spec: InterfaceInput, href: string, field: string, limits: StagingLimits): Promise<unknown> {
    await limits.beforeFetch?.();
    const res = await fetchWithin(href, field, limits.fetchSeconds, limits.allow, limits.stop);
    const body = await readWithin(res, MAX_VALUE_BYTES, () => new Invalid(field, `the value at ${href} is larger than ${MAX_VALUE_BYTES} bytes`));
    const text = body.toString('utf8');
    if (spec.kind === 'property' || spec.jsonType === 'string') return text;
    try {
      return JSON.parse(text);
    } catch {
      throw new Invalid(field, `the value at ${href} is not JSON (input ${JSON.stringify(spec.name)} takes a ${spec.jsonType})`);
    }
  }

  /**
   * A directory input: the STAC catalog or item, or the directory listing, at `href` staged under one
   * fresh root of the workspace (stac.ts); named `basename` when given, else as the document names it.
   */
  async function directoryByReference(spec: InterfaceInput, href: string, field: string, limits: StagingLimits, stored: number[], basename?: string): Promise<number[]> {
    const root = stagingRoot();
    const fetch = async (url: string, f: string) => {
      await limits.beforeFetch?.();
      return fetchWithin(url, f, limits.fetchSeconds, limits.allow, limits.stop);
    };
    return stageDirectory(href, field, {
      async json(url, f) {
        const body = await readWithin(await fetch(url, f), MAX_CATALOG_BYTES, () => new Invalid(f, `${url} is larger than ${MAX_CATALOG_BYTES} bytes, too large for a STAC document`));
        try {
          return JSON.parse(body.toString('utf8'));
        } catch {
          throw new Invalid(f, `${url} is not JSON: a STAC catalog, collection or item is expected`);
        }
      },
      async stream(url, f) {
        const res = await fetch(url, f);
        return { body: bodyStream(res), mediaType: res.headers.get('content-type')?.split(';')[0].trim() ?? null };
      },
      async store(relPath, data, mediaType) {
        const rel = basename ? [basename, ...relPath.split('/').slice(1)].join('/') : relPath;
        const id = await store(spec, data, rel.split('/').pop()!, mediaType, field, limits, `${root}/${rel}`);
        stored.push(id);
        return id;
      },
    });
  }

  /** Content-Types that say nothing of the content (servers send them for anything: raw.githubusercontent.com sends text/plain). */
  const GENERIC_TYPES = new Set(['application/octet-stream', 'binary/octet-stream', 'text/plain', 'application/x-download', 'application/download']);

  /**
   * `secondary`: the ids of the files fetched beside it for its CWL secondaryFiles patterns, kept in
   * its meta_data (CWL_SECONDARY_FILES) for the run to stage beside it.
   */
  async function fileByReference(spec: InterfaceInput, v: { href: string; mediaType: string | null; format?: string; secondary?: number[]; name?: string }, n: number, field: string, limits: StagingLimits): Promise<number> {
    await limits.beforeFetch?.();
    const res = await fetchWithin(v.href, field, limits.fetchSeconds, limits.allow, limits.stop);
    const served = res.headers.get('content-type')?.split(';')[0].trim() || null;
    // What the far server says it sent, when it says something specific, must be a type the input takes.
    if (!v.mediaType && served && !GENERIC_TYPES.has(served.toLowerCase()) && !takesMediaType(spec.mediaTypes, served)) {
      await res.body?.cancel().catch(() => {});
      throw new Invalid(field, `input ${JSON.stringify(spec.name)} takes ${spec.mediaTypes.join(', ')}; ${v.href} is ${served}`);
    }
    const mediaType = v.mediaType ?? served;
    const body = res.body ? Readable.fromWeb(res.body as unknown as WebReadableStream) : Readable.from([]);
    // The answer breaking off part way (the far server, the network, its time limit) is the input's fault; the workspace's failures are not.
    let broken: Error | null = null;
    body.once('error', (err) => (broken = err));
    try {
      return await store(spec, body, v.name ?? fileNameFor(spec, v.href, mediaType, n), mediaType, field, limits, undefined, v.format, v.secondary);
    } catch (err) {
      if (broken && !(err instanceof DomainError) && !limits.stop?.aborted) throw new Invalid(field, `could not fetch ${v.href}: the answer broke off (${(broken as Error).message})`);
      throw err;
    }
  }

  /**
   * A literal CWL Directory given to a directory input: each File of its listing written from its
   * contents or fetched from its location, at its path in the directory, under a root marked literal
   * (staged-directory.ts) so that the run gives the directory with its listing, as the client did.
   */
  async function literalDirectory(spec: InterfaceInput, dir: Record<string, any>, field: string, limits: StagingLimits, stored: number[]): Promise<number[]> {
    const root = `${stagingRoot(true)}/${dir.basename ?? spec.name}`;
    const ids: number[] = [];
    let count = 0;
    const walk = async (listing: Record<string, any>[], rel: string, at: string): Promise<void> => {
      for (const [n, e] of listing.entries()) {
        const here = `${at}.listing[${n}]`;
        if (++count > (deps.maxInputs ?? 1000)) throw new Invalid(field, `input ${JSON.stringify(spec.name)}: a literal Directory of more than ${deps.maxInputs ?? 1000} entries`);
        const name = typeof e.basename === 'string' ? e.basename : decodeURIComponent(new URL(e.location).pathname.split('/').pop()!);
        if (e.class === 'Directory') {
          await walk(e.listing, `${rel}${name}/`, here);
          continue;
        }
        let data: Readable;
        let mediaType: string | null = null;
        if (typeof e.contents === 'string') data = Readable.from([Buffer.from(e.contents, 'utf8')]);
        else {
          await limits.beforeFetch?.();
          const res = await fetchWithin(e.location, here, limits.fetchSeconds, limits.allow, limits.stop);
          mediaType = res.headers.get('content-type')?.split(';')[0].trim() || null;
          data = bodyStream(res);
        }
        const id = await store(spec, data, name, mediaType ?? (mime.lookup(name) || null), here, limits, `${root}/${rel}${name}`);
        stored.push(id);
        ids.push(id);
      }
    };
    await walk(dir.listing, '', field);
    return ids;
  }

  /**
   * The secondary files a CWL File given by `href` has beside it, by its input's secondaryFiles
   * patterns: each candidate fetched when there, left out when not (cwltool says so when a required
   * one is missing).
   */
  async function secondaryFiles(spec: InterfaceInput, href: string, patterns: string[], at: string, limits: StagingLimits, stored: number[]): Promise<{ id: number; basename: string }[]> {
    const found: { id: number; basename: string }[] = [];
    for (const [n, pattern] of patterns.entries()) {
      const url = secondaryUrl(href, pattern);
      if (!url) continue;
      try {
        const id = await fileByReference(spec, { href: url, mediaType: null }, n, `${at}.secondaryFiles`, limits);
        stored.push(id);
        found.push({ id, basename: decodeURIComponent(new URL(url).pathname.split('/').pop()!) });
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
      }
    }
    return found;
  }

  /**
   * The secondary files a client listed with a File: each file fetched under its basename, each
   * directory staged (stac.ts) under its basename; the ids of every file stored.
   */
  async function listedSecondaryFiles(spec: InterfaceInput, refs: SecondaryRef[], at: string, limits: StagingLimits, stored: number[]): Promise<number[]> {
    const ids: number[] = [];
    for (const [n, r] of refs.entries()) {
      const field = `${at}.secondaryFiles[${n}]`;
      if (r.class === 'Directory') ids.push(...(await directoryByReference(spec, r.href, field, limits, stored, r.basename)));
      else {
        const id = await fileByReference(spec, { href: r.href, mediaType: null, ...(r.basename ? { name: r.basename } : {}) }, n, field, limits);
        stored.push(id);
        ids.push(id);
      }
    }
    return ids;
  }

  /** A value with files inside (embedded-files.ts): each fetched and stored, the value naming them by id. */
  async function embeddedValue(spec: InterfaceInput, value: unknown, field: string, limits: StagingLimits, stored: number[], patterns: string[] = []): Promise<unknown> {
    let n = 0;
    const secondary = (href: string, at: string) => secondaryFiles(spec, href, patterns, at, limits, stored);
    return stageEmbedded(value, field, {
      maxReferences: deps.maxInputs ?? 1000,
      ...(patterns.length ? { secondary } : {}),
      file: async (href, mediaType, at) => {
        const id = await fileByReference(spec, { href, mediaType }, n++, at, limits);
        stored.push(id);
        return id;
      },
      directory: (href, at) => directoryByReference(spec, href, at, limits, stored),
    });
  }

  const fieldOf = (name: string, n: number, count: number) => (count > 1 ? `inputs.${name}[${n}]` : `inputs.${name}`);

  /**
   * What can be done without fetching: the input count checked, inline content stored, own files
   * recognised, every other reference checked as a URL this server may fetch from. `stored` collects
   * the ids of the files stored here (for the caller to discard should the run not be made).
   */
  async function prepare(inputs: Map<string, GivenValue[]>, iface: JobInterface, limits: StagingLimits, stored: number[]): Promise<Pending> {
    // Counted before anything is fetched or stored.
    checkInputCount([...inputs.values()].reduce((n, v) => n + v.reduce((k, x) => k + 1 + (x.kind === 'href' ? (x.secondaryFiles?.length ?? 0) : 0), 0), 0), deps.maxInputs);
    const specs = new Map(iface.inputs.map((i) => [i.name, i]));
    const out: Record<string, StagedValue[]> = {};
    for (const [name, values] of inputs) {
      const spec = specs.get(name)!;
      const staged: StagedValue[] = [];
      for (const [n, v] of values.entries()) {
        const field = fieldOf(name, n, values.length);
        if (v.kind === 'value') {
          // A literal CWL Directory (the execute reader checked its listing) is written out when the run's inputs are fetched.
          if (isFileInput(spec) && !(spec.directory && isLiteralDirectory(v.value))) throw new Invalid(field, `input ${JSON.stringify(name)} takes a file, not a ${typeof v.value}`);
          staged.push({ kind: 'value', value: v.value });
        } else if (v.kind === 'content') {
          if (!isFileInput(spec)) {
            staged.push({ kind: 'value', value: v.data.toString('utf8') });
            continue;
          }
          const id = await store(spec, Readable.from(v.data), fileNameFor(spec, null, v.mediaType, n), v.mediaType, field, limits);
          stored.push(id);
          staged.push({ kind: 'file', id });
        } else {
          const own = isFileInput(spec) && !spec.directory ? ownFileId(v.href, limits.base) : null;
          if (own !== null) {
            staged.push({ kind: 'file', id: own });
            continue;
          }
          await checkFetchable(v.href, field, Math.min(5, limits.fetchSeconds), limits.allow ?? NO_ALLOW);
          // Secondary files a client lists go with a File of a CWL process only (the runtime that stages them).
          const secondaryFiles = v.secondaryFiles?.length && iface.cwl && isFileInput(spec) && !spec.directory ? v.secondaryFiles : undefined;
          for (const [k, r] of (secondaryFiles ?? []).entries()) await checkFetchable(r.href, `${field}.secondaryFiles[${k}]`, Math.min(5, limits.fetchSeconds), limits.allow ?? NO_ALLOW);
          staged.push({ kind: 'href', href: v.href, mediaType: v.mediaType, ...(v.format ? { format: v.format } : {}), ...(secondaryFiles ? { secondaryFiles } : {}) });
        }
      }
      out[name] = staged;
    }
    return { workspaceId: limits.workspaceId, inputs: out };
  }

  const hasReferences = (p: Pending) => Object.values(p.inputs).some((vs) => vs.some((v) => v.kind === 'href' || (v.kind === 'value' && isLiteralDirectory(v.value))));

  /** Fetches what a run still has to; `stored` collects the ids of the files stored. */
  async function fetchPending(p: Pending, iface: JobInterface, limits: Omit<StagingLimits, 'workspaceId'>, stored: number[]): Promise<StagedInputs> {
    const specs = new Map(iface.inputs.map((i) => [i.name, i]));
    const out: StagedInputs = new Map();
    for (const [name, values] of Object.entries(p.inputs)) {
      const spec = specs.get(name);
      if (!spec) throw new Invalid(`inputs.${name}`, `the process no longer has an input ${JSON.stringify(name)}`);
      const ids: number[] = [];
      const patterns = iface.cwl && !spec.directory ? secondaryPatterns(iface.cwl.document, name) : [];
      for (const [n, v] of values.entries()) {
        const field = fieldOf(name, n, values.length);
        if (v.kind === 'file') ids.push(v.id);
        else if (spec.directory) {
          if (v.kind === 'value' && isLiteralDirectory(v.value)) ids.push(...(await literalDirectory(spec, v.value, field, { ...limits, workspaceId: p.workspaceId }, stored)));
          else if (v.kind !== 'href') throw new Invalid(field, `input ${JSON.stringify(name)} is a directory: give a STAC catalog or item, or a directory listing, by reference`);
          else ids.push(...(await directoryByReference(spec, v.href, field, { ...limits, workspaceId: p.workspaceId }, stored)));
        } else if (isFileInput(spec)) {
          if (v.kind === 'value') throw new Invalid(field, `input ${JSON.stringify(name)} takes a file, not a ${typeof v.value}`);
          // Those the client listed, else those the input's patterns find beside it.
          const secondary = v.secondaryFiles?.length
            ? await listedSecondaryFiles(spec, v.secondaryFiles, field, { ...limits, workspaceId: p.workspaceId }, stored)
            : patterns.length ? (await secondaryFiles(spec, v.href, patterns, field, { ...limits, workspaceId: p.workspaceId }, stored)).map((f) => f.id) : undefined;
          const id = await fileByReference(spec, { ...v, ...(secondary ? { secondary } : {}) }, n, field, { ...limits, workspaceId: p.workspaceId });
          stored.push(id);
          ids.push(id);
        } else if (spec.embedsFiles) {
          // A CWL value that may hold files: a reference given for it is a File; the files it holds are fetched.
          const given = v.kind === 'value' ? v.value : { class: 'File', location: v.href, ...(v.mediaType ? { type: v.mediaType } : {}) };
          out.set(name, { kind: 'json', value: await embeddedValue(spec, given, field, { ...limits, workspaceId: p.workspaceId }, stored, patterns) });
        } else {
          const value = v.kind === 'value' ? v.value : await valueByReference(spec, v.href, field, { ...limits, workspaceId: p.workspaceId });
          out.set(name, spec.kind === 'property' ? { kind: 'property', value: value as string } : { kind: 'json', value });
        }
      }
      if (isFileInput(spec)) out.set(name, { kind: spec.kind as 'file' | 'files', fileIds: ids });
    }
    return out;
  }

  /** Stages everything at once (a synchronous execute): prepare, then fetch. */
  async function stageNow(inputs: Map<string, GivenValue[]>, iface: JobInterface, limits: StagingLimits, stored: number[]): Promise<StagedInputs> {
    return fetchPending(await prepare(inputs, iface, limits, stored), iface, limits, stored);
  }

  /** Removes files stored for a run that was not made (or whose staging failed). */
  async function discard(ids: number[]): Promise<void> {
    await Promise.all(ids.map((id) => files.discard(id).catch(() => {})));
  }

  return { prepare, hasReferences, fetchPending, stageNow, discard };
}
