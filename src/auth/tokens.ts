// Bearer tokens and their scopes. A token may read, execute (run jobs and processes), deploy
// (define job types, recipe types and processes) or administer (everything else: workspaces,
// nodes, the scheduler, errors, Strikes, configuration); admin holds every scope. Tokens come from
// SCALE_AUTH_TOKENS ("token:scope+scope,…") and SCALE_AUTH_TOKEN_FILE (one "token scope scope…" per
// line); a token given without scopes is an admin token. They are kept as SHA-256 digests, so a
// lookup costs the same whatever is sent and no token sits in memory in the clear.
import { createHash } from 'node:crypto';

export const SCOPES = ['read', 'execute', 'deploy', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenGrant {
  /** A name for logs: the first characters of the token's digest (never the token). */
  id: string;
  scopes: Set<Scope>;
}

export class TokenTable {
  private readonly byDigest = new Map<string, TokenGrant>();

  constructor(entries: { token: string; scopes: Scope[] }[]) {
    for (const e of entries) {
      const digest = createHash('sha256').update(e.token).digest('hex');
      this.byDigest.set(digest, { id: digest.slice(0, 8), scopes: expand(e.scopes.length ? e.scopes : ['admin']) });
    }
  }

  get size(): number {
    return this.byDigest.size;
  }

  lookup(token: string): TokenGrant | null {
    return this.byDigest.get(createHash('sha256').update(token).digest('hex')) ?? null;
  }
}

/** admin implies every scope. */
export function expand(scopes: Iterable<Scope>): Set<Scope> {
  const set = new Set(scopes);
  if (set.has('admin')) for (const s of SCOPES) set.add(s);
  return set;
}

/** Reads "scope+scope" or "scope scope" lists; throws naming the unknown scope. */
export function parseScopes(text: string, where: string): Scope[] {
  const out: Scope[] = [];
  for (const s of text.split(/[+\s,]+/).filter(Boolean)) {
    if (!(SCOPES as readonly string[]).includes(s)) throw new Error(`${where}: unknown scope "${s}" (read, execute, deploy, admin)`);
    out.push(s as Scope);
  }
  return out;
}

/** The entries of SCALE_AUTH_TOKENS ("token:scope+scope,token,…") and of a token file's text. */
export function parseTokenList(list: string, fileText: string | null, fileName = 'SCALE_AUTH_TOKEN_FILE'): { token: string; scopes: Scope[] }[] {
  const entries: { token: string; scopes: Scope[] }[] = [];
  for (const item of list.split(',').map((t) => t.trim()).filter(Boolean)) {
    const i = item.indexOf(':');
    entries.push(i < 0 ? { token: item, scopes: [] } : { token: item.slice(0, i), scopes: parseScopes(item.slice(i + 1), 'SCALE_AUTH_TOKENS') });
  }
  if (fileText !== null) {
    fileText.split('\n').forEach((raw, n) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const [token, ...scopes] = line.split(/\s+/);
      entries.push({ token, scopes: parseScopes(scopes.join(' '), `${fileName} line ${n + 1}`) });
    });
  }
  for (const e of entries) if (e.token.length < 16) throw new Error(`a token of ${e.token.length} characters is too short to be secret (16 at least)`);
  return entries;
}
