// Part 2: Deploy, Replace, Undeploy (OGC 20-044, draft 1.0; REFERENCE.md §2.4). The test packages
// (packages.ts) are deployed once per run and undeployed by B.24, or when the run ends.
import { isDeepStrictEqual } from 'node:util';
import { EXCEPTION, EXCEPTION_2, OGCAPPPKG_JSON, REL } from '../constants.ts';
import type { Context } from '../context.ts';
import {
  deploy,
  deployAgain,
  deployedByRun,
  type DeploymentKind,
  expectChange,
  expectPart2Exception,
  idFromResponse,
  locationOf,
  mutableProcess,
  processPath,
  replace,
  replacedTitle,
  runId,
  sendPackage,
  track,
  untrack,
} from '../deployments.ts';
import { describeResponse, expect, expectException, expectObject, expectStatus, expectValid, fail, skip } from '../lib/assert.ts';
import { mediaType } from '../lib/http.ts';
import { resolveHref, withRel } from '../lib/links.ts';
import { clip } from '../lib/util.ts';
import { cwl, cwlGraph, dockerPackage, parsePackage } from '../packages.ts';
import { landing, listProcesses } from '../resources.ts';
import type { Check } from '../types.ts';

const NOT_EXISTING = 'not-existing-process';

/** POST /processes with a package as text/plain (deploy-post-op, deploy-content-type), once per run. */
function deployTextPlain(ctx: Context) {
  return ctx.memo('dru-deploy-text-plain', async () => {
    const id = runId(ctx, 'text');
    const res = await sendPackage(ctx, 'POST', '/processes', JSON.stringify(dockerPackage(id)), 'text/plain');
    if (res.status < 300) track(ctx, id);
    return res;
  });
}

/** PUT text/plain on a process this run may change (replace-content-type), once per run. */
function replaceTextPlain(ctx: Context) {
  return ctx.memo('dru-replace-text-plain', async () => {
    const id = await mutableProcess(ctx);
    return sendPackage(ctx, 'PUT', processPath(id), JSON.stringify(dockerPackage(id)), 'text/plain');
  });
}

/** 201 or 202 (deploy-response). */
async function deployResponse(ctx: Context, kind: DeploymentKind): Promise<string> {
  const d = await deploy(ctx, kind);
  expectStatus(d.res, [201, 202]);
  return `${d.pkg.source} package deployed as ${d.id}: ${d.res.status}`;
}

/** After a 201: `Location` is the process (GET → its description). */
async function deployLocation(ctx: Context, kind: DeploymentKind): Promise<string> {
  const d = await deploy(ctx, kind);
  if (d.res.status === 202) skip(`${describeResponse(d.res)}: queued, so no Location is required`);
  const location = locationOf(d.res);
  expect(location, `${describeResponse(d.res)}: no Location header`);
  expect(new URL(location).pathname.endsWith(processPath(d.id)), `${describeResponse(d.res)}: Location ${location} is not the process URL …/processes/${d.id}`);
  const res = await ctx.get(location);
  expectStatus(res, 200);
  const body = expectObject(res);
  expect(body.id === d.id, `${describeResponse(res)}: id is ${JSON.stringify(body.id)}, expected ${d.id}`);
  expectValid(ctx.declares('ogc-process-description') ? 'process.yaml' : 'processSummary.yaml', body, `the description of the deployed process at ${location}`);
  return `Location ${location}`;
}

/** After a 201: the body is the process summary. */
async function deployBody(ctx: Context, kind: DeploymentKind): Promise<string> {
  const d = await deploy(ctx, kind);
  if (d.res.status === 202) skip(`${describeResponse(d.res)}: queued, so no process summary is required`);
  const body = expectObject(d.res);
  expectValid('processSummary.yaml', body, `the body of ${describeResponse(d.res)}`);
  expect(body.id === d.id, `${describeResponse(d.res)}: the summary's id is ${JSON.stringify(body.id)}, expected ${d.id}`);
  return `process summary of ${d.id}`;
}

/** The same package again: 409 duplicated-process. */
async function duplicate(ctx: Context, kind: DeploymentKind): Promise<string> {
  return expectPart2Exception(await deployAgain(ctx, kind), 409, 'duplicated-process');
}

/** deploy-body: deployed (201/202), then refused as a duplicate. */
async function deployAndRepeat(ctx: Context, kind: DeploymentKind): Promise<string> {
  const d = await deploy(ctx, kind);
  const again = await deployAgain(ctx, kind);
  expect(again.status === 409, `${describeResponse(again)} for the same package a second time, expected 409`);
  return `${d.pkg.source} ${d.pkg.mediaType} package deployed as ${d.id} (${d.res.status}); again: 409`;
}

/** replace-body: PUT of the retitled package answers 200, 202 or 204. */
async function replaceAccepted(ctx: Context, kind: DeploymentKind): Promise<string> {
  const r = await replace(ctx, kind);
  expectChange(r.res, [200, 202, 204]);
  return `PUT ${r.d.pkg.mediaType} → ${r.res.status}`;
}

/** replace-response: 200 (a body), 202 or 204, and the description shows the new title. */
async function replaceResponse(ctx: Context, kind: DeploymentKind, titleRequired: boolean): Promise<string> {
  const r = await replace(ctx, kind);
  expectChange(r.res, [200, 202, 204]);
  if (r.res.status === 204) expect(r.res.body.length === 0, `${describeResponse(r.res)} has a body (${clip(r.res.text)})`);
  const notes = [`${r.res.status}`];
  if (r.res.status === 200 && r.res.text) {
    const body = expectObject(r.res);
    expectValid('processSummary.yaml', body, `the body of ${describeResponse(r.res)}`);
    notes.push('a process summary');
  }
  if (r.replacement.title === undefined) return [...notes, `${r.d.pkg.source} package has no title to change: the description was not compared`].join(', ');
  const shown = await replacedTitle(ctx, r);
  if (!shown.ok) {
    const message = `after the replace the title of ${r.d.id} is ${JSON.stringify(shown.title)}, expected ${JSON.stringify(r.replacement.title)}`;
    if (titleRequired) fail(message);
    notes.push(message);
  } else notes.push(`the description shows the new title`);
  return notes.join(', ');
}

export const druChecks: Check[] = [
  {
    id: 'B.1',
    title: '/conf/dru/static-indicator',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      const target = await mutableProcess(ctx);
      const { links, res: lres } = await landing(ctx);
      const urls = [...new Set([ctx.url('/processes'), ...withRel(links, REL.processes).map((l) => resolveHref(l.href, lres.url))])];
      const notes: string[] = [];
      for (const url of urls) {
        const list = await listProcesses(ctx, url);
        const without = list.filter((p) => typeof p.mutable !== 'boolean').map((p) => String(p.id));
        expect(without.length === 0, `${url}: ${without.length} process summaries have no boolean mutable (${without.slice(0, 5).join(', ')})`);
        const mine = list.find((p) => p.id === target);
        expect(mine, `${url} does not list the process ${target}`);
        expect(mine.mutable === true, `${url}: process ${target} has mutable: ${String(mine.mutable)}, expected true`);
        const mutable = list.filter((p) => p.mutable === true).length;
        notes.push(`${url}: ${mutable} mutable, ${list.length - mutable} immutable`);
      }
      return notes.join('; ');
    },
  },
  {
    id: 'B.2',
    title: '/conf/dru/deploy-post-op',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      const res = await deployTextPlain(ctx);
      expect(res.status !== 405, `${describeResponse(res)}: POST /processes is not allowed`);
      return `POST /processes → ${res.status}`;
    },
  },
  {
    id: 'B.3',
    title: '/conf/dru/deploy-content-type',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      expectChange(await deployTextPlain(ctx), [415]);
    },
  },
  {
    id: 'B.4',
    title: '/conf/dru/deploy-unsupported-content-type',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      const res = await deployTextPlain(ctx);
      expectChange(res, [415]);
      expectException(res, { status: 415, type: EXCEPTION_2.unsupportedMediaType });
    },
  },
  {
    id: 'B.5',
    title: '/conf/dru/replace-put-op',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      const res = await sendPackage(ctx, 'PUT', processPath(NOT_EXISTING), JSON.stringify(dockerPackage(NOT_EXISTING)), OGCAPPPKG_JSON);
      if (res.status < 300) track(ctx, NOT_EXISTING);
      expect(res.status !== 405, `${describeResponse(res)}: PUT /processes/{processID} is not allowed`);
      return `PUT /processes/${NOT_EXISTING} → ${res.status}`;
    },
  },
  {
    id: 'B.6',
    title: '/conf/dru/replace-content-type',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      expectChange(await replaceTextPlain(ctx), [415]);
    },
  },
  {
    id: 'B.7',
    title: '/conf/dru/replace-unsupported-content-type',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      // The ATS says unsupported-content-type, the requirement and the deploy test unsupported-media-type.
      return expectPart2Exception(await replaceTextPlain(ctx), 415, 'unsupported-media-type', 'unsupported-content-type');
    },
  },
  {
    id: 'B.8',
    title: '/conf/dru/undeploy-delete-op',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      const res = await ctx.delete(processPath(NOT_EXISTING));
      expect(res.status !== 405, `${describeResponse(res)}: DELETE /processes/{processID} is not allowed`);
      if (res.status === 404) expectException(res, { status: 404, type: EXCEPTION.noSuchProcess });
      return `DELETE /processes/${NOT_EXISTING} → ${res.status}`;
    },
  },
  { id: 'B.9', title: '/conf/ogcapppkg/deploy-body', cls: 'ogcapppkg', run: (ctx) => deployAndRepeat(ctx, 'ogcapppkg') },
  {
    id: 'B.10',
    title: '/conf/ogcapppkg/deploy-response',
    cls: 'ogcapppkg',
    async run(ctx) {
      const note = await deployResponse(ctx, 'ogcapppkg');
      if ((await deploy(ctx, 'ogcapppkg')).res.status === 201) {
        await deployLocation(ctx, 'ogcapppkg');
        await deployBody(ctx, 'ogcapppkg');
      }
      return note;
    },
  },
  {
    id: 'B.11',
    title: '/conf/ogcapppkg/deploy-response-success',
    cls: 'ogcapppkg',
    async run(ctx) {
      return `${await deployLocation(ctx, 'ogcapppkg')}; ${await deployBody(ctx, 'ogcapppkg')}`;
    },
  },
  { id: 'B.12', title: '/conf/ogcapppkg/deploy-response-duplicate', cls: 'ogcapppkg', run: (ctx) => duplicate(ctx, 'ogcapppkg') },
  {
    id: 'B.13',
    title: 'ogcapppkg/package (GET /processes/{processID}/package)',
    cls: 'ogcapppkg',
    async run(ctx) {
      const d = await deploy(ctx, 'ogcapppkg');
      const res = await ctx.get(`${processPath(d.id)}/package`, { accept: `${d.pkg.mediaType}, application/json;q=0.9, */*;q=0.1` });
      expectStatus(res, 200);
      let given: unknown;
      try {
        given = parsePackage({ ...d.pkg, text: res.text });
      } catch {
        fail(`${describeResponse(res)}: the package does not parse (${mediaType(res) || 'no Content-Type'})`);
      }
      expect(isDeepStrictEqual(given, parsePackage(d.pkg)), `${describeResponse(res)}: not the package deployed (${clip(res.text)})`);
      return `the package deployed, as ${mediaType(res) || 'no Content-Type'}`;
    },
  },
  { id: 'B.14', title: '/conf/ogcapppkg/replace-body', cls: 'ogcapppkg', run: (ctx) => replaceAccepted(ctx, 'ogcapppkg') },
  { id: 'B.15', title: '/conf/ogcapppkg/replace-response', cls: 'ogcapppkg', run: (ctx) => replaceResponse(ctx, 'ogcapppkg', true) },
  {
    id: 'B.16',
    title: '/conf/docker/deploy-body',
    cls: 'docker',
    async run(ctx) {
      const note = await deployAndRepeat(ctx, 'docker');
      if ((await deploy(ctx, 'docker')).res.status === 201) {
        await deployLocation(ctx, 'docker');
        await deployBody(ctx, 'docker');
      }
      await duplicate(ctx, 'docker');
      return note;
    },
  },
  { id: 'B.17', title: '/conf/docker/replace-body', cls: 'docker', run: (ctx) => replaceResponse(ctx, 'docker', true) },
  {
    id: 'B.18',
    title: '/conf/cwl/deploy-body',
    cls: 'cwl',
    async run(ctx) {
      const note = await deployAndRepeat(ctx, 'cwl');
      await duplicate(ctx, 'cwl');
      return note;
    },
  },
  {
    id: 'B.19',
    title: '/conf/cwl/deploy-response',
    cls: 'cwl',
    async run(ctx) {
      const note = await deployResponse(ctx, 'cwl');
      return (await deploy(ctx, 'cwl')).res.status === 201 ? `${note}; ${await deployLocation(ctx, 'cwl')}` : note;
    },
  },
  { id: 'B.20', title: '/conf/cwl/deploy-response-body', cls: 'cwl', run: (ctx) => deployBody(ctx, 'cwl') },
  { id: 'B.21', title: '/conf/cwl/replace-body', cls: 'cwl', run: (ctx) => replaceAccepted(ctx, 'cwl') },
  // The ATS asks only for the status; a CWL label need not become the title, so that is a note.
  { id: 'B.22', title: '/conf/cwl/replace-response', cls: 'cwl', run: (ctx) => replaceResponse(ctx, 'cwl', false) },
  {
    id: 'B.23',
    title: '/req/cwl/deploy-w-param',
    cls: 'cwl',
    async run(ctx) {
      const prefix = runId(ctx, 'graph');
      const missing = `${prefix}-missing`;
      const pkg = cwl(cwlGraph(prefix));
      const res = await sendPackage(ctx, 'POST', `/processes?w=${encodeURIComponent(missing)}`, pkg.text, pkg.mediaType);
      if (res.status < 300) {
        const id = idFromResponse(res);
        if (id) track(ctx, id);
        fail(`${describeResponse(res)}: a $graph deployed with w=${missing}, which names no workflow in it; expected 400 workflow-not-found`);
      }
      return expectPart2Exception(res, 400, 'workflow-not-found');
    },
  },
  {
    id: 'B.24',
    title: '/conf/dru/undeploy-response',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      const list = deployedByRun(ctx);
      if (list.length === 0) skip('this run deployed no process to undeploy (it does not undeploy processes it did not deploy)');
      for (const d of list) {
        const res = await ctx.delete(processPath(d.id));
        expectChange(res, [204]);
        expect(res.body.length === 0, `${describeResponse(res)} has a body (${clip(res.text)})`);
        untrack(ctx, d.id);
        const after = await ctx.get(processPath(d.id));
        expect(after.status === 404, `${describeResponse(after)} after the undeploy, expected 404`);
      }
      return `undeployed ${list.map((d) => d.id).join(', ')}`;
    },
  },
  {
    id: 'B.25',
    title: '/conf/dru/undeploy-response-immutable',
    cls: 'deploy-replace-undeploy',
    async run(ctx) {
      const immutable = (await listProcesses(ctx)).filter((p) => p.mutable === false && typeof p.id === 'string').map((p) => p.id as string);
      if (immutable.length === 0) skip('no listed process has mutable: false');
      // The echo process last: should the server remove it after all, the Part 1 checks have run.
      const id = immutable.find((i) => i !== ctx.echoId) ?? immutable[0];
      const note = expectPart2Exception(await ctx.delete(processPath(id)), 403, 'immutable-process');
      const still = await ctx.get(processPath(id));
      expect(still.status === 200, `${describeResponse(still)} after the refused undeploy, expected 200`);
      return `DELETE /processes/${id} → ${note}`;
    },
  },
];
