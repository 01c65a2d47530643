import assert from 'node:assert/strict';
import pg from 'pg';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../src/store/db.ts';
import { loadMigrations, migrate, splitSql } from '../src/store/migrate.ts';
import { dbKinds, freshDatabase, type TestDatabase } from './helpers/db.ts';
import { tempDir } from './helpers/server.ts';

describe('store: migrations', () => {
  it('splits a script into statements and drops comments', () => {
    assert.deepEqual(splitSql('-- a comment\nCREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n'), ['CREATE TABLE a (x int)', 'INSERT INTO a VALUES (1)']);
  });

  it('keeps semicolons inside function bodies, strings and comments', () => {
    const fn = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  INSERT INTO a VALUES (1);\n  RETURN NULL;\nEND\n$$";
    assert.deepEqual(splitSql(`${fn};\nINSERT INTO a VALUES ('x;''y'); -- a; b\nSELECT 1;`), [fn, "INSERT INTO a VALUES ('x;''y')", 'SELECT 1']);
  });

  it('numbers the shipped migrations uniquely and in order', async () => {
    const ms = await loadMigrations();
    assert.ok(ms.length >= 1);
    assert.deepEqual(ms.map((m) => m.version), [...ms.map((m) => m.version)].sort((a, b) => a - b));
  });

  it('refuses two migrations with one number', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, '001_a.sql'), 'SELECT 1;');
    await fs.writeFile(path.join(dir, '001_b.sql'), 'SELECT 1;');
    await assert.rejects(loadMigrations(dir), /two migrations numbered 1/);
  });
});

for (const kind of dbKinds()) {
  describe(`store: ${kind}`, () => {
    let database: TestDatabase;
    let db: Db;
    before(async () => {
      database = await freshDatabase(kind);
      db = await database.open();
    });
    after(async () => {
      await db?.close();
      await database?.drop();
    });

    it('applies every migration once and records it', async () => {
      const all = await loadMigrations();
      const rows = (await db.query('SELECT version FROM scale_migration ORDER BY version')).rows.map((r) => r.version);
      assert.deepEqual(rows, all.map((m) => m.version));
      assert.deepEqual(await migrate(db), [], 'a second run applies nothing');
    });

    it('applies a new migration and then never again', async () => {
      const extra = [...(await loadMigrations()), { version: 9000, name: '9000_extra.sql', sql: 'CREATE TABLE extra_t (x int);\nINSERT INTO extra_t VALUES (1);' }];
      assert.deepEqual(await migrate(db, extra), ['9000_extra.sql']);
      assert.deepEqual(await migrate(db, extra), []);
      assert.equal((await db.query('SELECT count(*)::int AS n FROM extra_t')).rows[0].n, 1);
    });

    it('rolls a failed migration back whole', async () => {
      const bad = [{ version: 9001, name: '9001_bad.sql', sql: 'CREATE TABLE bad_t (x int);\nSELECT no_such_function();' }];
      await assert.rejects(migrate(db, bad));
      assert.equal((await db.query(`SELECT to_regclass('bad_t') AS t`)).rows[0].t, null);
      assert.equal((await db.query('SELECT count(*)::int AS n FROM scale_migration WHERE version = 9001')).rows[0].n, 0);
    });

    it('commits a transaction that succeeds and rolls back one that throws', async () => {
      await db.query('CREATE TABLE tx_t (x int)');
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_t VALUES (1)');
        await tx.query('INSERT INTO tx_t VALUES (2)');
      });
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_t VALUES (3)');
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual((await db.query('SELECT x FROM tx_t ORDER BY x')).rows.map((r) => r.x), [1, 2]);
    });

    it('returns bigint and numeric columns as numbers, jsonb parsed, arrays as parameters', async () => {
      const r = (await db.query('SELECT 9007199254740::int8 AS a, 2.5::numeric AS b, $1::jsonb AS c, $2::int[] AS d', [JSON.stringify({ k: [1] }), [1, 2]])).rows[0];
      assert.equal(r.a, 9007199254740);
      assert.equal(r.b, 2.5);
      assert.deepEqual(r.c, { k: [1] });
      assert.deepEqual(r.d, [1, 2]);
    });

    it('has an index for every job list filter', async () => {
      const idx = (await db.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'job'`)).rows.map((r) => r.indexdef as string);
      for (const col of ['last_modified', 'status', 'job_type_id', 'created']) {
        assert.ok(idx.some((d) => new RegExp(`\\(${col}\\b`).test(d)), `an index leads with job.${col}`);
      }
      const q = (await db.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'queue'`)).rows.map((r) => r.indexdef as string);
      assert.ok(q.some((d) => /\(priority, queued, job_id\)/.test(d)), 'the queue is indexed in claim order');
    });
  });
}

if (process.env.DATABASE_URL) {
  describe('store: concurrent starters on one PostgreSQL database', () => {
    it('migrate exactly once when several processes start together', async () => {
      const database = await freshDatabase('postgres');
      try {
        const dbs = await Promise.all([1, 2, 3, 4].map(() => database.open()));
        const applied = (await db0(dbs)).rows.map((r) => r.version);
        assert.deepEqual(applied, [...new Set(applied)]);
        await Promise.all(dbs.map((d) => d.close()));
      } finally {
        await database.drop();
      }
    });
  });
}

if (process.env.DATABASE_URL) {
  describe('store: PostgreSQL connections terminated under a statement', () => {
    it('a read is tried again on a fresh connection; a write is not (503-able Unavailable, nothing done twice)', async () => {
      const database = await freshDatabase('postgres');
      const db = await database.open();
      const admin = new pg.Client({ connectionString: database.url! });
      await admin.connect();
      const name = new URL(database.url!).pathname.slice(1);
      const cut = async () => {
        await new Promise((r) => setTimeout(r, 150));
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      };
      try {
        await db.exec('CREATE TABLE cut_test (id serial PRIMARY KEY, v int)');
        const [read] = await Promise.all([db.query('SELECT pg_sleep(0.5), 42 AS x'), cut()]);
        assert.equal(read.rows[0].x, 42);
        const [write] = await Promise.allSettled([db.query('INSERT INTO cut_test (v) SELECT 1 FROM pg_sleep(0.5)'), cut()]);
        assert.equal(write.status, 'rejected');
        assert.equal((write as PromiseRejectedResult).reason.kind, 'unavailable');
        assert.equal((await db.query('SELECT count(*)::int AS n FROM cut_test')).rows[0].n, 0);
      } finally {
        await admin.end();
        await db.close();
        await database.drop();
      }
    });
  });
}

async function db0(dbs: Db[]) {
  return dbs[0].query('SELECT version FROM scale_migration ORDER BY version');
}
