-- The waiting-run gauges on /metrics count only waiting rows, scrape after scrape, however
-- many finished runs and actions are kept: runs parked in an action waiting for its
-- callback, and runs queued for a trigger concurrency slot.
CREATE INDEX action_waiting ON action (run) WHERE status = 'Waiting';
CREATE INDEX run_queued ON run (id) WHERE status = 'Waiting';
