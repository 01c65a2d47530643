// Job types and recipe helpers for the recipe tests: small shell steps (fixtures/jobs/step.sh) that
// pass files along, so what reached each job can be read back from its output.
import assert from 'node:assert/strict';
import request from 'supertest';
import { createJobType, script } from './scale.ts';
import { waitFor } from './server.ts';

type App = Parameters<typeof request>[0];

/** A job type running step.sh <mode> <arg>: one input (`input`, file or files), one output. */
export async function stepJobType(app: App, name: string, mode: 'copy' | 'split' | 'fail-unless', arg: string, opts: { input?: 'file' | 'files'; mediaTypes?: string[] } = {}) {
  return createJobType(app, {
    name,
    interface: {
      version: '1.0',
      command: `/bin/sh ${script('step.sh')}`,
      command_arguments: `${mode} ${arg} \${job_output_dir} \${input}`,
      input_data: [{ name: 'input', type: opts.input ?? 'file', media_types: opts.mediaTypes ?? [] }],
      output_data: mode === 'split' ? [{ name: 'parts', type: 'files', media_type: 'text/plain' }] : [{ name: 'result', type: 'file', media_type: 'text/plain' }],
    },
  });
}

export async function createRecipeType(app: App, fields: Record<string, unknown>, base = '/scale') {
  const res = await request(app).post(`${base}/recipe-types/`).send({ version: '1.0.0', ...fields });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function newRecipe(app: App, recipeTypeId: number, recipeData: unknown) {
  const res = await request(app).post('/scale/queue/new-recipe/').send({ recipe_type_id: recipeTypeId, recipe_data: recipeData });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function recipe(app: App, id: number) {
  const res = await request(app).get(`/scale/recipes/${id}/`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Waits until the recipe's details satisfy `ok`. */
export async function waitForRecipe(app: App, id: number, ok: (r: any) => boolean, what: string, timeoutMs = 30000) {
  return waitFor(async () => {
    const r = await recipe(app, id);
    return ok(r) ? r : null;
  }, { timeoutMs, what: `recipe ${id}: ${what}` });
}

/** The text of a file in a workspace. */
export async function fileText(app: App, fileId: number): Promise<string> {
  return (await request(app).get(`/scale/files/${fileId}/content`).expect(200)).text;
}

/** The file ids a job produced for an output. */
export async function outputIds(app: App, jobId: number, output: string): Promise<number[]> {
  const job = (await request(app).get(`/scale/jobs/${jobId}/`).expect(200)).body;
  const o = job.results?.output_data?.find((x: any) => x.name === output);
  return o ? (o.file_ids ?? [o.file_id]) : [];
}
