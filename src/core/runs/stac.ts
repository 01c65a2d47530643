// Staging a directory given by reference. A STAC catalog or item (OGC 20-089, the Best Practice for
// EO Application Packages: a Directory input is a STAC catalog): the catalog, its child catalogs and items, and
// every item's assets are fetched (under the fetch policy, like any input given by reference) and
// laid out as a self-contained static catalog with relative links: catalog.json at the top, each
// item beside its assets. An item given alone gets a catalog.json that links it. Links the
// directory does not hold (self, parent, roots elsewhere, other relations) are dropped. Or a
// directory listing, the document this server answers for a directory output (so one run's
// directory is the next run's input): each file fetched to its path.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Invalid } from '../../errors.ts';

/** What staging a catalog needs: JSON and files fetched under the fetch policy, and a place to store each file. */
export interface StacIo {
  /** Fetches a JSON document (a catalog, collection or item). */
  json(href: string, field: string): Promise<unknown>;
  /** Fetches an asset as a stream, with its media type when the server says it. */
  stream(href: string, field: string): Promise<{ body: Readable; mediaType: string | null }>;
  /** Stores a file at a path inside the directory; returns its file id. */
  store(relPath: string, data: Readable, mediaType: string | null): Promise<number>;
}

export interface StacLimits {
  /** Most items (and catalogs) followed. */
  maxItems: number;
  /** Deepest catalog nesting followed. */
  maxDepth: number;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A name that is one safe path segment. */
function segment(s: unknown, fallback: string): string {
  const clean = String(s ?? '').replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 100);
  return clean || fallback;
}

function fileNameOf(href: string, fallback: string): string {
  try {
    return segment(decodeURIComponent(new URL(href).pathname.split('/').pop() ?? ''), fallback);
  } catch {
    return fallback;
  }
}

const isItem = (d: Record<string, any>) => d.type === 'Feature';
const isCatalog = (d: Record<string, any>) => d.type === 'Catalog' || d.type === 'Collection';

/** A path inside a directory as a listing gives it: relative, no `..`, no empty or control-character segments. */
function safeRelPath(p: unknown): string | null {
  if (typeof p !== 'string' || !p || p.length > 1000) return null;
  const parts = p.replace(/^\.\//, '').split('/');
  return parts.every((s) => s && s !== '.' && s !== '..' && !/[\u0000-\u001f]/.test(s)) ? parts.join('/') : null;
}

/** A directory listing as this server answers for a directory output: `{type: "directory", files: [{path, href}]}`. */
const isListing = (d: Record<string, any>) => d.type === 'directory' && Array.isArray(d.files);

/**
 * Stages the directory at `href` — a STAC catalog or item (catalog.json at the top of the staged
 * directory), or a directory listing of this server's form (each file at its path) — under one
 * directory whose name is the first segment of every path stored. Returns the ids of the files
 * stored. A document that is none of these is the input's fault, said in `field`'s name.
 */
export async function stageDirectory(href: string, field: string, io: StacIo, limits: StacLimits = { maxItems: 1000, maxDepth: 8 }): Promise<number[]> {
  const root = await io.json(href, field);
  if (isObject(root) && isListing(root)) return stageListing(root, href, field, io, limits);
  return stageStac(root, href, field, io, limits);
}

async function stageListing(listing: Record<string, any>, href: string, field: string, io: StacIo, limits: StacLimits): Promise<number[]> {
  if (listing.files.length > limits.maxItems * 10) throw new Invalid(field, `the directory at ${href} lists more than ${limits.maxItems * 10} files`);
  const name = segment(listing.name ?? (href.replace(/\/+$/, '').split('/').slice(-2)[0]), 'dir');
  const ids: number[] = [];
  const seen = new Set<string>();
  for (const [n, f] of listing.files.entries()) {
    const rel = isObject(f) ? safeRelPath(f.path) : null;
    if (!rel || typeof f.href !== 'string') throw new Invalid(field, `file ${n} of the directory at ${href} needs a relative path (no "..") and an href`);
    if (seen.has(rel)) throw new Invalid(field, `the directory at ${href} lists ${rel} twice`);
    seen.add(rel);
    const { body, mediaType } = await io.stream(new URL(f.href, href).toString(), `${field} (${rel})`);
    ids.push(await io.store(`${name}/${rel}`, body, typeof f.type === 'string' ? f.type : mediaType));
  }
  return ids;
}

async function stageStac(rootDoc: unknown, href: string, field: string, io: StacIo, limits: StacLimits): Promise<number[]> {
  const ids: number[] = [];
  let documents = 0;
  const json = (d: unknown) => Readable.from([Buffer.from(JSON.stringify(d, null, 2))]);
  // Every path stored is under the directory's own name (the staged directory's basename).
  const top = isObject(rootDoc) ? segment(rootDoc.id, 'catalog') : 'catalog';
  const put = io.store;
  io = { ...io, store: (relPath, data, mediaType) => put(`${top}/${relPath}`, data, mediaType) };

  /** Stores an item and its assets under `dir`; returns the item file's path relative to `dir`. */
  async function stageItem(item: Record<string, any>, itemHref: string, dir: string): Promise<string> {
    const id = segment(item.id, `item-${documents}`);
    const itemDir = dir ? `${dir}/${id}` : id;
    const assets: Record<string, unknown> = {};
    const used = new Set<string>([`${id}.json`]);
    for (const [key, a] of Object.entries(isObject(item.assets) ? item.assets : {})) {
      if (!isObject(a) || typeof a.href !== 'string') continue;
      const assetHref = new URL(a.href, itemHref).toString();
      let name = fileNameOf(assetHref, segment(key, 'asset'));
      if (used.has(name)) name = `${segment(key, 'asset')}-${name}`;
      used.add(name);
      const { body, mediaType } = await io.stream(assetHref, `${field} (asset ${key} of item ${item.id})`);
      ids.push(await io.store(`${itemDir}/${name}`, body, typeof a.type === 'string' ? a.type : mediaType));
      assets[key] = { ...a, href: `./${name}` };
    }
    const links = (Array.isArray(item.links) ? item.links : []).filter((l: any) => isObject(l) && (l.rel === 'root' || l.rel === 'parent'));
    const local = { ...item, assets, links: links.map((l: any) => ({ ...l, href: dir ? '../catalog.json' : '../catalog.json' })) };
    ids.push(await io.store(`${itemDir}/${id}.json`, json(local), 'application/geo+json'));
    return `${id}/${id}.json`;
  }

  /** Stores a catalog (or collection) as `dir/catalog.json`, with what it links to below it. */
  async function stageCatalog(cat: Record<string, any>, catHref: string, dir: string, depth: number): Promise<void> {
    if (depth > limits.maxDepth) throw new Invalid(field, `the STAC catalog at ${href} nests deeper than ${limits.maxDepth} catalogs`);
    const links: Record<string, unknown>[] = [{ rel: 'root', href: depth === 0 ? './catalog.json' : `${'../'.repeat(depth)}catalog.json`, type: 'application/json' }];
    let n = 0;
    for (const l of Array.isArray(cat.links) ? cat.links : []) {
      if (!isObject(l) || typeof l.href !== 'string' || (l.rel !== 'item' && l.rel !== 'child')) continue;
      if (++documents > limits.maxItems) throw new Invalid(field, `the STAC catalog at ${href} holds more than ${limits.maxItems} items and catalogs`);
      const target = new URL(l.href, catHref).toString();
      const doc = await io.json(target, `${field} (${l.rel} ${l.href})`);
      if (!isObject(doc)) throw new Invalid(field, `${target}, linked from the STAC catalog, is not a STAC object`);
      if (l.rel === 'item' || isItem(doc)) {
        const rel = await stageItem(doc, target, dir);
        links.push({ rel: 'item', href: `./${rel}`, type: 'application/geo+json', ...(typeof l.title === 'string' ? { title: l.title } : {}) });
      } else if (isCatalog(doc)) {
        const sub = segment(doc.id, `catalog-${++n}`);
        await stageCatalog(doc, target, dir ? `${dir}/${sub}` : sub, depth + 1);
        links.push({ rel: 'child', href: `./${sub}/catalog.json`, type: 'application/json' });
      }
    }
    const { links: _old, ...rest } = cat;
    ids.push(await io.store(dir ? `${dir}/catalog.json` : 'catalog.json', json({ ...rest, links }), 'application/json'));
  }

  const root = rootDoc;
  if (!isObject(root) || !(isItem(root) || isCatalog(root))) throw new Invalid(field, `${href} is not a STAC catalog, collection or item (a JSON object of type Catalog, Collection or Feature), nor a directory listing`);
  if (isItem(root)) {
    const rel = await stageItem(root, href, '');
    const catalog = { type: 'Catalog', stac_version: root.stac_version ?? '1.0.0', id: 'staged', description: `The item ${root.id ?? ''} staged as a directory`.trim(), links: [{ rel: 'root', href: './catalog.json', type: 'application/json' }, { rel: 'item', href: `./${rel}`, type: 'application/geo+json' }] };
    ids.push(await io.store('catalog.json', json(catalog), 'application/json'));
  } else {
    await stageCatalog(root, href, '', 0);
  }
  return ids;
}

/** A fetched body as a Node stream. */
export const bodyStream = (res: Response): Readable => (res.body ? Readable.fromWeb(res.body as unknown as WebReadableStream) : Readable.from([]));
