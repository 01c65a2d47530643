import assert from 'node:assert/strict';
import { Batcher } from '../src/core/batcher.ts';

describe('batcher (completion writes)', () => {
  it('gathers items added together into one batch and the next ones while it runs', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>({
      handle: async (items) => {
        batches.push(items);
        await new Promise((r) => setTimeout(r, 20));
        return items.map((i) => i * 10);
      },
    });
    const first = [1, 2, 3].map((i) => b.add(i));
    await new Promise((r) => setTimeout(r, 5));
    const second = [4, 5].map((i) => b.add(i));
    assert.deepEqual(await Promise.all([...first, ...second]), [10, 20, 30, 40, 50]);
    assert.deepEqual(batches, [[1, 2, 3], [4, 5]]);
  });

  it('retries after failures without losing items, and a poison item does not hold the others back', async () => {
    let downFor = 2;
    const handled: number[] = [];
    const b = new Batcher<number, string>({
      maxBackoffMs: 5,
      handle: async (items) => {
        if (downFor-- > 0) throw new Error('database restarting');
        if (items.includes(13) && handled.filter((h) => h === 13).length < 3) {
          handled.push(13);
          throw new Error('poison');
        }
        handled.push(...items);
        return items.map((i) => `ok ${i}`);
      },
    });
    const results = await Promise.all([1, 13, 2].map((i) => b.add(i)));
    assert.deepEqual(results, ['ok 1', 'ok 13', 'ok 2']);
    assert.ok(handled.indexOf(1) < handled.lastIndexOf(13), 'item 1 was written before the poison item finally went through');
  });
});
