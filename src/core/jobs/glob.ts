// Shell globs of SEED output patterns, matched inside one directory tree: `*`, `?` and `[…]` within
// a path segment, literal segments for known sub-directories, no `**` (SEED patterns are not
// recursive). Nothing outside the base directory can match: `..` never does.
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Directory listings read once for several globs of one directory tree (relative path → entries, null when unreadable). */
export type Listings = Map<string, Promise<Dirent[] | null>>;

/** A directory's entries, read once per `listings`. */
export function listDir(base: string, dir: string, listings?: Listings): Promise<Dirent[] | null> {
  const read = () => fs.readdir(path.join(base, dir), { withFileTypes: true }).catch(() => null);
  if (!listings) return read();
  let p = listings.get(dir);
  if (!p) listings.set(dir, (p = read()));
  return p;
}

/** Files under `base` matching `pattern`, as paths relative to base, sorted; `listings` shares directory reads between globs of one tree. */
export async function glob(base: string, pattern: string, listings?: Listings): Promise<string[]> {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  if (!segments.length || segments.includes('..')) return [];
  let current = [''];
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1;
    const re = segmentRegex(segments[i]);
    const next: string[] = [];
    for (const dir of current) {
      const entries = await listDir(base, dir, listings);
      if (!entries) continue;
      for (const e of entries) {
        // A leading dot matches only a pattern that spells it, as in a shell.
        if (e.name.startsWith('.') && !segments[i].startsWith('.')) continue;
        if (!re.test(e.name)) continue;
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (last ? e.isFile() : e.isDirectory()) next.push(rel);
      }
    }
    current = next;
  }
  return current.sort();
}
