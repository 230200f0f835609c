-- Cluster-wide chores (reconciling webhook trigger subscriptions) done by one node at a
-- time: a named lease row, taken when free or expired, kept by its holder.
CREATE TABLE task_lease (
    name text COLLATE "C" PRIMARY KEY,
    holder text COLLATE "C" NOT NULL,
    until bigint NOT NULL
);

CREATE FUNCTION hf_take_task(p jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    WITH taken AS (
        INSERT INTO task_lease (name, holder, until)
        VALUES (p->>'name', p->>'holder', (p->>'until')::bigint)
        ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
        WHERE task_lease.until <= (p->>'now')::bigint OR task_lease.holder = EXCLUDED.holder
        RETURNING 1
    )
    SELECT jsonb_build_object('ok', EXISTS (SELECT 1 FROM taken))
$$;
