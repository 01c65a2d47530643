// The metrics types Scale serves (scale/metrics/models.py: MetricsJobType, MetricsError,
// MetricsIngest): names, titles, filters, groups and plot columns with their units and aggregates,
// and how each maps onto its hourly roll-up table.

export type Aggregate = 'sum' | 'min' | 'max' | 'avg';

export interface MetricsColumn {
  name: string;
  title: string;
  description: string;
  units: 'count' | 'seconds' | 'bytes';
  group: string;
  aggregate: Aggregate;
}

export interface MetricsGroup {
  name: string;
  title: string;
  description: string;
}

export interface MetricsType {
  name: string;
  /** Other names the type answers to (the Scale UI's v6 routes say error-types and ingest). */
  aliases: string[];
  title: string;
  description: string;
  filters: { param: string; type: string }[];
  groups: MetricsGroup[];
  columns: MetricsColumn[];
  /** The roll-up table, its choice column, its count columns and the statistics it keeps count/sum/min/max of. */
  table: 'metrics_job_type' | 'metrics_error' | 'metrics_ingest';
  choice: 'job_type_id' | 'error_id' | 'strike_id';
  counts: string[];
  stats: string[];
}

const count = (name: string, title: string, description: string, group = 'overview'): MetricsColumn => ({ name, title, description, units: 'count', group, aggregate: 'sum' });

/** The four columns of a statistic (sum, min, max, avg) as Scale names and describes them. */
function stat(group: string, title: string, units: 'seconds' | 'bytes', what: string): MetricsColumn[] {
  const text: Record<Aggregate, string> = { sum: `Total ${what}.`, min: `Minimum ${what}.`, max: `Maximum ${what}.`, avg: `Average ${what}.` };
  return (['sum', 'min', 'max', 'avg'] as const).map((a) => ({
    name: `${group}_${a}`, title: `${title} (${a[0].toUpperCase()}${a.slice(1)})`, description: text[a], units, group, aggregate: a,
  }));
}

const JOB_TYPES: MetricsType = {
  name: 'job-types',
  aliases: [],
  title: 'Job Types',
  description: 'Metrics for jobs and executions grouped by job type.',
  filters: [{ param: 'name', type: 'string' }, { param: 'version', type: 'string' }],
  groups: [
    { name: 'overview', title: 'Overview', description: 'Overall counts based on job status.' },
    { name: 'errors', title: 'Errors', description: 'Overall error counts based on category.' },
    { name: 'queue_time', title: 'Queue Time', description: 'When jobs were in the queue.' },
    { name: 'pre_time', title: 'Pre-task Time', description: 'When jobs were being prepared.' },
    { name: 'job_time', title: 'Job Task Time', description: 'When jobs were executing their actual goal.' },
    { name: 'post_time', title: 'Post-task Time', description: 'When jobs were being cleaned up.' },
    { name: 'run_time', title: 'Run Time', description: 'When related tasks were run (pre, job, post).' },
    { name: 'stage_time', title: 'Stage Time', description: 'Times related to the overhead of the system.' },
  ],
  columns: [
    count('completed_count', 'Completed Count', 'Number of successfully completed jobs.'),
    count('failed_count', 'Failed Count', 'Number of incomplete failed jobs.'),
    count('canceled_count', 'Canceled Count', 'Number of incomplete canceled jobs.'),
    count('total_count', 'Total Count', 'Number of completed, failed, and canceled jobs.'),
    count('error_system_count', 'System Error Count', 'Number of failed jobs due to a system error.', 'errors'),
    count('error_data_count', 'Data Error Count', 'Number of failed jobs due to a data error.', 'errors'),
    count('error_algorithm_count', 'Algorithm Error Count', 'Number of failed jobs due to an algorithm error.', 'errors'),
    ...stat('queue_time', 'Queue Time', 'seconds', 'time the job waited in the queue'),
    ...stat('pre_time', 'Pre-task Time', 'seconds', 'time spent preparing the job task'),
    ...stat('job_time', 'Job Task Time', 'seconds', 'time spent running the job task'),
    ...stat('post_time', 'Post-task Time', 'seconds', 'time spent finalizing the job task'),
    ...stat('run_time', 'Run Time', 'seconds', 'time spent running the pre, job, and post tasks'),
    // Scale's model says aggregate 'min' for stage_time_max, a slip: the maximum is aggregated as one.
    ...stat('stage_time', 'Stage Time', 'seconds', 'overhead time spent managing tasks'),
  ],
  table: 'metrics_job_type',
  choice: 'job_type_id',
  counts: ['completed_count', 'failed_count', 'canceled_count', 'total_count', 'error_system_count', 'error_data_count', 'error_algorithm_count'],
  stats: ['queue_time', 'pre_time', 'job_time', 'post_time', 'run_time', 'stage_time'],
};

const ERRORS: MetricsType = {
  name: 'errors',
  aliases: ['error-types'],
  title: 'Errors',
  description: 'Metrics for jobs grouped by errors.',
  filters: [{ param: 'name', type: 'string' }, { param: 'category', type: 'string' }],
  groups: [{ name: 'overview', title: 'Overview', description: 'Overall counts based on error type.' }],
  columns: [count('total_count', 'Total Count', 'Number of jobs that failed with a particular error type.')],
  table: 'metrics_error',
  choice: 'error_id',
  counts: ['total_count'],
  stats: [],
};

const INGESTS: MetricsType = {
  name: 'ingests',
  aliases: ['ingest'],
  title: 'Ingests',
  description: 'Metrics for ingests grouped by strike process.',
  filters: [{ param: 'name', type: 'string' }],
  groups: [
    { name: 'overview', title: 'Overview', description: 'Overall counts based on ingest status.' },
    { name: 'file_size', title: 'File Size', description: 'Size information about ingested files.' },
    { name: 'transfer_time', title: 'Transfer Time', description: 'When files were being transferred before ingest.' },
    { name: 'ingest_time', title: 'Ingest Time', description: 'When files were processed during ingest.' },
  ],
  columns: [
    count('deferred_count', 'Deferred Count', 'Number of files deferred (ignored) by the ingest process.'),
    count('ingested_count', 'Ingested Count', 'Number of files successfully ingested.'),
    count('errored_count', 'Errored Count', 'Number of files that failed to ingest.'),
    count('duplicate_count', 'Duplicate Count', 'Number of files that were duplicates of previous ingests.'),
    count('total_count', 'Total Count', 'Number of deferred, ingested, errored, and duplicate ingests.'),
    ...stat('file_size', 'File Size', 'bytes', 'size of ingested files'),
    ...stat('transfer_time', 'Transfer Time', 'seconds', 'time spent transferring files before ingest'),
    ...stat('ingest_time', 'Ingest Time', 'seconds', 'time spent processing files during ingest'),
  ],
  table: 'metrics_ingest',
  choice: 'strike_id',
  counts: ['deferred_count', 'ingested_count', 'errored_count', 'duplicate_count', 'total_count'],
  stats: ['file_size', 'transfer_time', 'ingest_time'],
};

/** Job types first, as seed 002's example lists them. */
export const METRICS_TYPES: readonly MetricsType[] = [JOB_TYPES, ERRORS, INGESTS];

export function metricsType(name: string): MetricsType | undefined {
  return METRICS_TYPES.find((t) => t.name === name || t.aliases.includes(name));
}

/** The roll-up table's value columns, in table order (counts, then count/sum/min/max per statistic). */
export function storedColumns(t: MetricsType): string[] {
  return [...t.counts, ...t.stats.flatMap((s) => [`${s}_count`, `${s}_sum`, `${s}_min`, `${s}_max`])];
}

/**
 * Columns picked by `column` and `group` (their union; every column when neither is given), in
 * definition order. Unknown names are returned for the caller to report.
 */
export function selectColumns(t: MetricsType, names: string[], groups: string[]): { columns: MetricsColumn[]; unknownColumns: string[]; unknownGroups: string[] } {
  const unknownColumns = names.filter((n) => !t.columns.some((c) => c.name === n));
  const unknownGroups = groups.filter((g) => !t.groups.some((x) => x.name === g));
  const columns = names.length || groups.length ? t.columns.filter((c) => names.includes(c.name) || groups.includes(c.group)) : [...t.columns];
  return { columns, unknownColumns, unknownGroups };
}
