// Scale's diagnostics (v6 /diagnostics/): queue hello, roulette or bake jobs, or casino recipes, to
// test and measure a running server. Their types are made the first time they are asked for.
import type { Db } from '../store/db.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../store/db.ts';
import { Invalid } from '../errors.ts';
import { CASINO, casinoDefinition, type DiagnosticJob, diagnosticJobName, diagnosticManifest } from './job-types/builtin/diagnostics.ts';
import type { JobService } from './jobs/service.ts';
import { emptyJobData } from './jobs/job-data.ts';
import type { JobTypeService } from './job-types/service.ts';
import type { SeedJobTypes } from './job-types/seed.ts';
import type { RecipeTypeService } from './recipe-types/service.ts';
import type { RecipeService } from './recipes/service.ts';

/** At most this many jobs or recipes per request. */
export const MAX_DIAGNOSTICS = 10_000;

export function createDiagnostics(deps: { db: Db; jobTypes: JobTypeService; seedJobTypes: SeedJobTypes; recipeTypes: RecipeTypeService; jobs: JobService; recipes: RecipeService }) {
  const { db, jobTypes, seedJobTypes, recipeTypes, jobs, recipes } = deps;

  /** Runs `make` again when another server process made the same row first. */
  async function once<T>(make: () => Promise<T>): Promise<T> {
    try {
      return await make();
    } catch (err) {
      if (pgErrorCode(err) !== PG_UNIQUE_VIOLATION) throw err;
      return make();
    }
  }

  async function jobType(kind: DiagnosticJob): Promise<number> {
    const existing = await jobTypes.byNameVersion(diagnosticJobName(kind), '1.0.0');
    if (existing) return existing.id;
    return once(async () => {
      const { jobType: made } = await seedJobTypes.save({ manifest: diagnosticManifest(kind), configuration: { output_workspaces: { default: '', outputs: {} } } }, { builtin: true });
      // Not an OGC process: a tool of the operators'.
      await db.query(`UPDATE job_type SET visibility = 'private' WHERE id = $1`, [made.id]);
      return made.id;
    });
  }

  function checkNum(num: unknown): number {
    if (!Number.isInteger(num) || (num as number) < 1 || (num as number) > MAX_DIAGNOSTICS) throw new Invalid('num', `must be an integer from 1 to ${MAX_DIAGNOSTICS}`);
    return num as number;
  }

  return {
    /** Queues `num` jobs of a diagnostic type; returns their ids. */
    async queueJobs(kind: DiagnosticJob, num: unknown): Promise<number[]> {
      const n = checkNum(num);
      const id = await jobType(kind);
      return jobs.createMany(id, Array.from({ length: n }, emptyJobData));
    },

    /** Makes `num` casino recipes; returns their ids. */
    async queueCasinos(num: unknown): Promise<number[]> {
      const n = checkNum(num);
      const roulette = await jobTypes.get(await jobType('roulette'));
      let casino = await recipeTypes.byName(CASINO);
      casino ??= await once(async () => (await recipeTypes.create({ name: CASINO, title: 'Scale Casino', description: 'Three roulette jobs, each after the one before', definition: casinoDefinition(roulette.revisionNum) }, { isSystem: true })).recipeType);
      const { ids } = await recipes.createMany(casino.id, Array.from({ length: n }, () => ({ inputs: new Map(), workspaceId: null })));
      return ids;
    },
  };
}
