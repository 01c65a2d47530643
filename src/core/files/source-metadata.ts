// Scale 6's source metadata filters on job and recipe lists (source_sensor_class, source_sensor,
// source_collection, source_task): Scale copies the greatest of each from the input files onto the
// job or recipe (Job.objects.process_job_input); here it is read from the input files when asked.
import type { Where } from '../../store/listing.ts';

export interface SourceMetadataFilter {
  sourceSensorClasses?: string[];
  sourceSensors?: string[];
  sourceCollections?: string[];
  sourceTasks?: string[];
  /** Jobs or recipes whose source collection started at or after this time (Scale: source_started__gte). */
  sourceStarted?: Date;
  /** … and ended at or before this one (source_ended__lte). */
  sourceEnded?: Date;
}

const COLUMNS: Record<'sourceSensorClasses' | 'sourceSensors' | 'sourceCollections' | 'sourceTasks', string> = {
  sourceSensorClasses: 'source_sensor_class', sourceSensors: 'source_sensor', sourceCollections: 'source_collection', sourceTasks: 'source_task',
};

/** Adds the filters given, on rows whose input JSON (job or recipe data) is `inputColumn`. */
export function addSourceMetadataFilters(where: Where, inputColumn: string, f: SourceMetadataFilter): void {
  const inputs = `FROM scale_file sf WHERE sf.id = ANY(scale_job_input_file_ids(${inputColumn}))`;
  for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    const values = f[key];
    if (!values?.length) continue;
    where.add(`(SELECT max(sf.${column}) ${inputs}) = ANY(?::text[])`, values);
  }
  // A job's source times span its inputs' (the earliest start, the latest end), as Scale copies them.
  if (f.sourceStarted) where.add(`(SELECT min(sf.source_started) ${inputs}) >= ?`, f.sourceStarted);
  if (f.sourceEnded) where.add(`(SELECT max(sf.source_ended) ${inputs}) <= ?`, f.sourceEnded);
}

/** The filters as Scale's views read them (parse_string_list of each name). */
export const SOURCE_METADATA_PARAMS: [keyof typeof COLUMNS, string][] = [
  ['sourceSensorClasses', 'source_sensor_class'], ['sourceSensors', 'source_sensor'], ['sourceCollections', 'source_collection'], ['sourceTasks', 'source_task'],
];
