// Core: process list and process descriptions (A.8-A.15).
import { EXCEPTION } from '../constants.ts';
import { describeResponse, expect, expectException, expectObject, expectStatus, expectValid, fail } from '../lib/assert.ts';
import { jsonLinks, resolveHref, withRel } from '../lib/links.ts';
import { isObj, uniqueId } from '../lib/util.ts';
import { descriptions, processSummaries } from '../resources.ts';
import type { Check } from '../types.ts';
import { checkQueryParameter, integerMin1 } from './param-definition.ts';

function ids(list: unknown): string[] {
  return Array.isArray(list) ? list.filter(isObj).map((p) => String(p.id)) : [];
}

export const coreProcessChecks: Check[] = [
  {
    id: 'A.8',
    title: '/conf/core/process-list',
    cls: 'core',
    async run(ctx) {
      expectStatus(await ctx.get('/processes'), 200);
    },
  },
  {
    id: 'A.9',
    title: '/conf/core/pl-limit-definition',
    cls: 'core',
    run: (ctx) => checkQueryParameter(ctx, '/processes', 'limit', '10', integerMin1),
  },
  {
    id: 'A.10',
    title: '/conf/core/process-list-success',
    cls: 'core',
    async run(ctx) {
      const res = await ctx.get('/processes');
      expectStatus(res, 200);
      expectValid('processList.yaml', expectObject(res), 'the process list');
    },
  },
  {
    id: 'A.11',
    title: '/conf/core/pl-links',
    cls: 'core',
    async run(ctx) {
      const res = await ctx.get('/processes');
      expectStatus(res, 200);
      const links = jsonLinks(expectObject(res));
      expect(withRel(links, 'self').length > 0, 'the process list has no self link');
      if (ctx.declares('html')) {
        expect(withRel(links, 'alternate').some((l) => l.type === 'text/html'), 'HTML is declared but the process list has no alternate link of type text/html');
      }
    },
  },
  {
    id: 'A.12',
    title: '/conf/core/pl-limit-response',
    cls: 'core',
    async run(ctx) {
      const all = await processSummaries(ctx);
      const notes: string[] = [];
      for (const limit of [...new Set([1, Math.max(1, all.length - 1)])]) {
        const res = await ctx.get(`/processes?limit=${limit}`);
        expectStatus(res, 200);
        const body = expectObject(res);
        const got = ids(body.processes);
        expect(got.length <= limit, `${describeResponse(res)}: ${got.length} processes for limit=${limit}`);
        const next = withRel(jsonLinks(body), 'next')[0];
        if (next) {
          const nres = await ctx.get(resolveHref(next.href, res.url));
          expectStatus(nres, 200);
          const nbody = expectObject(nres);
          expectValid('processList.yaml', nbody, `the next page ${nres.url}`);
          const more = ids(nbody.processes);
          expect(more.length <= limit, `${describeResponse(nres)}: next page has ${more.length} processes for limit=${limit}`);
          const repeated = more.filter((id) => got.includes(id));
          expect(repeated.length === 0, `${describeResponse(nres)}: next page repeats ${repeated.join(', ')}`);
          notes.push(`next link followed for limit=${limit}`);
        } else if (all.length > limit) notes.push(`no next link for limit=${limit} though ${all.length} processes exist (SHOULD)`);
      }
      return notes.join('; ') || undefined;
    },
  },
  {
    id: 'A.13',
    title: '/conf/core/process',
    cls: 'core',
    async run(ctx) {
      const list = await descriptions(ctx);
      expect(list.length > 0, 'the process list is empty');
      for (const d of list) expectStatus(d.res, 200);
      return `${list.length} process description(s)`;
    },
  },
  {
    id: 'A.14',
    title: '/conf/core/process-success',
    cls: 'core',
    async run(ctx) {
      const list = await descriptions(ctx);
      expect(list.length > 0, 'the process list is empty');
      for (const d of list) {
        expectStatus(d.res, 200);
        const body = expectObject(d.res);
        expect(body.id === d.id, `${describeResponse(d.res)}: id is ${JSON.stringify(body.id)}`);
        if (ctx.declares('ogc-process-description')) expectValid('process.yaml', body, `process description ${d.id}`);
        else expectValid('processSummary.yaml', body, `process description ${d.id}`);
      }
    },
  },
  {
    id: 'A.15',
    title: '/conf/core/process-exception-no-such-process',
    cls: 'core',
    async run(ctx) {
      const res = await ctx.get(`/processes/${uniqueId('no-such-process')}`);
      if (res.status !== 404) fail(`${describeResponse(res)}, expected 404`);
      expectException(res, { status: 404, type: EXCEPTION.noSuchProcess });
    },
  },
];
