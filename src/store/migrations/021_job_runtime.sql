-- A job's runtime is what its job type runs on, said when the job is made: a process, a Docker
-- image, or a CWL document that cwltool runs (the `cwl` runtime, which needs cwltool and a Docker
-- engine on the node). It was computed from docker_image, which cannot tell the third.
ALTER TABLE job DROP COLUMN runtime;
ALTER TABLE job ADD COLUMN runtime text NOT NULL DEFAULT 'process' CHECK (runtime IN ('process', 'docker', 'cwl'));
UPDATE job SET runtime = 'docker' WHERE docker_image IS NOT NULL;
