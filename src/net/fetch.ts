// Fetching what a client points this server at (execute inputs by href, CWL packages by href) under
// the fetch policy of fetch-guard.ts. Every refusal and failure is the field's Invalid: the message
// says which URL, and what was wrong with it or what it answered.
import dns from 'node:dns/promises';
import net from 'node:net';
import { Invalid } from '../errors.ts';
import { type AllowList, FetchRefused, guardedGet, NO_ALLOW, refusal } from './fetch-guard.ts';

function parse(href: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new Invalid(field, `${JSON.stringify(href)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Invalid(field, `only http and https references can be fetched, not ${url.protocol}`);
  return url;
}

/**
 * Checks, without fetching, that a URL is one this server would fetch from: http(s), and a host that
 * resolves (within `seconds`) to addresses the policy allows. The fetch checks again when it connects.
 */
export async function checkFetchable(href: string, field: string, seconds: number, allow: AllowList = NO_ALLOW): Promise<void> {
  const url = parse(href, field);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else if (allow.any || allow.hosts.has(host.toLowerCase())) return;
  else {
    let timer: NodeJS.Timeout | undefined;
    try {
      const found = await Promise.race([
        dns.lookup(host, { all: true }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from DNS within ${seconds} s`)), seconds * 1000);
        }),
      ]);
      addresses = found.map((a) => a.address);
    } catch (err) {
      throw new Invalid(field, `could not fetch ${href}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
  for (const a of addresses) {
    const why = refusal(a, host, allow);
    if (why) throw new Invalid(field, `will not fetch ${href}: ${why}`);
  }
}

/**
 * Fetches a client's href under the fetch policy: refused and failed fetches are the field's Invalid.
 * `stop` (the server stopping) aborts it with a plain Error instead: nothing was wrong with the URL.
 */
export async function fetchWithin(href: string, field: string, seconds: number, allow: AllowList = NO_ALLOW, stop?: AbortSignal): Promise<globalThis.Response> {
  const url = parse(href, field);
  const timeout = AbortSignal.timeout(seconds * 1000);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  try {
    const res = await guardedGet(url.toString(), { signal, allow });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Invalid(field, `fetching ${href} answered ${res.status} ${res.statusText}`);
    }
    return res;
  } catch (err) {
    if (err instanceof Invalid) throw err;
    if (stop?.aborted) throw new Error(`fetching ${href} was stopped`);
    if (err instanceof FetchRefused) throw new Invalid(field, `will not fetch ${href}: ${err.message}`);
    const reason = timeout.aborted ? `no answer within ${seconds} s` : ((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message);
    throw new Invalid(field, `could not fetch ${href}: ${reason}`);
  }
}

/** A fetched body, read only up to `maxBytes`: a larger one is `tooLarge()`, and no more of it is read. */
export async function readWithin(res: globalThis.Response, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}
