// Hash routing: #/path?query. Each visit gets a fresh view element, an AbortSignal for its requests
// and timers that stop when the page is left, so a slow answer for a page left behind never
// draws over the next one.
import { h } from './dom.js';

export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split(/\?(.*)/s);
  return { path: path || '/', query: new URLSearchParams(query) };
}

/** The hash for a path and query params (empty values left out). */
export function href(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function navigate(path, params) {
  location.hash = href(path, params);
}

/**
 * routes: [{pattern: RegExp, page: async (ctx) => void, nav: 'jobs'}]. The page receives
 * {view, params (regex groups), query, signal, every(fn, ms), alive()}.
 */
export function startRouter({ main, routes, onError, onNavigate }) {
  let current = null;

  async function show() {
    current?.leave();
    const { path, query } = parseHash();
    const route = routes.find((r) => r.pattern.test(path));
    const view = h('div', { class: 'view', data: { route: location.hash || '#/' } });
    main.replaceChildren(view);
    const controller = new AbortController();
    const timers = new Set();
    const visit = {
      leave() {
        controller.abort();
        for (const t of timers) clearTimeout(t);
        timers.clear();
      },
    };
    current = visit;
    const alive = () => current === visit;
    onNavigate?.(route?.nav ?? null);
    if (!route) {
      view.append(h('h1', {}, 'Not found'), h('p', {}, `No page ${path}. `, h('a', { href: '#/' }, 'Go to the overview.')));
      return;
    }
    /** Runs fn every ms after it settles, while the page stays; fn returning false stops it. */
    const every = (fn, ms) => {
      const tick = async () => {
        if (!alive()) return;
        let again = true;
        try {
          again = (await fn()) !== false;
        } catch (err) {
          if (alive() && err?.name !== 'AbortError') onError(err, view);
        }
        if (again && alive()) {
          const t = setTimeout(() => {
            timers.delete(t);
            tick();
          }, ms);
          timers.add(t);
        }
      };
      const t = setTimeout(() => {
        timers.delete(t);
        tick();
      }, ms);
      timers.add(t);
    };
    try {
      await route.page({ view, params: path.match(route.pattern).slice(1), query, signal: controller.signal, every, alive, refresh: show });
    } catch (err) {
      if (alive() && err?.name !== 'AbortError') onError(err, view);
    }
  }

  window.addEventListener('hashchange', show);
  show();
  return { refresh: show };
}
