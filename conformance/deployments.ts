// The processes the Part 2 checks deploy, each deployed (and replaced) once per run, and their
// undeployment when the run ends, whatever the checks did: a run leaves no process behind.
import { DEPLOY_TIMEOUT_MS } from './constants.ts';
import type { Context } from './context.ts';
import { bodySnippet, describeResponse, expectException, fail, skip } from './lib/assert.ts';
import type { HttpResponse } from './lib/http.ts';
import { resolveHref } from './lib/links.ts';
import { isObj, type Obj, sleep, str } from './lib/util.ts';
import { cwl, cwlTool, cwlUnitPackage, dockerPackage, loadPackage, ogcapppkg, type Replacement, replacementOf, runSuffix, type TestPackage } from './packages.ts';
import { listProcesses } from './resources.ts';

/** What a deployment is for: the Application Package checks, the Docker checks, the CWL checks. */
export type DeploymentKind = 'ogcapppkg' | 'docker' | 'cwl';

export interface Deployment {
  kind: DeploymentKind;
  pkg: TestPackage;
  id: string;
  /** The answer to the POST. */
  res: HttpResponse;
}

interface RunState {
  suffix: string;
  /** Process ids to undeploy when the run ends. */
  cleanup: Set<string>;
  /** Deployments that succeeded, in order. */
  deployed: Deployment[];
}

const states = new WeakMap<Context, RunState>();

function state(ctx: Context): RunState {
  let s = states.get(ctx);
  if (!s) {
    const created: RunState = { suffix: runSuffix(), cleanup: new Set(), deployed: [] };
    ctx.onClose(async () => {
      for (const id of created.cleanup) await ctx.delete(processPath(id)).catch(() => undefined);
      created.cleanup.clear();
    });
    states.set(ctx, created);
    s = created;
  }
  return s;
}

/** A process id unique to this run: `conf-dru-<name>-<random>`. */
export function runId(ctx: Context, name: string): string {
  return `conf-dru-${name}-${state(ctx).suffix}`;
}

export function processPath(id: string): string {
  return `/processes/${encodeURIComponent(id)}`;
}

/** Undeploys `id` when the run ends (unless `untrack`ed first). */
export function track(ctx: Context, id: string): void {
  state(ctx).cleanup.add(id);
}

export function untrack(ctx: Context, id: string): void {
  state(ctx).cleanup.delete(id);
}

/** The processes this run deployed that have not been undeployed yet. */
export function deployedByRun(ctx: Context): Deployment[] {
  const s = state(ctx);
  return s.deployed.filter((d) => s.cleanup.has(d.id));
}

/** Fails with a hint when the server wants credentials the run did not give. */
export function expectChange(res: HttpResponse, codes: number[]): void {
  if (codes.includes(res.status)) return;
  const hint = res.status === 401 || res.status === 403 ? '; the server may want a bearer token to change processes (--token)' : '';
  fail(`${describeResponse(res)}, expected ${codes.join(' or ')}${hint}${bodySnippet(res)}`);
}

/** Checks a Part 2 exception whose `type` must end with one of `names` (drafts disagree on the rest); returns a note. */
export function expectPart2Exception(res: HttpResponse, status: number, ...names: string[]): string {
  expectChange(res, [status]);
  const body = expectException(res, { status });
  const type = str(body.type) ?? '';
  if (!names.some((n) => type.endsWith(`/${n}`) || type === n)) fail(`${describeResponse(res)}: exception type is ${JSON.stringify(body.type)}, expected one ending in ${names.join(' or ')}`);
  return `${res.status} ${type}`;
}

/** The --package package, or undefined without one. */
function userPackage(ctx: Context): Promise<TestPackage | undefined> {
  return ctx.memo('dru-user-package', async () => (ctx.packageUrl ? loadPackage(ctx.packageUrl) : undefined));
}

/** The package a kind of deployment sends: the --package one for its kind, else the built-in sample. */
export function testPackage(ctx: Context, kind: DeploymentKind): Promise<TestPackage> {
  return ctx.memo(`dru-package-${kind}`, async () => {
    const given = await userPackage(ctx);
    if (kind === 'docker') return ogcapppkg(dockerPackage(runId(ctx, 'docker')));
    if (kind === 'cwl') return given?.kind === 'cwl' ? given : cwl(cwlTool(runId(ctx, 'cwl')));
    if (given?.kind === 'ogcapppkg') return given;
    // An Application Package needs an execution unit the server runs: Docker unless it only declares CWL.
    const id = runId(ctx, 'pkg');
    return ogcapppkg(!ctx.declares('docker') && ctx.declares('cwl') ? cwlUnitPackage(id) : dockerPackage(id));
  });
}

export function sendPackage(ctx: Context, method: 'POST' | 'PUT', path: string, text: string, mediaType: string): Promise<HttpResponse> {
  return ctx.request(method, path, { body: text, headers: { 'content-type': mediaType } });
}

/** The process id a deploy response names: its body's `id`, else the last segment of `Location`. */
export function idFromResponse(res: HttpResponse): string | undefined {
  try {
    const body: unknown = JSON.parse(res.text);
    if (isObj(body) && typeof body.id === 'string') return body.id;
  } catch {
    // no JSON body
  }
  const location = res.headers.location;
  if (typeof location !== 'string') return undefined;
  const last = new URL(location, res.url).pathname.split('/').filter(Boolean).pop();
  return last ? decodeURIComponent(last) : undefined;
}

/** Polls GET /processes/{id} until it answers `status` (a deploy or replace answered 202: queued). */
export async function waitForProcess(ctx: Context, id: string, until: (res: HttpResponse) => boolean, what: string): Promise<HttpResponse> {
  const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
  for (;;) {
    const res = await ctx.get(processPath(id));
    if (until(res)) return res;
    if (Date.now() > deadline) fail(`${describeResponse(res)}: ${what} within ${DEPLOY_TIMEOUT_MS / 1000} s${bodySnippet(res)}`);
    await sleep(500);
  }
}

/** The test package of `kind` deployed (POST /processes, 201 or 202), once per run. */
export function deploy(ctx: Context, kind: DeploymentKind): Promise<Deployment> {
  return ctx.memo(`dru-deploy-${kind}`, async () => {
    const pkg = await testPackage(ctx, kind);
    if (pkg.id) track(ctx, pkg.id);
    const res = await sendPackage(ctx, 'POST', '/processes', pkg.text, pkg.mediaType);
    const id = pkg.id ?? idFromResponse(res);
    if (id) track(ctx, id);
    expectChange(res, [201, 202]);
    if (!id) fail(`${describeResponse(res)}: neither the package (${pkg.source}) nor the response says the process id`);
    if (res.status === 202) await waitForProcess(ctx, id, (r) => r.status === 200, 'the process deployed with 202 did not appear');
    const d: Deployment = { kind, pkg, id, res };
    state(ctx).deployed.push(d);
    return d;
  });
}

/** The same package deployed a second time (expected: 409 duplicated-process). */
export function deployAgain(ctx: Context, kind: DeploymentKind): Promise<HttpResponse> {
  return ctx.memo(`dru-deploy-again-${kind}`, async () => {
    const d = await deploy(ctx, kind);
    return sendPackage(ctx, 'POST', '/processes', d.pkg.text, d.pkg.mediaType);
  });
}

export interface Replaced {
  d: Deployment;
  replacement: Replacement;
  res: HttpResponse;
}

/** PUT /processes/{id} with the deployed package retitled, once per run. */
export function replace(ctx: Context, kind: DeploymentKind): Promise<Replaced> {
  return ctx.memo(`dru-replace-${kind}`, async () => {
    const d = await deploy(ctx, kind);
    const replacement = replacementOf(d.pkg);
    const res = await sendPackage(ctx, 'PUT', processPath(d.id), replacement.text, d.pkg.mediaType);
    return { d, replacement, res };
  });
}

/** Whether the description of a replaced process shows its new title (waiting when the replace was queued). */
export async function replacedTitle(ctx: Context, r: Replaced): Promise<{ ok: boolean; title: unknown }> {
  const want = r.replacement.title;
  const titleOf = (res: HttpResponse): unknown => {
    try {
      const body: unknown = JSON.parse(res.text);
      return isObj(body) ? body.title : undefined;
    } catch {
      return undefined;
    }
  };
  const res = r.res.status === 202 ? await waitForProcess(ctx, r.d.id, (x) => x.status === 200 && titleOf(x) === want, `the title did not become ${JSON.stringify(want)}`).catch(() => ctx.get(processPath(r.d.id))) : await ctx.get(processPath(r.d.id));
  if (res.status !== 200) fail(`${describeResponse(res)} after the replace, expected 200${bodySnippet(res)}`);
  const title = titleOf(res);
  return { ok: title === want, title };
}

/** The URL a deploy response names in `Location`, resolved against the request URL. */
export function locationOf(res: HttpResponse): string | undefined {
  const location = res.headers.location;
  return typeof location === 'string' && location ? resolveHref(location, res.url) : undefined;
}

/** A process this run may change: one it deployed (by the first class it can deploy), else one listed as mutable. */
export function mutableProcess(ctx: Context): Promise<string> {
  return ctx.memo('dru-mutable-process', async () => {
    const kind = (['ogcapppkg', 'docker', 'cwl'] as const).find((k) => ctx.declares(k));
    if (kind) return (await deploy(ctx, kind)).id;
    const listed = (await listProcesses(ctx)).find((p: Obj) => p.mutable === true && typeof p.id === 'string');
    if (!listed) skip('no package class (ogcapppkg, docker, cwl) is declared to deploy a process with, and no listed process is mutable');
    return listed.id as string;
  });
}
