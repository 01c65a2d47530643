// Loads what the codecs need to render a page of jobs or executions, in one query per kind.
import type { Core } from '../core/index.ts';
import type { JobExecution, JobSummary } from '../core/jobs/model.ts';
import type { JobContext } from './codecs.ts';

export async function jobContext(core: Core, jobs: JobSummary[], exes: JobExecution[] = []): Promise<JobContext> {
  const typeIds = [...new Set([...jobs.map((j) => j.jobTypeId), ...exes.map((x) => x.jobTypeId)])];
  const errorIds = [...new Set([...jobs, ...exes].map((x) => x.errorId).filter((e): e is number => e !== null))];
  const revIds = [...new Set(jobs.map((j) => j.jobTypeRevId))];
  const batchIds = [...new Set(jobs.map((j) => j.batchId).filter((b): b is number => b !== null))];
  const [jobTypes, errors, revisionNums, batches] = await Promise.all([
    core.jobTypes.getMany(typeIds), core.errors.getMany(errorIds), core.jobTypes.revisionNums(revIds), core.batches.summaries(batchIds),
  ]);
  return { jobTypes, errors, revisionNums, batches };
}
