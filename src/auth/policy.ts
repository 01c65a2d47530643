// Which scope a request needs, from its method and path, for every front door. Reading needs
// `read`; running work `execute`; defining what can run `deploy`; any other change `admin` — a
// write route not named here needs admin, so a new route is closed until it is placed. WPS carries
// its operation in the request itself, so the WPS door asks for execute or deploy once it has read
// the operation (see requireScope); here it only needs `read`. The dashboard's files are public
// (they hold no data; every API call they make carries the user's token), and so are the hosted
// scale-ui's (its API calls carry no token: they get the anonymous scopes).
import type { Scope } from './tokens.ts';

const SCALE = String.raw`^/scale(?:/v[56])?`;

const WRITE_RULES: { scope: Scope; method: RegExp; path: RegExp }[] = [
  // OGC API - Processes
  { scope: 'deploy', method: /^POST$/, path: /^\/processes\/?$/ },
  { scope: 'deploy', method: /^(PUT|PATCH|DELETE)$/, path: /^\/processes\/[^/]+\/?$/ },
  { scope: 'deploy', method: /^(POST|PUT|PATCH|DELETE)$/, path: /^\/processes\/[^/]+\/(visibility|package)\/?$/ },
  { scope: 'execute', method: /^POST$/, path: /^\/processes\/[^/]+\/execution\/?$/ },
  { scope: 'execute', method: /^DELETE$/, path: /^\/jobs\/[^/]+\/?$/ },
  // Scale REST API: checks that change nothing
  { scope: 'read', method: /^POST$/, path: new RegExp(`${SCALE}/(job-types|recipe-types|workspaces|strikes|scans|errors|configuration)/(?:[^/]+/)*validation/$`) },
  // running work
  { scope: 'execute', method: /^POST$/, path: new RegExp(`${SCALE}/(queue/new-job|queue/new-recipe|queue/requeue-jobs|jobs|recipes|files)/$`) },
  { scope: 'execute', method: /^POST$/, path: new RegExp(`${SCALE}/recipes/\\d+/(reprocess|cancel)/$`) },
  { scope: 'execute', method: /^PATCH$/, path: new RegExp(`${SCALE}/jobs/\\d+/$`) },
  // defining what can run
  { scope: 'deploy', method: /^(POST|PATCH|PUT|DELETE)$/, path: new RegExp(`${SCALE}/(job-types|recipe-types)/`) },
];

export function requiredScope(method: string, path: string): Scope | 'public' {
  if (path === '/ui' || path.startsWith('/ui/') || path === '/scale-ui' || path.startsWith('/scale-ui/')) return 'public';
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'read';
  if (path === '/wps' || path === '/wps/') return 'read';
  for (const r of WRITE_RULES) if (r.method.test(method) && r.path.test(path)) return r.scope;
  return 'admin';
}
