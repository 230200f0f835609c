-- Every write is one call of one of these functions: one statement, one round trip, and
-- (when several are batched) one transaction for the whole batch. Each function checks
-- everything that can refuse the write *before* writing anything and returns the refusal
-- as {"err": …}, so a refused write leaves nothing behind in a shared batch. Success is
-- {"ok": …}. Unexpected SQL errors abort the batch; the writer then retries its writes one
-- by one (see commit.rs).

CREATE FUNCTION hf_err(kind text, entity text, id text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$ SELECT jsonb_build_object('err', kind, 'entity', entity, 'id', id) $$;

-- Checks of a change set (RunChanges) against run p_run; NULL when it may be written.
CREATE FUNCTION hf_check_changes(p_run text, c jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cb bigint;
    was boolean;
    l jsonb;
    recorded text[] := '{}';
BEGIN
    IF c IS NULL THEN
        RETURN NULL;
    END IF;
    FOR cb IN SELECT (jsonb_array_elements_text(COALESCE(c->'consume', '[]')))::bigint LOOP
        SELECT consumed INTO was FROM callback WHERE id = cb AND run = p_run FOR UPDATE;
        IF NOT FOUND THEN
            RETURN hf_err('not_found', 'callback', cb::text);
        END IF;
        IF was THEN
            RETURN jsonb_build_object('err', 'already_consumed', 'run', p_run, 'id', cb);
        END IF;
    END LOOP;
    FOR l IN SELECT * FROM jsonb_array_elements(COALESCE(c->'ledger', '[]')) LOOP
        IF l->>'op' = 'record' THEN
            IF NOT EXISTS (SELECT 1 FROM workflow WHERE name = l->>'workflow') THEN
                RETURN hf_err('not_found', 'workflow', l->>'workflow');
            END IF;
            IF (l->>'id') = ANY (recorded) OR EXISTS (SELECT 1 FROM ledger WHERE id = l->>'id') THEN
                RETURN hf_err('already_exists', 'ledger entry', l->>'id');
            END IF;
            recorded := recorded || (l->>'id');
        ELSIF NOT ((l->>'id') = ANY (recorded))
              AND NOT EXISTS (SELECT 1 FROM ledger WHERE id = l->>'id') THEN
            RETURN hf_err('not_found', 'ledger entry', l->>'id');
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION hf_insert_ledger(l jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO ledger (id, workflow, trigger, run, action, repetition, operation, request,
                        response, state, created_at, updated_at)
    VALUES (l->>'id', l->>'workflow', l->>'trigger', l->>'run', l->>'action', l->>'repetition',
            l->>'operation', l->>'request', l->>'response', l->>'state',
            (l->>'created_at')::bigint, (l->>'updated_at')::bigint)
$$;

-- Writes a checked change set.
CREATE FUNCTION hf_write_changes(p_run text, c jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s jsonb := c->'summary';
    t jsonb;
    l jsonb;
    a jsonb;
BEGIN
    IF c IS NULL THEN
        RETURN;
    END IF;
    IF jsonb_typeof(s) = 'object' THEN
        UPDATE run SET status = s->>'status', end_time = (s->>'end_time')::bigint,
                       outputs = s->>'outputs', error = s->>'error'
        WHERE id = p_run;
    END IF;
    FOR t IN SELECT * FROM jsonb_array_elements(COALESCE(c->'timers', '[]')) LOOP
        IF t->>'op' = 'schedule' THEN
            INSERT INTO timer (run, id, due, payload)
            VALUES (p_run, t->>'id', (t->>'due')::bigint, t->>'payload')
            ON CONFLICT (run, id) DO UPDATE SET due = EXCLUDED.due, payload = EXCLUDED.payload;
        ELSE
            DELETE FROM timer WHERE run = p_run AND id = t->>'id';
        END IF;
    END LOOP;
    IF jsonb_array_length(COALESCE(c->'consume', '[]')) > 0 THEN
        UPDATE callback SET consumed = true
        WHERE run = p_run
          AND id IN (SELECT (jsonb_array_elements_text(c->'consume'))::bigint);
    END IF;
    FOR l IN SELECT * FROM jsonb_array_elements(COALESCE(c->'ledger', '[]')) LOOP
        IF l->>'op' = 'record' THEN
            PERFORM hf_insert_ledger(l);
        ELSE
            UPDATE ledger SET state = l->>'state', response = l->>'response',
                              updated_at = (l->>'at')::bigint
            WHERE id = l->>'id';
        END IF;
    END LOOP;
    FOR a IN SELECT * FROM jsonb_array_elements(COALESCE(c->'actions', '[]')) LOOP
        INSERT INTO action (run, name, repetition, seq, status, code, start_time, end_time,
                            inputs, outputs, error)
        VALUES (p_run, a->>'name', a->>'repetition', nextval('action_seq'), a->>'status',
                a->>'code', (a->>'start_time')::bigint, (a->>'end_time')::bigint,
                a->>'inputs', a->>'outputs', a->>'error')
        ON CONFLICT (run, name, repetition) DO UPDATE SET
            seq = EXCLUDED.seq, status = EXCLUDED.status, code = EXCLUDED.code,
            start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
            inputs = EXCLUDED.inputs, outputs = EXCLUDED.outputs, error = EXCLUDED.error;
    END LOOP;
    IF jsonb_typeof(c->'runnable') = 'object' THEN
        UPDATE run SET runnable_at = (c->'runnable'->>'at')::bigint WHERE id = p_run;
    END IF;
    -- Pending callbacks keep the run runnable whatever the write said, so a callback
    -- accepted (on any node) while the run was being processed is never parked.
    UPDATE run SET runnable_at = LEAST(COALESCE(run.runnable_at, p.first), p.first)
    FROM (SELECT min(received_at) AS first FROM callback
          WHERE callback.run = p_run AND NOT consumed) AS p
    WHERE run.id = p_run AND p.first IS NOT NULL;
END $$;

CREATE FUNCTION hf_put_workflow(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cur bigint;
    created bigint;
    v bigint;
    expect text := p->>'expect';
BEGIN
    SELECT version, created_at INTO cur, created FROM workflow WHERE name = p->>'name' FOR UPDATE;
    IF (expect = 'absent' AND cur IS NOT NULL)
       OR (expect = 'current' AND cur IS DISTINCT FROM (p->>'expect_version')::bigint) THEN
        RETURN jsonb_build_object('err', 'version', 'name', p->>'name',
                                  'expected', (p->>'expect_version')::bigint, 'actual', cur);
    END IF;
    v := COALESCE(cur, 0) + 1;
    IF cur IS NULL THEN
        created := (p->>'at')::bigint;
        INSERT INTO workflow (name, version, state, primary_key, secondary_key, created_at, changed_at)
        VALUES (p->>'name', v, p->>'state', p->>'primary', p->>'secondary', created, created);
    ELSE
        UPDATE workflow SET version = v, state = p->>'state', changed_at = (p->>'at')::bigint
        WHERE name = p->>'name';
    END IF;
    INSERT INTO workflow_version (workflow, version, definition, parameters, created_at)
    VALUES (p->>'name', v, p->>'definition', p->>'parameters', (p->>'at')::bigint);
    RETURN jsonb_build_object('ok', jsonb_build_object('version', v, 'created_at', created,
                                                       'created', cur IS NULL));
END $$;

CREATE FUNCTION hf_delete_workflow(p jsonb) RETURNS jsonb
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
    DELETE FROM ledger WHERE workflow = w;
    DELETE FROM trigger_history WHERE workflow = w;
    DELETE FROM trigger_state WHERE workflow = w;
    DELETE FROM workflow_version WHERE workflow = w;
    DELETE FROM workflow WHERE name = w;
    RETURN jsonb_build_object('ok', true);
END $$;

CREATE FUNCTION hf_set_workflow_state(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE workflow SET state = p->>'state', changed_at = (p->>'at')::bigint
    WHERE name = p->>'name';
    IF NOT FOUND THEN
        RETURN hf_err('not_found', 'workflow', p->>'name');
    END IF;
    RETURN jsonb_build_object('ok', true);
END $$;

CREATE FUNCTION hf_regenerate_key(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    pk text;
    sk text;
BEGIN
    IF p->>'key_type' = 'primary' THEN
        UPDATE workflow SET primary_key = p->>'key' WHERE name = p->>'name'
        RETURNING primary_key, secondary_key INTO pk, sk;
    ELSE
        UPDATE workflow SET secondary_key = p->>'key' WHERE name = p->>'name'
        RETURNING primary_key, secondary_key INTO pk, sk;
    END IF;
    IF NOT FOUND THEN
        RETURN hf_err('not_found', 'workflow', p->>'name');
    END IF;
    RETURN jsonb_build_object('ok', jsonb_build_object('primary', pk, 'secondary', sk));
END $$;

CREATE FUNCTION hf_put_trigger_state(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM workflow WHERE name = p->>'workflow') THEN
        RETURN hf_err('not_found', 'workflow', p->>'workflow');
    END IF;
    INSERT INTO trigger_state (workflow, trigger, subscription, last_subscribe,
                               last_unsubscribe, updated_at)
    VALUES (p->>'workflow', p->>'trigger', p->>'subscription', p->>'last_subscribe',
            p->>'last_unsubscribe', (p->>'updated_at')::bigint)
    ON CONFLICT (workflow, trigger) DO UPDATE SET
        subscription = EXCLUDED.subscription, last_subscribe = EXCLUDED.last_subscribe,
        last_unsubscribe = EXCLUDED.last_unsubscribe, updated_at = EXCLUDED.updated_at;
    RETURN jsonb_build_object('ok', true);
END $$;

CREATE FUNCTION hf_insert_history(h jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO trigger_history (workflow, trigger, id, start_time, end_time, status, code,
                                 fired, run, inputs, outputs, error)
    VALUES (h->>'workflow', h->>'trigger', h->>'id', (h->>'start_time')::bigint,
            (h->>'end_time')::bigint, h->>'status', h->>'code', (h->>'fired')::boolean,
            h->>'run', h->>'inputs', h->>'outputs', h->>'error')
$$;

CREATE FUNCTION hf_record_history(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM workflow WHERE name = p->>'workflow') THEN
        RETURN hf_err('not_found', 'workflow', p->>'workflow');
    END IF;
    IF EXISTS (SELECT 1 FROM trigger_history WHERE workflow = p->>'workflow'
               AND trigger = p->>'trigger' AND id = p->>'id') THEN
        RETURN hf_err('already_exists', 'trigger history', p->>'id');
    END IF;
    PERFORM hf_insert_history(p);
    RETURN jsonb_build_object('ok', true);
END $$;

CREATE FUNCTION hf_create_run(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    rid text := p->>'id';
    existing text;
    chk jsonb;
    h jsonb := p->'history';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM workflow WHERE name = p->>'workflow') THEN
        RETURN hf_err('not_found', 'workflow', p->>'workflow');
    END IF;
    IF EXISTS (SELECT 1 FROM run WHERE id = rid) THEN
        RETURN hf_err('already_exists', 'run', rid);
    END IF;
    IF p->>'idempotency_key' IS NOT NULL THEN
        SELECT id INTO existing FROM run
        WHERE workflow = p->>'workflow' AND trigger_name = p->>'trigger_name'
          AND idempotency_key = p->>'idempotency_key';
        IF FOUND THEN
            RETURN jsonb_build_object('duplicate', existing);
        END IF;
    END IF;
    IF jsonb_typeof(h) = 'object' AND EXISTS (
        SELECT 1 FROM trigger_history WHERE workflow = h->>'workflow'
        AND trigger = h->>'trigger' AND id = h->>'id') THEN
        RETURN hf_err('already_exists', 'trigger history', h->>'id');
    END IF;
    chk := hf_check_changes(rid, p->'changes');
    IF chk IS NOT NULL THEN
        RETURN chk;
    END IF;
    INSERT INTO run (id, workflow, version, status, start_time, trigger_name, trigger_status,
                     trigger_code, trigger_outputs, trigger_at, client_tracking_id, position,
                     idempotency_key)
    VALUES (rid, p->>'workflow', (p->>'version')::bigint, p->>'status',
            (p->>'start_time')::bigint, p->>'trigger_name', p->>'trigger_status',
            p->>'trigger_code', p->>'trigger_outputs', (p->>'trigger_at')::bigint,
            p->>'client_tracking_id', jsonb_array_length(p->'entries'), p->>'idempotency_key');
    INSERT INTO journal (run, position, kind, payload, at)
    SELECT rid, e.ord - 1, e.v->>'kind', e.v->>'payload', (e.v->>'at')::bigint
    FROM jsonb_array_elements(p->'entries') WITH ORDINALITY AS e(v, ord);
    IF jsonb_typeof(h) = 'object' THEN
        PERFORM hf_insert_history(h);
    END IF;
    PERFORM hf_write_changes(rid, p->'changes');
    RETURN jsonb_build_object('ok', true);
END $$;

CREATE FUNCTION hf_append(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    rid text := p->>'run';
    pos bigint;
    holder text;
    epoch bigint;
    chk jsonb;
    n bigint := jsonb_array_length(COALESCE(p->'entries', '[]'));
BEGIN
    SELECT position, lease_owner, lease_epoch INTO pos, holder, epoch
    FROM run WHERE id = rid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN hf_err('not_found', 'run', rid);
    END IF;
    IF pos <> (p->>'expected')::bigint THEN
        RETURN jsonb_build_object('err', 'position', 'run', rid,
                                  'expected', (p->>'expected')::bigint, 'actual', pos);
    END IF;
    IF jsonb_typeof(p->'lease') = 'object'
       AND (epoch <> (p->'lease'->>'epoch')::bigint
            OR holder IS DISTINCT FROM p->'lease'->>'owner') THEN
        RETURN jsonb_build_object('err', 'lease', 'run', rid,
                                  'epoch', (p->'lease'->>'epoch')::bigint, 'current', epoch);
    END IF;
    chk := hf_check_changes(rid, p->'changes');
    IF chk IS NOT NULL THEN
        RETURN chk;
    END IF;
    IF n > 0 THEN
        INSERT INTO journal (run, position, kind, payload, at)
        SELECT rid, pos + e.ord - 1, e.v->>'kind', e.v->>'payload', (e.v->>'at')::bigint
        FROM jsonb_array_elements(p->'entries') WITH ORDINALITY AS e(v, ord);
        UPDATE run SET position = pos + n WHERE id = rid;
    END IF;
    PERFORM hf_write_changes(rid, p->'changes');
    RETURN jsonb_build_object('ok', pos + n);
END $$;

CREATE FUNCTION hf_accept_callback(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    rid text := p->>'run';
    original bigint;
    new_id bigint;
    received bigint := (p->>'received_at')::bigint;
BEGIN
    -- The run's row lock serialises deliveries to one run across nodes, so the duplicate
    -- check below sees every earlier delivery.
    PERFORM 1 FROM run WHERE id = rid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN hf_err('not_found', 'run', rid);
    END IF;
    IF p->>'idempotency_key' IS NOT NULL THEN
        SELECT id INTO original FROM callback
        WHERE run = rid AND action = p->>'action' AND repetition = p->>'repetition'
          AND idempotency_key = p->>'idempotency_key';
        IF FOUND THEN
            RETURN jsonb_build_object('duplicate', original);
        END IF;
    END IF;
    INSERT INTO callback (run, action, repetition, idempotency_key, payload, received_at)
    VALUES (rid, p->>'action', p->>'repetition', p->>'idempotency_key', p->>'payload', received)
    RETURNING id INTO new_id;
    UPDATE run SET runnable_at = LEAST(COALESCE(runnable_at, received), received) WHERE id = rid;
    RETURN jsonb_build_object('ok', new_id);
END $$;

-- Claims up to p.limit runs with due work that no live lease holds, earliest work first.
-- SKIP LOCKED: concurrent claimers (other nodes) pass over rows another claim is taking.
CREATE FUNCTION hf_claim(p jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    WITH due AS (
        SELECT r.id, r.lease_owner AS previous, d.at
        FROM run r
        JOIN (SELECT u.run, min(u.at) AS at FROM (
                  SELECT id AS run, runnable_at AS at FROM run
                  WHERE runnable_at <= (p->>'now')::bigint
                  UNION ALL
                  SELECT run, due FROM timer WHERE due <= (p->>'now')::bigint
              ) AS u GROUP BY u.run) AS d ON d.run = r.id
        WHERE r.lease_owner IS NULL OR r.lease_expires <= (p->>'now')::bigint
        ORDER BY d.at, r.id
        LIMIT (p->>'limit')::bigint
        FOR UPDATE OF r SKIP LOCKED
    ), claimed AS (
        UPDATE run r SET lease_owner = p->>'owner', lease_epoch = r.lease_epoch + 1,
                         lease_expires = (p->>'expires')::bigint
        FROM due WHERE r.id = due.id
        RETURNING r.id, r.lease_epoch, due.previous, due.at
    )
    SELECT jsonb_build_object('ok', COALESCE(jsonb_agg(jsonb_build_object(
               'run', id, 'epoch', lease_epoch, 'previous', previous) ORDER BY at, id), '[]'))
    FROM claimed
$$;

CREATE FUNCTION hf_lease_refused(rid text, held_epoch bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    cur bigint;
BEGIN
    SELECT lease_epoch INTO cur FROM run WHERE id = rid;
    IF NOT FOUND THEN
        RETURN hf_err('not_found', 'run', rid);
    END IF;
    RETURN jsonb_build_object('err', 'lease', 'run', rid, 'epoch', held_epoch, 'current', cur);
END $$;

CREATE FUNCTION hf_renew(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE run SET lease_expires = (p->>'expires')::bigint
    WHERE id = p->>'run' AND lease_owner = p->>'owner' AND lease_epoch = (p->>'epoch')::bigint;
    IF FOUND THEN
        RETURN jsonb_build_object('ok', true);
    END IF;
    RETURN hf_lease_refused(p->>'run', (p->>'epoch')::bigint);
END $$;

CREATE FUNCTION hf_release(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE run SET lease_owner = NULL, lease_expires = NULL
    WHERE id = p->>'run' AND lease_owner = p->>'owner' AND lease_epoch = (p->>'epoch')::bigint;
    IF FOUND THEN
        RETURN jsonb_build_object('ok', true);
    END IF;
    RETURN hf_lease_refused(p->>'run', (p->>'epoch')::bigint);
END $$;

CREATE FUNCTION hf_record_ledger(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    chk jsonb := hf_check_changes(NULL, jsonb_build_object('ledger', jsonb_build_array(p || '{"op": "record"}')));
BEGIN
    IF chk IS NOT NULL THEN
        RETURN chk;
    END IF;
    PERFORM hf_insert_ledger(p);
    RETURN jsonb_build_object('ok', true);
END $$;

CREATE FUNCTION hf_update_ledger(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger SET state = p->>'state', response = p->>'response',
                      updated_at = (p->>'at')::bigint
    WHERE id = p->>'id';
    IF NOT FOUND THEN
        RETURN hf_err('not_found', 'ledger entry', p->>'id');
    END IF;
    RETURN jsonb_build_object('ok', true);
END $$;

CREATE FUNCTION hf_heartbeat(p jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    INSERT INTO node (name, started_at, heartbeat_at, info)
    VALUES (p->>'name', (p->>'started_at')::bigint, (p->>'at')::bigint, p->>'info')
    ON CONFLICT (name) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, info = EXCLUDED.info
    RETURNING jsonb_build_object('ok', true)
$$;
