// Scale v6 creates recipe types, Strikes and Scans from a title alone and names them after it
// (util/rest.py title_to_name): Django's slugify of the title, "_" made "-", cut to 30 characters; a name
// already taken gets "-" and 19 random hex digits.
import { randomUUID } from 'node:crypto';

/** Django's slugify: ASCII only, lower case, runs of spaces and hyphens become one "-", ends trimmed. */
export function slugify(title: string): string {
  const ascii = title.normalize('NFKD').replace(/[^\x00-\x7f]/g, '');
  return ascii.toLowerCase().replace(/[^\w\s-]/g, '').replace(/[-\s]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
}

/** The name Scale gives a thing titled `title`, unique by `taken`. */
export async function titleToName(title: string, taken: (name: string) => Promise<boolean>): Promise<string> {
  const base = slugify(title).replace(/_/g, '-').slice(0, 30);
  let name = base;
  for (let i = 0; await taken(name); i++) {
    if (i > 999) throw new Error('unable to find a unique name');
    name = `${base}-${randomUUID().replace(/-/g, '').slice(0, 19)}`;
  }
  return name;
}
