// A small parser for multipart/related (RFC 2387) bodies, enough to look at parts and their headers.
import { fail } from './assert.ts';
import type { HttpResponse } from './http.ts';

export interface Part {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=("([^"]+)"|[^;\s]+)/i.exec(contentType);
  return m ? (m[2] ?? m[1]) : undefined;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export function parseMultipart(res: HttpResponse): Part[] {
  const ct = String(res.headers['content-type'] ?? '');
  const boundary = boundaryOf(ct);
  if (!boundary) fail(`${res.method} ${res.url}: multipart Content-Type without boundary: ${ct}`);
  // latin1 maps bytes 1:1 to characters, so offsets in the string are offsets in the buffer.
  const text = res.body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: Part[] = [];
  let at = text.indexOf(delimiter);
  if (at < 0) fail(`${res.method} ${res.url}: multipart body without the boundary ${boundary}`);
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (text.startsWith('--', afterDelimiter)) break; // close delimiter
    const lineEnd = text.indexOf('\n', afterDelimiter);
    if (lineEnd < 0) break;
    let next = text.indexOf(`\r\n${delimiter}`, lineEnd);
    let nextLen = 2;
    if (next < 0) {
      next = text.indexOf(`\n${delimiter}`, lineEnd);
      nextLen = 1;
    }
    if (next < 0) fail(`${res.method} ${res.url}: multipart body is not closed by --${boundary}--`);
    const partText = text.slice(lineEnd + 1, next);
    const sep = /\r?\n\r?\n/.exec(partText);
    const headerBlock = partText.startsWith('\r\n') || partText.startsWith('\n') ? '' : sep ? partText.slice(0, sep.index) : partText;
    const bodyStart = headerBlock === '' ? (partText.startsWith('\r\n') ? 2 : 1) : sep ? sep.index + sep[0].length : partText.length;
    parts.push({ headers: parseHeaders(headerBlock), body: Buffer.from(partText.slice(bodyStart), 'latin1') });
    at = next + nextLen;
  }
  return parts;
}

/** A Content-ID without its angle brackets. */
export function contentId(part: Part): string | undefined {
  const id = part.headers['content-id'];
  return id === undefined ? undefined : id.replace(/^<|>$/g, '');
}
