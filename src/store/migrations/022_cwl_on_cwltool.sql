-- CWL now runs on cwltool: a deployed CWL process is one job type holding the packed document
-- (interface ? 'packed'), run by the `cwl` runtime. Processes deployed before, translated into job
-- types (tools, a workflow's steps) and recipe types (workflows), are retired: redeploy them, and
-- they run on cwltool. Their finished jobs and recipes stay readable.
UPDATE job_type SET is_active = false, archived = coalesce(archived, now()), last_modified = now()
 WHERE interface_kind = 'cwl' AND NOT (interface ? 'packed') AND is_active;
UPDATE recipe_type SET is_active = false, archived = coalesce(archived, now()), last_modified = now()
 WHERE process IS NOT NULL AND is_active;
