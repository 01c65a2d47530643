// Prints what the reliability tests tried and what held, from test/artifacts/reliability.jsonl
// (written by record() in report.ts), as a table: one row per thing tried — the latest record of
// each when a test ran more than once — then one plain line "N tried, M held".
//   node --import tsx test/reliability/print-report.ts [file]
import fs from 'node:fs';
import { type Finding, REPORT } from './report.ts';

type Row = Finding & { at?: string };

export function readFindings(file = REPORT): Row[] {
  if (!fs.existsSync(file)) return [];
  const latest = new Map<string, Row>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let f: Row;
    try {
      f = JSON.parse(line);
    } catch {
      continue; // a line cut short by a killed run
    }
    if (typeof f?.area !== 'string' || typeof f.what !== 'string') continue;
    latest.set(`${f.area}\u0000${f.what}`, f);
  }
  return [...latest.values()];
}

const num = (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n));

export function formatTable(rows: Row[]): string {
  const head = ['area', 'what was tried', 'tried', 'held', 'figures'];
  const cells = rows.map((r) => [
    r.area,
    r.what,
    num(r.tried),
    r.held ? 'yes' : 'NO',
    Object.entries(r.figures ?? {}).map(([k, v]) => `${k} ${num(v)}`).join(', '),
  ]);
  const width = head.slice(0, 4).map((h, i) => Math.min(i === 1 ? 70 : 40, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s);
  const line = (c: string[]) => [cut(c[0], width[0]).padEnd(width[0]), cut(c[1], width[1]).padEnd(width[1]), c[2].padStart(width[2]), c[3].padEnd(width[3]), c[4]].join('  ').trimEnd();
  const rule = [...width.map((w) => '-'.repeat(w)), '-'.repeat(7)].join('  ');
  const held = rows.filter((r) => r.held).length;
  return [line(head), rule, ...cells.map(line), rule, `${rows.length} tried, ${held} held`].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = readFindings(process.argv[2] ?? REPORT);
  if (!rows.length) {
    process.stdout.write(`no findings in ${process.argv[2] ?? REPORT}\n0 tried, 0 held\n`);
  } else {
    process.stdout.write(`${formatTable(rows)}\n`);
  }
  process.exitCode = rows.every((r) => r.held) ? 0 : 1;
}
