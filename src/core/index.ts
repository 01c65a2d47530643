// The core's services, wired together. Front doors and the scheduler receive this object.
import type { Db } from '../store/db.ts';
import { createErrorService } from './errors/service.ts';
import { CoreEvents } from './events.ts';
import { createFileService } from './files/service.ts';
import { createLineage } from './files/lineage.ts';
import { createPurger } from './files/purge.ts';
import { createProgressRecorder } from './jobs/progress.ts';
import { createFinisher } from './jobs/finish.ts';
import { createJobQueries } from './jobs/queries.ts';
import { createIdempotency } from './idempotency.ts';
import { createJobService } from './jobs/service.ts';
import { createJobTypeService, type InterfaceReaders } from './job-types/service.ts';
import { createSeedJobTypes } from './job-types/seed.ts';
import { createIngester } from './ingest/ingester.ts';
import { createIngestJobs } from './ingest/ingest-jobs.ts';
import { createTriggerService, type TriggerService } from './triggers/service.ts';
import { createIngestQueries } from './ingest/ingests.ts';
import { createScanService } from './ingest/scans.ts';
import { createStrikeService } from './ingest/strikes.ts';
import { createCwlDeployer } from './job-types/cwl-packages.ts';
import { createPackageDeployer } from './job-types/packages.ts';
import { createJobTypeStats } from './job-types/stats.ts';
import { createJobTypeVersions } from './job-types/versions.ts';
import { createSecretBox } from './secrets.ts';
import { createNodeService } from './nodes/service.ts';
import { createQueueService } from './queue/service.ts';
import { createWorkspaceService } from './workspaces/service.ts';
import { createRecipeTypeService } from './recipe-types/service.ts';
import { createRecipeEngine } from './recipes/engine.ts';
import { createRecipeService } from './recipes/service.ts';
import { createBatchService } from './batches/service.ts';
import { createConfigurationService } from './configuration/service.ts';
import { createMetricsService } from './metrics/service.ts';
import { createTimeline } from './metrics/timeline.ts';
import { createDiagnostics } from './diagnostics.ts';
import type { Logger } from '../log.ts';
import type { S3Defaults } from '../storage/s3-config.ts';
import type { CwlTool } from '../cwl/cwltool.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../store/db.ts';
import { echoManifest } from './job-types/builtin/echo.ts';
import { createDeployService, type DeployOptions } from './deploy/service.ts';
import type { ImageChecker } from './job-types/images.ts';
import { createRunService, type RunOptions } from './runs/service.ts';

export interface CoreOptions {
  /** Readers of stored job type interfaces by kind (SEED, deployed packages, CWL tools); Scale 1.0 the core reads itself. */
  interfaceReaders: InterfaceReaders;
  workspaceRoots?: string[];
  /** Where files of S3 workspaces are downloaded for executors to read. */
  s3CacheDir?: string;
  /** What S3 workspaces' configurations do not say: endpoint, region, request time-out. */
  s3?: S3Defaults;
  /** Key for secret setting values (32 bytes). */
  secretKey: Buffer;
  /** Name of the workspace outputs go to when nothing else is said. */
  defaultWorkspaceName?: () => string | null;
  /** Where SEED manifests are read from images (Docker engine, registry). */
  manifests?: { read(image: string): Promise<unknown> } | null;
  /** Whether a job type's image can be had (the Docker engine containers run on, the registry); null: not checked. */
  images?: ImageChecker | null;
  /** A node silent this long is not counted as capacity. */
  nodeLostSeconds?: number;
  log?: Logger;
  /** Most inputs one job, recipe or execution may be given (SCALE_MAX_INPUTS). */
  maxInputs?: number;
  /** How long an Idempotency-Key is remembered (SCALE_IDEMPOTENCY_HOURS). */
  idempotencyHours?: number;
  /** Runs of processes: fetching inputs, their workspace, callbacks. */
  runs?: Partial<RunOptions>;
  /** Deploying processes: package size, what CWL hrefs may point at. */
  deploy?: Partial<DeployOptions>;
  /** cwltool, which checks, packs and runs CWL (null: CWL is not deployed here). */
  cwltool?: CwlTool | null;
  /** The image CWL tools that name no container run in (SCALE_CWL_DEFAULT_CONTAINER); null refuses such tools. */
  cwlDefaultContainer?: string | null;
  /** Where the logs of Strike and Scan jobs are written (none: they have no logs). */
  ingestLogDir?: string | null;
}

export type Core = Awaited<ReturnType<typeof createCore>>;

/**
 * The services that define what can run (errors, workspaces, job types, recipe types) over a Db.
 * Built once over the database, and again over one transaction for configuration imports.
 */
function createTypeServices(db: Db, opts: CoreOptions, secrets: ReturnType<typeof createSecretBox>, events?: CoreEvents) {
  const errors = createErrorService({ db });
  const workspaces = createWorkspaceService({ db, allowedRoots: opts.workspaceRoots, ...(opts.s3CacheDir ? { cacheDir: opts.s3CacheDir } : {}), ...(opts.s3 ? { s3: opts.s3 } : {}) });
  const jobTypes = createJobTypeService({ db, errors, events, readers: opts.interfaceReaders, images: opts.images ?? null });
  const seedJobTypes = createSeedJobTypes({
    db, jobTypes, errors, workspaces, secrets, allowedRoots: opts.workspaceRoots ?? [],
    defaultWorkspace: opts.defaultWorkspaceName ?? (() => null),
    manifests: opts.manifests ?? null,
    images: opts.images ?? null,
    events,
  });
  const recipeTypes = createRecipeTypeService({ db, jobTypes });
  return { errors, workspaces, jobTypes, seedJobTypes, recipeTypes };
}

export type TypeServices = ReturnType<typeof createTypeServices>;

/** Creates (or updates, when this installation moved) the job types the server defines itself. */
async function ensureBuiltinJobTypes(seedJobTypes: TypeServices['seedJobTypes'], log?: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await seedJobTypes.save({ manifest: echoManifest(), configuration: { output_workspaces: { default: '', outputs: {} } } }, { builtin: true });
      return;
    } catch (err) {
      // Two processes starting at once: the loser of the insert finds the row on the second try.
      if (attempt < 2 && pgErrorCode(err) === PG_UNIQUE_VIOLATION) continue;
      log?.error('could not register the built-in echo job type', { err });
      throw err;
    }
  }
}

export async function createCore(db: Db, opts: CoreOptions) {
  const events = new CoreEvents();
  const secrets = createSecretBox(opts.secretKey);
  const { errors, workspaces, jobTypes, seedJobTypes, recipeTypes } = createTypeServices(db, opts, secrets, events);
  const files = createFileService({ db, workspaces });
  const jobTypeStats = createJobTypeStats({ db });
  const jobTypeVersions = createJobTypeVersions({ db });
  let defaultWorkspaceId: number | null = null;
  const idempotency = createIdempotency({ db, keepHours: opts.idempotencyHours ?? 24 });
  const jobs = createJobService({ db, jobTypes, errors, files, workspaces, events, idempotency, defaultWorkspaceId: () => defaultWorkspaceId, maxInputs: opts.maxInputs });
  const jobQueries = createJobQueries({ db });
  const queue = createQueueService({ db });
  const nodes = createNodeService({ db });
  const finisher = createFinisher({ db, errors, files, events });
  const progress = createProgressRecorder(db);
  const packages = createPackageDeployer({ db, jobTypes, seedJobTypes, events, manifests: opts.manifests ?? null });
  // Ingested files fire INGEST triggers; the trigger service is built once jobs and recipes are.
  let triggers: TriggerService | null = null;
  const ingester = createIngester({ db, workspaces, onIngested: (f) => triggers?.onIngested(f) ?? Promise.resolve(), updateMetadata: (u) => files.updateMetadata(u) });
  // Strikes and Scans run as jobs of their own system job types, which the ingest service owns.
  const ingestJobs = createIngestJobs({ db, jobTypes, errors, logDir: opts.ingestLogDir ?? null });
  const strikes = createStrikeService({ db, workspaces, ingester, ingestJobs, log: opts.log?.child({ component: 'strike' }) });
  const scans = createScanService({ db, workspaces, ingester, ingestJobs, log: opts.log?.child({ component: 'scan' }) });
  const ingests = createIngestQueries(db);
  const cwl = createCwlDeployer({ packages, jobTypes, cwltool: opts.cwltool ?? null, defaultContainer: opts.cwlDefaultContainer ?? null, maxEmbeddedBytes: opts.deploy?.maxBytes ?? 10 * 1024 * 1024, images: opts.images ?? null });
  const configuration = createConfigurationService({ db, bind: (d) => createTypeServices(d, opts, secrets, events) });
  const recipeEngine = createRecipeEngine({ db, jobs, jobTypes, recipeTypes, files, workspaces, errors, events, log: opts.log?.child({ component: 'recipes' }) });
  const recipes = createRecipeService({
    db, recipeTypes, files, workspaces, engine: recipeEngine, events, idempotency, defaultWorkspaceId: () => defaultWorkspaceId, log: opts.log?.child({ component: 'recipes' }), maxInputs: opts.maxInputs,
  });
  const batches = createBatchService({ db, recipeTypes, recipes, files, log: opts.log?.child({ component: 'batches' }) });
  const metrics = createMetricsService({ db, log: opts.log?.child({ component: 'metrics' }) });
  const timeline = createTimeline({ db });
  // The JOB_LOAD clock minute (one server per minute) also rolls the hourly metrics up.
  const diagnostics = createDiagnostics({ db, jobTypes, seedJobTypes, recipeTypes, jobs, recipes });
  triggers = createTriggerService({ db, jobs, recipes, recipeTypes, files, recordLoad: () => queue.recordLoad().finally(() => metrics.tick()).finally(() => idempotency.purge().catch(() => 0)), log: opts.log?.child({ component: 'triggers' }) });
  const firing = triggers;
  // What callers changed, for operators: written in the caller's context, so an API request's lines carry its request id.
  const audit = opts.log?.child({ component: 'core' });
  if (audit) {
    events.on('queued', (count) => audit.info('jobs queued', { count }));
    events.on('canceled', (jobIds) => audit.info('jobs canceled', { jobIds }));
    events.on('jobTypesChanged', () => audit.info('job types changed'));
  }
  events.on('parsed', (results) => void firing.onParsed(results).catch((err) => opts.log?.error('parse triggers failed', { err })));
  const runs = createRunService({
    db, jobs, jobTypes, files, workspaces, errors, events, idempotency, maxInputs: opts.maxInputs, log: opts.log?.child({ component: 'runs' }),
    options: {
      fetchSeconds: 30, fetchMaxBytes: 1024 ** 3, callbackSeconds: 10, ...opts.runs,
      workspaceName: opts.runs?.workspaceName ?? opts.defaultWorkspaceName ?? (() => null),
    },
  });
  const deploy = createDeployService({ packages, cwl, images: opts.images ?? null, options: { maxBytes: 10 * 1024 * 1024, ...opts.deploy } });
  await errors.seedBuiltins();
  await ensureBuiltinJobTypes(seedJobTypes, opts.log);
  const lineage = createLineage({ db });
  const purger = createPurger({ db, lineage, workspaces, events });
  return {
    /** Most inputs one job, recipe or execution may be given (SCALE_MAX_INPUTS). */
    maxInputs: opts.maxInputs,
    events,
    errors,
    workspaces,
    files,
    lineage,
    /** Purging a source file and everything made from it (v6 /files/purge-source/). */
    purger,
    jobTypes,
    seedJobTypes,
    jobTypeStats,
    jobTypeVersions,
    jobs,
    idempotency,
    jobQueries,
    queue,
    nodes,
    finisher,
    progress,
    recipeTypes,
    recipeEngine,
    recipes,
    batches,
    configuration,
    packages,
    cwl,
    runs,
    deploy,
    ingester,
    triggers: firing,
    strikes,
    scans,
    ingests,
    metrics,
    timeline,
    diagnostics,
    /** Why a QUEUED job has not started yet (null when it is not on the queue). */
    async queueReason(jobId: number) {
      const [state, online] = await Promise.all([
        nodes.schedulerState(),
        db.query(
          `SELECT cpus_total, mem_total, disk_total, gpus_total, runtimes FROM node
            WHERE is_active AND NOT is_paused AND last_heartbeat > now() - make_interval(secs => $1)`,
          [opts.nodeLostSeconds ?? 30],
        ),
      ]);
      const live = online.rows.map((r) => ({ total: { cpus: r.cpus_total, mem: r.mem_total, disk: r.disk_total, gpus: r.gpus_total }, runtimes: r.runtimes }));
      return queue.explain(jobId, live, state.isPaused);
    },
    /** Makes the named host workspace the place outputs go when job data names none. */
    async useDefaultWorkspace(name: string, dir: string) {
      const ws = await workspaces.ensureDefault(name, dir);
      defaultWorkspaceId = ws.id;
      return ws;
    },
  };
}
