// The job lists' fast paths: an OGC list page's status documents written as text must be exactly
// JSON.stringify of the statusInfo documents they stand for, and the times lists read as text must
// come out as Date.toISOString writes them.
import assert from 'node:assert/strict';
import { apiTime } from '../src/core/jobs/model.ts';
import { RUN_STATUSES, type Run } from '../src/core/runs/model.ts';
import { urlsFor } from '../src/http/urls.ts';
import { statusInfo, statusInfoJson } from '../ogc/processes/status.ts';
import { jobJson, jobJsonText, type JobContext } from '../src/scale-api/codecs.ts';
import type { JobSummary } from '../src/core/jobs/model.ts';
import type { JobType } from '../src/core/job-types/service.ts';
import type { ScaleError } from '../src/core/errors/model.ts';

describe('job list serialisers', () => {
  it('statusInfoJson is JSON.stringify(statusInfo) for every status, time and progress, and odd names and bases', () => {
    let n = 0;
    for (const base of ['http://localhost:8080', 'https://example.com/ades', 'http://h"o\\st\u2028é']) {
      const u = urlsFor(base);
      for (const status of RUN_STATUSES) {
        for (const processId of ['echo', 'landsat:1.0.2', 'a "quoted" \\ name/ü 😀']) {
          for (const [started, ended] of [[null, null], ['2026-12-07T23:29:26.695Z', null], [new Date(Date.UTC(2020, 1, 29, 1, 2, 3, 4)), '2026-12-07T23:29:27.000Z']] as const) {
            for (const progress of [undefined, 0, 42, 100]) {
              const run: Run = { id: '12345', processId, status, created: new Date(0), started, ended, updated: '2026-12-07T23:29:28.123Z', progress, jobId: 12345, jobTypeId: 3, revisionId: 7 };
              assert.equal(statusInfoJson(run, u), JSON.stringify(statusInfo(run, u)));
              n++;
            }
          }
        }
      }
    }
    assert.ok(n > 500);
  });

  it('jobJsonText is JSON.stringify(jobJson) with and without job type, error, batch, event, supersession, and with Date or text times', () => {
    const jobType = { id: 3, name: 'ndvi "x"', version: '1.0', title: 'NDVI \u2028', description: null, category: 'c', authorName: 'é', authorUrl: null, isSystem: false, isLongRunning: false, isActive: true, isOperational: true, isPaused: true, iconCode: 'f1' } as unknown as JobType;
    const error = { id: 17, name: 'algorithm-unknown', title: 'Algorithm "Failure"', description: 'd', category: 'ALGORITHM', isBuiltin: true, shouldBeRetried: false, created: new Date(0), lastModified: new Date(1) } as unknown as ScaleError;
    const ctxs: JobContext[] = [
      { jobTypes: new Map([[3, jobType]]), errors: new Map([[17, error]]), revisionNums: new Map([[7, 2]]), batches: new Map([[5, { id: 5, title: 'b', description: null, created: new Date(5) }]]) },
      { jobTypes: new Map(), errors: new Map(), revisionNums: new Map() },
    ];
    let n = 0;
    for (const ctx of ctxs) {
      for (const extra of [
        {},
        { eventId: 9, errorId: 17, errorMessage: 'exit 1: "bad"\n😀', batchId: 5, isSuperseded: true, superseded: '2026-01-02T03:04:05.006Z', supersededJobId: 4, rootSupersededJobId: 2 },
        { errorId: 99, batchId: 6, cpusRequired: 1.5, memRequired: 0.1, diskInRequired: 1e21, queued: new Date(86_400_000), started: '2026-12-07T23:29:26.695Z', ended: new Date(Date.UTC(2027, 0, 1)) },
      ]) {
        const j: JobSummary = {
          id: 12345, jobTypeId: 3, jobTypeRevId: 7, eventId: null, status: 'FAILED', errorId: null, errorMessage: null, priority: 100, numExes: 1, timeout: 1800, maxTries: 3,
          cpusRequired: 1, memRequired: 64, diskInRequired: 0, diskOutRequired: 0, recipeId: null, batchId: null, isSuperseded: false, superseded: null, supersededJobId: null,
          rootSupersededJobId: null, created: '2026-12-07T23:29:26.000Z', queued: null, started: null, ended: null, lastStatusChange: new Date(1_765_150_166_695), lastModified: '2026-12-07T23:29:28.123Z',
          ...extra,
        };
        // Twice: the second time from what the context keeps.
        for (let i = 0; i < 2; i++) assert.equal(jobJsonText(j, ctx), JSON.stringify(jobJson(j, ctx)));
        n++;
      }
    }
    assert.equal(n, 6);
  });

  it('apiTime writes PostgreSQL JSON times (UTC) as toISOString does, microseconds cut off', () => {
    assert.equal(apiTime(null), null);
    assert.equal(apiTime('2026-12-07T23:29:26.695341'), '2026-12-07T23:29:26.695Z');
    assert.equal(apiTime('2026-12-07T23:29:26.999999'), '2026-12-07T23:29:26.999Z');
    assert.equal(apiTime('2026-12-07T23:29:26.5'), '2026-12-07T23:29:26.500Z');
    assert.equal(apiTime('2026-12-07T23:29:26.12'), '2026-12-07T23:29:26.120Z');
    assert.equal(apiTime('2026-12-07T23:29:26.01234'), '2026-12-07T23:29:26.012Z');
    assert.equal(apiTime('2026-12-07T23:29:26'), '2026-12-07T23:29:26.000Z');
    assert.equal(apiTime('0099-01-01T00:00:00'), '0099-01-01T00:00:00.000Z');
    for (const ms of [0, 1, 999, 1_765_150_166_695]) assert.equal(apiTime(new Date(ms).toISOString().slice(0, -1)), new Date(ms).toISOString());
  });
});
