-- File lineage (GET /sources/ and /products/ details): which jobs consumed which files. A job's
-- input files are already named in job.input (Scale job data 1.0: input_data[].file_id / file_ids;
-- v6 data: files.NAME = [ids]), so no link table is kept: this function reads the ids out of
-- either shape and a GIN index over it answers "which jobs took file N" without a scan. The
-- other direction (a product's producing job) is scale_file.job_id.
--
-- Ids that are not plain positive integers are skipped rather than cast, so an odd input can
-- never make a job insert fail on this index.
CREATE FUNCTION scale_job_input_file_ids(input jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT ids.id::bigint ORDER BY ids.id::bigint), '{}'::bigint[])
    FROM (
      SELECT d->>'file_id' AS id
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(input->'input_data') = 'array' THEN input->'input_data' ELSE '[]'::jsonb END) AS d
       WHERE jsonb_typeof(d) = 'object' AND jsonb_typeof(d->'file_id') = 'number'
      UNION ALL
      SELECT x #>> '{}'
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(input->'input_data') = 'array' THEN input->'input_data' ELSE '[]'::jsonb END) AS d,
             jsonb_array_elements(CASE WHEN jsonb_typeof(d) = 'object' AND jsonb_typeof(d->'file_ids') = 'array' THEN d->'file_ids' ELSE '[]'::jsonb END) AS x
       WHERE jsonb_typeof(x) = 'number'
      UNION ALL
      SELECT x #>> '{}'
        FROM jsonb_each(CASE WHEN jsonb_typeof(input->'files') = 'object' THEN input->'files' ELSE '{}'::jsonb END) AS e(name, v),
             jsonb_array_elements(CASE jsonb_typeof(e.v) WHEN 'array' THEN e.v WHEN 'number' THEN jsonb_build_array(e.v) ELSE '[]'::jsonb END) AS x
       WHERE jsonb_typeof(x) = 'number'
    ) AS ids
   WHERE ids.id ~ '^[1-9][0-9]{0,17}$'
$$;

CREATE INDEX job_input_files_idx ON job USING gin (scale_job_input_file_ids(input));

-- /sources/ and /products/ always filter on the file type and page by last_modified.
CREATE INDEX scale_file_type_last_modified_idx ON scale_file (file_type, last_modified, id);
