// What a check is and what it yields.
import type { ClassKey } from './constants.ts';
import type { Context } from './context.ts';

export interface CheckResult {
  id: string;
  title: string;
  /** `suite-defect`: the server did what the official test suite means, but the suite cannot pass it (detail says why). */
  outcome: 'pass' | 'fail' | 'skip' | 'suite-defect';
  detail?: string;
}

export interface Check {
  /** `A.29`, `ETS.4` … */
  id: string;
  /** The abstract-test id (`/conf/core/job-creation-sync-raw-value-one`) or a short name. */
  title: string;
  /** The conformance class the check belongs to; null: always run. */
  cls: ClassKey | null;
  /** Returns (optionally a note) to pass; throws CheckFailure / CheckSkip / CheckSuiteDefect (lib/assert.ts) otherwise. */
  run(ctx: Context): Promise<string | void>;
}
