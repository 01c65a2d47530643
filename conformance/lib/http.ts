// A minimal HTTP client on node:http/https: no redirects, no connection pooling, a hard timeout on
// every request, and access to the raw response (status line version, repeated headers, bytes).
import http from 'node:http';
import https from 'node:https';

export const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export interface HttpResponse {
  method: string;
  url: string;
  status: number;
  /** The version in the status line, e.g. `1.1`. */
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
  /** Header names and values as received, alternating (repeated headers stay separate). */
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

export function httpRequest(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const method = req.method ?? 'GET';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new Error(`not a URL: ${url}`));
  }
  const mod = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
  if (!mod) return Promise.reject(new Error(`unsupported URL scheme: ${url}`));
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | null, res?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res as HttpResponse);
    };
    const request = mod.request(target, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          settle(new Error(`${method} ${url}: response body larger than ${MAX_BODY_BYTES} bytes`));
          request.destroy();
        } else chunks.push(chunk);
      });
      res.on('error', (e) => settle(e));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        settle(null, {
          method,
          url,
          status: res.statusCode ?? 0,
          httpVersion: res.httpVersion,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          text: body.toString('utf8'),
        });
      });
    });
    const timer = setTimeout(() => {
      settle(new Error(`${method} ${url}: no complete response within ${timeoutMs} ms`));
      request.destroy();
    }, timeoutMs);
    request.on('error', (e) => settle(new Error(`${method} ${url}: ${e.message}`)));
    if (req.body !== undefined) request.write(req.body);
    request.end();
  });
}

/** Every value of a header, repeated headers kept apart (node joins them in `headers`). */
export function headerValues(res: HttpResponse, name: string): string[] {
  const out: string[] = [];
  const lower = name.toLowerCase();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) if (res.rawHeaders[i].toLowerCase() === lower) out.push(res.rawHeaders[i + 1]);
  return out;
}

/** The media type of the response, lower case, without parameters ('' when there is none). */
export function mediaType(res: HttpResponse): string {
  const ct = res.headers['content-type'];
  return (typeof ct === 'string' ? ct : '').split(';')[0].trim().toLowerCase();
}

export function isJsonMediaType(mt: string): boolean {
  return mt === 'application/json' || /^application\/[^;]+\+json$/.test(mt);
}
