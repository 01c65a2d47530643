// Workspaces: named places that hold files, each behind a broker (a host directory, or an S3 bucket).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db, Queryable, Row } from '../../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { check } from '../../schemas.ts';
import type { Broker } from '../../storage/broker.ts';
import { HostBroker } from '../../storage/host-broker.ts';
import { LazyS3Broker } from '../../storage/lazy-s3-broker.ts';
import { S3_DEFAULTS, type S3BrokerConfig, type S3Defaults } from '../../storage/s3-config.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import { recentReads } from '../recent.ts';

export interface Workspace {
  id: number;
  name: string;
  title: string | null;
  description: string | null;
  baseUrl: string | null;
  isActive: boolean;
  jsonConfig: { version?: string; broker: { type: string; [k: string]: unknown } };
  usedSize: number | null;
  totalSize: number | null;
  created: Date;
  archived: Date | null;
  lastModified: Date;
}

export interface WorkspaceInput {
  name?: string;
  title?: string | null;
  description?: string | null;
  base_url?: string | null;
  is_active?: boolean;
  json_config?: unknown;
}

export interface Warning {
  id: string;
  details: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$/;
const ORDERABLE: Record<string, string> = { id: 'id', name: 'name', title: 'title', created: 'created', last_modified: 'last_modified', is_active: 'is_active' };

function toWorkspace(r: Row): Workspace {
  return {
    id: r.id,
    name: r.name,
    title: r.title,
    description: r.description,
    baseUrl: r.base_url,
    isActive: r.is_active,
    jsonConfig: r.json_config,
    usedSize: r.used_size,
    totalSize: r.total_size,
    created: r.created,
    archived: r.archived,
    lastModified: r.last_modified,
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;

export function createWorkspaceService({ db, allowedRoots = [], cacheDir = path.join(os.tmpdir(), 'scale-s3-cache'), s3 = S3_DEFAULTS }: { db: Db; allowedRoots?: string[]; cacheDir?: string; s3?: S3Defaults }) {
  const brokers = new Map<number, { config: string; broker: Broker }>();

  /** Validates a workspace configuration; throws Invalid for errors and returns warnings. */
  async function checkConfig(config: unknown, previous?: Workspace): Promise<Warning[]> {
    const problems = check('scale/workspace-config-1.0', config, 'json_config');
    if (problems.length) throw Invalid.many(problems);
    const broker = (config as Workspace['jsonConfig']).broker;
    const warnings: Warning[] = [];
    if (previous && previous.jsonConfig.broker.type !== broker.type) {
      warnings.push({ id: 'broker_type', details: 'Changing the broker type may disrupt queued/running jobs.' });
    }
    if (broker.type === 's3') return [...warnings, ...(await checkS3(broker))];
    if (broker.type !== 'host') {
      throw new Invalid('json_config.broker.type', `broker type ${JSON.stringify(broker.type)} is not supported by this server; use "host" or "s3"`);
    }
    const hostPath = broker.host_path;
    if (typeof hostPath !== 'string' || !path.isAbsolute(hostPath)) {
      throw new Invalid('json_config.broker.host_path', 'is required and must be an absolute path');
    }
    if (hostPath.split('/').includes('..')) throw new Invalid('json_config.broker.host_path', "must not contain '..'");
    if (allowedRoots.length && !allowedRoots.some((root) => path.resolve(hostPath) === root || path.resolve(hostPath).startsWith(root + path.sep))) {
      throw new Invalid('json_config.broker.host_path', `must be under one of ${allowedRoots.join(', ')} (SCALE_WORKSPACE_ROOTS)`);
    }
    try {
      const st = await fs.stat(hostPath);
      if (!st.isDirectory()) throw new Invalid('json_config.broker.host_path', 'exists and is not a directory');
    } catch (err: any) {
      if (err instanceof Invalid) throw err;
      warnings.push({ id: 'host_path', details: `${hostPath} does not exist yet; it will be created` });
    }
    return warnings;
  }

  /** Scale's s3 broker fields, checked; the bucket is tried (a warning when it does not answer, as Scale's validator does). */
  async function checkS3(b: Record<string, unknown>): Promise<Warning[]> {
    const field = (k: string) => `json_config.broker.${k}`;
    if (typeof b.bucket_name !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b.bucket_name)) throw new Invalid(field('bucket_name'), 'is required: an S3 bucket name (3-63 lower-case letters, digits, "." and "-")');
    for (const k of ['region_name', 'endpoint_url', 'host_path'] as const) if (b[k] !== undefined && typeof b[k] !== 'string') throw new Invalid(field(k), 'must be a string');
    if (typeof b.endpoint_url === 'string' && !/^https?:\/\//.test(b.endpoint_url)) throw new Invalid(field('endpoint_url'), 'must be an http(s) URL');
    if (b.credentials !== undefined) {
      const c = b.credentials as Record<string, unknown> | null;
      if (!c || typeof c !== 'object' || typeof c.access_key_id !== 'string' || typeof c.secret_access_key !== 'string') {
        throw new Invalid(field('credentials'), 'must be {"access_key_id": …, "secret_access_key": …} (omit it to use the default credential chain)');
      }
    }
    const problem = await new LazyS3Broker(b as unknown as S3BrokerConfig, cacheDir, s3).reachable();
    return problem ? [{ id: 'bucket', details: `bucket ${b.bucket_name} did not answer (${problem}); files cannot be stored until it does` }] : [];
  }

  function checkFields(input: WorkspaceInput, creating: boolean): void {
    if (creating) {
      if (typeof input.name !== 'string') throw new Invalid('name', 'is required');
      if (!NAME.test(input.name)) throw new Invalid('name', 'must be 1-50 letters, digits, "_", "." or "-", starting with a letter or digit');
      if (input.json_config === undefined) throw new Invalid('json_config', 'is required');
    }
    if (input.base_url !== undefined && input.base_url !== null) {
      try {
        new URL(input.base_url);
      } catch {
        throw new Invalid('base_url', 'must be an absolute URL or null');
      }
    }
  }

  /** A secret key sent back masked (*****) means the one already stored. */
  function unmask(input: WorkspaceInput, previous: Workspace | undefined): WorkspaceInput {
    const creds = (input.json_config as { broker?: { credentials?: Record<string, unknown> } } | undefined)?.broker?.credentials;
    const old = (previous?.jsonConfig.broker as { credentials?: Record<string, unknown> } | undefined)?.credentials;
    if (!creds || creds.secret_access_key !== '*****' || !old) return input;
    const cfg = input.json_config as Workspace['jsonConfig'];
    return { ...input, json_config: { ...cfg, broker: { ...cfg.broker, credentials: { ...creds, secret_access_key: old.secret_access_key } } } };
  }

  async function validate(given: WorkspaceInput, existingId?: number): Promise<Warning[]> {
    const previous = existingId === undefined ? undefined : await get(existingId);
    const input = unmask(given, previous);
    checkFields(input, previous === undefined);
    return input.json_config === undefined ? [] : checkConfig(input.json_config, previous);
  }

  async function get(id: number): Promise<Workspace> {
    const res = await db.query('SELECT * FROM workspace WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('workspace', id);
    return toWorkspace(res.rows[0]);
  }

  async function byName(name: string, q: Queryable = db): Promise<Workspace | null> {
    const res = await q.query('SELECT * FROM workspace WHERE name = $1', [name]);
    return res.rows[0] ? toWorkspace(res.rows[0]) : null;
  }

  // Workspaces by name as read a moment ago, for callers on every request's path (a run's default
  // workspace): a change made in this process clears them at once, one made by another process
  // shows within RECENT_MS (as job types do in the process catalog).
  const RECENT_MS = 2000;
  const recent = recentReads<string, Workspace | null>(RECENT_MS, 100);

  /** byName, answered from a read at most RECENT_MS old. */
  function byNameRecent(name: string): Promise<Workspace | null> {
    return recent.one(name, (n) => byName(n));
  }

  async function getMany(ids: number[], q: Queryable = db): Promise<Map<number, Workspace>> {
    const res = ids.length ? await q.query('SELECT * FROM workspace WHERE id = ANY($1::int[])', [ids]) : { rows: [] };
    return new Map(res.rows.map((r) => [r.id, toWorkspace(r)]));
  }

  async function list(f: ListRequest & { started?: Date | null; ended?: Date | null; names?: string[] }): Promise<ListResult<Workspace>> {
    const where = new Where().range('last_modified', f.started, f.ended).anyOf('name', f.names, 'text');
    const res = await pagedList(db, { select: '*', from: 'workspace', where, orderSql: orderBy(f.order, ORDERABLE, ['id']), tiebreak: 'id', page: f });
    return { count: res.count, rows: res.rows.map(toWorkspace) };
  }

  async function create(input: WorkspaceInput): Promise<{ workspace: Workspace; warnings: Warning[] }> {
    const warnings = await validate(input);
    const config = input.json_config as Workspace['jsonConfig'];
    if (config.broker.type === 'host') await fs.mkdir(String(config.broker.host_path), { recursive: true });
    try {
      recent.clear();
      const res = await db.query(
        `INSERT INTO workspace (name, title, description, base_url, is_active, json_config) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [input.name, input.title ?? null, input.description ?? null, input.base_url ?? null, input.is_active ?? true, JSON.stringify({ version: '1.0', ...config })],
      );
      return { workspace: toWorkspace(res.rows[0]), warnings };
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new Conflict(`a workspace named ${JSON.stringify(input.name)} already exists`);
      throw err;
    }
  }

  async function edit(id: number, given: WorkspaceInput): Promise<{ workspace: Workspace; warnings: Warning[] }> {
    const input = unmask(given, await get(id));
    const warnings = await validate(input, id);
    if (input.json_config !== undefined && (input.json_config as Workspace['jsonConfig']).broker.type === 'host') {
      await fs.mkdir(String((input.json_config as Workspace['jsonConfig']).broker.host_path), { recursive: true });
    }
    const res = await db.query(
      `UPDATE workspace SET
         title = CASE WHEN $2::boolean THEN $3::text ELSE title END,
         description = CASE WHEN $4::boolean THEN $5::text ELSE description END,
         base_url = CASE WHEN $6::boolean THEN $7::text ELSE base_url END,
         is_active = coalesce($8::boolean, is_active),
         archived = CASE WHEN $8::boolean IS NULL THEN archived WHEN $8::boolean THEN NULL ELSE coalesce(archived, now()) END,
         json_config = coalesce($9::jsonb, json_config),
         last_modified = now()
       WHERE id = $1 RETURNING *`,
      [
        id,
        input.title !== undefined, input.title ?? null,
        input.description !== undefined, input.description ?? null,
        input.base_url !== undefined, input.base_url ?? null,
        input.is_active ?? null,
        input.json_config === undefined ? null : JSON.stringify({ version: '1.0', ...(input.json_config as object) }),
      ],
    );
    brokers.delete(id);
    recent.clear();
    return { workspace: toWorkspace(res.rows[0]), warnings };
  }

  function broker(ws: Workspace): Broker {
    const key = JSON.stringify(ws.jsonConfig);
    const cached = brokers.get(ws.id);
    if (cached && cached.config === key) return cached.broker;
    const type = ws.jsonConfig.broker.type;
    if (type !== 'host' && type !== 's3') throw new Invalid('workspace', `workspace ${ws.name} uses unsupported broker ${type}`);
    const b: Broker = type === 's3' ? new LazyS3Broker(ws.jsonConfig.broker as unknown as S3BrokerConfig, cacheDir, s3) : new HostBroker(String(ws.jsonConfig.broker.host_path));
    brokers.set(ws.id, { config: key, broker: b });
    return b;
  }

  /** Creates the named host workspace under dir if no workspace of that name exists. */
  async function ensureDefault(name: string, dir: string): Promise<Workspace> {
    const existing = await byName(name);
    if (existing) return existing;
    await fs.mkdir(dir, { recursive: true });
    recent.clear();
    const res = await db.query(
      `INSERT INTO workspace (name, title, description, json_config) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING *`,
      [name, 'Default', 'Default host workspace under SCALE_DATA_DIR', JSON.stringify({ version: '1.0', broker: { type: 'host', host_path: dir } })],
    );
    return toWorkspace(res.rows[0]);
  }

  return { validate, get, byName, byNameRecent, getMany, list, create, edit, broker, ensureDefault };
}
