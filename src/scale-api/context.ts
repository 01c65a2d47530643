// Loads what the codecs need to render a page of jobs or executions, in one query per kind.
import type { Core } from '../core/index.ts';
import type { ScaleError } from '../core/errors/model.ts';
import type { JobType } from '../core/job-types/service.ts';
import type { JobExecution, JobSummary } from '../core/jobs/model.ts';
import type { JobContext } from './codecs.ts';
import { type RecentReads, recentReads } from '../core/recent.ts';

/**
 * How long a job list may show a job type or an error as it was read (the process catalog keeps
 * job types as long): every page of a list names the same few. Job type changes made in this
 * process show at once; error edits, and other processes' job type changes, within this.
 */
const KEEP_MS = 2000;
const MAX_KEPT = 10_000;

interface Kept {
  jobTypes: RecentReads<number, JobType>;
  errors: RecentReads<number, ScaleError>;
}

const keptByCore = new WeakMap<Core, Kept>();

function keptOf(core: Core): Kept {
  let kept = keptByCore.get(core);
  if (!kept) {
    const k = (kept = { jobTypes: recentReads<number, JobType>(KEEP_MS, MAX_KEPT), errors: recentReads<number, ScaleError>(KEEP_MS, MAX_KEPT) });
    keptByCore.set(core, k);
    core.events.on('jobTypesChanged', () => k.jobTypes.clear());
  }
  return kept;
}

/** `keep`: job types and errors may be as read a moment ago (job lists: see KEEP_MS). */
export async function jobContext(core: Core, jobs: JobSummary[], exes: JobExecution[] = [], opts: { keep?: boolean } = {}): Promise<JobContext> {
  const typeIds = [...new Set([...jobs.map((j) => j.jobTypeId), ...exes.map((x) => x.jobTypeId)])];
  const errorIds = [...new Set([...jobs, ...exes].map((x) => x.errorId).filter((e): e is number => e !== null))];
  const revIds = [...new Set(jobs.map((j) => j.jobTypeRevId))];
  const batchIds = [...new Set(jobs.map((j) => j.batchId).filter((b): b is number => b !== null))];
  const kept = opts.keep ? keptOf(core) : null;
  const [jobTypes, errors, revisionNums, batches] = await Promise.all([
    kept ? kept.jobTypes.many(typeIds, core.jobTypes.getMany) : core.jobTypes.getMany(typeIds),
    kept ? kept.errors.many(errorIds, core.errors.getMany) : core.errors.getMany(errorIds),
    core.jobTypes.revisionNums(revIds), core.batches.summaries(batchIds),
  ]);
  return { jobTypes, errors, revisionNums, batches };
}
