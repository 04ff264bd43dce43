"""A pg-boss 12 queue in a real PostgreSQL database, for the tests of the pg-boss source: the
schema pg-boss 12.5.4 itself builds (dotoro_local/pgboss_schema.sql, its own output),
jobs written by hand in any state, and a read-only role. Prefer the real client
(tests/support/pgboss_client.py) for any state it can produce; rows written here are for
states and times it cannot (a job held for days, a failure 30 days ago).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources

import psycopg

# pg-boss 12.5.4's schema and Dotoro's queue, as pg-boss builds them (the bundled local API's
# --pgboss-url mirror uses it too).
DDL = (resources.files("dotoro_local") / "pgboss_schema.sql").read_text()

READER = "monitor_reader"
READER_PASSWORD = "read-only-0123"


def read_only_role(admin_url: str, database: str) -> str:
    """A role that may read pgboss.job and nothing else (docs/operating.md: "Reading the
    queue"); its URL for `database`."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER,)).fetchone()
        if not exists:
            admin.execute(f"CREATE ROLE {READER} LOGIN PASSWORD '{READER_PASSWORD}'")
    db_url = admin_url.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(db_url, autocommit=True) as db:
        db.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {READER}')
        db.execute(f"GRANT USAGE ON SCHEMA pgboss TO {READER}")
        db.execute(f"GRANT SELECT ON pgboss.job TO {READER}")
    host = db_url.split("@", 1)[1]
    return f"postgresql://{READER}:{READER_PASSWORD}@{host}"


@dataclass
class Job:
    set_id: str
    state: str = "created"
    platform: str = "reddit"
    priority: int = 0
    retry_count: int = 0
    retry_limit: int = 2
    created_on: datetime | None = None
    start_after: datetime | None = None
    started_on: datetime | None = None
    completed_on: datetime | None = None
    output: dict[str, object] | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


def insert(url: str, jobs: list[Job], now: datetime) -> None:
    with psycopg.connect(url, autocommit=True) as db:
        for job in jobs:
            created = job.created_on or now
            db.execute(
                "INSERT INTO pgboss.job (id, name, priority, data, state, retry_limit, "
                "retry_count, start_after, started_on, created_on, completed_on, output) "
                "VALUES (%s, 'sync-campaign-set', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    job.id,
                    job.priority,
                    json.dumps({"campaignSetId": job.set_id, "platform": job.platform}),
                    job.state,
                    job.retry_limit,
                    job.retry_count,
                    job.start_after or created,
                    job.started_on,
                    created,
                    job.completed_on,
                    json.dumps(job.output) if job.output is not None else None,
                ),
            )


def ago(now: datetime, seconds: float) -> datetime:
    return now - timedelta(seconds=seconds)
