"""What the fleet's tests (issue 22) share: a migrated PostgreSQL, who holds the collector's
lease, a replica's settings, and the most requests in any window."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Engine

from sync_monitor.history import History
from tests.support.databases import postgres_database


@contextmanager
def migrated_postgres() -> Iterator[Engine]:
    """A fresh PostgreSQL database with the monitor's schema; its engine."""
    with postgres_database() as url:
        history = History.open(url)
        try:
            yield history.engine
        finally:
            history.engine.dispose()


def holder(history: str) -> str | None:
    """Who holds the collector's lease (None: nobody, or its table is not made yet)."""
    with psycopg.connect(history) as db:
        try:
            found = db.execute("SELECT holder FROM fleet_lease WHERE expires_at > now()").fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return None if found is None else str(found[0])


def replica_env(name: str, history: str, poll_seconds: str, lease_seconds: str) -> dict[str, str]:
    """A replica's settings in a fleet that elects its collector."""
    return {
        "SYNC_MONITOR_POLL_SECONDS": poll_seconds,
        "SYNC_MONITOR_COLLECTOR": "elected",
        "SYNC_MONITOR_HISTORY_URL": history,
        "SYNC_MONITOR_REPLICA_NAME": name,
        "SYNC_MONITOR_LEASE_SECONDS": lease_seconds,
        "SYNC_MONITOR_HEARTBEAT_SECONDS": "1",
    }


def most_in_any(seen: list[tuple[int, str]], seconds: float, key: str | None = None) -> int:
    """The most requests (of `key`, else all) in any window of `seconds`, from the local API's
    arrivals (`GET /_local/requests`)."""
    times = sorted(t for t, k in seen if key is None or k == key)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= seconds * 1000:
            start += 1
        most = max(most, end - start + 1)
    return most
