-- CLOCK trigger events carry <kind>:<type id>:<period number>, so each period fires once whichever
-- server process gets there first.
ALTER TABLE trigger_event ADD COLUMN clock_key text UNIQUE;
