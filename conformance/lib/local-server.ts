// A throw-away HTTP server on this machine that the server under test can call: it serves the test
// string for inputs passed by reference (GET /data/teststring), the test GeoTIFF the official suite
// passes by reference (GET /data/testgeotiff.tiff, in place of its raw.githubusercontent.com copy) and
// records everything else it receives (callbacks), answering 204.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_STRING } from '../constants.ts';
import { TEST_GEOTIFF, TIFF_MEDIA_TYPE } from './geotiff.ts';
import { sleep } from './util.ts';

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export interface LocalServer {
  /** Absolute URL of `path` as the server under test should call it. */
  url(path: string): string;
  received: Received[];
  /** The first recorded request matching `pred`, waiting at most `timeoutMs`. */
  waitFor(pred: (r: Received) => boolean, timeoutMs: number): Promise<Received | undefined>;
  close(): Promise<void>;
}

export const DATA_PATH = '/data/teststring';
export const GEOTIFF_PATH = '/data/testgeotiff.tiff';

const FILES = new Map<string, { type: string; body: Buffer }>([
  [DATA_PATH, { type: 'text/plain', body: Buffer.from(TEST_STRING) }],
  [GEOTIFF_PATH, { type: TIFF_MEDIA_TYPE, body: TEST_GEOTIFF }],
]);

/** `host` is the name the server under test reaches this machine by (default 127.0.0.1). */
export async function startLocalServer(host = '127.0.0.1'): Promise<LocalServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
      const file = FILES.get((req.url ?? '').split('?')[0]);
      if ((req.method === 'GET' || req.method === 'HEAD') && file) {
        res.writeHead(200, { 'content-type': file.type, 'content-length': String(file.body.length) });
        res.end(req.method === 'HEAD' ? undefined : file.body);
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  const loopback = host === '127.0.0.1' || host === 'localhost';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, loopback ? '127.0.0.1' : '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: (path) => `http://${hostPart}:${port}${path}`,
    received,
    async waitFor(pred, timeoutMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = received.find(pred);
        if (hit || Date.now() >= end) return hit;
        await sleep(200);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
