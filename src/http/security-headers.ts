// Security headers on every response (helmet): a Content-Security-Policy that allows scripts and
// styles from this server only — no inline script, and the one inline style of the OGC HTML pages
// by its hash — no framing, no MIME sniffing, no referrer leaks. Resources may be read across
// origins (clients and EMS front ends fetch outputs and documents from other sites).
// NGA's scale-ui (an Angular build, hosted under /scale-ui/ when SCALE_UI_DIR is set) injects its
// component styles as <style> elements and style attributes: its pages alone get a policy with
// inline styles allowed, and blob: images (PrimeNG's file upload previews). Scripts stay this
// server's own files, no eval: the one inline-handler report it causes is Angular's sanitizer
// probing an inert document (`<svg><g onload=…>`), blocked as intended.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { PAGE_STYLE } from './page-style.ts';

const styleHash = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

const DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", styleHash],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The policy of XML answers (WPS, OWS exceptions, XML outputs): a browser's XML viewer styles its
 * tree with inline styles of its own (Chromium's is refused by the strict policy, and shows nothing
 * but a CSP error). Inline styles only: scripts stay this server's own, as everywhere.
 */
const XML_POLICY = Object.entries({ ...DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"] }).map(([k, v]) => `${k} ${v.join(' ')}`).join(';');
const isXml = (type: unknown) => /^[^;]*[/+]xml\s*(;|$)/i.test(String(type ?? ''));

export function securityHeaders() {
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: DIRECTIVES },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) =>
    headers(req, res, (err?: unknown) => {
      if (err) return next(err);
      // The answer's type is known only when its headers go out.
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: any[]) {
        if (isXml(res.getHeader('content-type'))) res.setHeader('Content-Security-Policy', XML_POLICY);
        return (writeHead as (...a: any[]) => ServerResponse).apply(this, args);
      } as typeof res.writeHead;
      next();
    });
}

/** The policy of the scale-ui's files (replacing the one securityHeaders set): inline styles allowed. */
export function scaleUiContentSecurityPolicy() {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: { ...DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:', 'blob:'] },
  });
}
