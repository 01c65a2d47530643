// Security headers on every response (helmet): a Content-Security-Policy that allows scripts and
// styles from this server only — no inline script, and the one inline style of the OGC HTML pages
// by its hash — no framing, no MIME sniffing, no referrer leaks. Resources may be read across
// origins (clients and EMS front ends fetch outputs and documents from other sites).
import { createHash } from 'node:crypto';
import helmet from 'helmet';
import { PAGE_STYLE } from './page-style.ts';

const styleHash = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
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
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
}
