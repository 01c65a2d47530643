// Processes deployed as OGC Application Packages (Part 2: deploy, replace, undeploy). Whatever is
// deployed becomes a job type of the core: a docker execution unit with its process description
// (kind 'ogcapppkg'), or a SEED image (the ordinary SEED job type, its interface from the image's
// manifest). What the client sent is kept as sent, for GET /processes/{id}/package.
import type { Db, Queryable } from '../../store/db.ts';
import { type AppPackage, dockerInterface, type ExecutionUnit, type ProcessDoc, type Resources } from '../../../seed-mapping/ogc-app-package.ts';
import { processDescription } from '../../../seed-mapping/ogc-process.ts';
import { seedToInterface, validateManifest } from '../../../seed-mapping/seed-manifest.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../../errors.ts';
import type { CoreEvents } from '../events.ts';
import { sameJson } from '../same-json.ts';
import { cancelJobs } from '../jobs/transitions.ts';
import type { SeedJobTypes } from './seed.ts';
import type { JobInterface } from './model.ts';
import { type InterfaceKind, type JobType, type JobTypeService, toJobType } from './service.ts';

/** A deployed docker unit's stored interface: the process description and the unit. */
interface StoredPackage {
  process: ProcessDoc;
  unit: Extract<ExecutionUnit, { kind: 'docker' }>;
}

/** Reads the stored interface of a job type deployed as a docker Application Package (interface kind ogcapppkg). */
export function readPackageInterface(json: StoredPackage): JobInterface {
  const r = dockerInterface(json.process, json.unit);
  if (!r.value) throw new Error(`a stored application package no longer reads: ${JSON.stringify(r.problems)}`);
  return r.value.iface;
}

export interface Deployment {
  pkg: AppPackage;
  /** The body as the client sent it, and its media type. */
  raw: string;
  mediaType: string;
}

export type PackageDeployer = ReturnType<typeof createPackageDeployer>;

/** Cancels the jobs of these job types that have not started (undeploy); returns their ids. */
export async function cancelUnstartedJobs(tx: Queryable, jobTypeIds: number[]): Promise<number[]> {
  const waiting = await tx.query<{ id: number }>(`SELECT id FROM job WHERE job_type_id = ANY($1::int[]) AND status IN ('PENDING', 'BLOCKED', 'QUEUED') ORDER BY id`, [jobTypeIds]);
  return cancelJobs(tx, waiting.rows.map((r) => r.id), 'unstarted');
}

export function createPackageDeployer(deps: {
  db: Db;
  jobTypes: JobTypeService;
  seedJobTypes: SeedJobTypes;
  events: CoreEvents;
  manifests: { read(image: string): Promise<unknown> } | null;
}) {
  const { db, jobTypes } = deps;

  /** The process ids a SEED manifest and a given description disagree on. */
  function differences(given: ProcessDoc, manifest: any): string[] {
    const seed = processDescription(
      { name: manifest.job.name, version: manifest.job.jobVersion, title: null, description: null, category: null, manifest, iface: seedToInterface(manifest) },
      manifest.job.name,
      [],
    );
    const out: string[] = [];
    if (given.id !== manifest.job.name) out.push(`id: the package says ${JSON.stringify(given.id)}, the image's manifest ${JSON.stringify(manifest.job.name)}`);
    for (const [kind, mine, theirs] of [['input', given.inputs, seed.inputs], ['output', given.outputs, seed.outputs]] as const) {
      for (const id of Object.keys(theirs)) if (!(id in mine)) out.push(`${kind} ${id} is in the image's manifest but not in the package`);
      for (const id of Object.keys(mine)) {
        if (!(id in theirs)) out.push(`${kind} ${id} is in the package but not in the image's manifest`);
        else {
          const a = (mine as Record<string, any>)[id];
          const b = (theirs as Record<string, any>)[id];
          const isFile = (s: any) => JSON.stringify(s ?? {}).includes('"binary"') || JSON.stringify(s ?? {}).includes('contentMediaType');
          if (isFile(a.schema) !== isFile(b.schema)) out.push(`${kind} ${id} is ${isFile(a.schema) ? 'a file' : 'a value'} in the package but ${isFile(b.schema) ? 'a file' : 'a value'} in the image's manifest`);
          if (kind === 'input' && (a.maxOccurs ?? 1) !== (b.maxOccurs ?? 1)) out.push(`input ${id} takes ${a.maxOccurs ?? 1} value(s) in the package but ${b.maxOccurs} in the image's manifest`);
        }
      }
    }
    return out;
  }

  /** The SEED manifest an image carries, or null when it has none (or no engine or registry can say). */
  async function seedManifestOf(image: string): Promise<any | null> {
    if (!deps.manifests) return null;
    try {
      return await deps.manifests.read(image);
    } catch {
      return null;
    }
  }

  async function activeByName(name: string, q: Queryable = db): Promise<JobType | null> {
    const res = await q.query('SELECT * FROM job_type WHERE name = $1 AND is_active ORDER BY created DESC, id DESC LIMIT 1', [name]);
    return res.rows[0] ? toJobType(res.rows[0]) : null;
  }

  /** Writes a docker-unit job type: a new row, or a new revision of `existing`. */
  async function writeDocker(process: ProcessDoc, unit: Extract<ExecutionUnit, { kind: 'docker' }>, d: Deployment, existing: JobType | null): Promise<JobType> {
    const r = dockerInterface(process, unit);
    if (!r.value) throw Invalid.many(r.problems);
    const stored: StoredPackage = { process, unit };
    return writeJobType({ process, image: unit.image, resources: r.value.resources, kind: 'ogcapppkg', stored, raw: d.raw, mediaType: d.mediaType }, existing);
  }

  /**
   * Writes a deployed job type (an OGC docker unit, a CWL tool): a new row, or a new revision of
   * `existing` when what it runs changed. `raw` null: nothing was sent to keep.
   */
  async function writeJobType(
    w: { process: ProcessDoc; image: string | null; resources: Resources; kind: InterfaceKind; stored: unknown; raw: string | null; mediaType: string | null; visibility?: 'public' | 'private' },
    existing: JobType | null,
  ): Promise<JobType> {
    const { process, resources: res, kind } = w;
    const title = typeof process.title === 'string' ? process.title : process.id;
    const description = typeof process.description === 'string' ? process.description : null;
    const category = Array.isArray(process.keywords) && typeof process.keywords[0] === 'string' ? process.keywords[0] : null;
    const stored = JSON.stringify(w.stored);
    // A replacement with another version is that version's job type (Scale keys job types by name and
    // version): the old version goes inactive, its jobs keep it; a version deployed before comes back.
    let retire: JobType | null = null;
    if (existing && existing.version !== process.version) {
      retire = existing;
      existing = await jobTypes.byNameVersion(process.id, process.version);
    }
    const write = async (tx: Queryable) => {
      if (retire) await tx.query('UPDATE job_type SET is_active = false, archived = now(), last_modified = now() WHERE id = $1', [retire.id]);
      let row;
      if (!existing) {
        row = (await tx.query(
          `INSERT INTO job_type (name, version, title, description, category, docker_image, timeout, cpus_required, mem_required, disk_out_const_required,
                                 interface_kind, interface, error_mapping, deployed_package, deployed_media_type, visibility)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '{"version":"1.0","exit_codes":{}}', $13, $14, $15) RETURNING *`,
          [process.id, process.version, title, description, category, w.image, Math.ceil(res.timeout), res.cpus, res.mem, res.disk, kind, stored, w.raw, w.mediaType, w.visibility ?? 'public'],
        )).rows[0];
        await tx.query(`INSERT INTO job_type_revision (job_type_id, revision_num, interface_kind, interface, error_mapping, docker_image) VALUES ($1, 1, $2, $3, '{"version":"1.0","exit_codes":{}}', $4)`, [row.id, kind, stored, w.image]);
      } else {
        const revise = existing.interfaceKind !== kind || !sameJson(existing.interface, w.stored) || existing.dockerImage !== w.image;
        row = (await tx.query(
          `UPDATE job_type SET title = $2, description = $3, category = $4, docker_image = $5, timeout = $6, cpus_required = $7, mem_required = $8,
                  disk_out_const_required = $9, interface_kind = $14, interface = $10, manifest = NULL, deployed_package = $11, deployed_media_type = $12,
                  is_active = true, archived = NULL, revision_num = revision_num + CASE WHEN $13 THEN 1 ELSE 0 END, last_modified = now()
            WHERE id = $1 RETURNING *`,
          [existing.id, title, description, category, w.image, Math.ceil(res.timeout), res.cpus, res.mem, res.disk, stored, w.raw, w.mediaType, revise, kind],
        )).rows[0];
        if (revise) {
          await tx.query(`INSERT INTO job_type_revision (job_type_id, revision_num, interface_kind, interface, error_mapping, docker_image) VALUES ($1, $2, $3, $4, '{"version":"1.0","exit_codes":{}}', $5)`, [row.id, row.revision_num, kind, stored, w.image]);
        }
      }
      return toJobType(row);
    };
    const jobType = await db.transaction(write);
    deps.events.emit('jobTypesChanged');
    return jobType;
  }

  /** A SEED image as a job type (the same one POST /scale/job-types/ {docker_image} makes). */
  async function writeSeed(image: string, manifest: any, process: ProcessDoc | null, d: Deployment, expectName: string | null): Promise<JobType> {
    const checked = validateManifest(manifest, 'manifest');
    if (!checked.value) throw Invalid.many(checked.errors.map((e) => ({ field: `executionUnit (the image's SEED manifest) ${e.field ?? ''}`.trim(), message: e.message })));
    if (expectName !== null && checked.value.job.name !== expectName) throw new Invalid('executionUnit', `the image's manifest names the process ${JSON.stringify(checked.value.job.name)}, not ${JSON.stringify(expectName)}`);
    if (process) {
      const diff = differences(process, checked.value);
      if (diff.length) throw Invalid.many(diff.map((message) => ({ field: 'processDescription', message })));
    }
    const { jobType } = await deps.seedJobTypes.save({ docker_image: image, manifest: checked.value }, { imageChecked: true });
    await db.query('UPDATE job_type SET deployed_package = $2, deployed_media_type = $3, is_active = true, archived = NULL WHERE id = $1', [jobType.id, d.raw, d.mediaType]);
    deps.events.emit('jobTypesChanged');
    return jobTypes.get(jobType.id);
  }

  /** What the package deploys as: a docker unit, or a SEED image; CWL is handled by the CWL deployer. */
  async function write(d: Deployment, existing: JobType | null, expectName: string | null): Promise<JobType> {
    const { pkg } = d;
    const unit = pkg.unit;
    if (unit.kind === 'cwl') throw new Invalid('executionUnit', 'CWL execution units are deployed by the CWL deployer');
    if (unit.kind === 'process') return adopt(unit.id, d, expectName);
    if (unit.kind === 'docker') return writeDocker(pkg.process!, unit, d, existing);
    const manifest = await seedManifestOf(unit.image);
    if (manifest) return writeSeed(unit.image, manifest, pkg.process, d, expectName);
    if (!pkg.process) {
      throw new Invalid('processDescription', `is required: image ${unit.image} carries no SEED manifest${deps.manifests ? '' : ' (no Docker engine or registry is available to read one)'}, so nothing else says what it takes`);
    }
    return writeDocker(pkg.process, { kind: 'docker', image: unit.image, config: {}, inputBindings: {}, outputBindings: {} }, d, existing);
  }

  /** The SEED job type an execution unit names by process id (`name` or `name:version`). */
  async function seedJobTypeOf(id: string): Promise<JobType> {
    const [name, version] = id.split(':');
    const jt = version ? await jobTypes.byNameVersion(name, version) : await activeByName(name);
    if (!jt || !jt.isActive) throw new Invalid('executionUnit', `names process ${JSON.stringify(id)}, which is not a job type of this server`);
    if (jt.interfaceKind !== 'seed' || !jt.manifest) throw new Invalid('executionUnit', `names process ${JSON.stringify(id)}, which is not a SEED job type`);
    return jt;
  }

  /**
   * A SEED job type registered through the Scale API becomes a deployed process: its package is
   * recorded (so it can be replaced, undeployed and read back); the job type itself is unchanged.
   */
  async function adopt(id: string, d: Deployment, expectName: string | null): Promise<JobType> {
    const jt = await seedJobTypeOf(id);
    if (expectName !== null && jt.name !== expectName) throw new Invalid('executionUnit', `names process ${JSON.stringify(id)}; a replacement of ${JSON.stringify(expectName)} must name that process`);
    if (d.pkg.process) {
      const diff = differences(d.pkg.process, jt.manifest);
      if (diff.length) throw Invalid.many(diff.map((message) => ({ field: 'processDescription', message })));
    }
    await db.query('UPDATE job_type SET deployed_package = $2, deployed_media_type = $3, last_modified = now() WHERE id = $1', [jt.id, d.raw, d.mediaType]);
    deps.events.emit('jobTypesChanged');
    return jobTypes.get(jt.id);
  }

  /** The process id a package deploys (for SEED images, the manifest's job name). */
  async function idOf(pkg: AppPackage): Promise<string> {
    if (pkg.unit.kind === 'process') return (await seedJobTypeOf(pkg.unit.id)).name;
    if (pkg.process) return pkg.process.id;
    if (pkg.unit.kind === 'image') {
      const m = await seedManifestOf(pkg.unit.image);
      if (m?.job?.name) return String(m.job.name);
      throw new Invalid('processDescription', `is required: image ${pkg.unit.image} carries no SEED manifest${deps.manifests ? '' : ' (no Docker engine or registry is available to read one)'}, so nothing else says what the process is`);
    }
    throw new Invalid('processDescription', 'is required: nothing else in the package says the process id');
  }

  async function deploy(d: Deployment): Promise<JobType> {
    const id = await idOf(d.pkg);
    const existing = await activeByName(id);
    // A SEED job type from the Scale API may be adopted once; anything else already deployed is a duplicate.
    const adoptable = d.pkg.unit.kind === 'process' && existing?.deployedPackage === null;
    if (existing && !adoptable) throw Object.assign(new Conflict(`process ${JSON.stringify(id)} is already deployed; replace it with PUT /processes/${id}`), { processId: id });
    // A process undeployed before comes back as a new revision of its old job type.
    const version = d.pkg.process?.version;
    const old = version ? await jobTypes.byNameVersion(id, version) : null;
    return write(d, old && !old.isSystem ? old : null, null);
  }

  async function mutable(name: string): Promise<JobType> {
    const existing = await activeByName(name);
    if (!existing) throw new NotFound('process', name);
    if (existing.isSystem) throw new Forbidden(`process ${name} is built in and cannot be changed`);
    return existing;
  }

  async function replace(name: string, d: Deployment): Promise<JobType> {
    const existing = await mutable(name);
    if (d.pkg.process && d.pkg.process.id !== name) throw new Invalid('processDescription.id', `is ${JSON.stringify(d.pkg.process.id)}; a replacement keeps the process id ${JSON.stringify(name)}`);
    return write(d, existing, name);
  }

  /** Undeploys: the process goes away, its jobs not yet running are canceled; finished ones stay readable. */
  async function undeploy(name: string): Promise<{ jobType: JobType; canceled: number[] }> {
    const existing = await mutable(name);
    const canceled = await db.transaction(async (tx) => {
      await tx.query('UPDATE job_type SET is_active = false, archived = now(), last_modified = now() WHERE name = $1 AND is_active', [name]);
      // Every version's jobs: a job of an older version still waiting is of this process too.
      const all = await tx.query<{ id: number }>('SELECT id FROM job_type WHERE name = $1', [name]);
      return cancelUnstartedJobs(tx, all.rows.map((r) => r.id));
    });
    deps.events.emit('jobTypesChanged');
    if (canceled.length) deps.events.emit('canceled', canceled);
    return { jobType: existing, canceled };
  }

  /** What was deployed as the process, as it was sent. */
  async function packageOf(name: string): Promise<{ body: string; mediaType: string }> {
    const existing = await activeByName(name);
    if (!existing) throw new NotFound('process', name);
    if (existing.deployedPackage === null) throw new NotFound('package of process', name);
    return { body: existing.deployedPackage, mediaType: existing.deployedMediaType ?? 'application/json' };
  }

  async function setVisibility(name: string, value: 'public' | 'private'): Promise<JobType> {
    const existing = await mutable(name);
    await db.query('UPDATE job_type SET visibility = $2, last_modified = now() WHERE id = $1', [existing.id, value]);
    deps.events.emit('jobTypesChanged');
    return jobTypes.get(existing.id);
  }

  return { deploy, replace, undeploy, packageOf, setVisibility, activeByName, mutable, writeJobType };
}
