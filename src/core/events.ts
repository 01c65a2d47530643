// In-process signals between core services and the scheduler: "work was queued", "jobs were
// canceled". Other processes sharing the database learn the same facts by polling it.
import { EventEmitter } from 'node:events';

export interface CoreEventMap {
  queued: [count: number];
  canceled: [jobIds: number[]];
  /** Jobs were claimed by this process's scheduler and are starting (RUNNING). */
  started: [jobIds: number[]];
  /** Executions ended (jobs completed, failed, or went back on the queue to retry). */
  ended: [jobIds: number[]];
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
