-- hookflow PostgreSQL schema, version 1. Never edit a released migration; add a new one.
-- Times are microseconds since the Unix epoch (bigint), JSON documents are text (so their
-- key order survives, which jsonb would not keep).

CREATE TABLE workflow (
    name text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL,
    state text COLLATE "C" NOT NULL,
    primary_key text COLLATE "C" NOT NULL,
    secondary_key text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    changed_at bigint NOT NULL
);

CREATE TABLE workflow_version (
    workflow text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    definition text COLLATE "C" NOT NULL,
    parameters text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (workflow, version)
);

CREATE TABLE trigger_state (
    workflow text COLLATE "C" NOT NULL,
    trigger text COLLATE "C" NOT NULL,
    subscription text COLLATE "C" NOT NULL,
    last_subscribe text COLLATE "C",
    last_unsubscribe text COLLATE "C",
    updated_at bigint NOT NULL,
    PRIMARY KEY (workflow, trigger)
);

CREATE TABLE run (
    id text COLLATE "C" PRIMARY KEY,
    workflow text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    status text COLLATE "C" NOT NULL,
    start_time bigint NOT NULL,
    end_time bigint,
    trigger_name text COLLATE "C" NOT NULL,
    trigger_status text COLLATE "C" NOT NULL,
    trigger_code text COLLATE "C",
    trigger_outputs text COLLATE "C",
    trigger_at bigint NOT NULL,
    outputs text COLLATE "C",
    error text COLLATE "C",
    client_tracking_id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    idempotency_key text COLLATE "C",
    runnable_at bigint,
    lease_owner text COLLATE "C",
    lease_epoch bigint NOT NULL DEFAULT 0,
    lease_expires bigint
);
CREATE INDEX run_by_workflow ON run (workflow, id);
CREATE INDEX run_by_status ON run (workflow, status, id);
CREATE INDEX run_runnable ON run (runnable_at) WHERE runnable_at IS NOT NULL;
CREATE UNIQUE INDEX run_trigger_key ON run (workflow, trigger_name, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE journal (
    run text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    kind text COLLATE "C" NOT NULL,
    payload text COLLATE "C" NOT NULL,
    at bigint NOT NULL,
    PRIMARY KEY (run, position)
);

CREATE TABLE timer (
    run text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    due bigint NOT NULL,
    payload text COLLATE "C" NOT NULL,
    PRIMARY KEY (run, id)
);
CREATE INDEX timer_due ON timer (due);

CREATE TABLE callback (
    id bigserial PRIMARY KEY,
    run text COLLATE "C" NOT NULL,
    action text COLLATE "C" NOT NULL,
    repetition text COLLATE "C" NOT NULL,
    idempotency_key text COLLATE "C",
    payload text COLLATE "C" NOT NULL,
    received_at bigint NOT NULL,
    consumed boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX callback_key ON callback (run, action, repetition, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX callback_by_run ON callback (run, id);

-- Orders action record writes across the whole database, so "the most recently written
-- repetition" is defined whichever node wrote it.
CREATE SEQUENCE action_seq;
CREATE TABLE action (
    run text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    repetition text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    status text COLLATE "C" NOT NULL,
    code text COLLATE "C",
    start_time bigint,
    end_time bigint,
    inputs text COLLATE "C",
    outputs text COLLATE "C",
    error text COLLATE "C",
    PRIMARY KEY (run, name, repetition)
);

CREATE TABLE trigger_history (
    workflow text COLLATE "C" NOT NULL,
    trigger text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    start_time bigint NOT NULL,
    end_time bigint,
    status text COLLATE "C" NOT NULL,
    code text COLLATE "C",
    fired boolean NOT NULL,
    run text COLLATE "C",
    inputs text COLLATE "C",
    outputs text COLLATE "C",
    error text COLLATE "C",
    PRIMARY KEY (workflow, trigger, id)
);

CREATE TABLE ledger (
    id text COLLATE "C" PRIMARY KEY,
    seq bigserial NOT NULL UNIQUE,
    workflow text COLLATE "C" NOT NULL,
    trigger text COLLATE "C",
    run text COLLATE "C",
    action text COLLATE "C",
    repetition text COLLATE "C",
    operation text COLLATE "C" NOT NULL,
    request text COLLATE "C" NOT NULL,
    response text COLLATE "C",
    state text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE INDEX ledger_unsettled ON ledger (seq) WHERE state IN ('Pending', 'Sent');
CREATE INDEX ledger_by_workflow ON ledger (workflow, seq);
CREATE INDEX ledger_by_run ON ledger (run) WHERE run IS NOT NULL;

-- The nodes serving this database: each writes a heartbeat; live = a recent heartbeat.
CREATE TABLE node (
    name text COLLATE "C" PRIMARY KEY,
    started_at bigint NOT NULL,
    heartbeat_at bigint NOT NULL,
    info text COLLATE "C" NOT NULL
);
