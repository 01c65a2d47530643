// Numbered .sql migrations, applied in order, each in its own transaction and recorded in
// scale_migration. On PostgreSQL an advisory lock makes concurrent starters take turns.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 7_428_031; // arbitrary, constant: "scale migrations"

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const version = Number(file.split('_')[0]);
    if (migrations.some((m) => m.version === version)) throw new Error(`two migrations numbered ${version}`);
    migrations.push({ version, name: file, sql: await fs.readFile(path.join(dir, file), 'utf8') });
  }
  return migrations;
}

/** Applies the migrations not yet recorded; returns the names applied. */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  // CREATE TABLE IF NOT EXISTS races with itself across sessions, so it runs under the lock too.
  await db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS scale_migration (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: string[] = [];
  for (const m of all) {
    const done = await db.transaction(async (tx) => {
      if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM scale_migration WHERE version = $1', [m.version]);
      if (seen.rows.length) return false;
      // Statements run one by one: the extended protocol used by tx.query takes one statement at a time.
      for (const statement of splitSql(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO scale_migration (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return applied;
}

/** Splits a migration script on semicolons that end a line; migrations keep one statement per such line. */
export function splitSql(sql: string): string[] {
  // Semicolons inside quotes, dollar-quoted bodies (plpgsql functions) and comments do not end a statement.
  const out: string[] = [];
  let cur = '';
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (dollar) {
      const end = sql.indexOf(dollar[0], i + dollar[0].length);
      const stop = end < 0 ? sql.length : end + dollar[0].length;
      cur += sql.slice(i, stop);
      i = stop;
    } else if (sql[i] === "'") {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      cur += sql.slice(i, j + 1);
      i = j + 1;
    } else if (sql[i] === ';') {
      out.push(cur);
      cur = '';
      i++;
    } else {
      cur += sql[i++];
    }
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}
