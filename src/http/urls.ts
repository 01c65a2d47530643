// Absolute URLs for what a door links to: the server's public URL (SCALE_PUBLIC_URL) or the one the
// client used, plus a path and a query. Shared by the doors that write links (OGC API, WPS).
import type { Request } from 'express';

export interface Urls {
  /** The server's base URL, no trailing slash. */
  base: string;
  to(path: string, query?: Record<string, string | number | undefined>): string;
}

export function urls(req: Request, publicUrl: string | null): Urls {
  return urlsFor(publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`);
}

export function urlsFor(base: string): Urls {
  return {
    base,
    // Built by hand: a job list page makes hundreds of these, and new URL() is slow.
    to(p, query) {
      if (!query) return base + p;
      let qs = '';
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs += `${qs ? '&' : '?'}${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`;
      return base + p + qs;
    },
  };
}
