// An output object compared with a case's expected one, with the conformance runner's rules
// (cwltest): "Any" matches anything; a File or Directory matches on the end of its location or path
// and every other field given (checksum, size, basename, secondaryFiles…), a Directory's listing in any
// order, `contents` on the file's text; records key by key (no unexpected non-null key); lists in order.

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads an actual file's text (for `contents`): its path, or what the runner kept of it. */
export type ContentsOf = (file: Record<string, any>) => string | null;

export class CompareFail extends Error {}

const show = (v: unknown) => JSON.stringify(v)?.slice(0, 300);

function fail(expected: unknown, actual: unknown, why?: string): never {
  throw new CompareFail(`expected ${show(expected)}, got ${show(actual)}${why ? `: ${why}` : ''}`);
}

function location(expected: Record<string, any>, actual: Record<string, any>): void {
  const key = 'path' in expected ? 'path' : 'location' in expected ? 'location' : null;
  if (!key || expected[key] === 'Any') return;
  let got = String(actual[key] ?? actual.location ?? actual.path ?? actual.basename ?? '');
  if (actual.class === 'Directory') got = got.replace(/\/+$/, '');
  const want = String(expected[key]);
  if (!(got.endsWith(`/${want}`) || (!got.includes('/') && got === want))) fail(expected, actual, `${got} does not end with ${want}`);
}

function file(expected: Record<string, any>, actual: Record<string, any>, contentsOf: ContentsOf): void {
  location(expected, actual);
  if ('contents' in expected) {
    const text = contentsOf(actual);
    if (text !== expected.contents) fail(expected.contents, text, 'the file contents differ');
  }
  for (const k of Object.keys(expected)) {
    if (['path', 'location', 'listing', 'contents'].includes(k)) continue;
    try {
      compare(expected[k], actual[k], contentsOf);
    } catch (e) {
      fail(expected, actual, `field ${k}: ${(e as Error).message}`);
    }
  }
}

function directory(expected: Record<string, any>, actual: Record<string, any>, contentsOf: ContentsOf): void {
  if (actual.class !== 'Directory') fail(expected, actual, 'not a Directory');
  if (!Array.isArray(actual.listing)) fail(expected, actual, 'no listing');
  for (const item of Array.isArray(expected.listing) ? expected.listing : []) {
    if (!actual.listing.some((a: unknown) => {
      try {
        compare(item, a, contentsOf);
        return true;
      } catch {
        return false;
      }
    })) fail(expected, actual, `${show(item)} not found in the listing`);
  }
  file(expected, actual, contentsOf);
}

/** Throws CompareFail saying where `actual` differs from `expected`. */
export function compare(expected: unknown, actual: unknown, contentsOf: ContentsOf = () => null): void {
  if (expected === 'Any') return;
  if (expected !== null && expected !== undefined && (actual === null || actual === undefined)) fail(expected, actual);
  if (isObject(expected)) {
    if (!isObject(actual)) fail(expected, actual);
    if (expected.class === 'File') return file(expected, actual, contentsOf);
    if (expected.class === 'Directory') return directory(expected, actual, contentsOf);
    for (const k of Object.keys(expected)) {
      try {
        compare(expected[k], actual[k], contentsOf);
      } catch (e) {
        fail(expected, actual, `key ${k}: ${(e as Error).message}`);
      }
    }
    for (const k of Object.keys(actual)) if (!(k in expected) && actual[k] !== null && actual[k] !== undefined) fail(expected, actual, `unexpected key ${k}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) fail(expected, actual);
    if (expected.length !== actual.length) fail(expected, actual, "lengths don't match");
    expected.forEach((e, i) => compare(e, actual[i], contentsOf));
    return;
  }
  // Python's equality: 1 == 1.0 == True.
  const num = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v);
  if ((expected ?? null) !== (actual ?? null) && !(typeof num(expected) === 'number' && num(expected) === num(actual))) fail(expected, actual);
}
