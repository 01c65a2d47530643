// The operators' dashboard at /ui/: static ES modules, HTML and CSS from the top-level ui/ directory,
// no build step. /ui redirects to /ui/; a path without a file extension that names no file is a
// client-side route and gets index.html; a missing asset (.js, .css, …) is a plain 404, so a broken
// import fails loudly instead of receiving HTML. Everything is revalidated on each load (no-cache
// with ETag and Last-Modified): the files are not content-hashed, so a deploy shows at once.
import path from 'node:path';
import express, { Router } from 'express';
import { ROOT } from '../root.ts';

export const UI_DIR = path.join(ROOT, 'ui');

export function uiRouter(dir = UI_DIR): Router {
  const r = Router();
  const noCache = (res: express.Response) => res.setHeader('Cache-Control', 'no-cache');
  const files = express.static(dir, { index: 'index.html', redirect: false, dotfiles: 'ignore', setHeaders: noCache });
  r.use('/ui', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const [pathname, query] = req.originalUrl.split(/\?(.*)/s);
    if (pathname === '/ui') return res.redirect(301, `/ui/${query ? `?${query}` : ''}`);
    files(req, res, () => {
      if (path.extname(req.path)) {
        res.status(404).type('text/plain').send(`no dashboard file ${pathname}\n`);
        return;
      }
      noCache(res);
      // A client-side route is the whole page: a Range on it is ignored (an unsatisfiable one was a
      // 416 whose JSON error went out as text/html, the header sendFile had already set).
      res.sendFile(path.join(dir, 'index.html'), { acceptRanges: false });
    });
  });
  return r;
}
