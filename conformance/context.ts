// State shared by the checks of one run: where the server is, an HTTP client that records every
// exchange with it (the OpenAPI checks look at them), memoised resources, and things to close.
import { CLASSES, type ClassKey } from './constants.ts';
import { httpRequest, type HttpResponse } from './lib/http.ts';
import { type LocalServer, startLocalServer } from './lib/local-server.ts';
import { isObj, str } from './lib/util.ts';
import type { CheckResult } from './types.ts';

export interface Exchange {
  method: string;
  url: string;
  status: number;
  mediaType: string;
  /** The `type` of an error response's JSON body (an exception), when it has one. */
  exceptionType?: string;
}

function exceptionTypeOf(res: HttpResponse): string | undefined {
  if (res.status < 400) return undefined;
  try {
    const body: unknown = JSON.parse(res.text);
    return isObj(body) ? str(body.type) : undefined;
  } catch {
    return undefined;
  }
}

export interface RequestOptions {
  /** Accept header; default application/json; null sends none. */
  accept?: string | null;
  headers?: Record<string, string>;
  /** Sent as a JSON body. */
  json?: unknown;
  body?: string | Buffer;
  timeoutMs?: number;
}

export interface ContextOptions {
  url: string;
  echoProcessId?: string;
  localHost?: string;
  /** The Part 2 test package (URL or file) instead of the built-in sample of its kind. */
  packageUrl?: string;
  /** Sent as `Authorization: Bearer` on POST, PUT and DELETE requests to the server. */
  token?: string;
}

/** A POST asking for asynchronous execution and what the server answered. */
export interface AsyncRequestRecord {
  url: string;
  status: number;
  location?: string;
}

export class Context {
  /** The landing page URL without a trailing slash. */
  readonly base: string;
  readonly origin: string;
  readonly echoId: string;
  readonly packageUrl: string | undefined;
  readonly exchanges: Exchange[] = [];
  readonly asyncRequests: AsyncRequestRecord[] = [];
  readonly results = new Map<string, CheckResult>();
  /** The conformance classes the server declares (undefined until read, or when unreadable). */
  declared: Set<string> | undefined;
  private readonly localHost: string;
  private readonly token: string | undefined;
  private readonly memos = new Map<string, Promise<unknown>>();
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(opts: ContextOptions) {
    const u = new URL(opts.url);
    u.hash = '';
    u.search = '';
    this.base = u.toString().replace(/\/+$/, '');
    this.origin = u.origin;
    this.echoId = opts.echoProcessId ?? 'echo';
    this.localHost = opts.localHost ?? '127.0.0.1';
    this.packageUrl = opts.packageUrl;
    this.token = opts.token;
  }

  /** Whether the server declares conformance class `key` (with the http or the https scheme). */
  declares(key: ClassKey): boolean {
    const uri = CLASSES[key];
    return (this.declared?.has(uri) || this.declared?.has(uri.replace(/^http:/, 'https:'))) ?? false;
  }

  /** `path` ('/processes') under the landing page; absolute URLs are returned as they are. */
  url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.base}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.accept !== null) headers.accept = opts.accept ?? 'application/json';
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    const url = this.url(path);
    const ours = new URL(url).origin === this.origin;
    if (this.token && ours && ['POST', 'PUT', 'DELETE'].includes(method)) headers.authorization ??= `Bearer ${this.token}`;
    const res = await httpRequest(url, { method, headers, body, timeoutMs: opts.timeoutMs });
    if (ours) {
      const exceptionType = exceptionTypeOf(res);
      this.exchanges.push({ method, url, status: res.status, mediaType: String(res.headers['content-type'] ?? ''), ...(exceptionType ? { exceptionType } : {}) });
    }
    return res;
  }

  get(path: string, opts?: RequestOptions): Promise<HttpResponse> {
    return this.request('GET', path, opts);
  }

  post(path: string, json: unknown, opts: RequestOptions = {}): Promise<HttpResponse> {
    return this.request('POST', path, { ...opts, json });
  }

  delete(path: string, opts?: RequestOptions): Promise<HttpResponse> {
    return this.request('DELETE', path, opts);
  }

  /** Runs `fn` once per key; later callers share its promise (and its failure). */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      p.catch(() => undefined);
      this.memos.set(key, p);
    }
    return p;
  }

  /** The local helper server (test data for inputs by reference, callback receiver). */
  localServer(): Promise<LocalServer> {
    return this.memo('local-server', async () => {
      const server = await startLocalServer(this.localHost);
      this.closers.push(() => server.close());
      return server;
    });
  }

  /** Runs `fn` when the run ends, whatever the checks did (in the order registered). */
  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) await close().catch(() => undefined);
  }
}
