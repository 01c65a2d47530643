-- Executions ended without their process (declared lost) whose unrecorded outputs are still to be
-- removed from their workspaces: set by the statement that ends them, cleared once the files are
-- gone, and swept by every server, so a crash between the two leaves the work on record.
ALTER TABLE job_exe ADD COLUMN discard_outputs boolean NOT NULL DEFAULT false;
CREATE INDEX job_exe_discard_outputs ON job_exe (id) WHERE discard_outputs;
