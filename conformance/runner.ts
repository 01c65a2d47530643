// Runs the OGC API - Processes - Part 1: Core 1.0 abstract tests (A.1-A.82), the Part 2: Deploy,
// Replace, Undeploy abstract tests (B.1-B.25), the OGC test-suite checklist (ETS.1-ETS.17) and a
// replay of the official suite's 33 Jobs tests as it builds them (ETS-JOBS.<method>) against a live
// server. Checks of a class the server does not declare are skipped; a check that throws fails; no
// check may run longer than CHECK_TIMEOUT_MS.
import { callbackDismissChecks } from './checks/callback-dismiss.ts';
import { coreExecuteChecks } from './checks/core-execute.ts';
import { coreExecuteResponseChecks } from './checks/core-execute-responses.ts';
import { coreJobChecks } from './checks/core-jobs.ts';
import { coreLandingChecks } from './checks/core-landing.ts';
import { coreProcessChecks } from './checks/core-processes.ts';
import { druChecks } from './checks/dru.ts';
import { etsChecks } from './checks/ets.ts';
import { etsJobsChecks } from './checks/ets-jobs.ts';
import { jobListChecks } from './checks/job-list.ts';
import { jsonHtmlChecks } from './checks/json-html.ts';
import { oas30Checks } from './checks/oas30.ts';
import { processDescriptionChecks } from './checks/process-description.ts';
import { CLASSES } from './constants.ts';
import { Context } from './context.ts';
import { CheckFailure, CheckSkip, CheckSuiteDefect } from './lib/assert.ts';
import { errorMessage } from './lib/util.ts';
import { conformsTo } from './resources.ts';
import type { Check, CheckResult } from './types.ts';

export type { CheckResult } from './types.ts';

const CHECK_TIMEOUT_MS = 120_000;

/**
 * In the order they run: Part 2 after Part 1, so the process list Part 1 reads is the server's own;
 * the OpenAPI checks last because they review every exchange the other checks had with the server.
 */
export const CHECKS: Check[] = [
  ...coreLandingChecks,
  ...coreProcessChecks,
  ...coreExecuteChecks,
  ...coreExecuteResponseChecks,
  ...coreJobChecks,
  ...processDescriptionChecks,
  ...jsonHtmlChecks,
  ...jobListChecks,
  ...callbackDismissChecks,
  ...etsChecks,
  ...etsJobsChecks,
  ...druChecks,
  ...oas30Checks,
];

export interface ConformanceOptions {
  /** Landing page URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /** The process the execution tests run (default `echo`). */
  echoProcessId?: string;
  /** Called with one formatted line per check as it completes. */
  log?: (line: string) => void;
  /** Host name the server under test reaches this machine by, for input references and callbacks (default 127.0.0.1). */
  localHost?: string;
  /** Part 2: the package (URL or file, an OGC Application Package or CWL) to deploy instead of the built-in sample of its kind. */
  packageUrl?: string;
  /** Part 2: a bearer token sent on POST, PUT and DELETE requests (deploy, replace, undeploy, dismiss, execute). */
  token?: string;
}

export function formatResult(r: CheckResult): string {
  return `${r.outcome.toUpperCase()} ${r.id} ${r.title}${r.detail ? ` — ${r.detail}` : ''}`;
}

/** Part 1 (A), then Part 2 (B), then the suite checklist (ETS), then the suite's Jobs tests (ETS-JOBS), then the rest. */
const PREFIXES = ['A', 'B', 'ETS', 'ETS-JOBS'];

/** ETS-JOBS ids end in a method name, not a number: those keep the order they ran in (the sort is stable). */
function idOrder(id: string): [number, number] {
  const dot = id.indexOf('.');
  const prefix = dot < 0 ? id : id.slice(0, dot);
  const n = Number(id.slice(dot + 1));
  const i = PREFIXES.indexOf(prefix);
  return [i === -1 ? PREFIXES.length : i, Number.isFinite(n) ? n : 0];
}

export function compareIds(a: string, b: string): number {
  const [pa, na] = idOrder(a);
  const [pb, nb] = idOrder(b);
  return pa - pb || na - nb;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`the check did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runCheck(ctx: Context, check: Check, classError: string | undefined): Promise<CheckResult> {
  const base = { id: check.id, title: check.title };
  if (check.cls !== null && check.cls !== 'core') {
    if (classError) return { ...base, outcome: 'skip', detail: `the conformance declaration could not be read (${classError})` };
    if (!ctx.declares(check.cls)) return { ...base, outcome: 'skip', detail: `conformance class ${CLASSES[check.cls]} is not declared in /conformance` };
  }
  try {
    const note = await withTimeout(check.run(ctx), CHECK_TIMEOUT_MS);
    return { ...base, outcome: 'pass', ...(note ? { detail: note } : {}) };
  } catch (e) {
    if (e instanceof CheckSkip) return { ...base, outcome: 'skip', detail: e.message };
    if (e instanceof CheckSuiteDefect) return { ...base, outcome: 'suite-defect', detail: e.message };
    return { ...base, outcome: 'fail', detail: e instanceof CheckFailure ? e.message : `error: ${errorMessage(e)}` };
  }
}

export async function runConformance(opts: ConformanceOptions): Promise<CheckResult[]> {
  const ctx = new Context(opts);
  const results: CheckResult[] = [];
  try {
    let unreachable: string | undefined;
    try {
      await ctx.get('/');
    } catch (e) {
      unreachable = errorMessage(e);
    }
    let classError: string | undefined;
    try {
      if (!unreachable) ctx.declared = new Set(await conformsTo(ctx));
    } catch (e) {
      classError = errorMessage(e);
    }
    for (const check of CHECKS) {
      const r: CheckResult = unreachable
        ? { id: check.id, title: check.title, outcome: 'fail', detail: `the server did not answer: ${unreachable}` }
        : await runCheck(ctx, check, classError);
      ctx.results.set(r.id, r);
      results.push(r);
      opts.log?.(formatResult(r));
    }
  } finally {
    await ctx.close();
  }
  return results.sort((a, b) => compareIds(a.id, b.id));
}
