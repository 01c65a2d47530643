-- GPUs as a scheduled resource (SEED's `gpus` scalar; Mesos agents offer them): what a job needs,
-- what its queue row asks for, and what a node has. Jobs without GPUs need 0 and fit anywhere.
ALTER TABLE job ADD COLUMN gpus_required double precision NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN gpus double precision NOT NULL DEFAULT 0;
ALTER TABLE node ADD COLUMN gpus_total double precision NOT NULL DEFAULT 0;
