"""What the rules read of the history (SQL for SQLite and PostgreSQL alike): each platform's
finished attempts in the last hour and in the 7 days before, and the sets whose latest
attempts failed one after another."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import groupby, takewhile
from typing import Any

from sqlalchemy import Engine, Row, func, select

from sync_monitor.dotoro.models import Platform
from sync_monitor.history.attempt import Outcome, from_ms, to_ms
from sync_monitor.history.schema import HOUR_MS, attempts

from .rules import PlatformCounts, Streak

a = attempts.c
FINISHED = (Outcome.COMPLETED.value, Outcome.FAILED.value)  # a cancel is neither
FAILED = Outcome.FAILED.value
USUAL = timedelta(days=7)
STREAK_SETS = 7  # days: a set whose last failure is older is not looked at
MAX_SETS = 500  # sets read per query (SQLite caps bound parameters)


def platform_counts(engine: Engine, now: datetime) -> list[PlatformCounts]:
    """Finished and failed attempts per platform, by when they began: in the last hour, and
    in the 7 days before it (the usual level)."""
    hour_start = to_ms(now - timedelta(hours=1))
    first = to_ms(now - timedelta(hours=1) - USUAL)
    recent = a.at_ms >= hour_start
    query = (
        select(a.platform, recent.label("recent"), a.state, func.count())
        .where(a.hour >= first // HOUR_MS, a.at_ms >= first, a.at_ms < to_ms(now))
        .where(a.state.in_(FINISHED))
        .group_by(a.platform, recent, a.state)
    )
    totals: dict[str, list[int]] = {}  # hour finished, hour failed, usual finished, usual failed
    with engine.connect() as connection:
        for platform, is_recent, state, count in connection.execute(query):
            row = totals.setdefault(platform, [0, 0, 0, 0])
            offset = 0 if is_recent else 2
            row[offset] += count
            if state == FAILED:
                row[offset + 1] += count
    return [PlatformCounts(Platform.coerce(p), *row) for p, row in sorted(totals.items())]


def streaks(engine: Engine, now: datetime, longest: int) -> list[Streak]:
    """Each set that failed in the last 7 days, with its latest finished attempts that failed
    one after another (up to `longest`: enough to tell the rule's count)."""
    since = to_ms(now - timedelta(days=STREAK_SETS))
    with engine.connect() as connection:
        sets = [
            r[0]
            for r in connection.execute(
                select(a.set_id).distinct().where(a.state == FAILED, a.at_ms >= since)
            )
        ]
        found = []
        for start in range(0, len(sets), MAX_SETS):
            chunk = sets[start : start + MAX_SETS]
            newest = (
                func.row_number()
                .over(partition_by=a.set_id, order_by=(a.at_ms.desc(), a.key.desc()))
                .label("n")
            )
            ranked = (
                select(a.set_id, a.set_name, a.platform, a.state, a.at_ms, a.error, newest)
                .where(a.set_id.in_(chunk), a.state.in_(FINISHED))
                .subquery()
            )
            rows = connection.execute(
                select(ranked).where(ranked.c.n <= longest).order_by(ranked.c.set_id, ranked.c.n)
            ).all()
            found += _streaks(rows)
    return found


def _streaks(rows: Sequence[Row[Any]]) -> list[Streak]:
    """From each set's rows, newest first: the failures its newest rows begin with."""
    found = []
    for _set_id, group in groupby(rows, key=lambda r: r.set_id):
        newest = list(group)
        failures = list(takewhile(lambda r: r.state == FAILED, newest))
        if failures:
            latest, first = failures[0], failures[-1]
            began = from_ms(first.at_ms)
            assert began is not None
            found.append(
                Streak(
                    latest.set_id,
                    latest.set_name,
                    Platform.coerce(latest.platform),
                    len(failures),
                    began,
                    latest.error,
                )
            )
    return found
