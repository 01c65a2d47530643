// The API viewer (/api?f=html): Swagger UI (swagger-ui-dist, served by this server from
// /api/swagger-ui/, no CDN) over the OpenAPI document at /api, started by an initializer that is a
// file of its own (/api/swagger-ui/init.js): the Content-Security-Policy stays strict (scripts from
// this server only, nothing inline). Also the favicon at /favicon.ico for pages that name none.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { a, esc, page } from '../../src/http/page.ts';
import type { Urls } from '../../src/http/urls.ts';
import { ROOT } from '../../src/root.ts';

const require = createRequire(import.meta.url);
const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_VERSION = String((require('swagger-ui-dist/package.json') as { version: string }).version);
const FAVICON = path.join(ROOT, 'ui', 'favicon.svg');

/** The files of swagger-ui-dist the viewer loads (and their source maps, for a browser's tools). */
const ASSETS = /^\/(swagger-ui\.css|swagger-ui-bundle\.js)(\.map)?$/;

/**
 * Starts Swagger UI on #swagger-ui with the document its data-url names. No validator badge (it
 * would load an image from another site), no "try it out" until asked, requests with the page's
 * credentials. Functions are not JSON: written here, served as a script file.
 */
const INIT = `// Starts Swagger UI over this server's OpenAPI document (see ogc/processes/api-viewer.ts).
(function () {
  var el = document.getElementById('swagger-ui');
  var viewer = document.createElement('div');
  el.appendChild(viewer);
  window.ui = SwaggerUIBundle({
    url: el.getAttribute('data-url'),
    domNode: viewer,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    onComplete: function () { el.setAttribute('data-ready', 'true'); },
  });
})();
`;

export function apiViewerRouter(): Router {
  const r = Router();
  const files = express.static(SWAGGER_DIR, { index: false, redirect: false, dotfiles: 'ignore', maxAge: '1d', immutable: false });
  r.get('/api/swagger-ui/init.js', (_req, res) => {
    res.status(200).type('text/javascript').setHeader('Cache-Control', 'no-cache').send(INIT);
  });
  r.get(/^\/api\/swagger-ui\//, (req, res, next) => {
    const file = req.path.slice('/api/swagger-ui'.length);
    if (!ASSETS.test(file)) return next();
    req.url = file;
    files(req, res, next);
  });
  const favicon = fs.readFileSync(FAVICON);
  r.get('/favicon.ico', (_req, res) => {
    res.status(200).type('image/svg+xml').setHeader('Cache-Control', 'public, max-age=86400').send(favicon);
  });
  return r;
}

/** The viewer's page: the site's frame, Swagger UI's stylesheet and scripts, links to the document itself. */
export function apiViewerHtml(u: Urls): string {
  const asset = (f: string) => u.to(`/api/swagger-ui/${f}`, { v: SWAGGER_VERSION });
  const main = [
    `<p class="lead">The OpenAPI 3.0 definition of OGC API - Processes on this server, with an execute body for every process. The document itself: ${a(u.to('/api'), 'JSON', { type: 'application/vnd.oai.openapi+json;version=3.0', rel: 'service-desc' })}, ${a(u.to('/api', { f: 'yaml' }), 'YAML', { type: 'application/vnd.oai.openapi;version=3.0' })}. The native Scale REST API is described at ${a(u.to('/scale/'), '/scale/')}.</p>`,
    `<div id="swagger-ui" data-url="${esc(u.to('/api'))}"><noscript><p>The interactive viewer needs JavaScript; the document is linked above.</p></noscript></div>`,
  ].join('');
  return page({
    base: u.base, title: 'API definition', crumbs: [['Home', u.to('/', { f: 'html' })]], main,
    head: `<link rel="stylesheet" href="${esc(asset('swagger-ui.css'))}">`,
    scripts: [asset('swagger-ui-bundle.js'), u.to('/api/swagger-ui/init.js')],
    alternates: [['JSON', u.to('/api'), 'application/vnd.oai.openapi+json;version=3.0'], ['YAML', u.to('/api', { f: 'yaml' }), 'application/vnd.oai.openapi;version=3.0']],
  });
}
