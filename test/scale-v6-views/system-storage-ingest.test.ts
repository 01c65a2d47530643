// Scale 6.0.0's own view tests (scale/*/test/test_views.py at tag 6.0.0), ported: nodes, the
// scheduler and status, errors, metrics, the queue; workspaces and files; ingests, Strikes and Scans.
import { ingestViews } from './ingest.views.ts';
import { withViewsServer } from './server.ts';
import { storageViews } from './storage.views.ts';
import { systemViews } from './system.views.ts';

withViewsServer('Scale 6.0.0 view tests: system, storage, ingest', [systemViews, storageViews, ingestViews]);
