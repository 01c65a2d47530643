// The figures of one `npm run bench`, gathered for the summary table printed at its end (and
// written to bench/out/summary.md). Each section records the figures it prints with `figure()`:
// what was measured, its value, the reference it is a ratio of (when it is one) and the goal.

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
