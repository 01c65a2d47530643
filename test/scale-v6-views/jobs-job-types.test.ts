// Scale 6.0.0's own view tests (scale/job/test/test_views.py at tag 6.0.0), ported: job types
// (first: their lists count this family's job types by name), then jobs and job executions.
import { jobTypesViews } from './job-types.views.ts';
import { jobsViews } from './jobs.views.ts';
import { withViewsServer } from './server.ts';

withViewsServer('Scale 6.0.0 view tests: job types, jobs, job executions', [jobTypesViews, jobsViews]);
