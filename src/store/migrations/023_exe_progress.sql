-- How far a running execution has come, in percent, where its runtime can tell (a CWL workflow: the
-- share of its steps cwltool has completed). Read by the process doors' status documents.
ALTER TABLE job_exe ADD COLUMN progress smallint CHECK (progress BETWEEN 0 AND 100);
