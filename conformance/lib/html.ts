// Structural HTML checks: an HTML5 document, and the anchors and text it contains.

/** Problems that keep `text` from being an HTML5 document. */
export function html5Problems(text: string): string[] {
  const problems: string[] = [];
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (!/^<!doctype\s+html\s*>/i.test(start)) problems.push('does not start with <!DOCTYPE html>');
  if (!/<html[\s>]/i.test(text)) problems.push('has no <html> element');
  if (!/<\/html\s*>/i.test(text)) problems.push('has no closing </html>');
  return problems;
}

export function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The absolute targets of every `<a href>` in the page. */
export function anchorHrefs(text: string, pageUrl: string): string[] {
  const out: string[] = [];
  const re = /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    try {
      out.push(new URL(decodeEntities(m[1] ?? m[2] ?? m[3] ?? ''), pageUrl).toString());
    } catch {
      // not a URL: ignore
    }
  }
  return out;
}

/** A URL reduced for comparison across representations: no fragment, no `f` parameter, no trailing slash. */
export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    u.searchParams.delete('f');
    u.searchParams.sort();
    const path = u.pathname.length > 1 ? u.pathname.replace(/\/+$/, '') : u.pathname;
    return `${u.origin}${path}${u.search}`;
  } catch {
    return url;
  }
}

/** Whether the page shows `value` (as is or HTML-escaped). */
export function htmlContains(text: string, value: string): boolean {
  if (text.includes(value)) return true;
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return text.includes(escaped) || decodeEntities(text).includes(value);
}
