-- Every change to a workflow row (save, state, keys, delete) tells the nodes, which keep
-- workflows and keys cached for the callback path and drop the entry on notice.
CREATE FUNCTION hf_notify_workflow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hookflow_workflow',
                      CASE WHEN TG_OP = 'DELETE' THEN OLD.name ELSE NEW.name END);
    RETURN NULL;
END $$;

CREATE TRIGGER workflow_changed AFTER INSERT OR UPDATE OR DELETE ON workflow
FOR EACH ROW EXECUTE FUNCTION hf_notify_workflow();
