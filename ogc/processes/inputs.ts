// Execute inputs made concrete for the core: inline file content and fetched references become
// files in a workspace (streamed, with size and time limits), references to this server's own
// files are used as they are, and values given by reference are fetched as text. The result is
// v6 job data ({files, json}) that the core checks against the job type like any other.
import { checkInputCount } from '../../src/core/input-count.ts';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import mime from 'mime-types';
import type { Core } from '../../src/core/index.ts';
import { DomainError, Invalid } from '../../src/core/domain-errors.ts';
import type { InterfaceInput, JobInterface } from '../../src/core/job-types/model.ts';
import type { ExecuteRequest, GivenValue } from '../../seed-mapping/ogc-execute.ts';
import { type AllowList, FetchRefused, guardedGet, NO_ALLOW } from './fetch-guard.ts';

export interface InputLimits {
  workspaceId: number;
  fetchSeconds: number;
  maxBytes: number;
  /** This server's own base URL: references to its files are not fetched. */
  base: string;
  /** Private addresses hrefs may point at (SCALE_FETCH_ALLOW); none by default. */
  allow?: AllowList;
}

const OWN_FILE = /^\/scale\/(?:v\d+\/)?files\/(\d+)\/(?:content\/?)?$/;
/** Values given by reference are read whole; they are small by nature. */
const MAX_VALUE_BYTES = 1024 * 1024;

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

/** Fetches a client's href under the fetch policy (fetch-guard.ts): refused and failed fetches are the field's Invalid. */
export async function fetchWithin(href: string, field: string, seconds: number, allow: AllowList = NO_ALLOW): Promise<globalThis.Response> {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new Invalid(field, `${JSON.stringify(href)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Invalid(field, `only http and https references can be fetched, not ${url.protocol}`);
  const signal = AbortSignal.timeout(seconds * 1000);
  try {
    const res = await guardedGet(url.toString(), { signal, allow });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Invalid(field, `fetching ${href} answered ${res.status} ${res.statusText}`);
    }
    return res;
  } catch (err) {
    if (err instanceof Invalid) throw err;
    if (err instanceof FetchRefused) throw new Invalid(field, `will not fetch ${href}: ${err.message}`);
    const reason = signal.aborted ? `no answer within ${seconds} s` : ((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message);
    throw new Invalid(field, `could not fetch ${href}: ${reason}`);
  }
}

async function valueByReference(spec: InterfaceInput, given: Extract<GivenValue, { kind: 'href' }>, field: string, limits: InputLimits): Promise<unknown> {
  const res = await fetchWithin(given.href, field, limits.fetchSeconds, limits.allow);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_VALUE_BYTES) throw new Invalid(field, `the value at ${given.href} is larger than ${MAX_VALUE_BYTES} bytes`);
  const text = body.toString('utf8');
  if (spec.kind === 'property' || spec.jsonType === 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new Invalid(field, `the value at ${given.href} is not JSON (input ${JSON.stringify(spec.name)} takes a ${spec.jsonType})`);
  }
}

function fileNameFor(spec: InterfaceInput, href: string | null, mediaType: string | null, n: number): string {
  const fromUrl = href ? decodeURIComponent(new URL(href).pathname.split('/').pop() ?? '') : '';
  if (fromUrl && /^[\w.-]+$/.test(fromUrl)) return fromUrl;
  const ext = mediaType ? mime.extension(mediaType) : false;
  return `${spec.name}${n ? `-${n}` : ''}${ext ? `.${ext}` : ''}`;
}

async function store(core: Core, spec: InterfaceInput, data: Readable, fileName: string, mediaType: string | null, field: string, limits: InputLimits): Promise<number> {
  try {
    const file = await core.files.upload({ workspaceId: limits.workspaceId, fileName, mediaType: mediaType ?? undefined, data, maxBytes: limits.maxBytes });
    return file.id;
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'too-large') throw new Invalid(field, `input ${JSON.stringify(spec.name)}: ${err.message}`);
    throw err;
  }
}

export type ResolvedInputs = { files: Record<string, number[]>; json: Record<string, unknown> };

/**
 * Resolves the inputs and creates what they are for (`create`: the job or the recipe). A failure
 * anywhere — an input that cannot be fetched after an earlier one was stored, or the job the core
 * then refuses — discards the files stored for this request: a rejected execute leaves no file behind.
 */
export async function withInputs<T extends { replayed?: boolean }>(core: Core, req: ExecuteRequest, iface: JobInterface, limits: InputLimits, create: (data: ResolvedInputs) => Promise<T>): Promise<T> {
  const stored: number[] = [];
  const discard = () => Promise.all(stored.map((id) => core.files.discard(id).catch(() => {})));
  try {
    const made = await create(await resolveInputs(core, req, iface, limits, stored));
    // What an earlier request with the same Idempotency-Key made uses that request's inputs, not these.
    if (made.replayed) await discard();
    return made;
  } catch (err) {
    await discard();
    throw err;
  }
}

/** `stored` collects the ids of the files this call stored (not the server's own files it was pointed at). */
export async function resolveInputs(core: Core, req: ExecuteRequest, iface: JobInterface, limits: InputLimits, stored: number[] = []): Promise<ResolvedInputs> {
  // Counted before anything is fetched or stored.
  checkInputCount([...req.inputs.values()].reduce((n, v) => n + v.length, 0), core.maxInputs);
  const files: Record<string, number[]> = {};
  const json: Record<string, unknown> = {};
  const specs = new Map(iface.inputs.map((i) => [i.name, i]));
  for (const [name, values] of req.inputs) {
    const spec = specs.get(name)!;
    const field = `inputs.${name}`;
    if (spec.kind !== 'file' && spec.kind !== 'files') {
      const v = values[0];
      json[name] = v.kind === 'href' ? await valueByReference(spec, v, field, limits) : v.kind === 'value' ? v.value : v.data.toString('utf8');
      continue;
    }
    const ids: number[] = [];
    for (const [n, v] of values.entries()) {
      if (v.kind === 'content') {
        const id = await store(core, spec, Readable.from(v.data), fileNameFor(spec, null, v.mediaType, n), v.mediaType, field, limits);
        stored.push(id);
        ids.push(id);
      } else if (v.kind === 'href') {
        const own = ownFileId(v.href, limits.base);
        if (own !== null) {
          ids.push(own);
          continue;
        }
        const res = await fetchWithin(v.href, field, limits.fetchSeconds, limits.allow);
        const mediaType = v.mediaType ?? res.headers.get('content-type')?.split(';')[0].trim() ?? null;
        const body = res.body ? Readable.fromWeb(res.body as unknown as WebReadableStream) : Readable.from([]);
        const id = await store(core, spec, body, fileNameFor(spec, v.href, mediaType, n), mediaType, field, limits);
        stored.push(id);
        ids.push(id);
      } else {
        throw new Invalid(field, `input ${JSON.stringify(name)} takes a file, not a ${typeof v.value}`);
      }
    }
    files[name] = ids;
  }
  return { files, json };
}
