// src/core/recent.ts: values kept for a moment, shared by the process catalog, the default workspace and the v5 job list.
import assert from 'node:assert/strict';
import { recentReads } from '../src/core/recent.ts';

describe('recentReads', () => {
  it('answers a key from its read while kept, reads it again once expired or cleared, and reads only the missing of many', async () => {
    let now = 1_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const reads: string[] = [];
      const kept = recentReads<number, string | null>(2000, 100);
      const one = (k: number) => kept.one(k, async (key) => (reads.push(`one ${key}`), key === 0 ? null : `v${key}`));
      assert.equal(await one(1), 'v1');
      assert.equal(await one(0), null);
      now += 1999;
      assert.equal(await one(1), 'v1');
      assert.equal(await one(0), null, 'a kept null is an answer too');
      assert.deepEqual(reads, ['one 1', 'one 0']);
      now += 1;
      await one(1);
      kept.clear();
      await one(1);
      assert.deepEqual(reads, ['one 1', 'one 0', 'one 1', 'one 1']);
      const got = await kept.many([1, 2, 2, 3], async (keys) => (reads.push(`many ${keys.join(',')}`), new Map(keys.filter((k) => k !== 3).map((k) => [k, `v${k}`]))));
      assert.deepEqual([...got].sort(), [[1, 'v1'], [2, 'v2']]);
      assert.equal(reads.at(-1), 'many 2,3', 'only the missing keys are read, once each; a key the read does not answer stays out');
    } finally {
      Date.now = realNow;
    }
  });

  it('drops everything past its bound', async () => {
    const kept = recentReads<number, number>(60_000, 2);
    let reads = 0;
    const read = async (k: number) => (reads++, k);
    await kept.one(1, read);
    await kept.one(2, read);
    await kept.one(3, read); // the bound reached: 1 and 2 dropped
    await kept.one(1, read);
    assert.equal(reads, 4);
  });
});
