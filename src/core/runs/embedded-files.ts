// Files inside a JSON value: CWL inputs whose type holds a File or Directory inside something else
// (a record field, a union with other types, Any, an array of directories). Clients give each file
// as CWL does (`{"class": "File", "location": URL}`, with `basename`, `format`, `secondaryFiles`;
// a Directory by `location` — a STAC catalog or a directory listing — or as a literal `listing`),
// or as an OGC link (`{"href": URL}`). Staging fetches each into the workspace and leaves in the
// value a placeholder naming the stored file (`scale:file`) or a directory's files (`scale:files`);
// at run time the placeholders become the staged paths (src/executors/cwl-contract.ts). File
// literals (`contents`) and literal listings stay as they are: cwltool makes them. A File given
// without secondaryFiles gets those its process's patterns find beside it (cwl-secondary-files.ts).

import { Invalid } from '../../errors.ts';

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const FILE_ID = 'scale:file';
export const DIRECTORY_FILES = 'scale:files';

/** Where a file or directory is fetched from, when the object is one given by reference. */
function hrefOf(o: Record<string, any>): string | null {
  const h = typeof o.location === 'string' ? o.location : typeof o.href === 'string' ? o.href : typeof o.path === 'string' ? o.path : null;
  return h && /^https?:\/\//i.test(h) ? h : null;
}

export interface EmbeddedFetchers {
  /** Stores the file at `href`, answers its id. */
  file(href: string, mediaType: string | null, field: string): Promise<number>;
  /** Stages the directory (STAC catalog or listing) at `href`, answers its files' ids. */
  directory(href: string, field: string): Promise<number[]>;
  /** The most references one value may hold. */
  maxReferences: number;
  /**
   * The secondary files the process expects beside a File it was given without any (found by its
   * secondaryFiles patterns beside the primary's URL): each stored file's id and name.
   */
  secondary?(href: string, field: string): Promise<{ id: number; basename: string }[]>;
}

/** The value with every File and Directory given by reference fetched and replaced by its placeholder. */
export async function stageEmbedded(value: unknown, field: string, fetchers: EmbeddedFetchers, topLevelHrefIsFile = true): Promise<unknown> {
  let count = 0;
  const walk = async (v: unknown, at: string, top: boolean): Promise<unknown> => {
    if (Array.isArray(v)) return Promise.all(v.map((x, n) => walk(x, `${at}[${n}]`, false)));
    if (!isObject(v)) return v;
    const cls = v.class;
    const href = cls === 'File' || cls === 'Directory' || (cls === undefined && typeof v.href === 'string' && (top ? topLevelHrefIsFile : true)) ? hrefOf(v) : null;
    if (href) {
      if (++count > fetchers.maxReferences) throw new Invalid(field, `names more than ${fetchers.maxReferences} files`);
      const { location: _l, href: _h, path: _p, type, listing: _ls, ...rest } = v;
      if (cls === 'Directory') {
        const ids = await fetchers.directory(href, at);
        return { ...rest, class: 'Directory', [DIRECTORY_FILES]: ids };
      }
      const id = await fetchers.file(href, typeof type === 'string' ? type : null, at);
      const secondaryFiles = Array.isArray(rest.secondaryFiles)
        ? await walk(rest.secondaryFiles, `${at}.secondaryFiles`, false)
        : fetchers.secondary ? (await fetchers.secondary(href, at)).map((f) => ({ class: 'File', basename: f.basename, [FILE_ID]: f.id })) : undefined;
      return { ...rest, class: 'File', [FILE_ID]: id, ...(secondaryFiles ? { secondaryFiles } : {}) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await walk(x, `${at}.${k}`, false);
    return out;
  };
  return walk(value, field, true);
}

/** The ids of the stored files a staged value names. */
export function embeddedFileIds(value: unknown): number[] {
  const ids: number[] = [];
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (isObject(v)) {
      if (typeof v[FILE_ID] === 'number') ids.push(v[FILE_ID]);
      if (Array.isArray(v[DIRECTORY_FILES])) ids.push(...v[DIRECTORY_FILES].filter((x: unknown): x is number => typeof x === 'number'));
      stack.push(...Object.values(v));
    }
  }
  return ids;
}
