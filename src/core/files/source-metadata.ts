// Scale 6's source metadata filters on job and recipe lists (source_sensor_class, source_sensor,
// source_collection, source_task): Scale copies the greatest of each from the input files onto the
// job or recipe (Job.objects.process_job_input); here it is read from the input files when asked.
import type { Where } from '../../store/listing.ts';

export interface SourceMetadataFilter {
  sourceSensorClasses?: string[];
  sourceSensors?: string[];
  sourceCollections?: string[];
  sourceTasks?: string[];
}

const COLUMNS: Record<keyof SourceMetadataFilter, string> = {
  sourceSensorClasses: 'source_sensor_class', sourceSensors: 'source_sensor', sourceCollections: 'source_collection', sourceTasks: 'source_task',
};

/** Adds the filters given, on rows whose input JSON (job or recipe data) is `inputColumn`. */
export function addSourceMetadataFilters(where: Where, inputColumn: string, f: SourceMetadataFilter): void {
  for (const [key, column] of Object.entries(COLUMNS) as [keyof SourceMetadataFilter, string][]) {
    const values = f[key];
    if (!values?.length) continue;
    where.add(`(SELECT max(sf.${column}) FROM scale_file sf WHERE sf.id = ANY(scale_job_input_file_ids(${inputColumn}))) = ANY(?::text[])`, values);
  }
}

/** The filters as Scale's views read them (parse_string_list of each name). */
export const SOURCE_METADATA_PARAMS: [keyof SourceMetadataFilter, string][] = [
  ['sourceSensorClasses', 'source_sensor_class'], ['sourceSensors', 'source_sensor'], ['sourceCollections', 'source_collection'], ['sourceTasks', 'source_task'],
];
