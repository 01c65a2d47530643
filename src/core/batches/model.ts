import type { Row } from '../../store/db.ts';

export interface Batch {
  id: number;
  title: string | null;
  description: string | null;
  recipeTypeId: number;
  /** The recipe type's revision when the batch was made: its recipes run it. */
  recipeTypeRevId: number;
  eventId: number;
  /** As stored (batch definition v6 or 1.0, configuration v6): see definition.ts. */
  definitionJson: Record<string, any>;
  configurationJson: Record<string, any>;
  isCreationDone: boolean;
  failedCount: number;
  recipesEstimated: number;
  isSuperseded: boolean;
  rootBatchId: number | null;
  supersededBatchId: number | null;
  created: Date;
  superseded: Date | null;
  lastModified: Date;
}

/** What other records show of a batch (Scale's BatchBaseSerializerV6). */
export interface BatchSummary {
  id: number;
  title: string | null;
  description: string | null;
  created: Date;
}

const JOB_COUNTS = ['jobsTotal', 'jobsPending', 'jobsBlocked', 'jobsQueued', 'jobsRunning', 'jobsFailed', 'jobsCompleted', 'jobsCanceled'] as const;
export type JobCounts = Record<(typeof JOB_COUNTS)[number], number>;

/** Where a batch stands, read from its recipes (sub-recipes included) and their jobs. */
export interface BatchMetrics extends JobCounts {
  recipesTotal: number;
  recipesCompleted: number;
  /** The batch's own (top-level) recipes. */
  recipesCreated: number;
}

/** Durations in seconds of the completed jobs of one recipe node, null when none completed. */
export interface Durations {
  min: number | null;
  avg: number | null;
  max: number | null;
}

/** One recipe node's jobs across the batch's top-level recipes (Scale's BatchMetrics per job name). */
export interface JobNameMetrics extends JobCounts {
  /** The algorithm's run (an execution's job task) and the whole job (started to ended). */
  seedDuration: Durations;
  jobDuration: Durations;
}

export const NO_METRICS: BatchMetrics = {
  jobsTotal: 0, jobsPending: 0, jobsBlocked: 0, jobsQueued: 0, jobsRunning: 0, jobsFailed: 0, jobsCompleted: 0, jobsCanceled: 0,
  recipesTotal: 0, recipesCompleted: 0, recipesCreated: 0,
};

export function toBatch(r: Row): Batch {
  return {
    id: r.id, title: r.title, description: r.description, recipeTypeId: r.recipe_type_id, recipeTypeRevId: r.recipe_type_rev_id, eventId: Number(r.event_id),
    definitionJson: r.definition, configurationJson: r.configuration, isCreationDone: r.is_creation_done, failedCount: r.failed_count,
    recipesEstimated: r.recipes_estimated, isSuperseded: r.is_superseded, rootBatchId: r.root_batch_id, supersededBatchId: r.superseded_batch_id,
    created: r.created, superseded: r.superseded, lastModified: r.last_modified,
  };
}
