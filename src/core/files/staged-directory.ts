// Where a directory given by reference is stored: every file of it under one fresh root,
// stage/<uuid>/<directory name>/<path in the directory>. A directory is its files (Scale knows no
// other kind of input); this layout is how a runtime finds the directory again from them — its name
// and each file's path in it — even when it holds a single sub-directory or nothing at its top.

import { randomUUID } from 'node:crypto';

const STAGED = /^stage\/(literal-)?[0-9a-f-]{36}\/([^/]+)\/(.+)$/;

/**
 * A fresh root to stage one directory in (its files go under <root>/<directory name>/). A literal
 * directory (a CWL listing the client wrote out) is marked as one: its listing is part of the value,
 * so a runtime gives it whole, where a directory by reference is given by its path alone.
 */
export const stagingRoot = (literal = false) => `stage/${literal ? 'literal-' : ''}${randomUUID()}`;

/** A staged file's directory (its root, the directory's name, whether it was literal) and its path in it; null for a file staged otherwise. */
export function stagedDirectoryOf(filePath: string): { root: string; name: string; relPath: string; literal: boolean } | null {
  const m = STAGED.exec(filePath);
  return m ? { root: filePath.slice(0, filePath.length - m[3].length - 1), name: m[2], relPath: m[3], literal: m[1] !== undefined } : null;
}
