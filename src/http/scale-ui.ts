// NGA's scale-ui (github.com/ngageoint/scale-ui, an Angular production build) hosted at /scale-ui/
// when SCALE_UI_DIR names the build's directory. The build is served as it is, with three changes
// made on the way out:
//   - index.html gets <base href="/scale-ui/"> (a build made for the site root says "/"), so its
//     relative scripts, styles, assets and the router's deep links resolve under /scale-ui/;
//   - assets/appConfig.json (loaded by the app as ./assets/appConfig.json) gets apiPrefix pointing at
//     this server's Scale API, so the app's `${apiPrefix}/v6/...` calls land on /scale/v6/...; the
//     build's other keys (date format, theme, colours, banner) are kept; authEnabled is false (the
//     app's login flow is Scale's Django one; this server's bearer tokens it cannot send);
//   - CSS that points at the site root (`url(/assets/fonts/...)`) is pointed under /scale-ui/.
// Client-side routes (/scale-ui/processing/jobs, /scale-ui/configuration/job-types/x/1.0.0) get
// index.html: a path that names no file, when it has no extension or a browser navigates to it
// (Accept: text/html). A missing asset is a plain 404. Content-hashed files are cached for a
// year, the rest revalidated on each load. Its pages get a CSP with inline styles allowed.
import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { scaleUiContentSecurityPolicy } from './security-headers.ts';

export const SCALE_UI_MOUNT = '/scale-ui';

export interface ScaleUiOptions {
  /** The build's directory (holds index.html). */
  dir: string;
  /** The path this server is reached under behind a reverse proxy ('' or '/prefix'), from SCALE_PUBLIC_URL. */
  basePath?: string;
}

const HASHED = /\.[0-9a-f]{16,}\.[a-z0-9]+$/i;
const cacheControl = (file: string) => (HASHED.test(path.basename(file)) ? 'public, max-age=31536000, immutable' : 'no-cache');

export function scaleUiRouter(opts: ScaleUiOptions): Router {
  const dir = path.resolve(opts.dir);
  const basePath = (opts.basePath ?? '').replace(/\/+$/, '');
  const base = `${basePath}${SCALE_UI_MOUNT}/`;
  const apiPrefix = `${basePath}/scale`;
  const csp = scaleUiContentSecurityPolicy();
  const files = express.static(dir, {
    index: false, redirect: false, dotfiles: 'ignore', fallthrough: true,
    setHeaders: (res, file) => res.setHeader('Cache-Control', cacheControl(file)),
  });
  // Rewritten CSS, kept while its file is unchanged.
  const cssCache = new Map<string, { mtimeMs: number; size: number; text: string }>();

  const sendIndex = async (res: Response) => {
    const html = await fs.promises.readFile(path.join(dir, 'index.html'), 'utf8');
    const tag = `<base href="${base}">`;
    const page = /<base\s[^>]*>/i.test(html) ? html.replace(/<base\s[^>]*>/i, tag) : html.replace(/<head([^>]*)>/i, `<head$1>\n    ${tag}`);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(page);
  };

  const sendConfig = async (res: Response) => {
    let cfg: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(await fs.promises.readFile(path.join(dir, 'assets', 'appConfig.json'), 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) cfg = parsed;
    } catch {
      // no (readable) appConfig.json in the build: the keys below are enough to run
    }
    cfg.apiPrefix = apiPrefix;
    if (!cfg.apiDefaultVersion) cfg.apiDefaultVersion = 'v6';
    cfg.authEnabled = false;
    res.setHeader('Cache-Control', 'no-cache');
    res.type('json').send(JSON.stringify(cfg, null, 4));
  };

  /** The file under dir a request path names, or null (outside dir, undecodable, not a file). */
  const fileOf = (urlPath: string): { file: string; st: fs.Stats } | null => {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (rel.includes('\0')) return null;
    const file = path.resolve(dir, `.${rel}`);
    if (!file.startsWith(dir + path.sep)) return null;
    try {
      const st = fs.statSync(file);
      return st.isFile() ? { file, st } : null;
    } catch {
      return null;
    }
  };

  const sendCss = async (res: Response, found: { file: string; st: fs.Stats }) => {
    let hit = cssCache.get(found.file);
    if (!hit || hit.mtimeMs !== found.st.mtimeMs || hit.size !== found.st.size) {
      const css = await fs.promises.readFile(found.file, 'utf8');
      // url(/x) → url(/scale-ui/x); url(//host/x), url(data:…) and relative URLs stay.
      // A build made for /scale-ui/ already (ng build --deploy-url) is left as it is.
      const text = css.replace(/url\(\s*(['"]?)\/(?!\/)([^)]*)\)/g, (m, q: string, rest: string) => (`/${rest}`.startsWith(base) ? m : `url(${q}${base}${rest})`));
      hit = { mtimeMs: found.st.mtimeMs, size: found.st.size, text };
      cssCache.set(found.file, hit);
    }
    res.setHeader('Cache-Control', cacheControl(found.file));
    res.type('css').send(hit.text);
  };

  const r = Router();
  r.use(SCALE_UI_MOUNT, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const [pathname, query] = req.originalUrl.split(/\?(.*)/s);
    if (pathname === SCALE_UI_MOUNT) return res.redirect(301, `${base}${query ? `?${query}` : ''}`);
    csp(req, res, (err?: unknown) => {
      if (err) return next(err);
      const p = req.path;
      const fail = (e: unknown) => next(e);
      if (p === '/' || p === '/index.html') return void sendIndex(res).catch(fail);
      if (p === '/assets/appConfig.json' || p === '/appConfig.json') return void sendConfig(res).catch(fail);
      if (path.extname(p).toLowerCase() === '.css') {
        const found = fileOf(p);
        if (found) return void sendCss(res, found).catch(fail);
      }
      files(req, res, () => {
        // Not a file: a client-side route gets the app, a missing asset a 404.
        if (!path.extname(p) || (req.get('accept') ?? '').includes('text/html')) {
          return void sendIndex(res).catch(fail);
        }
        res.status(404).type('text/plain').send(`no scale-ui file ${pathname}\n`);
      });
    });
  });
  return r;
}
