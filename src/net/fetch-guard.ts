// What this server may fetch when a client hands it a URL (execute inputs by href, WPS Reference
// inputs, CWL packages by href): http and https only, and never an address of its own network —
// loopback, RFC 1918, carrier-grade NAT, link-local (169.254.169.254 is the cloud metadata service),
// IPv6 loopback, unique-local and link-local, multicast, reserved — unless SCALE_FETCH_ALLOW names the
// host or the network. The check is made on the addresses a name resolves to, at connection time
// (inside the socket's own lookup, so a name that changes its answer between a check and the connect
// cannot slip past), for IP literals before connecting, and again at every redirect.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';

export interface AllowList {
  /** Host names allowed whatever they resolve to (lower case, as in URLs). */
  hosts: Set<string>;
  /** Addresses and networks allowed. */
  nets: net.BlockList;
  /** SCALE_FETCH_ALLOW=*: any address (the old behaviour). */
  any: boolean;
  entries: string[];
}

/** Parses SCALE_FETCH_ALLOW: comma- or space-separated host names, IP addresses and CIDR networks, or `*`. */
export function parseAllowList(raw: string): AllowList {
  const allow: AllowList = { hosts: new Set(), nets: new net.BlockList(), any: false, entries: [] };
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    allow.entries.push(entry);
    if (entry === '*') {
      allow.any = true;
      continue;
    }
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const addr = entry.slice(0, slash).replace(/^\[|\]$/g, '');
      const prefix = Number(entry.slice(slash + 1));
      const family = net.isIP(addr);
      if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`${entry} is not a CIDR network (address/prefix)`);
      allow.nets.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (net.isIP(entry.replace(/^\[|\]$/g, ''))) {
      const addr = entry.replace(/^\[|\]$/g, '');
      allow.nets.addAddress(addr, net.isIP(addr) === 4 ? 'ipv4' : 'ipv6');
    } else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(entry)) {
      allow.hosts.add(entry.toLowerCase());
    } else throw new Error(`${entry} is neither a host name, an IP address nor a CIDR network`);
  }
  return allow;
}

export const NO_ALLOW = parseAllowList('');

const PRIVATE = new net.BlockList();
for (const [a, p] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(a, p, 'ipv4');
for (const [a, p] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2001:db8::', 32], ['2002::', 16], ['100::', 64],
] as const) PRIVATE.addSubnet(a, p, 'ipv6');

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.1, ::ffff:7f00:1) as the IPv4 address it is. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  if (net.isIP(address) === 4) return { address, family: 'ipv4' };
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address) ?? /^::ffff:(.+)$/i.exec(address);
  if (m) {
    if (net.isIP(m[1]) === 4) return { address: m[1], family: 'ipv4' };
    const h = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(m[1]);
    if (h) {
      const hi = parseInt(h[1], 16);
      const lo = parseInt(h[2], 16);
      return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 'ipv4' };
    }
  }
  return { address, family: 'ipv6' };
}

/** Why an address may not be fetched from, or null when it may. */
export function refusal(address: string, host: string, allow: AllowList): string | null {
  if (allow.any || allow.hosts.has(host.toLowerCase())) return null;
  const a = unmapped(address);
  if (!PRIVATE.check(a.address, a.family)) return null;
  if (allow.nets.check(a.address, a.family) || allow.nets.check(address, net.isIP(address) === 4 ? 'ipv4' : 'ipv6')) return null;
  return `${host}${host === address ? '' : ` (${address})`} is a loopback, private, link-local or reserved address; this server does not fetch from its own network unless SCALE_FETCH_ALLOW names it`;
}

export class FetchRefused extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);

/** GET a URL under the policy, following up to 5 redirects (each checked again); the answer as a fetch Response. */
export async function guardedGet(href: string, opts: { signal: AbortSignal; allow: AllowList }): Promise<Response> {
  let url = new URL(href);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused(`only http and https references can be fetched, not ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host)) {
      const why = refusal(host, host, opts.allow);
      if (why) throw new FetchRefused(why);
    }
    const lookup: net.LookupFunction = (hostname, options, callback) => {
      dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return (callback as (e: Error) => void)(err);
        const list = addresses as dns.LookupAddress[];
        for (const a of list) {
          const why = refusal(a.address, hostname, opts.allow);
          if (why) return (callback as (e: Error) => void)(new FetchRefused(why));
        }
        if ((options as dns.LookupOptions).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
        else (callback as (e: null, a: string, f: number) => void)(null, list[0].address, list[0].family);
      });
    };
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'GET', lookup, signal: opts.signal, headers: { accept: '*/*', 'user-agent': 'scale-ades' } }, resolve);
      req.on('error', (err: Error & { cause?: unknown }) => reject(err.cause instanceof FetchRefused ? err.cause : err));
      req.end();
    });
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode ?? 0) && location) {
      res.resume();
      if (hop >= 5) throw new FetchRefused(`more than 5 redirects from ${href}`);
      url = new URL(location, url);
      continue;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) headers.append(k, x);
    const status = res.statusCode ?? 502;
    if (status < 200 || status > 599) {
      res.resume();
      throw new FetchRefused(`${href} answered with status ${status}`);
    }
    if (NULL_BODY.has(status)) res.resume();
    return new Response(NULL_BODY.has(status) ? null : (Readable.toWeb(res) as unknown as ReadableStream), { status, statusText: res.statusMessage, headers });
  }
}
