-- A counter that every statement changing rows of the job table moves on: job lists keep their
-- count of matching jobs while it stands still (core/jobs/counts.ts) rather than counting a large
-- table on every page. A sequence, so writers never wait on one another for it.
CREATE SEQUENCE job_change_seq;

CREATE FUNCTION job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Statements that matched no row (a claim that found nothing) change nothing.
  IF EXISTS (SELECT 1 FROM changed) THEN PERFORM nextval('job_change_seq'); END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION job_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('job_change_seq');
  RETURN NULL;
END $$;

CREATE TRIGGER job_inserted AFTER INSERT ON job REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION job_changed();
CREATE TRIGGER job_updated AFTER UPDATE ON job REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION job_changed();
CREATE TRIGGER job_deleted AFTER DELETE ON job REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION job_changed();
CREATE TRIGGER job_truncated AFTER TRUNCATE ON job FOR EACH STATEMENT EXECUTE FUNCTION job_truncated();
