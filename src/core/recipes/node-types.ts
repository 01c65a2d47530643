// The job types and sub-recipe types a batch of recipe definitions runs, resolved before the
// engine opens its transaction (PGlite has a single session, so nothing may query beside it).
// One query finds every job type the batch names; revisions, which never change, are cached.
import type { Db } from '../../store/db.ts';
import type { JobType, JobTypeService, Revision } from '../job-types/service.ts';
import { toJobType } from '../job-types/service.ts';
import type { RecipeType, RecipeTypeRevision, RecipeTypeService } from '../recipe-types/service.ts';
import type { NodeDefinition, RecipeDefinition } from './definition.ts';

export type ResolvedNode = { kind: 'job'; jobType: JobType; rev: Revision } | { kind: 'recipe'; recipeType: RecipeType; rev: RecipeTypeRevision };

/** What each node of the batch's definitions (and their sub-recipes', however deep) runs. */
export type NodeTypes = Map<NodeDefinition, ResolvedNode>;

const MAX_DEPTH = 10;

export function createNodeTypeResolver(deps: { db: Db; jobTypes: JobTypeService; recipeTypes: RecipeTypeService }) {
  const jobRevisions = new Map<string, Revision>();
  const recipeRevisions = new Map<string, RecipeTypeRevision>();

  async function jobRevision(jobType: JobType, num: number): Promise<Revision> {
    const key = `${jobType.id}:${num}`;
    let rev = jobRevisions.get(key);
    if (!rev) {
      rev = (await deps.jobTypes.revisionByNum(jobType.id, num)) ?? undefined;
      if (!rev) throw new Error(`job type ${jobType.name} ${jobType.version} has no revision ${num}`);
      jobRevisions.set(key, rev);
    }
    return rev;
  }

  async function recipeRevision(recipeType: RecipeType, num: number): Promise<RecipeTypeRevision> {
    const key = `${recipeType.id}:${num}`;
    let rev = recipeRevisions.get(key);
    if (!rev) {
      rev = (await deps.recipeTypes.revisionByNum(recipeType.id, num)) ?? undefined;
      if (!rev) throw new Error(`recipe type ${recipeType.name} has no revision ${num}`);
      recipeRevisions.set(key, rev);
    }
    return rev;
  }

  /** Resolves every node of the definitions; sub-recipe definitions are added to `defs` by revision id. */
  async function resolve(roots: RecipeDefinition[], defs: Map<number, RecipeDefinition>): Promise<NodeTypes> {
    const types: NodeTypes = new Map();
    const all = new Set<RecipeDefinition>();
    let level = [...new Set(roots)];
    for (let depth = 0; level.length && depth <= MAX_DEPTH; depth++) {
      const next: RecipeDefinition[] = [];
      for (const def of level) {
        if (all.has(def)) continue;
        all.add(def);
        for (const n of def.nodes) {
          if (n.type.kind !== 'recipe') continue;
          const recipeType = await deps.recipeTypes.byName(n.type.recipeTypeName);
          if (!recipeType) throw new Error(`recipe type ${n.type.recipeTypeName} of node ${n.name} no longer exists`);
          const rev = await recipeRevision(recipeType, n.type.recipeTypeRevision ?? recipeType.revisionNum);
          types.set(n, { kind: 'recipe', recipeType, rev });
          defs.set(rev.id, rev.definition);
          next.push(rev.definition);
        }
      }
      level = next;
    }
    const jobNodes = [...all].flatMap((d) => d.nodes).filter((n) => n.type.kind === 'job');
    const pairs = [...new Map(jobNodes.map((n) => {
      const t = n.type as Extract<NodeDefinition['type'], { kind: 'job' }>;
      return [`${t.jobTypeName}\u0000${t.jobTypeVersion}`, [t.jobTypeName, t.jobTypeVersion]] as const;
    })).values()];
    if (pairs.length) {
      const res = await deps.db.query('SELECT * FROM job_type WHERE (name, version) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
      const byKey = new Map(res.rows.map((r) => [`${r.name}\u0000${r.version}`, toJobType(r)]));
      for (const n of jobNodes) {
        const t = n.type as Extract<NodeDefinition['type'], { kind: 'job' }>;
        const jobType = byKey.get(`${t.jobTypeName}\u0000${t.jobTypeVersion}`);
        if (!jobType) throw new Error(`job type ${t.jobTypeName} ${t.jobTypeVersion} of node ${n.name} no longer exists`);
        types.set(n, { kind: 'job', jobType, rev: await jobRevision(jobType, t.jobTypeRevision ?? jobType.revisionNum) });
      }
    }
    return types;
  }

  return { resolve };
}
