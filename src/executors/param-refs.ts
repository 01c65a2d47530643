// CWL parameter references ($(inputs.x), $(inputs.f.path), $(inputs['x']), $(runtime.outdir),
// $(self)…), resolved against the values of one run. Only references: no JavaScript is evaluated
// (deploying refuses tools that need it), so this is a walk down property names.
import { PARAM_REF } from '../../seed-mapping/cwl-tool.ts';

export interface RefContext {
  inputs: Record<string, unknown>;
  runtime: Record<string, unknown>;
  self?: unknown;
}

/** A staged file as CWL expressions see it. */
export function cwlFile(p: string, size?: number): Record<string, unknown> {
  const basename = p.slice(p.lastIndexOf('/') + 1);
  const dot = basename.lastIndexOf('.');
  return {
    class: 'File', path: p, location: `file://${p}`, basename, dirname: p.slice(0, p.lastIndexOf('/')),
    nameroot: dot > 0 ? basename.slice(0, dot) : basename, nameext: dot > 0 ? basename.slice(dot) : '',
    ...(size !== undefined ? { size } : {}),
  };
}

function lookup(ref: string, ctx: RefContext): unknown {
  const body = ref.slice(2, -1);
  const root = /^(inputs|runtime|self)/.exec(body)![1];
  let v: unknown = root === 'self' ? ctx.self : ctx[root as 'inputs' | 'runtime'];
  for (const m of body.slice(root.length).matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/g)) {
    const key = m[1] ?? m[2] ?? m[3] ?? Number(m[4]);
    if (v === null || v === undefined) return null;
    // `length` of an array, as CWL's own examples use it.
    v = Array.isArray(v) && key === 'length' ? v.length : (v as Record<string | number, unknown>)[key];
  }
  return v === undefined ? null : v;
}

/** As text inside a larger string: a File is its path, null nothing, anything else JSON. */
function asText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && !Array.isArray(v) && (v as { class?: unknown }).class === 'File') return String((v as { path: unknown }).path);
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** A string that is exactly one reference is that value (any type); otherwise the string with each reference replaced by its text. */
export function resolveTemplate(s: string, ctx: RefContext): unknown {
  const refs = [...s.matchAll(PARAM_REF)];
  if (refs.length === 1 && refs[0][0] === s) return lookup(s, ctx);
  return s.replace(PARAM_REF, (ref) => asText(lookup(ref, ctx)));
}

/** A resolved value as command-line words: a File its path, an array its items, null none. */
export function asWords(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap(asWords);
  return [asText(v)];
}
