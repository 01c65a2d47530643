// What a page in Chromium does wrong, for the browser tests: console errors, uncaught errors and
// CSP violations (collected in window.__csp by a script that runs before the page's own, outside its CSP).
import type { Page } from 'puppeteer-core';

/** Console errors and uncaught errors of `p` go to `sink`; CSP violations to the page's window.__csp. */
export async function watchPage(p: Page, sink: string[]): Promise<void> {
  p.on('console', (m) => {
    if (m.type() === 'error') sink.push(`console error: ${m.text()} (${m.location()?.url ?? ''})`);
  });
  p.on('pageerror', (e) => sink.push(`page error: ${(e as Error).message ?? e}`));
  await p.evaluateOnNewDocument(`
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  `);
}
