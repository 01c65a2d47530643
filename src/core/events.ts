// In-process signals between core services and the scheduler: "work was queued", "jobs were
// canceled". Other processes sharing the database learn the same facts by polling it.
import { EventEmitter } from 'node:events';
import type { FinishedJob } from './jobs/finish.ts';

export interface CoreEventMap {
  /** Jobs were queued; `about.newJobs`: only new jobs outside any recipe (nothing a recipe waits for changed). */
  queued: [count: number, about?: { newJobs?: boolean }];
  canceled: [jobIds: number[]];
  /** Jobs were claimed by this process's scheduler and are starting (RUNNING). */
  started: [jobIds: number[]];
  /** Executions ended (jobs completed, failed, or went back on the queue to retry); `about.recipes` false: no job of a recipe moved. */
  ended: [jobIds: number[], about?: { recipes: boolean }];
  /** The jobs those outcomes moved, as they now stand (emitted just before 'ended'): a synchronous run waiting for one reads it here. */
  finished: [jobs: FinishedJob[]];
  /** Job types were created or changed (caches of descriptions drop them). */
  jobTypesChanged: [];
  /** Completed jobs reported parse results for their input files (results manifest parse_results). */
  parsed: [results: { jobId: number; parseResults: unknown[] }[]];
}

export class CoreEvents extends EventEmitter<CoreEventMap> {
  constructor() {
    super();
    // Every synchronous execution waiting for its job listens for its end: many at once is normal.
    this.setMaxListeners(0);
  }
}
