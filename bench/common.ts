// Shared pieces of the benchmarks: fresh databases, servers without HTTP, timing helpers.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { buildServer } from '../src/server.ts';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';

export type Kind = 'pglite' | 'postgres';

export function kinds(): Kind[] {
  const all: Kind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
  const only = process.env.BENCH_DB?.split(',');
  return only ? all.filter((k) => only.includes(k)) : all;
}

export async function freshDb(kind: Kind): Promise<{ db: Db; url: string | null; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const db = await openDb({ databaseUrl: null, dataDir: null });
    return { db, url: null, drop: () => db.close() };
  }
  const base = process.env.DATABASE_URL!;
  const name = `scale_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString(), dataDir: null, poolMax: 10 });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function server(db: Db, env: Record<string, string> = {}) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'scale-bench-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SCALE_DATA_DIR: dataDir, SCALE_NODE_NAME: `bench-${path.basename(dataDir)}`, ...env });
  const s = await buildServer(config, { db, listen: env.LISTEN === '1', log: createLogger({}, 'error') });
  return {
    ...s,
    async close() {
      await s.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
