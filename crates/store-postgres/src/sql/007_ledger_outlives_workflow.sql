-- Deleting a workflow keeps its ledger entries: they are the record of every subscribe and
-- unsubscribe, and an unsettled one must stay visible to reconciliation after a restart.
-- They are marked as the deleted workflow's, so a workflow created again under the same
-- name does not take them for its own.
ALTER TABLE ledger ADD COLUMN workflow_deleted boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION hf_delete_workflow(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    w text := p->>'name';
BEGIN
    PERFORM 1 FROM workflow WHERE name = w FOR UPDATE;
    IF NOT FOUND THEN
        RETURN hf_err('not_found', 'workflow', w);
    END IF;
    DELETE FROM journal WHERE run IN (SELECT id FROM run WHERE workflow = w);
    DELETE FROM timer WHERE run IN (SELECT id FROM run WHERE workflow = w);
    DELETE FROM callback WHERE run IN (SELECT id FROM run WHERE workflow = w);
    DELETE FROM action WHERE run IN (SELECT id FROM run WHERE workflow = w);
    DELETE FROM run WHERE workflow = w;
    UPDATE ledger SET workflow_deleted = true WHERE workflow = w AND NOT workflow_deleted;
    DELETE FROM trigger_history WHERE workflow = w;
    DELETE FROM trigger_state WHERE workflow = w;
    DELETE FROM workflow_version WHERE workflow = w;
    DELETE FROM workflow WHERE name = w;
    RETURN jsonb_build_object('ok', true);
END $$;
