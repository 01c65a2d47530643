// Recipe data: what one recipe is given. Recipe data 1.0 ({input_data, workspace_id}, seed 002) or
// v6 data ({files, json}); checked against the definition's inputs exactly as job data is checked
// against a job interface, so one reader (job-data.ts) serves both.
import { check } from '../../schemas.ts';
import { Invalid } from '../domain-errors.ts';
import type { ScaleFile } from '../files/service.ts';
import type { InterfaceInput, JobInterface } from '../job-types/model.ts';
import { type InputValue, type JobDataLookups, checkJobData, readJobData } from '../jobs/job-data.ts';
import type { Workspace } from '../workspaces/service.ts';

export interface RecipeData {
  inputs: Map<string, InputValue>;
  /** Where the recipe's jobs put their output files (1.0's workspace_id); null leaves it to configuration. */
  workspaceId: number | null;
}

export interface CheckedRecipeData {
  data: RecipeData;
  /** The JSON to store, in the shape it came in. */
  json: Record<string, unknown>;
  inputFiles: ScaleFile[];
  warnings: { id: string; details: string }[];
}

/** The recipe's inputs as a job interface without outputs, so job data checks apply unchanged. */
function asInterface(inputs: InterfaceInput[]): JobInterface {
  return { format: 'scale-1.0', command: '', commandArguments: '', inputs, outputs: [], sharedResources: [] };
}

export async function checkRecipeData(
  inputs: InterfaceInput[],
  json: unknown,
  lookups: Pick<JobDataLookups, 'files' | 'workspaces'>,
  root: string,
  shape: 'v1' | 'v6',
): Promise<CheckedRecipeData> {
  const raw = (json ?? {}) as Record<string, unknown>;
  let workspaceId: number | null = null;
  let rest: unknown = raw;
  if (shape === 'v1') {
    const problems = check('scale/recipe-data-1.0', raw, root);
    if (problems.length) throw Invalid.many(problems);
    const { workspace_id, ...others } = raw;
    rest = others;
    if (workspace_id !== undefined) {
      workspaceId = workspace_id as number;
      const ws: Workspace | undefined = (await lookups.workspaces([workspaceId])).get(workspaceId);
      if (!ws) throw new Invalid(`${root}.workspace_id`, `workspace ${workspaceId} does not exist`);
      if (!ws.isActive) throw new Invalid(`${root}.workspace_id`, `workspace ${ws.name} is not active`);
    }
  }
  const checked = await checkJobData(asInterface(inputs), rest, { ...lookups, defaultWorkspaceId: null, owner: 'the recipe' }, root, shape);
  const { output_data: _none, ...stored } = checked.json;
  return {
    data: { inputs: checked.data.inputs, workspaceId },
    json: shape === 'v1' && workspaceId !== null ? { ...stored, workspace_id: workspaceId } : stored,
    inputFiles: checked.inputFiles,
    warnings: checked.warnings,
  };
}

/** Reads stored recipe data back (checked when the recipe was made). */
export function readRecipeData(json: any, inputs: InterfaceInput[]): RecipeData {
  return { inputs: readJobData(json, asInterface(inputs)).inputs, workspaceId: json?.workspace_id ?? null };
}

/** Recipe data as v6 JSON ({files, json}), the shape sub-recipes are given. */
export function toV6Data(inputs: Map<string, InputValue>): Record<string, unknown> {
  const files: Record<string, number[]> = {};
  const values: Record<string, unknown> = {};
  for (const [name, v] of inputs) {
    if (v.kind === 'json' || v.kind === 'property') values[name] = v.value;
    else files[name] = v.fileIds;
  }
  return { version: '6', files, json: values };
}
