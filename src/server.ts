// Composition root: opens the database, builds the core, the scheduler with its executor, and the
// HTTP front doors, and starts them. Tests build servers through this too.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';
import { createCore, type Core } from './core/index.ts';
import { readCwlInterface } from '../seed-mapping/cwl-process.ts';
import { readPackageInterface } from './core/job-types/packages.ts';
import { seedToInterface } from '../seed-mapping/seed-manifest.ts';
import { loadSecretKey } from './core/secrets.ts';
import { createLocalNodeProvider, machineResources } from './executors/local/local-node.ts';
import { LocalExecutor } from './executors/local/local-executor.ts';
import { builtinPrograms } from './core/job-types/builtin/programs.ts';
import { DockerExecutor } from './executors/docker/docker-executor.ts';
import { connectDocker, engineResources } from './executors/docker/engine.ts';
import { imageChecker, manifestReader, registryClient } from './executors/docker/images.ts';
import type { Executor } from './executors/executor.ts';
import { createMesosFramework, type MesosFramework } from './executors/mesos/framework.ts';
import type { Runtime } from './scheduler/placement.ts';
import { createLogger, type Logger } from './log.ts';
import { createCwlTool, findProgram } from './cwl/cwltool.ts';
import { cwlRunUser, letPass } from './cwl/run-user.ts';
import { type CwltoolServer, startCwltoolServer } from './cwl/cwltool-server.ts';
import { cwlRuntime } from './executors/cwl-runtime.ts';
import { createApp } from './scale-api/app.ts';
import { ogcProcesses } from '../ogc/processes/app.ts';
import { wpsDoor } from '../ogc/wps/router.ts';
import { createRunner } from './scheduler/runner.ts';
import { createScheduler, type Scheduler } from './scheduler/scheduler.ts';
import type { Db } from './store/db.ts';
import { createTelemetry } from './telemetry/prometheus.ts';
import { expand, TokenTable } from './auth/tokens.ts';
import { startMaintenance } from './store/maintenance.ts';
import { openDb } from './store/open.ts';

export interface Server {
  config: Config;
  db: Db;
  core: Core;
  scheduler: Scheduler | null;
  app: ReturnType<typeof createApp>;
  http: http.Server | null;
  url: string | null;
  log: Logger;
  /** The long-lived cwltool CWL runs fork from, when there is one. */
  cwltoolServer: CwltoolServer | null;
  /** Stops scheduling and HTTP; running executions are killed and recorded as lost (retried later). */
  close(): Promise<void>;
}

export interface BuildOptions {
  db?: Db;
  listen?: boolean;
  log?: Logger;
  /** For tests: faster Mesos reconnects and shorter waits. */
  mesosTuning?: Parameters<typeof createMesosFramework>[0]['tuning'];
}

export async function buildServer(config: Config, opts: BuildOptions = {}): Promise<Server> {
  const log = opts.log ?? createLogger({ service: 'scale-ades' });
  const db = opts.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax }));
  // A Docker engine serves the docker runtime and reads SEED labels; a registry serves discovery.
  const docker = await connectDocker(config.dockerHost);
  const registry = config.registry ? registryClient(config.registry, { auth: config.registryAuth }) : null;
  // cwltool checks, packs and runs CWL; without it CWL is not deployed here (found on PATH, not started: start-up stays quick).
  const cwltool = findProgram(config.cwltool[0]) ? createCwlTool({ command: config.cwltool }) : null;
  if (!cwltool) log.info('cwltool is not installed: CWL processes cannot be deployed (apt install cwltool, or set SCALE_CWLTOOL)', { cwltool: config.cwltool.join(' ') });
  const core = await createCore(db, {
    cwltool, cwlDefaultContainer: config.cwlDefaultContainer,
    // What a stored job type interface is read with, by kind (Scale 1.0 the core reads itself).
    interfaceReaders: { seed: seedToInterface, ogcapppkg: readPackageInterface, cwl: readCwlInterface },
    manifests: docker || registry ? manifestReader(docker, registry) : null,
    // A job type's image is asked about on the engine this server runs containers on (not one it
    // merely reads labels from) and in the registry; with neither it is accepted with a warning.
    images: imageChecker({ docker: config.schedulerEnabled && !config.mesos && config.executor !== 'local' ? docker : null, registry }),
    workspaceRoots: config.workspaceRoots, s3CacheDir: path.join(config.dataDir, 's3-cache'), s3: config.s3, nodeLostSeconds: config.nodeLostSeconds, defaultWorkspaceName: () => config.defaultWorkspace,
    secretKey: loadSecretKey({ keyHex: config.secretsKey, dataDir: config.dataDir }), maxInputs: config.maxInputs, idempotencyHours: config.idempotencyHours,
    runs: { fetchSeconds: config.ogcFetchSeconds, fetchMaxBytes: config.ogcFetchMaxBytes, fetchAllow: config.fetchAllow, callbackSeconds: config.ogcCallbackSeconds },
    deploy: { maxBytes: config.ogcMaxBodyBytes, fetchAllow: config.fetchAllow },
    ingestLogDir: path.join(config.dataDir, 'ingest-logs'),
    log,
  });
  if (config.defaultWorkspace) await core.useDefaultWorkspace(config.defaultWorkspace, path.join(config.dataDir, 'workspaces', config.defaultWorkspace));
  const executionsDir = path.join(config.dataDir, 'executions');
  const stopMaintenance = startMaintenance(db, log, config.pgliteVacuumSeconds * 1000);
  const telemetry = createTelemetry(db);

  let scheduler: Scheduler | null = null;
  let mesos: MesosFramework | null = null;
  let cwltoolServer: CwltoolServer | null = null;
  if (config.schedulerEnabled) {
    const incarnation = randomUUID();
    const executors: Partial<Record<Runtime, Executor>> = {};
    if (config.mesos) {
      // Mesos agents run commands and images, and CWL where their attributes say so: one executor for every runtime.
      mesos = createMesosFramework({
        config: config.mesos, db, nodes: core.nodes, incarnation, defaultSharedDir: executionsDir, killGraceMs: config.killGraceSeconds * 1000,
        cwl: cwltool ? { command: config.cwltool, defaultContainer: config.cwlDefaultContainer } : null,
        log: log.child({ component: 'mesos' }), tuning: opts.mesosTuning,
      });
      executors.process = mesos.executor;
      executors.docker = mesos.executor;
      if (cwltool) executors.cwl = mesos.executor;
    } else if (config.executor !== 'docker') executors.process = new LocalExecutor(executionsDir, config.killGraceSeconds * 1000, null, builtinPrograms());
    if (config.executor === 'docker' && !docker) throw new Error(`SCALE_EXECUTOR=docker but no Docker engine answers at ${config.dockerHost ?? '/var/run/docker.sock'}`);
    const dockerExecutor = docker && !mesos && config.executor !== 'local' ? new DockerExecutor(docker, executionsDir, config.killGraceSeconds * 1000, config.nodeName) : null;
    if (dockerExecutor) executors.docker = dockerExecutor;
    // CWL: cwltool as a local process driving this node's Docker engine.
    if (cwltool && dockerExecutor && docker) {
      const user = cwlRunUser(config.cwlUser, config.dockerHost);
      if (user) {
        await fs.mkdir(executionsDir, { recursive: true });
        const blocked = letPass(user, executionsDir, [config.dataDir, executionsDir]);
        if (blocked) log.warn(`CWL steps run as ${user.name}, who cannot reach ${blocked}: CWL runs will fail until it can (chmod o+x, or move SCALE_DATA_DIR)`, { user: user.name });
      }
      cwltoolServer = config.cwltoolServer ? startCwltoolServer(config.cwltool, log.child({ component: 'cwltool' })) : null;
      const command = cwltoolServer ? cwltoolServer.command : config.cwltool;
      if (cwltoolServer) warmWhenCwlDeployed(db, core.events, cwltoolServer);
      executors.cwl = new LocalExecutor(executionsDir, config.killGraceSeconds * 1000, cwlRuntime({ command, defaultContainer: config.cwlDefaultContainer, user, dockerHost: config.dockerHost, docker }));
    }
    log.info('executors', { runtimes: Object.keys(executors) });
    const runner = createRunner({
      executors, jobTypes: core.jobTypes, secretSettings: (id) => core.seedJobTypes.secretSettings(id), files: core.files, workspaces: core.workspaces,
      finisher: core.finisher, progress: core.progress, log: log.child({ component: 'runner' }), onFreed: () => scheduler?.freed(), telemetry,
      // A retried job is queued work like a new one (Mesos: offers suppressed while the queue was empty are revived).
      onRetried: () => core.events.emit('queued', 1),
    });
    const machine = () => machineResources(executionsDir, { cpus: config.nodeCpus, mem: config.nodeMem, disk: config.nodeDisk });
    const provider = mesos?.provider ?? createLocalNodeProvider({
      nodes: core.nodes, name: config.nodeName, port: config.port || null, incarnation, workDir: executionsDir,
      runtimes: Object.keys(executors) as Runtime[],
      // A docker-only node is the engine: its resources are what the engine reports.
      total: async () => (executors.process || !docker ? machine() : { ...(await machine()), ...(await engineResources(docker)) }),
      slots: () => ({
        // While the engine cannot be reached, containers wait in the queue instead of failing one try after another.
        ...(executors.docker ? { docker: dockerExecutor?.available() === false ? 0 : config.dockerMaxContainers - runner.countByRuntime('docker') - runner.countByRuntime('cwl') } : {}),
        // A CWL job starts containers of its own: counted among the node's containers.
        ...(executors.cwl ? { cwl: dockerExecutor?.available() === false ? 0 : config.dockerMaxContainers - runner.countByRuntime('docker') - runner.countByRuntime('cwl') } : {}),
        // Counted until an execution's outcome is written (outputs being stored count too).
        ...(config.nodeMaxExecutions ? { any: config.nodeMaxExecutions - runner.running().length } : {}),
      }),
    });
    scheduler = createScheduler({
      db, nodes: core.nodes, queue: core.queue, jobs: core.jobQueries, finisher: core.finisher, runner, executors, provider,
      events: core.events, incarnation, log: log.child({ component: 'scheduler' }), telemetry,
      options: {
        intervalMs: config.schedulerIntervalMs, queueLimit: config.schedulerQueueLimit, heartbeatMs: config.heartbeatSeconds * 1000,
        nodeLostSeconds: config.nodeLostSeconds,
      },
    });
    if (mesos) mesos.provider.onChange = () => scheduler?.wake();
    await scheduler.start();
  }

  // Recipes move on as their jobs end, in whichever process sees the end first.
  core.recipeEngine.start();
  // Batches make their recipes in the background, resuming what a stopped server left.
  core.batches.start();
  // Strike monitors: each Strike swept by one server process at a time.
  core.strikes.start(config.strikePollMs, config.nodeName);
  // Scan jobs requeued through the jobs API sweep again; those whose server died are failed.
  core.scans.start(config.strikePollMs);
  core.triggers.startClock(config.clockTickMs);

  // The process doors: OGC API - Processes (with the Testbed-14 paths) and WPS, equal and thin over the runs service.
  const ogc = ogcProcesses(core, {
    publicUrl: config.publicUrl, syncSeconds: config.ogcSyncSeconds, maxBodyBytes: config.ogcMaxBodyBytes, listCacheMs: config.ogcListCacheMs, cwl: cwltool !== null, log: log.child({ component: 'ogc' }),
  });
  const wps = wpsDoor(core, { publicUrl: config.publicUrl, syncSeconds: config.ogcSyncSeconds, maxBodyBytes: config.ogcMaxBodyBytes, log: log.child({ component: 'wps' }) });
  // Runs accepted before their inputs were fetched are staged; subscribers are told in the OGC API's words.
  core.runs.startWork(ogc.callbackBody);
  const tokens = new TokenTable(config.auth.tokens);
  if (!tokens.size) log.warn('authentication is off: anyone who reaches this server may run, deploy and administer (set SCALE_AUTH_TOKENS or SCALE_AUTH_TOKEN_FILE)');
  const app = createApp(
    core,
    {
      maxBodyBytes: config.maxBodyBytes, maxUploadBytes: config.maxUploadBytes, executionsDir, nodeLostSeconds: config.nodeLostSeconds,
      defaultWorkspace: () => config.defaultWorkspace, schedulerOnline: () => scheduler?.isRunning() ?? false, registry, log: log.child({ component: 'http' }), telemetry,
      auth: { tokens, anonymous: expand(config.auth.anonymous) }, rateLimit: config.rateLimit,
      cors: config.corsOrigins,
      // Behind a reverse proxy that adds a path (SCALE_PUBLIC_URL), the UI's base and API prefix carry it.
      scaleUi: config.scaleUiDir ? { dir: config.scaleUiDir, basePath: config.publicUrl ? new URL(config.publicUrl).pathname : '' } : null,
    },
    [wps, ogc.router],
  );

  let server: http.Server | null = null;
  let url: string | null = null;
  if (opts.listen !== false) {
    server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, config.host, () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  }

  return {
    config, db, core, scheduler, app, http: server, url, log,
    cwltoolServer,
    async close() {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      server?.closeAllConnections?.();
      stopMaintenance();
      // Mesos tasks run on without this server (the master keeps them for the failover timeout) and are
      // reconciled when it comes back; local processes and containers here are killed.
      if (scheduler) await scheduler.stop(mesos ? {} : { kill: true });
      await mesos?.close();
      await cwltoolServer?.close();
      await core.batches.stop();
      await core.recipeEngine.stop();
      await core.strikes.stop();
      await core.scans.stop();
      await core.triggers.stopClock();
      await core.runs.stopWork();
      if (!opts.db) await db.close();
    },
  };
}

/**
 * Starts the long-lived cwltool (which otherwise starts on the first CWL run) once this server has
 * a CWL process: at start-up when one is deployed, else when one is.
 */
function warmWhenCwlDeployed(db: Db, events: Core['events'], cwltool: CwltoolServer): void {
  const check = async () => {
    const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM job_type WHERE interface_kind = 'cwl' AND is_active) AS any`);
    if (!rows[0].any) return;
    events.off('jobTypesChanged', onChange);
    void cwltool.ready();
  };
  const onChange = () => void check().catch(() => {});
  events.on('jobTypesChanged', onChange);
  onChange();
}
