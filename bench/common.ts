// Shared pieces of the benchmarks: fresh databases, servers without HTTP, timing helpers.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { buildServer } from '../src/server.ts';
import type { Db } from '../src/store/db.ts';
import { freshDatabase } from '../test/helpers/db.ts';

export type Kind = 'pglite' | 'postgres';

export function kinds(): Kind[] {
  const all: Kind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
  const only = process.env.BENCH_DB?.split(',');
  return only ? all.filter((k) => only.includes(k)) : all;
}

/** A fresh database of the kind, opened and migrated (the tests' helper, shared). */
export async function freshDb(kind: Kind): Promise<{ db: Db; url: string | null; drop: () => Promise<void> }> {
  const database = await freshDatabase(kind);
  const db = await database.open();
  return {
    db,
    url: database.url,
    async drop() {
      await db.close();
      await database.drop();
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
