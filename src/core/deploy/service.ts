// Deploying processes (OGC API - Processes Part 2, and WPS-T through the same calls): an Application
// Package (JSON) or a CWL document becomes job types and recipe types of the core; replace, undeploy,
// the deployed package as sent, and Weaver's visibility. Bodies arrive as text so the package can be
// given back exactly as sent. Refusals are domain errors; each door words them in its own format
// (a `Conflict` carries the process id it clashes with, `WorkflowNotFound` a missing `w`).
import { type AppPackage, type ExecutionUnit, readAppPackage } from '../../../seed-mapping/ogc-app-package.ts';
import { Invalid } from '../../errors.ts';
import type { AllowList } from '../../net/fetch-guard.ts';
import { fetchWithin, readWithin } from '../../net/fetch.ts';
import { checkOgc } from '../../ogc-schemas.ts';
import { type CwlDeployer, type CwlDeployment, type Deployed, depthOf, MAX_DEPTH } from '../job-types/cwl-packages.ts';
import type { JobType } from '../job-types/service.ts';
import type { PackageDeployer } from '../job-types/packages.ts';
import { type ImageChecker, vetImage } from '../job-types/images.ts';

export const PACKAGE_MEDIA_TYPES = ['application/json', 'application/ogcapppkg+json'];
export const CWL_MEDIA_TYPES = ['application/cwl', 'application/cwl+json', 'application/cwl+yaml'];
export interface DeployOptions {
  /** Largest package, and largest CWL document fetched by reference. */
  maxBytes: number;
  /** Private addresses a package's CWL href may point at (SCALE_FETCH_ALLOW). */
  fetchAllow?: AllowList;
}

export interface DeployRequest {
  /** The body exactly as sent. */
  text: string;
  /** One of PACKAGE_MEDIA_TYPES or CWL_MEDIA_TYPES. */
  mediaType: string;
  /** `w`: which process of a CWL $graph to deploy. */
  w: string | null;
}

export type DeployService = ReturnType<typeof createDeployService>;

export function createDeployService(deps: { packages: PackageDeployer; cwl: CwlDeployer; images?: ImageChecker | null; options: DeployOptions }) {
  const { packages, cwl, options } = deps;

  /** Reads and checks an Application Package; problems are Invalid naming the field. */
  function parsePackage(text: string): AppPackage {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new Invalid(null, `the package is not JSON: ${(err as Error).message}`);
    }
    if (depthOf(body) > MAX_DEPTH) throw new Invalid(null, `the package nests deeper than ${MAX_DEPTH} levels`);
    const r = readAppPackage(body);
    if (!r.value) throw Invalid.many(r.problems);
    if (r.value.process) {
      const problems = checkOgc('process.yaml', r.value.process);
      if (problems.length) {
        const details = problems.map((p) => ({ field: `processDescription${p.path === '/' ? '' : p.path.replace(/\//g, '.')}`, message: p.message }));
        throw new Invalid('processDescription', `is not a valid OGC process description: ${problems.slice(0, 5).map((p) => `${p.path} ${p.message}`).join('; ')}`, details);
      }
    }
    return r.value;
  }

  /** A CWL document fetched by reference (the package's href, or a step's relative `run`), up to the size limit. */
  async function fetchCwl(href: string, field: string): Promise<string> {
    const res = await fetchWithin(href, field, 30, options.fetchAllow);
    return (await readWithin(res, options.maxBytes, () => new Invalid(field, `${href} is larger than ${options.maxBytes} bytes`))).toString('utf8');
  }

  /** A file a CWL document names beside itself (a default), up to the size limit. */
  async function fetchBeside(href: string): Promise<Buffer> {
    const field = `cwl: the file ${href}`;
    return readWithin(await fetchWithin(href, field, 30, options.fetchAllow), options.maxBytes, () => new Invalid(field, `${href} is larger than ${options.maxBytes} bytes`));
  }

  /** What a CWL deployment reads: the body itself, or the package's execution unit (by value or by href). */
  async function cwlDeployment(r: DeployRequest, pkg: AppPackage | null): Promise<CwlDeployment> {
    const base = { w: r.w, raw: r.text, mediaType: r.mediaType, given: pkg?.process ?? null, load: (url: string) => fetchCwl(url, `run ${url}`), loadFile: (url: string) => fetchBeside(url) };
    if (!pkg) return { ...base, cwl: r.text, href: null, id: null, fallbackId: null };
    const unit = pkg.unit as Extract<ExecutionUnit, { kind: 'cwl' }>;
    const id = pkg.process?.id ?? null;
    if (!unit.href) return { ...base, cwl: typeof unit.value === 'string' ? unit.value : JSON.stringify(unit.value), href: null, id, fallbackId: null };
    const text = await fetchCwl(unit.href, 'executionUnit.href');
    const stem = decodeURIComponent(new URL(unit.href).pathname.split('/').pop() ?? '').replace(/\.(cwl|ya?ml|json)$/i, '');
    return { ...base, cwl: text, href: unit.href, id, fallbackId: /^[A-Za-z0-9][\w.-]*$/.test(stem) ? stem : null };
  }

  /** Deploys (or, with `replaceId`, replaces) what a body holds: an Application Package, or CWL. */
  async function write(r: DeployRequest, replaceId: string | null): Promise<Deployed> {
    if (![...PACKAGE_MEDIA_TYPES, ...CWL_MEDIA_TYPES].includes(r.mediaType)) throw new Invalid('Content-Type', `${r.mediaType} is not a package media type`);
    const cwlBody = CWL_MEDIA_TYPES.includes(r.mediaType);
    const pkg = cwlBody ? null : parsePackage(r.text);
    if (cwlBody || pkg!.unit.kind === 'cwl') {
      const d = await cwlDeployment(r, pkg);
      return replaceId === null ? cwl.deploy(d) : cwl.replace(replaceId, d);
    }
    const d = { pkg: pkg!, raw: r.text, mediaType: r.mediaType };
    // An image no engine or registry knows is refused here, not found out at every launch.
    const unit = pkg!.unit;
    const warning = unit.kind === 'docker' || unit.kind === 'image' ? await vetImage(deps.images, unit.image, 'executionUnit.image') : null;
    const jobType = replaceId === null ? await packages.deploy(d) : await packages.replace(replaceId, d);
    return { kind: 'tool', jobType, ...(warning ? { warnings: [warning] } : {}) };
  }

  return {
    deploy: (r: DeployRequest) => write(r, null),
    replace: (id: string, r: DeployRequest) => write(r, id),
    /** The process id a deployment made. */
    idOf: (d: Deployed): string => d.jobType.name,
    /** Undeploys a process: a workflow, or a job type (NotFound when there is none). */
    async undeploy(id: string): Promise<void> {
      await packages.undeploy(id);
    },
    /** The package a process was deployed with, exactly as sent, and its media type. */
    async packageOf(id: string): Promise<{ body: string; mediaType: string }> {
      return packages.packageOf(id);
    },
    /** A deployed process's visibility (Weaver); null when there is no such process. */
    async visibility(id: string): Promise<JobType['visibility'] | null> {
      return (await packages.activeByName(id))?.visibility ?? null;
    },
    async setVisibility(id: string, value: JobType['visibility']): Promise<JobType['visibility']> {
      return (await packages.setVisibility(id, value)).visibility;
    },
  };
}
