// Core: landing page, API definition, conformance declaration, HTTP (A.1-A.7).
import { CLASSES, OAS30_JSON, REL } from '../constants.ts';
import { describeResponse, expect, expectStatus, expectValid, fail } from '../lib/assert.ts';
import { mediaType } from '../lib/http.ts';
import { resolveHref, withRel } from '../lib/links.ts';
import { parseDocument } from '../lib/openapi.ts';
import { isObj } from '../lib/util.ts';
import { conformance, conformsTo, landing } from '../resources.ts';
import type { Check } from '../types.ts';
import type { Context } from '../context.ts';

async function apiDefinitionLinks(ctx: Context) {
  const { links, res } = await landing(ctx);
  const defs = withRel(links, 'service-desc', 'service-doc');
  expect(defs.length > 0, 'the landing page links no API definition (rel service-desc / service-doc)');
  return defs.map((l) => ({ ...l, url: resolveHref(l.href, res.url), isDesc: l.rel?.split(/\s+/).includes('service-desc') ?? false }));
}

export const coreLandingChecks: Check[] = [
  {
    id: 'A.1',
    title: '/conf/core/landingpage-op',
    cls: 'core',
    async run(ctx) {
      expectStatus(await ctx.get('/'), 200);
    },
  },
  {
    id: 'A.2',
    title: '/conf/core/landingpage-success',
    cls: 'core',
    async run(ctx) {
      const { body, links } = await landing(ctx);
      expectValid('landingPage.yaml', body, 'the landing page');
      const missing: string[] = [];
      if (withRel(links, 'service-desc', 'service-doc').length === 0) missing.push('service-desc or service-doc');
      for (const rel of [REL.conformance, REL.processes]) if (withRel(links, rel).length === 0) missing.push(rel);
      if (missing.length) fail(`landing page links lack rel ${missing.join(', ')}`);
    },
  },
  {
    id: 'A.3',
    title: '/conf/core/api-definition-op',
    cls: 'core',
    async run(ctx) {
      for (const l of await apiDefinitionLinks(ctx)) {
        expectStatus(await ctx.get(l.url, { accept: l.type ?? (l.isDesc ? OAS30_JSON : 'text/html') }), 200);
      }
    },
  },
  {
    id: 'A.4',
    title: '/conf/core/api-definition-success',
    cls: 'core',
    async run(ctx) {
      for (const l of await apiDefinitionLinks(ctx)) {
        const res = await ctx.get(l.url, { accept: l.type ?? (l.isDesc ? OAS30_JSON : 'text/html') });
        expectStatus(res, 200);
        if (!l.isDesc) {
          expect(mediaType(res) === 'text/html', `${describeResponse(res)}: service-doc is ${mediaType(res) || 'untyped'}, expected text/html`);
          continue;
        }
        let doc: unknown;
        try {
          doc = parseDocument(res.text);
        } catch (e) {
          fail(`${describeResponse(res)}: the service-desc is neither JSON nor YAML (${e instanceof Error ? e.message : String(e)})`);
        }
        expect(isObj(doc), `${describeResponse(res)}: the service-desc is not an object`);
        const version = typeof doc.openapi === 'string' ? doc.openapi : typeof doc.swagger === 'string' ? doc.swagger : undefined;
        expect(version, `${describeResponse(res)}: the service-desc has no openapi/swagger version`);
        expect(isObj(doc.info) && isObj(doc.paths), `${describeResponse(res)}: the service-desc lacks info or paths`);
      }
    },
  },
  {
    id: 'A.5',
    title: '/conf/core/conformance-op',
    cls: 'core',
    async run(ctx) {
      const { links, res } = await landing(ctx);
      const urls = new Set([ctx.url('/conformance'), ...withRel(links, REL.conformance).map((l) => resolveHref(l.href, res.url))]);
      for (const url of urls) expectStatus(await ctx.get(url), 200);
    },
  },
  {
    id: 'A.6',
    title: '/conf/core/conformance-success',
    cls: 'core',
    async run(ctx) {
      const { body } = await conformance(ctx);
      expectValid('confClasses.yaml', body, 'the conformance declaration');
      const classes = await conformsTo(ctx);
      expect(classes.includes(CLASSES.core), `conformsTo lacks ${CLASSES.core}`);
      const known = Object.entries(CLASSES).filter(([, uri]) => classes.includes(uri)).map(([k]) => k);
      return `declares ${known.join(', ')}`;
    },
  },
  {
    id: 'A.7',
    title: '/conf/core/http',
    cls: 'core',
    async run(ctx) {
      const res = await ctx.get('/');
      expect(res.httpVersion === '1.1', `${describeResponse(res)}: status line is HTTP/${res.httpVersion}, expected HTTP/1.1`);
      if (ctx.base.startsWith('https:')) return 'HTTP/1.1 over TLS';
    },
  },
];
