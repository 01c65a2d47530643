-- CWL workflows deployed as processes are recipe types: what was deployed (for GET
-- /processes/{id}/package) and the process they offer (its description, and which node output
-- each process output comes from).
ALTER TABLE recipe_type ADD COLUMN deployed_package text;
ALTER TABLE recipe_type ADD COLUMN deployed_media_type text;
ALTER TABLE recipe_type ADD COLUMN process jsonb;
