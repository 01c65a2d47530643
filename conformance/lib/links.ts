// Links: the `links` arrays of JSON bodies and RFC 8288 `Link` headers.
import { headerValues, type HttpResponse } from './http.ts';
import { isObj } from './util.ts';

export interface Link {
  href: string;
  rel?: string;
  type?: string;
  title?: string;
}

/** The `links` of a JSON body (entries without a string `href` are dropped). */
export function jsonLinks(body: unknown): Link[] {
  if (!isObj(body) || !Array.isArray(body.links)) return [];
  return body.links.filter((l): l is Link => isObj(l) && typeof l.href === 'string');
}

export function withRel(links: Link[], ...rels: string[]): Link[] {
  return links.filter((l) => rels.some((r) => relIncludes(l.rel, r)));
}

export function resolveHref(href: string, base: string): string {
  return new URL(href, base).toString();
}

/** Splits on `sep` outside `<…>` and quoted strings. */
function splitOutside(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inAngle = false;
  let inQuote = false;
  for (const ch of s) {
    if (ch === '"' && !inAngle) inQuote = !inQuote;
    else if (ch === '<' && !inQuote) inAngle = true;
    else if (ch === '>' && !inQuote) inAngle = false;
    if (ch === sep && !inAngle && !inQuote) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter(Boolean);
}

export interface HeaderLink extends Link {
  /** The link-value as received. */
  raw: string;
  /** true for the RFC 8288 form `<url>; …`, false for a bare `url; …`. */
  bracketed: boolean;
}

/** Parses one `Link` header value (possibly several comma-separated link-values). */
export function parseLinkHeader(value: string): HeaderLink[] {
  const links: HeaderLink[] = [];
  for (const linkValue of splitOutside(value, ',')) {
    const [target, ...params] = splitOutside(linkValue, ';');
    const bracketed = target.startsWith('<');
    const href = bracketed ? target.replace(/^<|>$/g, '') : target;
    const link: HeaderLink = { href, raw: linkValue, bracketed };
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const val = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (key === 'rel' || key === 'type' || key === 'title') link[key] = val;
    }
    links.push(link);
  }
  return links;
}

export function headerLinks(res: HttpResponse): HeaderLink[] {
  return headerValues(res, 'link').flatMap(parseLinkHeader);
}

/** Whether a `rel` value (space-separated list) contains `rel`. */
export function relIncludes(relValue: string | undefined, rel: string): boolean {
  return (relValue ?? '').split(/\s+/).includes(rel);
}
