// v6 /diagnostics/: queue Scale's diagnostic jobs (hello, roulette, bake) or casino recipes, {"num": n}; 202.
import { Router } from 'express';
import type { Core } from '../core/index.ts';
import { DIAGNOSTIC_JOBS } from '../core/job-types/builtin/diagnostics.ts';
import { body } from './http.ts';

export function diagnosticsRouter(core: Core): Router {
  const r = Router();
  for (const kind of DIAGNOSTIC_JOBS) {
    r.post(`/diagnostics/job/${kind}/`, async (req, res) => {
      await core.diagnostics.queueJobs(kind, body<{ num: number }>(req, 'scale-api/diagnostics').num);
      res.status(202).end();
    });
  }
  r.post('/diagnostics/recipe/casino/', async (req, res) => {
    await core.diagnostics.queueCasinos(body<{ num: number }>(req, 'scale-api/diagnostics').num);
    res.status(202).end();
  });
  return r;
}
