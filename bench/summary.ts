// The figures of one `npm run bench`, gathered for the summary table printed at its end (and
// written to bench/out/summary.md). Each section records the figures it prints with `figure()`:
// what was measured, its value, the reference it is a ratio of (when it is one) and the goal.
// run.ts prints the table and writes the summary (with a bar chart of the ratios) at the end.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { barChart, type BarPanel, type Rgb } from './png.ts';

export interface Goal {
  /** `>=`: the value must reach the target; `<=`: it must stay under it. */
  op: '>=' | '<=';
  target: number;
}

export interface Figure {
  /** The bench section's letter (a–z). */
  section: string;
  /** What was measured, e.g. "WPS Execute echo (sync) vs PyWPS, pglite". */
  name: string;
  value: number;
  /** `×` for a ratio, `%` for a share of a reference, or a unit (ms, MB, jobs/s). */
  unit: string;
  /** What the value is a ratio or share of, e.g. "PyWPS 4.5 (gunicorn)" or "bare express route". */
  reference?: string;
  goal?: Goal;
}

const figures: Figure[] = [];

export function figure(f: Figure): void {
  figures.push(f);
}

export function allFigures(): readonly Figure[] {
  return figures;
}

export function met(f: Figure): boolean | null {
  if (!f.goal) return null;
  return f.goal.op === '>=' ? f.value >= f.goal.target : f.value <= f.goal.target;
}

// --- Rendering: the table printed at the end of a run, and bench/out/summary.md with its chart. ---

const suffix = (unit: string) => (unit === '×' || unit === '%' ? unit : unit ? ` ${unit}` : '');

/** Three significant figures at most, no more than two decimals: 0.31, 4.57, 52.3, 1,234. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return `${value}${suffix(unit)}`;
  const abs = Math.abs(value);
  const digits = abs >= 100 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits })}${suffix(unit)}`;
}

export const formatGoal = (f: Figure) => (f.goal ? `${f.goal.op === '>=' ? '≥' : '≤'} ${formatValue(f.goal.target, f.unit)}` : '');

export const verdict = (f: Figure) => ({ true: 'met', false: 'NOT met', null: '—' })[String(met(f)) as 'true' | 'false' | 'null'];

const COLUMNS = ['section', 'figure', 'value', 'reference', 'goal', 'met'] as const;

function rows(figs: readonly Figure[]): string[][] {
  return figs.map((f) => [`(${f.section})`, f.name, formatValue(f.value, f.unit), f.reference ?? '', formatGoal(f), verdict(f)]);
}

/** How many figures have a goal, and how many of those met it. */
export function tally(figs: readonly Figure[] = figures): { goals: number; met: number; notMet: number } {
  const judged = figs.map(met).filter((m) => m !== null);
  return { goals: judged.length, met: judged.filter(Boolean).length, notMet: judged.filter((m) => !m).length };
}

/** The plain-text table: one line per figure, columns padded (the value right-aligned). */
export function summaryTable(figs: readonly Figure[] = figures): string {
  const body = rows(figs);
  const width = COLUMNS.map((c, i) => Math.max(c.length, ...body.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((cell, i) => (i === 2 ? cell.padStart(width[i]) : cell.padEnd(width[i]))).join('  ').trimEnd();
  const t = tally(figs);
  return [line(COLUMNS), line(width.map((w) => '-'.repeat(w))), ...body.map(line), '', `${figs.length} figures; ${t.goals} with a goal: ${t.met} met, ${t.notMet} NOT met`].join('\n');
}

export function printSummary(figs: readonly Figure[] = figures): void {
  console.log(`\nSummary: every figure beside its reference and goal\n${figs.length ? summaryTable(figs) : '(no figures recorded)'}`);
}

export interface RunInfo {
  /** The sections that ran (BENCH). */
  sections: string[];
  date?: Date;
}

const md = (s: string) => s.replace(/\|/g, '\\|');

/** summary.md: when and where it ran, the table, and the chart of the ratios beside it. */
export function summaryMarkdown(figs: readonly Figure[], info: RunInfo, chart: string | null): string {
  const date = info.date ?? new Date();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' / ');
  const t = tally(figs);
  return [
    '# Benchmark summary',
    '',
    `${date.toISOString()} · Node.js ${process.version} · ${os.cpus().length} cpus · load average ${load} (1, 5, 15 min, at the end of the run) · sections ${info.sections.join(', ')}`,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    '|---|---|--:|---|---|---|',
    ...rows(figs).map((r) => `| ${r.map(md).join(' | ')} |`),
    '',
    `${figs.length} figures; ${t.goals} with a goal: ${t.met} met, ${t.notMet} NOT met.`,
    ...(chart ? ['', `![The ratio figures against their goals](${chart})`] : []),
    '',
  ].join('\n');
}

const GREEN: Rgb = [40, 150, 70], RED: Rgb = [200, 50, 50], GREY: Rgb = [150, 160, 175];

/** The chart: one panel per unit (% and ×), a bar per ratio figure, its goal marked, met in green and not met in red. */
export function summaryChart(figs: readonly Figure[], subtitle: string): Buffer | null {
  const panels: BarPanel[] = (['%', '×'] as const)
    .map((unit) => ({
      title: unit === '%' ? 'SHARE OF THE REFERENCE (%)' : 'RATIO TO THE REFERENCE (×)',
      unit,
      parity: unit === '%' ? 100 : 1,
      bars: figs.filter((f) => f.unit === unit).map((f) => ({
        label: `(${f.section}) ${f.name}`,
        value: f.value,
        goal: f.goal?.target,
        color: met(f) === null ? GREY : met(f) ? GREEN : RED,
        text: `${formatValue(f.value, f.unit)}${f.reference ? ` of ${f.reference}` : ''}${f.goal ? `, goal ${formatGoal(f)}` : ''}`,
      })),
    }))
    .filter((p) => p.bars.length);
  if (!panels.length) return null;
  return barChart({ title: 'BENCH SUMMARY: RATIOS AGAINST THEIR GOALS', subtitle, panels, legend: [{ label: 'MET', color: GREEN }, { label: 'NOT MET', color: RED }, { label: 'NO GOAL', color: GREY }] });
}

/**
 * Writes `dir`/summary.md and, when there are ratio figures, `dir`/summary.png (the chart the
 * markdown shows). Returns the paths written.
 */
export async function writeSummary(dir: string, info: RunInfo = { sections: [...new Set(figures.map((f) => f.section))] }, figs: readonly Figure[] = figures): Promise<{ markdown: string; chart: string | null }> {
  await fs.mkdir(dir, { recursive: true });
  const date = info.date ?? new Date();
  const png = summaryChart(figs, `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC, NODE ${process.version}, ${os.cpus().length} CPUS, LOAD ${os.loadavg()[0].toFixed(1)}, SECTIONS ${info.sections.join(',')}`);
  const chart = png ? path.join(dir, 'summary.png') : null;
  if (png) await fs.writeFile(chart!, png);
  else await fs.rm(path.join(dir, 'summary.png'), { force: true }); // not last run's chart beside this run's table
  const markdown = path.join(dir, 'summary.md');
  await fs.writeFile(markdown, summaryMarkdown(figs, { ...info, date }, png ? 'summary.png' : null));
  return { markdown, chart };
}
