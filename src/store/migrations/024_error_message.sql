-- Why an execution failed, in the algorithm's or the engine's own words (the last lines of its
-- stderr, Docker's "no such image", the spawn error): Scale's error names only the kind of failure,
-- and for an unmapped exit code its text is generic. The job keeps its latest execution's words.
ALTER TABLE job_exe ADD COLUMN error_message text;
ALTER TABLE job ADD COLUMN error_message text;
