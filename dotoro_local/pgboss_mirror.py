"""The local API's jobs kept in a pg-boss-shaped schema in PostgreSQL as well (--pgboss-url), so
that the monitor's pg-boss source runs end to end on one machine: every job the store inserts
or changes is written to `pgboss.job` (queue sync-campaign-set), in order, by one writer thread,
so the API's event loop never waits for PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import psycopg

from .rows import Job

log = logging.getLogger(__name__)
QUEUE = "sync-campaign-set"
SCHEMA = (resources.files(__package__) / "pgboss_schema.sql").read_text()
_STOP = object()


@dataclass(frozen=True)
class _Insert:
    jobs: list[Job]


@dataclass(frozen=True)
class _Update:
    job_id: str
    fields: dict[str, Any]


def _when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _output(error: str | None) -> str | None:
    """pg-boss's serialized error for a failed job's message (dotoro-api.md §4)."""
    if not error:
        return None
    return json.dumps({"name": "Error", "message": error, "stack": f"Error: {error}\n    at sync"})


class PgBossMirror:
    def __init__(self, url: str) -> None:
        self._db = psycopg.connect(url, autocommit=True)
        exists = self._db.execute("SELECT to_regclass('pgboss.job')").fetchone()
        if exists is None or exists[0] is None:
            self._db.execute(SCHEMA)
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="pgboss-mirror", daemon=True)
        self._thread.start()

    def inserted(self, jobs: Iterable[Job]) -> None:
        self._queue.put(_Insert(list(jobs)))

    def updated(self, job_id: str, fields: dict[str, Any]) -> None:
        self._queue.put(_Update(job_id, dict(fields)))

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(10)
        self._db.close()

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            try:
                if isinstance(item, _Insert):
                    self._insert(item.jobs)
                elif isinstance(item, _Update):
                    self._update(item.job_id, item.fields)
            except psycopg.Error:
                log.exception("the pg-boss mirror could not write; it carries on")

    def _insert(self, jobs: list[Job]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO pgboss.job (id, name, data, state, retry_limit, retry_count, "
                "start_after, started_on, created_on, completed_on, output) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [
                    (
                        j.id,
                        QUEUE,
                        json.dumps(
                            {"campaignSetId": j.set_id, "teamId": j.team_id, "platform": j.platform}
                        ),
                        j.state,
                        j.retry_limit,
                        j.retry_count,
                        _when(j.created_on),
                        _when(j.started_on),
                        _when(j.created_on),
                        _when(j.completed_on),
                        _output(j.error) if j.state == "failed" else None,
                    )
                    for j in jobs
                ],
            )

    def _update(self, job_id: str, fields: dict[str, Any]) -> None:
        columns = {
            "state": lambda v: v,
            "retry_count": lambda v: v,
            "started_on": _when,
            "completed_on": _when,
        }
        sets = {k: columns[k](v) for k, v in fields.items() if k in columns}
        if "error" in fields:
            sets["output"] = _output(fields["error"])
        if not sets:
            return
        assignments = ", ".join(f"{name} = %s" for name in sets)
        self._db.execute(
            f"UPDATE pgboss.job SET {assignments} WHERE name = %s AND id = %s",
            (*sets.values(), QUEUE, job_id),
        )
