-- Job types deployed as OGC Application Packages (or CWL): what was deployed, byte for byte, for
-- GET /processes/{id}/package, and whether the process is listed for everyone (Weaver's visibility).
ALTER TABLE job_type ADD COLUMN deployed_package text;
ALTER TABLE job_type ADD COLUMN deployed_media_type text;
ALTER TABLE job_type ADD COLUMN visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private'));
