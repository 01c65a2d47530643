// A trigger rule checked where job and recipe types are validated: its shape, its input, and that
// the workspace its products go to exists.
import type { Queryable } from '../../store/db.ts';
import type { Problem } from '../../schemas.ts';
import type { InterfaceInput } from '../job-types/model.ts';
import { readTriggerRule } from './rules.ts';

export async function triggerRuleProblems(db: Queryable, json: unknown, inputs: InterfaceInput[] | null): Promise<Problem[]> {
  const r = readTriggerRule(json, inputs);
  if (!r.value) return r.problems;
  if (r.value.type === 'CLOCK') return [];
  const ws = await db.query('SELECT 1 FROM workspace WHERE name = $1', [r.value.workspaceName]);
  return ws.rows.length ? [] : [{ field: 'trigger_rule.configuration.data.workspace_name', message: `workspace ${JSON.stringify(r.value.workspaceName)} does not exist` }];
}
