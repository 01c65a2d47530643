// HTML representations (the HTML conformance class): any JSON resource of this door rendered as an
// HTML5 page that shows every field and turns every link into an <a>.
import { PAGE_STYLE } from '../../src/http/page-style.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function link(l: Record<string, unknown>): string {
  const href = String(l.href);
  const text = String(l.title ?? l.rel ?? href);
  return `<a href="${escape(href)}"${l.rel ? ` rel="${escape(String(l.rel))}"` : ''}${l.type ? ` type="${escape(String(l.type))}"` : ''}>${escape(text)}</a>`;
}

function render(v: unknown): string {
  if (v === null || v === undefined) return '<em>none</em>';
  if (typeof v === 'string') return /^https?:\/\//.test(v) ? `<a href="${escape(v)}">${escape(v)}</a>` : escape(v);
  if (typeof v !== 'object') return `<code>${escape(String(v))}</code>`;
  if (Array.isArray(v)) return v.length ? `<ul>${v.map((x) => `<li>${render(x)}</li>`).join('')}</ul>` : '<em>none</em>';
  const o = v as Record<string, unknown>;
  if (typeof o.href === 'string') return link(o);
  return `<dl>${Object.entries(o).map(([k, x]) => `<dt>${escape(k)}</dt><dd>${render(x)}</dd>`).join('')}</dl>`;
}


/** A page for `body`, titled `title`; its `links` (if any) are listed first. */
export function htmlPage(title: string, body: Record<string, unknown>): string {
  const { links, ...rest } = body;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>`,
    `<style>${PAGE_STYLE}</style></head>`,
    '<body>',
    `<h1>${escape(title)}</h1>`,
    Array.isArray(links) && links.length ? `<nav><h2>Links</h2>${render(links)}</nav>` : '',
    `<main>${render(rest)}</main>`,
    '</body></html>',
  ].join('\n');
}
