// Every setting the server reads, with its default and its help text. `serve --help` prints this table,
// so a setting that is not declared here does not exist.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseScopes, parseTokenList, type Scope, SCOPES } from './auth/tokens.ts';
import { type AllowList, parseAllowList } from './net/fetch-guard.ts';
import { type CorsOrigins, parseCorsOrigins } from './http/cors.ts';

export interface Setting {
  env: string;
  default: string;
  help: string;
}

export const SETTINGS: Setting[] = [
  { env: 'PORT', default: '8080', help: 'HTTP port to listen on' },
  { env: 'HOST', default: '0.0.0.0', help: 'Interface to listen on' },
  { env: 'SCALE_DATA_DIR', default: './data', help: 'Embedded database files (PGlite), the default host workspace, execution directories and logs' },
  { env: 'DATABASE_URL', default: '', help: 'PostgreSQL connection URL; when set (or SCALE_DB_HOST is set) PostgreSQL is used instead of the embedded PGlite' },
  { env: 'SCALE_DB_HOST', default: '', help: 'PostgreSQL host (Scale-style alternative to DATABASE_URL)' },
  { env: 'SCALE_DB_PORT', default: '5432', help: 'PostgreSQL port' },
  { env: 'SCALE_DB_NAME', default: 'scale', help: 'PostgreSQL database name' },
  { env: 'SCALE_DB_USER', default: 'scale', help: 'PostgreSQL user' },
  { env: 'SCALE_DB_PASS', default: '', help: 'PostgreSQL password' },
  { env: 'SCALE_DB_POOL_MAX', default: '10', help: 'Maximum PostgreSQL connections per process' },
  { env: 'SCALE_EXECUTOR', default: 'auto', help: 'Where jobs run: local (child processes), docker (containers on the Docker engine), auto (both when a Docker engine answers), mesos (tasks on the agents of a Mesos cluster)' },
  { env: 'MESOS_MASTER_URL', default: '', help: 'The Mesos master (http://host:5050) with SCALE_EXECUTOR=mesos; a standby master redirects to the leader' },
  { env: 'DCOS_PACKAGE_FRAMEWORK_NAME', default: 'scale', help: 'The framework name registered with Mesos (Scale\'s setting name)' },
  { env: 'MESOS_ROLE', default: '*', help: 'The Mesos role the framework subscribes in; resources reserved for it or unreserved ("*") are used' },
  { env: 'MESOS_PRINCIPAL', default: '', help: 'Principal for the master\'s HTTP basic authentication and reservations' },
  { env: 'MESOS_SECRET', default: '', help: 'Secret for the master\'s HTTP basic authentication (with MESOS_PRINCIPAL)' },
  { env: 'MESOS_USER', default: 'root', help: 'The user tasks run as on the agents (FrameworkInfo.user; Scale: root)' },
  { env: 'MESOS_FAILOVER_SECONDS', default: '604800', help: 'How long the master keeps the framework\'s tasks running while this server is away' },
  { env: 'MESOS_CWL_ATTRIBUTE', default: 'cwltool', help: 'The agent attribute that says an agent runs CWL (cwltool and a Docker engine installed; mesos-agent --attributes="cwltool:true"): its offers take jobs of the cwl runtime, run as command tasks of SCALE_CWLTOOL' },
  { env: 'MESOS_SHARED_DIR', default: '', help: 'A directory mounted at the same path on every agent and this server (NFS): inputs, outputs and logs of Mesos tasks (default: SCALE_DATA_DIR/executions)' },
  { env: 'MESOS_REFUSE_SECONDS', default: '5', help: 'How long a declined offer\'s resources stay away (the DECLINE refuse filter); new work revives offers at once' },
  { env: 'MESOS_RECONCILE_SECONDS', default: '120', help: 'Tasks not heard of for this long are reconciled with the master (Scale: 2 minutes)' },
  { env: 'MESOS_LOG_POLL_MS', default: '2000', help: 'How often running tasks\' stdout and stderr are read from their agents' },
  { env: 'DOCKER_HOST', default: '', help: 'Docker engine to run SEED images on (unix:///path or tcp://host:port; default: /var/run/docker.sock)' },
  { env: 'SCALE_REGISTRY', default: '', help: 'Docker registry (HTTP API v2) SEED images are read from and imported by scan-registry, e.g. http://localhost:5000' },
  { env: 'SCALE_REGISTRY_AUTH', default: '', help: 'user:password for the registry, when it asks for basic authentication' },
  { env: 'SCALE_CWLTOOL', default: 'cwltool', help: 'The CWL runner deployed CWL processes are checked, packed and run with (cwltool, Debian\'s package or pip\'s; a command line, e.g. "python3 -m cwltool"). Nodes with it and a Docker engine run the cwl runtime' },
  { env: 'SCALE_CWLTOOL_SERVER', default: 'on', help: 'on: keep one cwltool process running (its imports and CWL schemas loaded once) and fork each CWL run from it, saving cwltool\'s start-up (about 2 s) per run; off: each run starts SCALE_CWLTOOL' },
  { env: 'SCALE_CWL_USER', default: 'nobody', help: 'The unprivileged user cwltool, and so every CWL step\'s container, runs as when the server runs as root (a name, or uid:gid; its group becomes the Docker socket\'s). Empty: as the server\'s own user' },
  { env: 'SCALE_CWL_DEFAULT_CONTAINER', default: '', help: 'The image CWL CommandLineTools that name no DockerRequirement run in (cwltool --default-container). Empty: such tools are refused at deploy; tools never run on the node itself' },
  { env: 'SCALE_DOCKER_MAX_CONTAINERS', default: '16', help: 'Containers a node runs at once at most (Scale nodes degraded past ~20 concurrent creations)' },
  { env: 'SCALE_NODE_NAME', default: '', help: 'Name of this process\'s node; defaults to <hostname>:<PORT>' },
  { env: 'SCALE_NODE_CPUS', default: '', help: 'CPUs the local node offers (default: the machine\'s CPU count)' },
  { env: 'SCALE_NODE_MEM', default: '', help: 'Memory in MiB the local node offers (default: the machine\'s total memory)' },
  { env: 'SCALE_NODE_DISK', default: '', help: 'Disk in MiB the local node offers (default: free space under SCALE_DATA_DIR)' },
  { env: 'SCALE_SCHEDULER_INTERVAL_MS', default: '500', help: 'Scheduler loop period when idle (it also wakes on new work)' },
  { env: 'SCALE_SCHEDULER_QUEUE_LIMIT', default: '500', help: 'Queue rows the scheduler reads per pass' },
  { env: 'SCALE_HEARTBEAT_SECONDS', default: '5', help: 'How often a node records that it is alive' },
  { env: 'SCALE_NODE_LOST_SECONDS', default: '30', help: 'A node silent for this long is lost; its executions fail with node-lost and are retried' },
  { env: 'SCALE_KILL_GRACE_SECONDS', default: '5', help: 'Seconds between SIGTERM and SIGKILL when a job is canceled or times out' },
  { env: 'SCALE_MAX_BODY_BYTES', default: '1048576', help: 'Largest JSON request body accepted (413 above it)' },
  { env: 'SCALE_MAX_UPLOAD_BYTES', default: '0', help: 'Largest file upload accepted through POST /scale/files/ (0 = no limit)' },
  { env: 'SCALE_DEFAULT_WORKSPACE', default: 'default', help: 'Name of the host workspace created under SCALE_DATA_DIR at first start; outputs without a workspace go there (empty = none)' },
  { env: 'SCALE_WORKSPACE_ROOTS', default: '', help: 'Colon-separated directories that host workspaces must live under (empty = any absolute path)' },
  { env: 'SCALE_SCHEDULER', default: 'on', help: 'on: this process schedules and runs jobs; off: API only' },
  { env: 'SCALE_SECRETS_KEY', default: '', help: 'Key (64 hex characters) that encrypts secret setting values; default: a key file created under SCALE_DATA_DIR' },
  { env: 'SCALE_PUBLIC_URL', default: '', help: 'The URL clients reach this server at, for absolute links (default: taken from each request\'s Host)' },
  { env: 'SCALE_OGC_SYNC_SECONDS', default: '60', help: 'How long a synchronous OGC execute waits for its job; after that it answers with the job\'s status (201)' },
  { env: 'SCALE_OGC_MAX_BODY_BYTES', default: '33554432', help: 'Largest OGC execute request accepted (inputs may be inline base64 content)' },
  { env: 'SCALE_OGC_FETCH_SECONDS', default: '60', help: 'Time limit for fetching an OGC input given by href' },
  { env: 'SCALE_FETCH_ALLOW', default: '', help: 'Where hrefs given by clients (OGC execute inputs, WPS Reference inputs, CWL packages by href) may point inside this server\'s own network: comma-separated host names, IP addresses and CIDR networks (e.g. 127.0.0.1,10.1.0.0/16,files.internal), or * for anywhere. By default loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16: cloud metadata; fe80::/10) and reserved addresses are refused, whatever name resolves to them' },
  { env: 'SCALE_OGC_FETCH_MAX_BYTES', default: '1073741824', help: 'Size limit for an OGC input given by href or inline' },
  { env: 'SCALE_OGC_LIST_CACHE_MS', default: '250', help: 'How long a rendered OGC job list page is served again to pollers (0 = never); changes made by this process drop it at once' },
  { env: 'SCALE_OGC_CALLBACK_SECONDS', default: '10', help: 'Time limit for one callback to an OGC subscriber (retried 5 times with backoff)' },
  { env: 'S3_ENDPOINT', default: '', help: 'An S3-compatible server (MinIO, s3rver: http://host:9000) for S3 workspaces whose configuration gives no endpoint_url; path-style requests. Default: AWS' },
  { env: 'AWS_REGION', default: 'us-east-1', help: 'The region of S3 workspaces whose configuration gives no region_name' },
  { env: 'SCALE_S3_TIMEOUT_SECONDS', default: '30', help: 'An S3 request that moves no byte for this long (a stalled server) is abandoned and tried again, with backoff, 3 attempts in all (0 = wait forever)' },
  { env: 'SCALE_STRIKE_POLL_MS', default: '5000', help: 'How often Strike monitors sweep their directory or bucket (Scale: 60 s)' },
  { env: 'SCALE_CLOCK_TICK_MS', default: '10000', help: 'How often CLOCK trigger rules are checked for a period that is due' },
  { env: 'SCALE_AUTH_TOKENS', default: '', help: 'Bearer tokens and their scopes: token:scope+scope,… (scopes read, execute, deploy, admin; a token alone is admin). No tokens and no token file: authentication is off' },
  { env: 'SCALE_AUTH_TOKEN_FILE', default: '', help: 'A file of tokens, one "token scope scope…" per line (read at start; # starts a comment)' },
  { env: 'SCALE_RATE_LIMIT', default: '0', help: 'Requests a minute each bearer token (or client address, without one) may make; more answer 429 with Retry-After (0 = no limit)' },
  { env: 'SCALE_RATE_LIMIT_BURST', default: '0', help: 'How many requests may come at once within the rate (default: a tenth of SCALE_RATE_LIMIT, at least 10)' },
  { env: 'SCALE_NODE_MAX_EXECUTIONS', default: '0', help: 'Executions this process\'s node runs at once at most, of every runtime (0 = as many as its resources hold)' },
  { env: 'SCALE_IDEMPOTENCY_HOURS', default: '24', help: 'How long an Idempotency-Key sent with a request that makes a job or recipe (Scale queue/jobs/recipes, OGC execute) is remembered: the same request sent again with it gets what the first made' },
  { env: 'SCALE_MAX_INPUTS', default: '1000', help: 'Most inputs (values and files together) one job, recipe or OGC/WPS execution may be given; more answer 413' },
  { env: 'SCALE_CORS_ORIGINS', default: '', help: 'Origins whose browser apps may call the Scale API (/scale/…) across origins, e.g. a scale-ui hosted elsewhere: comma-separated scheme://host[:port] (answered with the origin echoed and Allow-Credentials), or * for any origin (answered *, without credentials). Preflights are answered before authentication. Empty: no CORS headers' },
  { env: 'SCALE_UI_DIR', default: '', help: 'A scale-ui production build (its dist/ directory, holding index.html) to host at /scale-ui/, its appConfig.json pointing at this server\'s /scale/. Empty: not hosted' },
  { env: 'SCALE_ANONYMOUS_SCOPES', default: '', help: 'What a request without a token may do when tokens are configured: comma-separated scopes, or none (default: read)' },
  { env: 'LOG_LEVEL', default: 'info', help: 'Server log level: debug, info, warn, error or silent (execution logs are kept apart, per execution)' },
  { env: 'LOG_FORMAT', default: '', help: 'json (one object per line) or pretty; default: pretty on a terminal, json otherwise' },
  { env: 'SCALE_PGLITE_VACUUM_SECONDS', default: '300', help: 'How often the embedded database is vacuumed (PGlite has no autovacuum; 0 = never)' },
];

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  dbPoolMax: number;
  executor: 'local' | 'docker' | 'auto' | 'mesos';
  mesos: MesosConfig | null;
  dockerHost: string | null;
  dockerMaxContainers: number;
  /** SCALE_CWLTOOL, split into the program and its arguments. */
  cwltool: string[];
  cwlDefaultContainer: string | null;
  cwlUser: string;
  /** SCALE_CWLTOOL_SERVER: fork CWL runs from one long-lived cwltool. */
  cwltoolServer: boolean;
  registry: string | null;
  registryAuth: string | null;
  nodeName: string;
  nodeCpus: number | null;
  nodeMem: number | null;
  nodeDisk: number | null;
  schedulerIntervalMs: number;
  schedulerQueueLimit: number;
  heartbeatSeconds: number;
  nodeLostSeconds: number;
  killGraceSeconds: number;
  maxBodyBytes: number;
  maxUploadBytes: number;
  defaultWorkspace: string | null;
  workspaceRoots: string[];
  schedulerEnabled: boolean;
  pgliteVacuumSeconds: number;
  secretsKey: string | null;
  publicUrl: string | null;
  ogcSyncSeconds: number;
  ogcMaxBodyBytes: number;
  ogcFetchSeconds: number;
  ogcFetchMaxBytes: number;
  /** SCALE_FETCH_ALLOW: the private hosts and networks client hrefs may point at. */
  fetchAllow: AllowList;
  ogcCallbackSeconds: number;
  strikePollMs: number;
  /** S3_ENDPOINT, AWS_REGION and SCALE_S3_TIMEOUT_SECONDS: what S3 workspaces' configurations do not say. */
  s3: { endpoint: string | null; region: string; idleTimeoutSeconds: number };
  clockTickMs: number;
  ogcListCacheMs: number;
  /** Bearer tokens with their scopes (none: authentication off), and what anonymous requests may do. */
  auth: { tokens: { token: string; scopes: Scope[] }[]; anonymous: Scope[] };
  /** Per-caller request rate (null: no limit). */
  rateLimit: { perMinute: number; burst: number } | null;
  /** Executions the local node runs at once (null: no limit beyond its resources). */
  nodeMaxExecutions: number | null;
  maxInputs: number;
  idempotencyHours: number;
  /** SCALE_CORS_ORIGINS: who may call the Scale API across origins (null: CORS off). */
  corsOrigins: CorsOrigins | null;
  /** SCALE_UI_DIR: the scale-ui build hosted at /scale-ui/ (null: none). */
  scaleUiDir: string | null;
}

export interface MesosConfig {
  masterUrl: string;
  frameworkName: string;
  role: string;
  principal: string | null;
  secret: string | null;
  user: string;
  failoverSeconds: number;
  sharedDir: string | null;
  refuseSeconds: number;
  reconcileSeconds: number;
  logPollMs: number;
  /** The agent attribute of agents that run the cwl runtime. */
  cwlAttribute: string;
}

export class ConfigError extends Error {}

function mesosConfig(env: NodeJS.ProcessEnv): MesosConfig {
  const masterUrl = get(env, 'MESOS_MASTER_URL');
  if (!masterUrl) throw new ConfigError('SCALE_EXECUTOR=mesos needs MESOS_MASTER_URL (http://host:5050)');
  if (/^zk:\/\//.test(masterUrl)) throw new ConfigError(`MESOS_MASTER_URL=${masterUrl}: ZooKeeper discovery is not supported; give any master's http(s) URL (a standby redirects to the leader)`);
  try {
    const u = new URL(masterUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ConfigError(`MESOS_MASTER_URL=${masterUrl} is not an http(s) URL`);
  }
  const principal = get(env, 'MESOS_PRINCIPAL') || null;
  const secret = get(env, 'MESOS_SECRET') || null;
  if (secret && !principal) throw new ConfigError('MESOS_SECRET is set without MESOS_PRINCIPAL');
  const shared = get(env, 'MESOS_SHARED_DIR');
  if (shared && !path.isAbsolute(shared)) throw new ConfigError(`MESOS_SHARED_DIR=${shared} must be an absolute path (the same on every agent)`);
  return {
    masterUrl: masterUrl.replace(/\/+$/, ''),
    frameworkName: get(env, 'DCOS_PACKAGE_FRAMEWORK_NAME') || 'scale',
    role: get(env, 'MESOS_ROLE') || '*',
    principal,
    secret,
    user: get(env, 'MESOS_USER') || 'root',
    failoverSeconds: num(env, 'MESOS_FAILOVER_SECONDS', { min: 0 }),
    sharedDir: shared || null,
    refuseSeconds: num(env, 'MESOS_REFUSE_SECONDS', { min: 0 }),
    reconcileSeconds: num(env, 'MESOS_RECONCILE_SECONDS', { min: 0.1 }),
    logPollMs: num(env, 'MESOS_LOG_POLL_MS', { min: 50, integer: true }),
    cwlAttribute: get(env, 'MESOS_CWL_ATTRIBUTE').trim(),
  };
}

function num(env: NodeJS.ProcessEnv, name: string, opts: { min?: number; integer?: boolean } = {}): number {
  const raw = get(env, name);
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (opts.integer && !Number.isInteger(value)) || (opts.min !== undefined && value < opts.min)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a valid ${opts.integer ? 'integer' : 'number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}`);
  }
  return value;
}

function optionalNum(env: NodeJS.ProcessEnv, name: string): number | null {
  return get(env, name) === '' ? null : num(env, name, { min: 0 });
}

function get(env: NodeJS.ProcessEnv, name: string): string {
  const setting = SETTINGS.find((s) => s.env === name);
  if (!setting) throw new Error(`undeclared setting ${name}`);
  return env[name] ?? setting.default;
}

/** Builds the PostgreSQL URL from DATABASE_URL or Scale's SCALE_DB_* variables; null means "use PGlite". */
export function databaseUrlFrom(env: NodeJS.ProcessEnv): string | null {
  const url = get(env, 'DATABASE_URL');
  if (url) return url;
  const host = get(env, 'SCALE_DB_HOST');
  if (!host) return null;
  const user = encodeURIComponent(get(env, 'SCALE_DB_USER'));
  const pass = get(env, 'SCALE_DB_PASS');
  const auth = pass ? `${user}:${encodeURIComponent(pass)}` : user;
  return `postgres://${auth}@${host}:${get(env, 'SCALE_DB_PORT')}/${encodeURIComponent(get(env, 'SCALE_DB_NAME'))}`;
}

function registryUrl(raw: string): string | null {
  if (!raw) return null;
  const url = /^https?:\/\//.test(raw) ? raw : `http://${raw}`;
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`SCALE_REGISTRY=${raw} is not a URL`);
  }
  return url.replace(/\/+$/, '');
}

function rateLimitConfig(perMinute: number, burst: number): Config['rateLimit'] {
  if (!perMinute) return null;
  return { perMinute, burst: burst || Math.max(10, Math.ceil(perMinute / 10)) };
}

function authConfig(list: string, file: string, anonymous: string): Config['auth'] {
  let text: string | null = null;
  if (file) {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`SCALE_AUTH_TOKEN_FILE=${file} cannot be read: ${(err as Error).message}`);
    }
  }
  try {
    const tokens = parseTokenList(list, text, `SCALE_AUTH_TOKEN_FILE=${file}`);
    const anon = !tokens.length ? [...SCOPES] : anonymous === '' ? (['read'] as Scope[]) : anonymous === 'none' ? [] : parseScopes(anonymous, 'SCALE_ANONYMOUS_SCOPES');
    return { tokens, anonymous: anon };
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function publicUrl(raw: string): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ConfigError(`SCALE_PUBLIC_URL=${raw} is not an http(s) URL`);
  }
  return raw.replace(/\/+$/, '');
}

function cwltoolCommand(raw: string): string[] {
  const words = raw.trim().split(/\s+/).filter(Boolean);
  if (!words.length) throw new ConfigError('SCALE_CWLTOOL is empty: name the cwltool program (default cwltool)');
  return words;
}

function s3Endpoint(raw: string): string | null {
  if (!raw) return null;
  if (!/^https?:\/\/[^/]/.test(raw)) throw new ConfigError(`S3_ENDPOINT=${raw} is not an http(s) URL`);
  return raw;
}

function fetchAllow(raw: string): AllowList {
  try {
    return parseAllowList(raw);
  } catch (err) {
    throw new ConfigError(`SCALE_FETCH_ALLOW: ${(err as Error).message}`);
  }
}

function corsOrigins(raw: string): CorsOrigins | null {
  try {
    return parseCorsOrigins(raw);
  } catch (err) {
    throw new ConfigError(`SCALE_CORS_ORIGINS: ${(err as Error).message}`);
  }
}

function scaleUiDir(raw: string): string | null {
  if (!raw.trim()) return null;
  const dir = path.resolve(raw.trim());
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new ConfigError(`SCALE_UI_DIR=${raw} does not exist`);
  }
  if (!st.isDirectory()) throw new ConfigError(`SCALE_UI_DIR=${raw} is not a directory`);
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new ConfigError(`SCALE_UI_DIR=${raw} has no index.html: name the dist/ directory of a scale-ui production build`);
  return dir;
}

function onOff(env: NodeJS.ProcessEnv, name: string): boolean {
  const v = get(env, name).trim().toLowerCase();
  if (v !== 'on' && v !== 'off') throw new ConfigError(`${name}=${v} must be on or off`);
  return v === 'on';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = num(env, 'PORT', { min: 0, integer: true });
  const executor = get(env, 'SCALE_EXECUTOR');
  if (executor !== 'local' && executor !== 'docker' && executor !== 'auto' && executor !== 'mesos') throw new ConfigError(`SCALE_EXECUTOR=${executor} is not supported; choose local, docker, auto or mesos`);
  const dockerHost = get(env, 'DOCKER_HOST') || null;
  if (dockerHost && !/^(unix|tcp|http|https):\/\//.test(dockerHost)) throw new ConfigError(`DOCKER_HOST=${dockerHost} must be unix:///path or tcp://host:port`);
  const scheduler = get(env, 'SCALE_SCHEDULER');
  if (scheduler !== 'on' && scheduler !== 'off') throw new ConfigError(`SCALE_SCHEDULER=${scheduler} must be on or off`);
  const roots = get(env, 'SCALE_WORKSPACE_ROOTS').split(':').filter(Boolean);
  for (const root of roots) {
    if (!path.isAbsolute(root)) throw new ConfigError(`SCALE_WORKSPACE_ROOTS entry ${root} must be an absolute path`);
  }
  return {
    port,
    host: get(env, 'HOST'),
    dataDir: path.resolve(get(env, 'SCALE_DATA_DIR')),
    databaseUrl: databaseUrlFrom(env),
    dbPoolMax: num(env, 'SCALE_DB_POOL_MAX', { min: 1, integer: true }),
    executor,
    mesos: executor === 'mesos' ? mesosConfig(env) : null,
    dockerHost,
    dockerMaxContainers: num(env, 'SCALE_DOCKER_MAX_CONTAINERS', { min: 1, integer: true }),
    cwltool: cwltoolCommand(get(env, 'SCALE_CWLTOOL')),
    cwlDefaultContainer: get(env, 'SCALE_CWL_DEFAULT_CONTAINER').trim() || null,
    cwlUser: get(env, 'SCALE_CWL_USER'),
    cwltoolServer: onOff(env, 'SCALE_CWLTOOL_SERVER'),
    registry: registryUrl(get(env, 'SCALE_REGISTRY')),
    registryAuth: get(env, 'SCALE_REGISTRY_AUTH') || null,
    nodeName: get(env, 'SCALE_NODE_NAME') || `${os.hostname()}:${port}`,
    nodeCpus: optionalNum(env, 'SCALE_NODE_CPUS'),
    nodeMem: optionalNum(env, 'SCALE_NODE_MEM'),
    nodeDisk: optionalNum(env, 'SCALE_NODE_DISK'),
    schedulerIntervalMs: num(env, 'SCALE_SCHEDULER_INTERVAL_MS', { min: 1, integer: true }),
    schedulerQueueLimit: num(env, 'SCALE_SCHEDULER_QUEUE_LIMIT', { min: 1, integer: true }),
    heartbeatSeconds: num(env, 'SCALE_HEARTBEAT_SECONDS', { min: 0.05 }),
    nodeLostSeconds: num(env, 'SCALE_NODE_LOST_SECONDS', { min: 0.1 }),
    killGraceSeconds: num(env, 'SCALE_KILL_GRACE_SECONDS', { min: 0 }),
    maxBodyBytes: num(env, 'SCALE_MAX_BODY_BYTES', { min: 1, integer: true }),
    maxUploadBytes: num(env, 'SCALE_MAX_UPLOAD_BYTES', { min: 0, integer: true }),
    defaultWorkspace: get(env, 'SCALE_DEFAULT_WORKSPACE') || null,
    workspaceRoots: roots.map((r) => path.resolve(r)),
    schedulerEnabled: scheduler === 'on',
    pgliteVacuumSeconds: num(env, 'SCALE_PGLITE_VACUUM_SECONDS', { min: 0 }),
    secretsKey: get(env, 'SCALE_SECRETS_KEY') || null,
    publicUrl: publicUrl(get(env, 'SCALE_PUBLIC_URL')),
    ogcSyncSeconds: num(env, 'SCALE_OGC_SYNC_SECONDS', { min: 0 }),
    ogcMaxBodyBytes: num(env, 'SCALE_OGC_MAX_BODY_BYTES', { min: 1, integer: true }),
    ogcFetchSeconds: num(env, 'SCALE_OGC_FETCH_SECONDS', { min: 0.1 }),
    ogcFetchMaxBytes: num(env, 'SCALE_OGC_FETCH_MAX_BYTES', { min: 1, integer: true }),
    fetchAllow: fetchAllow(get(env, 'SCALE_FETCH_ALLOW')),
    ogcCallbackSeconds: num(env, 'SCALE_OGC_CALLBACK_SECONDS', { min: 0.1 }),
    strikePollMs: num(env, 'SCALE_STRIKE_POLL_MS', { min: 10 }),
    s3: { endpoint: s3Endpoint(get(env, 'S3_ENDPOINT')), region: get(env, 'AWS_REGION') || 'us-east-1', idleTimeoutSeconds: num(env, 'SCALE_S3_TIMEOUT_SECONDS', { min: 0 }) },
    clockTickMs: num(env, 'SCALE_CLOCK_TICK_MS', { min: 10 }),
    ogcListCacheMs: num(env, 'SCALE_OGC_LIST_CACHE_MS', { min: 0, integer: true }),
    rateLimit: rateLimitConfig(num(env, 'SCALE_RATE_LIMIT', { min: 0 }), num(env, 'SCALE_RATE_LIMIT_BURST', { min: 0, integer: true })),
    nodeMaxExecutions: num(env, 'SCALE_NODE_MAX_EXECUTIONS', { min: 0, integer: true }) || null,
    maxInputs: num(env, 'SCALE_MAX_INPUTS', { min: 1, integer: true }),
    idempotencyHours: num(env, 'SCALE_IDEMPOTENCY_HOURS', { min: 1 }),
    auth: authConfig(get(env, 'SCALE_AUTH_TOKENS'), get(env, 'SCALE_AUTH_TOKEN_FILE'), get(env, 'SCALE_ANONYMOUS_SCOPES').trim()),
    corsOrigins: corsOrigins(get(env, 'SCALE_CORS_ORIGINS')),
    scaleUiDir: scaleUiDir(get(env, 'SCALE_UI_DIR')),
  };
}

export function helpText(): string {
  const width = Math.max(...SETTINGS.map((s) => s.env.length));
  const lines = SETTINGS.map((s) => `  ${s.env.padEnd(width)}  ${s.help}${s.default ? ` (default: ${s.default})` : ''}`);
  return [
    'Usage: scale-ades <command> [options]',
    '',
    'Commands:',
    '  serve     start the server (OGC API - Processes at /, the Scale REST API under /scale/, the scheduler and the executor)',
    '  migrate   apply database migrations and exit',
    '',
    'Settings (environment variables):',
    ...lines,
    '',
  ].join('\n');
}
