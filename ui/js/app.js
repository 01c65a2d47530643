// The dashboard's entry: the token field, the banner for errors, the navigation and the routes.
import { authMessage, getToken, setToken } from './api.js';
import { fill, h } from './dom.js';
import { startRouter } from './router.js';
import { overviewPage } from './pages/overview.js';
import { jobsPage } from './pages/jobs.js';
import { jobPage } from './pages/job.js';
import { jobTypePage, jobTypesPage } from './pages/job-types.js';
import { recipeTypePage, recipeTypesPage } from './pages/recipe-types.js';
import { recipePage, recipesPage } from './pages/recipes.js';
import { ingestsPage } from './pages/ingests.js';
import { timelinePage } from './pages/timeline.js';
import { nodePage, nodesPage } from './pages/nodes.js';
import { workspacePage, workspacesPage } from './pages/workspaces.js';
import { errorsPage } from './pages/errors.js';
import { strikesPage } from './pages/strikes.js';
import { batchesPage } from './pages/batches.js';
import { metricsPage } from './pages/metrics.js';
import { jobTypeNewPage } from './pages/job-type-new.js';
import { jobNewPage } from './pages/job-new.js';

const routes = [
  { pattern: /^\/$/, page: overviewPage, nav: 'overview' },
  { pattern: /^\/jobs$/, page: jobsPage, nav: 'jobs' },
  { pattern: /^\/jobs\/(\d+)$/, page: jobPage, nav: 'jobs' },
  { pattern: /^\/job-types$/, page: jobTypesPage, nav: 'job-types' },
  { pattern: /^\/job-types\/new$/, page: jobTypeNewPage, nav: 'job-types' },
  { pattern: /^\/job-types\/(\d+)$/, page: jobTypePage, nav: 'job-types' },
  { pattern: /^\/job-types\/(\d+)\/queue$/, page: jobNewPage, nav: 'job-types' },
  { pattern: /^\/recipe-types$/, page: recipeTypesPage, nav: 'recipe-types' },
  { pattern: /^\/recipe-types\/(\d+)$/, page: recipeTypePage, nav: 'recipe-types' },
  { pattern: /^\/recipes$/, page: recipesPage, nav: 'recipes' },
  { pattern: /^\/recipes\/(\d+)$/, page: recipePage, nav: 'recipes' },
  { pattern: /^\/ingests$/, page: ingestsPage, nav: 'ingests' },
  { pattern: /^\/timeline$/, page: timelinePage, nav: 'timeline' },
  { pattern: /^\/metrics$/, page: metricsPage, nav: 'metrics' },
  { pattern: /^\/nodes$/, page: nodesPage, nav: 'nodes' },
  { pattern: /^\/nodes\/(\d+)$/, page: nodePage, nav: 'nodes' },
  { pattern: /^\/workspaces$/, page: workspacesPage, nav: 'workspaces' },
  { pattern: /^\/workspaces\/(\d+)$/, page: workspacePage, nav: 'workspaces' },
  { pattern: /^\/errors$/, page: errorsPage, nav: 'errors' },
  { pattern: /^\/strikes$/, page: strikesPage, nav: 'strikes' },
  { pattern: /^\/batches$/, page: batchesPage, nav: 'batches' },
];

const banner = document.getElementById('banner');

function showBanner(text, kind = 'error') {
  banner.hidden = false;
  banner.className = `banner banner-${kind}`;
  fill(banner, h('span', { class: 'banner-text' }, text), h('button', { type: 'button', class: 'banner-close', on: { click: hideBanner } }, 'Dismiss'));
}

function hideBanner() {
  banner.hidden = true;
  banner.replaceChildren();
}

/** A failure while drawing a page: shown in the page, and auth failures in the banner too. */
function onError(err, view) {
  const auth = err?.status === 401 || err?.status === 403;
  const text = auth ? authMessage(err.status) : String(err?.message ?? err);
  view.append(h('div', { class: ['error-box', auth ? 'auth-error' : ''], role: 'alert', data: { status: err?.status ?? '' } }, text));
  if (auth) showBanner(text);
}

window.addEventListener('ui-auth', (e) => showBanner(e.detail.message));
window.addEventListener('ui-error', (e) => showBanner(String(e.detail?.message ?? e.detail)));

function showTokenState() {
  document.getElementById('token-state').textContent = getToken() ? 'token in use' : 'no token';
}

let router;
document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('token-input');
  setToken(input.value);
  input.value = '';
  showTokenState();
  hideBanner();
  router?.refresh();
});
document.getElementById('token-clear').addEventListener('click', () => {
  setToken('');
  showTokenState();
  router?.refresh();
});
showTokenState();

router = startRouter({
  main: document.getElementById('main'),
  routes,
  onError,
  onNavigate(nav) {
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.nav === nav);
  },
});
