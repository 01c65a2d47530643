// Where the project's shared material (../shared: the CWL suite, the scale-ui build) is: an
// environment variable naming it, else ../shared beside the repository, else /work/shared (a clone
// made elsewhere, as CI makes).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The first of $env, ../shared/<sub> and /work/shared/<sub> holding `marker`; else the first
 * candidate (so a missing suite is reported at the path the user would expect).
 */
export function sharedMaterial(sub: string, marker: string, env?: string): string {
  const candidates = [env ? process.env[env] : undefined, path.join(REPO, '..', 'shared', sub), path.join('/work/shared', sub)].filter((c): c is string => !!c);
  return path.resolve(candidates.find((c) => existsSync(path.join(c, marker))) ?? candidates[0]);
}
