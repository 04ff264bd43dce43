"""Attempts to and from the history's rows (times as epoch milliseconds)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import literal_column, or_

from sync_monitor.dotoro.models import Platform
from sync_monitor.text import storable

from .attempt import Attempt, Outcome, Source, from_ms, to_ms
from .schema import COLUMNS, HOUR_MS

FINAL = tuple(o.value for o in Outcome if o.final)


def is_final(state: Any) -> Any:
    """`state` is final, with the states written into the SQL (an executemany cannot expand
    an IN list)."""
    return or_(*(state == literal_column(f"'{value}'") for value in FINAL))


def as_row(a: Attempt, now_ms: int) -> dict[str, object]:
    def ms(when: datetime | None) -> int | None:
        return None if when is None else to_ms(when)

    row: dict[str, object] = {
        "key": storable(a.key, 200),
        "set_id": storable(a.set_id, 100),
        "set_name": storable(a.set_name),
        "platform": a.platform.value,
        "job_id": storable(a.job_id, 100) if a.job_id else None,
        "attempt": a.attempt,
        "at_ms": to_ms(a.at),
        "hour": to_ms(a.at) // HOUR_MS,
        "queued_ms": ms(a.queued_at),
        "started_ms": ms(a.started_at),
        "finished_ms": ms(a.finished_at),
        "run_s": _seconds(a.started_at, a.finished_at),
        "wait_s": _seconds(a.queued_at, a.started_at),
        "state": a.state.value,
        "synced": a.synced,
        "failed": a.failed,
        "total": a.total,
        "error": storable(a.error) if a.error else None,
        "category": a.category,
        "signature": storable(a.signature, 200),
        "source": a.source,
        "updated_ms": now_ms,
        "retry": False,  # what came before it is the store's to say (store.py `_renumber`)
    }
    assert tuple(row) == COLUMNS
    return row


def from_row(row: Any) -> Attempt:
    return Attempt(
        key=row["key"],
        set_id=row["set_id"],
        set_name=row["set_name"],
        platform=Platform.coerce(row["platform"]),
        state=Outcome(row["state"]),
        at=from_ms(row["at_ms"]) or datetime.now(UTC),
        job_id=row["job_id"],
        attempt=row["attempt"],
        queued_at=from_ms(row["queued_ms"]),
        started_at=from_ms(row["started_ms"]),
        finished_at=from_ms(row["finished_ms"]),
        synced=row["synced"],
        failed=row["failed"],
        total=row["total"],
        error=row["error"],
        source=Source(row["source"]),
    )


def _seconds(since: datetime | None, until: datetime | None) -> int | None:
    if since is None or until is None:
        return None
    return int((to_ms(until) - to_ms(since)) // 1000)
