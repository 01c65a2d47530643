// The summary `npm run bench` ends with (bench/summary.ts): the table, the met / not met verdicts,
// summary.md and the PNG chart of the ratios, fed figures directly (no benchmark runs).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { type Figure, met, summaryTable, writeSummary } from '../bench/summary.ts';
import { missingGlyphs } from '../bench/png.ts';

const FIGS: Figure[] = [
  { section: 'a', name: 'no-op jobs/s, pglite', value: 412.4, unit: 'jobs/s', goal: { op: '>=', target: 200 } },
  { section: 'a', name: 'no-op jobs vs raw spawn, pglite', value: 46.1, unit: '%', reference: 'raw spawn, one at a time', goal: { op: '>=', target: 50 } },
  { section: 'f', name: 'GET /jobs?limit=100 p95 | pglite', value: 12.5, unit: 'ms', goal: { op: '<=', target: 20 } },
  { section: 'g', name: 'WPS Execute echo (sync)', value: 0.33, unit: '×', reference: 'PyWPS 4.5', goal: { op: '>=', target: 3 } },
  { section: 'g', name: 'WPS GetCapabilities', value: 83, unit: '×', reference: 'PyWPS 4.5' },
  { section: 'e', name: 'recipe jobs vs plain jobs', value: 93, unit: '%', reference: 'plain jobs' },
  { section: 'd', name: 'SEED jobs, 8 in flight', value: 179, unit: '%', reference: 'raw dockerode', goal: { op: '>=', target: 70 } },
];

/** The chunks of a PNG, each checked against its CRC-32 (zlib's, not the writer's own). */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    assert.equal(png.readUInt32BE(at + 8 + len), zlib.crc32(png.subarray(at + 4, at + 8 + len)), `CRC of ${type}`);
    out.push({ type, data });
    at += 12 + len;
  }
  return out;
}

describe('bench summary (bench/summary.ts)', () => {
  it('judges both goal kinds, and figures without a goal not at all', () => {
    assert.equal(met(FIGS[0]), true); // 412 ≥ 200
    assert.equal(met(FIGS[1]), false); // 46% < 50%
    assert.equal(met(FIGS[2]), true); // 12.5 ms ≤ 20 ms
    assert.equal(met({ ...FIGS[2], value: 20.5 }), false);
    assert.equal(met({ ...FIGS[2], value: 20 }), true);
    assert.equal(met(FIGS[4]), null);
  });

  it('prints a table of every figure beside its reference and goal', () => {
    const lines = summaryTable(FIGS).split('\n');
    assert.match(lines[0], /^section\s+figure\s+value\s+reference\s+goal\s+met$/);
    const row = (name: string) => lines.find((l) => l.includes(name))!;
    assert.match(row('no-op jobs/s'), /^\(a\)\s+no-op jobs\/s, pglite\s+412 jobs\/s\s+≥ 200 jobs\/s\s+met$/);
    assert.match(row('vs raw spawn'), /46\.1%\s+raw spawn, one at a time\s+≥ 50%\s+NOT met$/);
    assert.match(row('p95'), /12\.5 ms\s+≤ 20 ms\s+met$/);
    assert.match(row('Execute echo'), /0\.33×\s+PyWPS 4\.5\s+≥ 3×\s+NOT met$/);
    assert.match(row('GetCapabilities'), /83×\s+PyWPS 4\.5\s+—$/);
    assert.equal(lines.at(-1), '7 figures; 5 with a goal: 3 met, 2 NOT met');
    // The values right-aligned in one column.
    const ends = ['412 jobs/s', '46.1%', '12.5 ms', '0.33×', '83×', '93%', '179%'].map((v) => {
      const l = lines.find((x) => x.includes(` ${v} `))!;
      return l.indexOf(` ${v} `) + v.length;
    });
    assert.equal(new Set(ends).size, 1, ends.join(','));
  });

  it('writes summary.md and a valid PNG chart of the ratio figures', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-summary-'));
    try {
      const written = await writeSummary(dir, { sections: ['a', 'e', 'f', 'g'], date: new Date('2026-01-02T03:04:05Z') }, FIGS);
      const md = await fs.readFile(path.join(dir, 'summary.md'), 'utf8');
      assert.equal(written.markdown, path.join(dir, 'summary.md'));
      assert.match(md, /^# Benchmark summary\n\n2026-01-02T03:04:05\.000Z · Node\.js v\d+\.\d+\.\d+ · \d+ cpus · load average [\d.]+ \/ [\d.]+ \/ [\d.]+ .*· sections a, e, f, g\n/);
      assert.match(md, /\| \(a\) \| no-op jobs vs raw spawn, pglite \| 46\.1% \| raw spawn, one at a time \| ≥ 50% \| NOT met \|/);
      assert.match(md, /\| GET \/jobs\?limit=100 p95 \\\| pglite \| 12\.5 ms \|  \| ≤ 20 ms \| met \|/, 'a | in a name is escaped');
      assert.match(md, /!\[[^\]]*\]\(summary\.png\)/);

      const png = await fs.readFile(written.chart!);
      const cs = chunks(png);
      assert.deepEqual(cs.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
      const [width, height] = [cs[0].data.readUInt32BE(0), cs[0].data.readUInt32BE(4)];
      assert.deepEqual([...cs[0].data.subarray(8)], [8, 6, 0, 0, 0], '8-bit RGBA, no interlace');
      assert.ok(width > 600 && height > 150, `${width}×${height}`);
      const raw = zlib.inflateSync(cs[1].data);
      assert.equal(raw.length, height * (1 + width * 4));
      // Bars in each colour: 5 ratio figures, 1 met (green), 2 not met (red), 2 without a goal (grey).
      const count = (r: number, g: number, b: number) => {
        let n = 0;
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
          const i = y * (1 + width * 4) + 1 + x * 4;
          if (raw[i] === r && raw[i + 1] === g && raw[i + 2] === b) n++;
        }
        return n;
      };
      assert.ok(count(40, 150, 70) > 100, 'met bars in green');
      assert.ok(count(200, 50, 50) > 100, 'not-met bars in red');
      assert.ok(count(150, 160, 175) > 100, 'bars without a goal in grey');
      // Every character the chart draws has a glyph.
      assert.deepEqual(missingGlyphs('≥≤×%<>[]|\'"!;*#&~–—→'), []);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('writes no chart, and removes a stale one, when no figure is a ratio', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-summary-'));
    try {
      await fs.writeFile(path.join(dir, 'summary.png'), 'stale');
      const written = await writeSummary(dir, { sections: ['j'] }, [FIGS[2]]);
      assert.equal(written.chart, null);
      await assert.rejects(fs.stat(path.join(dir, 'summary.png')), { code: 'ENOENT' });
      assert.doesNotMatch(await fs.readFile(written.markdown, 'utf8'), /summary\.png/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
