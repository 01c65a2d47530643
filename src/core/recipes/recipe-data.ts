// Recipe data: what one recipe is given, as the core's one model (RecipeData); doors decode recipe
// data 1.0 ({input_data, workspace_id}) and v6 data ({files, json}) at their edge. Checked against
// the definition's inputs exactly as job data is checked against a job interface (job-data.ts).
// Stored as v6 data, with 1.0's workspace_id when one was given.
import { Invalid } from '../../errors.ts';
import type { ScaleFile } from '../files/service.ts';
import type { InterfaceInput, JobInterface } from '../job-types/model.ts';
import { type DataFields, type InputValue, INPUT_FIELDS, type JobDataLookups, checkJobData, readJobData, v6Inputs } from '../jobs/job-data.ts';

export interface RecipeData {
  inputs: Map<string, InputValue>;
  /** Where the recipe's jobs put their output files (1.0's workspace_id); null leaves it to configuration. */
  workspaceId: number | null;
  /** How the door names the fields of this data in its messages. */
  fields?: DataFields;
}

export interface CheckedRecipeData {
  data: RecipeData;
  /** The JSON to store. */
  json: Record<string, unknown>;
  inputFiles: ScaleFile[];
  warnings: { id: string; details: string }[];
}

/** The recipe's inputs as a job interface without outputs, so job data checks apply unchanged. */
function asInterface(inputs: InterfaceInput[]): JobInterface {
  return { format: 'scale-1.0', command: '', commandArguments: '', inputs, outputs: [], sharedResources: [] };
}

export async function checkRecipeData(inputs: InterfaceInput[], given: RecipeData, lookups: Pick<JobDataLookups, 'files' | 'workspaces'>): Promise<CheckedRecipeData> {
  const fields = given.fields ?? INPUT_FIELDS;
  if (given.workspaceId !== null) {
    const ws = (await lookups.workspaces([given.workspaceId])).get(given.workspaceId);
    if (!ws) throw new Invalid(fields.workspace(), `workspace ${given.workspaceId} does not exist`);
    if (!ws.isActive) throw new Invalid(fields.workspace(), `workspace ${ws.name} is not active`);
  }
  const checked = await checkJobData(asInterface(inputs), { inputs: given.inputs, outputs: new Map(), fields }, { ...lookups, defaultWorkspaceId: null, owner: 'the recipe' });
  const data = { inputs: checked.data.inputs, workspaceId: given.workspaceId };
  return { data, json: storedRecipeData(data), inputFiles: checked.inputFiles, warnings: checked.warnings };
}

/** RecipeData in the form it is stored in: v6 data, with the workspace of its jobs' outputs when one was given. */
export function storedRecipeData(data: Pick<RecipeData, 'inputs' | 'workspaceId'>): Record<string, unknown> {
  return { ...toV6Data(data.inputs), ...(data.workspaceId !== null ? { workspace_id: data.workspaceId } : {}) };
}

/** Reads stored recipe data back (checked when the recipe was made; rows in recipe data 1.0 too). */
export function readRecipeData(json: any, inputs: InterfaceInput[]): RecipeData {
  return { inputs: readJobData(json, asInterface(inputs)).inputs, workspaceId: json?.workspace_id ?? null };
}

/** Inputs as v6 JSON ({files, json}), the form sub-recipes and condition nodes are given. */
export const toV6Data = v6Inputs;
