// Secondary files a CWL document expects beside a File (an index beside its data, a header beside
// its raster): its `secondaryFiles` patterns, and the name a pattern gives a primary file. Pure.
// cwltool finds them on disk by these names; a client giving the primary file by URL gives them
// the same way, so the server fetches each candidate beside the primary's URL (see staging.ts).

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every secondaryFiles pattern a (packed) document declares, on inputs, record fields, step inputs
 * and SchemaDef types alike: plain patterns only (an expression cannot be evaluated before the run).
 */
export function secondaryPatterns(doc: unknown): string[] {
  const out = new Set<string>();
  const add = (p: unknown) => {
    const pattern = isObject(p) ? p.pattern : p;
    if (typeof pattern === 'string' && !/\$[({]/.test(pattern)) out.add(pattern.replace(/\?$/, ''));
  };
  const stack: unknown[] = [doc];
  let seen = 0;
  while (stack.length && seen++ < 100_000) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (isObject(v)) {
      if ('secondaryFiles' in v) (Array.isArray(v.secondaryFiles) ? v.secondaryFiles : [v.secondaryFiles]).forEach(add);
      stack.push(...Object.values(v));
    }
  }
  return [...out];
}

/** The name a pattern gives beside `basename`: each leading `^` strips one extension first (CWL 1.2, secondaryFiles). */
export function secondaryName(basename: string, pattern: string): string {
  let name = basename;
  let rest = pattern;
  while (rest.startsWith('^')) {
    const dot = name.lastIndexOf('.');
    if (dot > 0) name = name.slice(0, dot);
    rest = rest.slice(1);
  }
  return name + rest;
}

/** The URL of a secondary file beside the primary's: the pattern applied to the URL's last path segment. */
export function secondaryUrl(primary: string, pattern: string): string | null {
  let u: URL;
  try {
    u = new URL(primary);
  } catch {
    return null;
  }
  const segs = u.pathname.split('/');
  const last = decodeURIComponent(segs.pop() ?? '');
  if (!last) return null;
  u.pathname = [...segs, encodeURIComponent(secondaryName(last, pattern))].join('/');
  u.search = '';
  u.hash = '';
  return u.toString();
}
