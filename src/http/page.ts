// The frame of the server's own HTML pages (the OGC API's pages, its API viewer, the Scale API
// index): an HTML5 document with the one stylesheet (inline, allowed by its hash), the favicon, a
// header that links every front door, breadcrumbs, the page's body and a footer naming the page's
// other representations. No script unless a page names its own files (the API viewer); no inline
// script, no style attribute: the Content-Security-Policy refuses both.
import { PAGE_STYLE } from './page-style.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text or an attribute value, escaped for HTML. */
export const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/** An anchor; `attrs` are written as given (escaped). */
export function a(href: string, text: string, attrs: Record<string, string | undefined> = {}): string {
  const extra = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
  return `<a href="${esc(href)}"${extra}>${esc(text)}</a>`;
}

export interface PageParts {
  /** The server's base URL (no trailing slash): the header's links are under it. */
  base: string;
  title: string;
  /** Breadcrumbs before the title: [text, href]. */
  crumbs?: [string, string][];
  /** The page's other representations: [label, href, media type]. */
  alternates?: [string, string, string][];
  /** The page's body (HTML). */
  main: string;
  /** More for <head> (stylesheets of the page's own files). */
  head?: string;
  /** Scripts of this server (src URLs), loaded at the end of the body. */
  scripts?: string[];
  /** The id of <main> (a script's mount point). */
  mainId?: string;
}

/** The header's links: every door of the server. */
function nav(base: string): string {
  const items: [string, string][] = [
    ['Processes', `${base}/processes?f=html`],
    ['Jobs', `${base}/jobs?f=html`],
    ['API', `${base}/api?f=html`],
    ['Conformance', `${base}/conformance?f=html`],
    ['Dashboard', `${base}/ui/`],
    ['WPS', `${base}/wps?service=WPS&request=GetCapabilities`],
    ['Scale API', `${base}/scale/`],
  ];
  return `<nav aria-label="site">${items.map(([t, h]) => a(h, t)).join('')}</nav>`;
}

export function page(p: PageParts): string {
  const crumbs = p.crumbs?.length
    ? `<ol class="crumbs">${p.crumbs.map(([t, h]) => `<li>${a(h, t)}</li>`).join('')}<li>${esc(p.title)}</li></ol>`
    : '';
  const alternates = p.alternates?.length
    ? `<footer>Also as ${p.alternates.map(([t, h, type]) => a(h, t, { rel: 'alternate', type })).join(', ')}.</footer>`
    : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(p.title)} · scale-ades</title>`,
    `<link rel="icon" href="${esc(p.base)}/ui/favicon.svg" type="image/svg+xml">`,
    ...(p.alternates ?? []).map(([, h, type]) => `<link rel="alternate" href="${esc(h)}" type="${esc(type)}">`),
    p.head ?? '',
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    `<header>${a(`${p.base}/?f=html`, 'scale-ades', { class: 'brand' })}${nav(p.base)}</header>`,
    `<main${p.mainId ? ` id="${esc(p.mainId)}"` : ''}>`,
    crumbs,
    `<h1>${esc(p.title)}</h1>`,
    p.main,
    '</main>',
    alternates,
    ...(p.scripts ?? []).map((s) => `<script src="${esc(s)}"></script>`),
    '</body>',
    '</html>',
  ].filter(Boolean).join('\n');
}

/** A table: column heads and rows of cells (HTML); a cell [html, class] gets the class. */
export function table(heads: string[], rows: (string | [string, string])[][], caption?: string): string {
  const cell = (c: string | [string, string]) => (Array.isArray(c) ? `<td class="${esc(c[1])}">${c[0]}</td>` : `<td>${c}</td>`);
  return `<table>${caption ? `<caption class="muted">${esc(caption)}</caption>` : ''}<thead><tr>${heads.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A definition list of facts: [term, html]; empty values are left out. */
export function facts(items: [string, string | undefined | null][]): string {
  const kept = items.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return kept.length ? `<dl class="facts">${kept.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>` : '';
}
