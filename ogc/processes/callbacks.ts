// What a subscriber of the callback conformance class is told (the core's runs service decides when,
// retries and leases): when its run starts, its status document; when it succeeds, the results
// document with every output; when it fails, the exception with the run's status.
import { type Run, RUN } from '../../src/core/runs/model.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import { urlsFor } from '../../src/http/urls.ts';
import { runFailed } from './http.ts';
import { requestedOf, resultsDocument } from './results.ts';
import { statusInfo } from './status.ts';

export function callbackBody(runs: RunService, publicUrl: string | null) {
  return async (run: Run, baseUrl: string): Promise<unknown> => {
    const u = urlsFor(publicUrl ?? baseUrl);
    if (run.status === RUN.SUCCEEDED) {
      const outputs = await runs.outputs(run);
      return resultsDocument(runs, u, run, outputs, requestedOf(null, outputs));
    }
    if (run.status === RUN.FAILED) {
      const e = runFailed(run, await runs.failure(run));
      return { type: e.type, title: e.title, status: e.status, detail: e.message, ...e.extra, job: statusInfo(run, u) };
    }
    return statusInfo(run, u);
  };
}
