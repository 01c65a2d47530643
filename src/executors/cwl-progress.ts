// A CWL workflow's progress from cwltool's log: the share of its top-level steps that cwltool has
// said are completed ("[step <name>] completed success"). A scattered step counts once, when all its
// parts are done; a tool alone has no steps and so no progress until it ends.
import { mainProcess, shortName } from '../../seed-mapping/cwl-process.ts';

/** The stderr lines that move progress (a source for the launcher, which cannot take a RegExp over IPC). */
export const STEP_COMPLETED = String.raw`\[step [^\]]+\] completed`;

/** The names of the top-level steps of the document's process (none for a tool). */
export function topLevelSteps(document: Record<string, any> | undefined): string[] {
  const main = document ? mainProcess(document) : null;
  if (main?.class !== 'Workflow') return [];
  const steps = main.steps;
  if (Array.isArray(steps)) return steps.map((s: any) => shortName(String(s?.id ?? ''))).filter(Boolean);
  return steps && typeof steps === 'object' ? Object.keys(steps).map(shortName) : [];
}

/** Follows log lines; each answers the progress (0–99: 100 is the job's end) when it moved it, else null. */
export function stepProgress(steps: string[]): (line: string) => number | null {
  const wanted = new Set(steps);
  const done = new Set<string>();
  return (line) => {
    const m = /\[step ([^\]]+)\] completed/.exec(line);
    if (!m || !wanted.has(m[1]) || done.has(m[1])) return null;
    done.add(m[1]);
    return Math.min(99, Math.floor((100 * done.size) / wanted.size));
  };
}
