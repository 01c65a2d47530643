// What a v5 (definition 1.0) batch takes on, as Scale 6.0.0's BatchManager.get_matched_recipes and
// get_matched_files chose it: the recipe type's current top-level recipes (only those on an older
// revision unless job names or all jobs are forced), and the files no recipe of the type was
// given; both optionally within a date range on when they were made or when their data was taken.
import { Where } from '../../store/listing.ts';
import type { RecipeTypeDefinition } from './definition.ts';

/** Files a recipe was given, by id (scale_job_input_file_ids reads recipe data 1.0 and v6 alike). */
const INPUT_FILES = 'scale_job_input_file_ids(r.input)';

/** WHERE clauses on `recipe r` for the recipes a v5 batch reprocesses; `exceptBatch`: leave out the batch's own. */
export function matchedRecipes(recipeTypeId: number, d: RecipeTypeDefinition, exceptBatch: number | null = null): Where {
  const w = new Where().add('r.recipe_type_id = ?', recipeTypeId).add('NOT r.is_superseded').add('r.recipe_id IS NULL');
  if (exceptBatch !== null) w.add('r.batch_id IS DISTINCT FROM ?', exceptBatch);
  // Nothing forced: only recipes whose revision is behind the recipe type's (they would change).
  if (!d.allJobs && !d.jobNames?.length) {
    w.add('(SELECT revision_num FROM recipe_type_revision v WHERE v.id = r.recipe_type_rev_id) < (SELECT revision_num FROM recipe_type t WHERE t.id = r.recipe_type_id)');
  }
  const range = d.dateRange;
  if (range?.type === 'data') {
    // A file's data times may be missing at either end, so either one in range counts (as in Scale).
    const files = (cond: string) => `EXISTS (SELECT 1 FROM scale_file f WHERE f.id = ANY(${INPUT_FILES}) AND (${cond}))`;
    if (range.started) w.add(files('f.data_started >= ? OR f.data_ended >= ?'), range.started, range.started);
    if (range.ended) w.add(files('f.data_started <= ? OR f.data_ended <= ?'), range.ended, range.ended);
  } else if (range) {
    w.range('r.created', range.started, range.ended);
  }
  return w;
}

/** WHERE clauses on `scale_file f` for the files a v5 batch with a trigger rule starts recipes for. */
export function matchedFiles(recipeTypeId: number, d: RecipeTypeDefinition): Where {
  const w = new Where().add('NOT f.is_deleted').add(`NOT EXISTS (SELECT 1 FROM recipe r WHERE r.recipe_type_id = ? AND f.id = ANY(${INPUT_FILES}))`, recipeTypeId);
  const range = d.dateRange;
  if (range?.type === 'data') {
    if (range.started) w.add('(f.data_started >= ? OR f.data_ended >= ?)', range.started, range.started);
    if (range.ended) w.add('(f.data_started <= ? OR f.data_ended <= ?)', range.ended, range.ended);
  } else if (range) {
    w.range('f.created', range.started, range.ended);
  }
  return w;
}

/** Whether a file meets a v5 trigger rule's condition (Scale's BatchTriggerCondition). */
export function meetsCondition(rule: NonNullable<RecipeTypeDefinition['triggerRule']>, f: { mediaType: string; dataTypeTags: string[] }): boolean {
  if (rule.mediaType && rule.mediaType !== f.mediaType) return false;
  return rule.dataTypes.every((t) => f.dataTypeTags.includes(t));
}
