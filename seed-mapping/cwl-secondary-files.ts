// Secondary files a CWL document expects beside a File (an index beside its data, a header beside
// its raster): its `secondaryFiles` patterns, and the name a pattern gives a primary file. Pure.
// cwltool finds them on disk by these names; a client giving the primary file by URL gives them
// the same way, so the server fetches each candidate beside the primary's URL (see staging.ts).

import { mainProcess, shortName } from './cwl-process.ts';

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): Record<string, any>[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? Object.entries(v).map(([k, x]) => (isObject(x) ? { id: k, ...x } : { id: k, type: x })) : []);

/**
 * The secondaryFiles patterns the document's main process declares for one input: on the input, in
 * its type (record fields, array items, unions) and in the SchemaDef types it names. Plain patterns
 * only (an expression cannot be evaluated before the run). A step's own patterns are not the
 * input's: a workflow that does not pass secondary files on fails as CWL says it must.
 */
export function secondaryPatterns(doc: unknown, input: string): string[] {
  const main = isObject(doc) ? mainProcess(doc) : null;
  if (!main) return [];
  const decl = listOf(main.inputs).find((i) => typeof i.id === 'string' && shortName(i.id) === input);
  if (!decl) return [];
  // SchemaDef types anywhere in the document, by their short name.
  const named = new Map<string, unknown>();
  const scanDefs = (v: unknown, depth: number): void => {
    if (depth > 64) return;
    if (Array.isArray(v)) v.forEach((x) => scanDefs(x, depth + 1));
    else if (isObject(v)) {
      if (v.class === 'SchemaDefRequirement' && Array.isArray(v.types)) for (const t of v.types) if (isObject(t) && typeof t.name === 'string') named.set(shortName(t.name), t);
      Object.values(v).forEach((x) => scanDefs(x, depth + 1));
    }
  };
  scanDefs(doc, 0);
  const out = new Set<string>();
  const add = (p: unknown) => plainPatterns(p).forEach((x) => out.add(x));
  const seenTypes = new Set<string>();
  const stack: unknown[] = [decl];
  let steps = 0;
  while (stack.length && steps++ < 100_000) {
    const v = stack.pop();
    if (typeof v === 'string') {
      const t = named.get(shortName(v));
      if (t && !seenTypes.has(shortName(v))) {
        seenTypes.add(shortName(v));
        stack.push(t);
      }
    } else if (Array.isArray(v)) stack.push(...v);
    else if (isObject(v)) {
      if ('secondaryFiles' in v) add(v.secondaryFiles);
      for (const [k, x] of Object.entries(v)) if (k !== 'secondaryFiles' && k !== 'default') stack.push(x);
    }
  }
  return [...out];
}

/** A `secondaryFiles` field's plain patterns (strings or {pattern}; expressions cannot be evaluated before a run), optional marks dropped. */
export function plainPatterns(field: unknown): string[] {
  const list = Array.isArray(field) ? field : [field];
  return list.map((p) => (isObject(p) ? p.pattern : p)).filter((p): p is string => typeof p === 'string' && !/\$[({]/.test(p)).map((p) => p.replace(/\?$/, ''));
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
