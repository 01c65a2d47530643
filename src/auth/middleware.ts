// Authentication and authorisation of every request, before any front door: the bearer token (if
// any) is looked up, the request's scopes set (the token's, or the anonymous scopes), and the scope
// the route needs (policy.ts) checked. WPS names its operation inside the request, so the WPS door
// calls requireScope itself once it knows it (and writes its own OWS exception).
import type { NextFunction, Request, Response } from 'express';
import { requiredScope } from './policy.ts';
import { type Scope, type TokenGrant, TokenTable } from './tokens.ts';

export interface AuthContext {
  grant: TokenGrant | null;
  scopes: Set<Scope>;
  /** A token was sent that is not known (WPS answers it itself). */
  badToken: boolean;
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

export interface AuthSettings {
  tokens: TokenTable;
  /** What a request without a token may do (all scopes when no token is configured). */
  anonymous: Set<Scope>;
}

const contextOf = (res: Response): AuthContext | undefined => res.locals.auth as AuthContext | undefined;

/** Throws AuthError unless the request may act with `scope` (for doors that learn the operation late). */
export function requireScope(res: Response | undefined, scope: Scope): void {
  const ctx = res && contextOf(res);
  if (!ctx) return; // no authentication in front of this app (a door used alone, in tests)
  if (ctx.badToken) throw new AuthError(401, 'the bearer token is not valid');
  if (ctx.scopes.has(scope)) return;
  if (!ctx.grant) throw new AuthError(401, `this needs a bearer token with the ${scope} scope (Authorization: Bearer …)`);
  throw new AuthError(403, `this token does not have the ${scope} scope`);
}

export function authenticate(settings: AuthSettings) {
  const enabled = settings.tokens.size > 0;
  return (req: Request, res: Response, next: NextFunction) => {
    const ctx: AuthContext = { grant: null, scopes: settings.anonymous, badToken: false };
    const header = req.get('authorization');
    // With no tokens configured there is nothing to check a token against: it is ignored.
    if (enabled && header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const grant = m ? settings.tokens.lookup(m[1]) : null;
      if (grant) {
        ctx.grant = grant;
        ctx.scopes = grant.scopes;
      } else ctx.badToken = true;
    }
    res.locals.auth = ctx;
    const need = requiredScope(req.method, req.path);
    if (need === 'public' || req.path === '/wps' || req.path === '/wps/') return next();
    try {
      requireScope(res, need);
      next();
    } catch (err) {
      const e = err as AuthError;
      if (e.status === 401) res.setHeader('WWW-Authenticate', ctx.badToken ? 'Bearer error="invalid_token"' : 'Bearer');
      // Both shapes at once, as the other errors: Scale's {detail} and the OGC exception's {type, title, status}.
      res.status(e.status).json({
        type: `https://www.rfc-editor.org/rfc/rfc9110#status.${e.status}`, title: e.status === 401 ? 'Unauthorized' : 'Forbidden', status: e.status, detail: e.message,
      });
    }
  };
}
