"""Read the service's pg-boss queue from its PostgreSQL (SYNC_MONITOR_PGBOSS_URL, issue 12),
read-only: every session is `default_transaction_read_only`, every statement has a timeout,
the pool holds one connection (two at most), and a poll is one query per process.

A poll reads the waiting jobs through pg-boss's own fetch index (job_i5: `name, start_after
WHERE state < 'active'`) and the jobs it already follows by primary key; every 30 s it also
looks for running jobs it has not seen and the day's failures, in a bounded window of
`created_on`. No query scans the whole table.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sync_monitor.dotoro.models import JobState, Platform
from sync_monitor.text import without_credentials

from .jobs import QUEUE, WAITING, QueueJob, QueueRead, serialized_error

log = logging.getLogger(__name__)
STATEMENT_TIMEOUT_MS = 5_000
RECENT = timedelta(hours=24)  # the failures shown are those of the last 24 hours
# A job runs for at most pg-boss's expiry (900 s here, §4) per try and three tries: one
# created longer ago than this cannot be running or waiting unless it was held back.
LONGEST_LIFE = timedelta(days=2)

_COLUMNS = """
    id::text, data->>'campaignSetId', data->>'platform', state::text, priority, retry_count,
    retry_limit, start_after, created_on, started_on, completed_on, output, expire_seconds,
    data->>'teamId', data->>'adAccountId'
"""
# One statement per poll. Most polls: the waiting jobs through the fetch index, and the jobs
# the monitor already follows (waiting or running at the last poll) through the primary key
# (name, id): a handful of index lookups, whatever the table's size.
_WAITING = f"SELECT {_COLUMNS} FROM pgboss.job WHERE name = :queue AND state < 'active'"
_FOLLOWED = f"""
    SELECT {_COLUMNS} FROM pgboss.job
    WHERE name = :queue AND state >= 'active' AND id = ANY(CAST(:ids AS uuid[]))
"""
POLL = text(f"{_WAITING} UNION ALL {_FOLLOWED}")
# Every DISCOVER_EVERY, the same with a bounded pass over the recent jobs: running jobs the
# monitor never saw waiting (fetched within one poll of being created), the failures of the
# last 24 hours, and every job of the sets the API lists (the table decides: jobs.merge).
# pg-boss has no index for these; the created_on window bounds the work. The followed jobs
# are still read by primary key: how they ended is known on a discovery poll too, and one
# that was held back for days and runs now is not lost.
_RECENT = f"""
    SELECT {_COLUMNS} FROM pgboss.job
    WHERE name = :queue AND created_on >= :since
      AND (state = 'active' OR (state = 'failed' AND completed_on >= :recent)
           OR data->>'campaignSetId' = ANY(CAST(:sets AS text[])))
"""
DISCOVER = text(f"{_WAITING} UNION ALL {_RECENT} UNION ALL {_FOLLOWED}")
DISCOVER_EVERY = timedelta(seconds=30)
FINISHED = text(
    f"""
    SELECT {_COLUMNS} FROM pgboss.job
    WHERE name = :queue AND state IN ('completed', 'cancelled', 'failed') AND created_on >= :since
    """
)
BACKFILL_TIMEOUT_MS = 120_000  # the one long read: 90 days of ended jobs, once per start


class QueueUnavailable(Exception):
    """The queue's database cannot be read; the message says which: unreachable, no rights, or
    no pg-boss schema there. Never the URL (it may hold a password)."""


def _engine_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _why(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    code = getattr(original, "sqlstate", None) or ""
    text = without_credentials(str(original or exc).strip())
    first = (text.splitlines() or [type(exc).__name__])[0][:200]
    if code == "42501":
        return f"the role may not read pgboss.job ({first})"
    if code in ("42P01", "3F000"):
        return "there is no pg-boss schema in this database (pgboss.job)"
    if code == "57014":
        return "the queue query timed out"
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or isinstance(
        exc, (OperationalError, InterfaceError, PoolTimeout)
    ):
        return f"the database cannot be reached ({first})"
    if not code:  # not the database's answer: a bug of ours, logged with its traceback
        log.error("reading pg-boss's queue failed: %s", first, exc_info=exc)
        return f"the queue could not be read, a fault of the monitor ({type(exc).__name__})"
    return first


def _job(row: Any) -> QueueJob:
    # A failed job's output, and a job waiting to retry keeps its last failure's.
    failed = row[3] in ("failed", "retry")
    message, stack = serialized_error(row[11], row[12]) if failed else (None, None)
    return QueueJob(
        id=row[0],
        set_id=row[1] or "",
        platform=Platform.coerce(row[2]),
        state=JobState.coerce(row[3]),
        priority=int(row[4] or 0),
        retry_count=int(row[5] or 0),
        retry_limit=int(row[6] or 0),
        start_after=row[7],
        created_on=row[8],
        started_on=row[9],
        completed_on=row[10],
        error=message,
        stack=stack,
        team_id=row[13] or None,
        ad_account_id=row[14] or None,
    )


class QueueReader:
    def __init__(
        self, url: str, queue: str = QUEUE, discover_every: timedelta = DISCOVER_EVERY
    ) -> None:
        self.queue = queue
        self.discover_every = discover_every
        self._following: set[str] = set()  # ids waiting or running at the last poll
        self._failures: dict[str, QueueJob] = {}  # failed in the last 24 h, by id
        self._discovered: datetime | None = None  # the last DISCOVER poll
        self._newest: dict[str, QueueJob] = {}  # each set's newest job seen, in the window
        self.engine = create_engine(
            _engine_url(url),
            pool_size=1,
            max_overflow=1,
            pool_pre_ping=True,
            connect_args={
                "connect_timeout": 5,
                # Read-only whatever the role may do, and no statement may run long.
                "options": (
                    "-c default_transaction_read_only=on "
                    f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
                ),
            },
        )

    def read(self, now: datetime, sets: Collection[str] = ()) -> QueueRead:
        """The queue now: one query (see POLL and DISCOVER); `sets`: the sets the API lists,
        whose newest jobs a discovery reads. Raises QueueUnavailable."""
        discover = self._discovered is None or now - self._discovered >= self.discover_every
        if discover:
            query = DISCOVER
            params: dict[str, object] = {
                "queue": self.queue,
                "since": now - LONGEST_LIFE,
                "recent": now - RECENT,
                "ids": sorted(self._following),
                "sets": sorted(sets),
            }
        else:
            query = POLL
            params = {"queue": self.queue, "ids": sorted(self._following)}
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query, params).all()
        except SQLAlchemyError as exc:
            raise QueueUnavailable(_why(exc)) from None
        # A followed job may match two parts of DISCOVER: once each.
        jobs = list({job.id: job for job in map(_job, rows)}.values())
        if discover:
            self._discovered = now
            self._failures = {
                j.id: j
                for j in jobs
                if j.state is JobState.FAILED
                and (j.completed_on is None or j.completed_on >= now - RECENT)
            }
        # A job followed since the last poll that failed joins the failures; those older than
        # a day leave them.
        self._failures.update({j.id: j for j in jobs if j.state is JobState.FAILED})
        self._failures = {
            k: j
            for k, j in self._failures.items()
            if j.completed_on is None or j.completed_on >= now - RECENT
        }
        live = [j for j in jobs if j.state in (*WAITING, JobState.ACTIVE)]
        ended = tuple(j for j in jobs if j.state.final and j.id in self._following)
        self._following = {j.id for j in live}
        self._remember(jobs, now)
        read = tuple(live) + tuple(self._failures.values())
        return QueueRead(now, read, ended, tuple(self._newest.values()))

    def _remember(self, jobs: list[QueueJob], now: datetime) -> None:
        """Keep each set's newest job (a job seen again replaces its older sighting); forget
        those created before the window a discovery reads."""
        for job in jobs:
            known = self._newest.get(job.set_id)
            if known is None or (job.created_on, job.id) >= (known.created_on, known.id):
                self._newest[job.set_id] = job
        since = now - LONGEST_LIFE
        self._newest = {
            k: j
            for k, j in self._newest.items()
            if j.created_on >= since or j.state in (*WAITING, JobState.ACTIVE)
        }

    def rediscover(self) -> None:
        """Make the next read a discovery poll (the benchmark measures both kinds)."""
        self._discovered = None

    def finished(self, since: datetime, page: int = 2_000) -> Iterator[list[QueueJob]]:
        """The ended jobs created since `since`, a page at a time, from one streamed query
        (one pass over the table, whatever its size). Raises QueueUnavailable."""
        params = {"queue": self.queue, "since": since}
        try:
            with self.engine.connect() as connection, connection.begin():
                connection.execute(text(f"SET LOCAL statement_timeout = {BACKFILL_TIMEOUT_MS}"))
                result = connection.execution_options(stream_results=True).execute(FINISHED, params)
                while rows := result.fetchmany(page):
                    yield [_job(r) for r in rows]
        except SQLAlchemyError as exc:
            raise QueueUnavailable(_why(exc)) from None

    def close(self) -> None:
        self.engine.dispose()
