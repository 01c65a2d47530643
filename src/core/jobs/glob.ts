// Shell globs of SEED output patterns, matched inside one directory tree: `*`, `?` and `[…]` within
// a path segment, literal segments for known sub-directories, no `**` (SEED patterns are not
// recursive). Nothing outside the base directory can match: `..` never does.
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

/** Files under `base` matching `pattern`, as paths relative to base, sorted. */
export async function glob(base: string, pattern: string): Promise<string[]> {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  if (!segments.length || segments.includes('..')) return [];
  let current = [''];
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1;
    const re = segmentRegex(segments[i]);
    const next: string[] = [];
    for (const dir of current) {
      let entries;
      try {
        entries = await fs.readdir(path.join(base, dir), { withFileTypes: true });
      } catch {
        continue;
      }
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
