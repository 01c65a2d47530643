// In-process signals between core services and the scheduler: "work was queued", "jobs were
// canceled". Other processes sharing the database learn the same facts by polling it.
import { EventEmitter } from 'node:events';

export interface CoreEventMap {
  queued: [count: number];
  canceled: [jobIds: number[]];
  /** Executions ended (jobs completed, failed, or went back on the queue to retry). */
  ended: [jobIds: number[]];
}

export class CoreEvents extends EventEmitter<CoreEventMap> {}
