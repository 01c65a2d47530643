// The dashboard's only way to the server: the same REST API any client uses. Every request carries
// the bearer token the operator gave (kept in sessionStorage, so it ends with the tab).

const TOKEN_KEY = 'scale-ui.token';

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  const t = String(token ?? '').trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, message, url) {
    super(message);
    this.status = status;
    this.url = url;
  }

  get isAuth() {
    return this.status === 401 || this.status === 403;
  }
}

/** What a 401 or 403 means to the operator. */
export function authMessage(status) {
  return status === 401
    ? 'Not signed in (401): the server wants a bearer token. Enter your API token in the field at the top and press Use.'
    : 'Forbidden (403): the server refused this with the token given. Check the API token at the top.';
}

function headers(accept, withBody) {
  const h = { Accept: accept };
  const t = getToken();
  if (t) h.Authorization = `Bearer ${t}`;
  if (withBody) h['Content-Type'] = 'application/json';
  return h;
}

async function failure(res, url) {
  if (res.status === 401 || res.status === 403) {
    const err = new ApiError(res.status, authMessage(res.status), url);
    window.dispatchEvent(new CustomEvent('ui-auth', { detail: err }));
    return err;
  }
  let detail = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    detail = body.detail ?? body.title ?? detail;
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, `${url}: ${detail}`, url);
}

/**
 * A request to the server. JSON in, JSON out (null for 204); `text: true` reads the body as text
 * ('' for 204). `signal` aborts it when the page is left.
 */
export async function api(url, { method = 'GET', body, text = false, accept, signal } = {}) {
  const res = await fetch(url, {
    method,
    headers: headers(accept ?? (text ? 'text/plain' : 'application/json'), body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'same-origin',
    signal,
  });
  if (!res.ok) throw await failure(res, url);
  if (res.status === 204) return text ? '' : null;
  return text ? res.text() : res.json();
}

/** A query string from an object; empty and null values are left out, arrays repeat the key. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    for (const x of Array.isArray(v) ? v : [v]) u.append(k, String(x));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

/**
 * Downloads a file with the token (a plain link cannot carry an Authorization header): fetched,
 * then saved through an object URL.
 */
export async function download(url, fileName) {
  const res = await fetch(url, { headers: headers('*/*', false), cache: 'no-store' });
  if (!res.ok) throw await failure(res, url);
  const blobUrl = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = blobUrl;
  a.download = fileName || 'download';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(blobUrl), 10_000);
}

// The actions an operator takes, as the API spells them.
export const actions = {
  pauseJobType: (id, paused) => api(`/scale/job-types/${id}/`, { method: 'PATCH', body: { is_paused: paused } }),
  pauseNode: (id, paused) => api(`/scale/nodes/${id}/`, { method: 'PATCH', body: { is_paused: paused } }),
  pauseScheduler: (paused) => api('/scale/scheduler/', { method: 'PATCH', body: { is_paused: paused } }),
  cancelJob: (id) => api(`/scale/jobs/${id}/`, { method: 'PATCH', body: { status: 'CANCELED' } }),
  requeueJobs: (ids) => api('/scale/queue/requeue-jobs/', { method: 'POST', body: { job_ids: ids } }),
  activateStrike: (id, active) => api(`/scale/strikes/${id}/`, { method: 'PATCH', body: { is_active: active } }),
  processScan: (id, ingest) => api(`/scale/scans/${id}/process/`, { method: 'POST', body: { ingest } }),
  createJobType: (body) => api('/scale/job-types/', { method: 'POST', body }),
  newJob: (body) => api('/scale/queue/new-job/', { method: 'POST', body }),
};

/** Every page of a Scale list (page_size 1000; the pages after the first asked for together). */
export async function allPages(url, { signal, max = 20 } = {}) {
  const sep = url.includes('?') ? '&' : '?';
  const first = await api(`${url}${sep}page_size=1000&page=1`, { signal });
  const pages = Math.min(max, Math.ceil(first.count / 1000));
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => api(`${url}${sep}page_size=1000&page=${i + 2}`, { signal })));
  return [first, ...rest].flatMap((p) => p.results);
}
