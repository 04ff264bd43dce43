-- pg-boss 12's job table, as pg-boss documents it (docs/sql.md of pg-boss; dotoro-api.md §4):
-- the table partitioned by queue name, the job_state enum in pg-boss's order (states compare by
-- it: state < 'active' is "waiting"), and the fetch index job_i5. The bundled local API writes
-- its jobs here with --pgboss-url; the tests of the monitor's pg-boss source build it too.
CREATE SCHEMA pgboss;
CREATE TYPE pgboss.job_state AS ENUM
    ('created', 'retry', 'active', 'completed', 'cancelled', 'failed');
CREATE TABLE pgboss.job (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    data jsonb,
    state pgboss.job_state NOT NULL DEFAULT 'created',
    retry_limit integer NOT NULL DEFAULT 2,
    retry_count integer NOT NULL DEFAULT 0,
    retry_delay integer NOT NULL DEFAULT 0,
    retry_backoff boolean NOT NULL DEFAULT false,
    start_after timestamp with time zone NOT NULL DEFAULT now(),
    started_on timestamp with time zone,
    singleton_key text,
    singleton_on timestamp without time zone,
    expire_seconds integer NOT NULL DEFAULT 900,
    deletion_seconds integer NOT NULL DEFAULT 604800,
    created_on timestamp with time zone NOT NULL DEFAULT now(),
    completed_on timestamp with time zone,
    keep_until timestamp with time zone NOT NULL DEFAULT now() + interval '14 days',
    output jsonb,
    dead_letter text,
    policy text,
    CONSTRAINT job_pkey PRIMARY KEY (name, id)
) PARTITION BY LIST (name);
CREATE TABLE pgboss.j_sync_campaign_set PARTITION OF pgboss.job
    FOR VALUES IN ('sync-campaign-set');
CREATE TABLE pgboss.job_common PARTITION OF pgboss.job DEFAULT;
CREATE INDEX job_i5 ON pgboss.job (name, start_after) WHERE state < 'active';
