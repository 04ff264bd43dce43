"""The analysis in SQL: what the page shows, aggregated in the database (SQLite or PostgreSQL,
the same statements), so that a window over a million attempts comes back as a few thousand
rows. analysis.py turns them into rates and percentiles."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Select, case, func, literal, select

from .analysis import Analysis, Counts, figures, over_time, signature_table
from .attempt import Outcome, to_ms
from .schema import attempts
from .view import View

a = attempts.c
FINISHED = (Outcome.COMPLETED.value, Outcome.FAILED.value)
FAILED = Outcome.FAILED.value
TIME_COLUMNS = ("at_ms", "queued_ms", "started_ms", "finished_ms", "updated_ms")


def case_when(condition: Any, then: Any, otherwise: Any) -> Any:
    return case((condition, then), else_=otherwise)


Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")


def filtered(query: Query, view: View, start: datetime, end: datetime) -> Query:
    """`query` restricted to the attempts that began in [start, end) and match the filters."""
    query = query.where(a.at_ms >= to_ms(start), a.at_ms < to_ms(end))
    if view.platforms:
        query = query.where(a.platform.in_([p.value for p in view.platforms]))
    if view.set_id:
        query = query.where(a.set_id == view.set_id)
    if view.categories:
        query = query.where(a.category.in_(view.categories))
    if view.states:
        query = query.where(a.state.in_([s.value for s in view.states]))
    return query


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as an analyst wants them: times as UTC timestamps named without `_ms`."""
    out = frame.drop(columns=["updated_ms"], errors="ignore")
    for column in TIME_COLUMNS:
        if column in out:
            out[column.removesuffix("_ms")] = pd.to_datetime(out.pop(column), unit="ms", utc=True)
    order = ["key", "set_id", "set_name", "platform", "job_id", "attempt", "at", "queued"]
    return out[[c for c in order if c in out] + [c for c in out if c not in order]]


def _counts(connection: Any, view: View, start: datetime, end: datetime) -> Counts:
    finished = a.state.in_(FINISHED)
    failed = a.state == FAILED
    first = a.attempt == 1
    totals = filtered(
        select(
            func.count(),
            func.sum(case((finished, 1), else_=0)),
            func.sum(case((failed, 1), else_=0)),
            func.sum(case((finished & first, 1), else_=0)),
            func.sum(case((failed & first, 1), else_=0)),
        ),
        view,
        start,
        end,
    )
    row = connection.execute(totals).one()
    # Each set's latest finished attempt in the window: did it fail (after its retries)?
    ranked = filtered(
        select(
            a.state,
            func.row_number().over(partition_by=a.set_id, order_by=a.at_ms.desc()).label("n"),
        ).where(finished),
        view,
        start,
        end,
    ).subquery()
    sets = connection.execute(
        select(func.count(), func.sum(case((ranked.c.state == FAILED, 1), else_=0))).where(
            ranked.c.n == 1
        )
    ).one()
    return Counts(
        attempted=int(row[0] or 0),
        finished=int(row[1] or 0),
        failed=int(row[2] or 0),
        first_finished=int(row[3] or 0),
        first_failed=int(row[4] or 0),
        sets_finished=int(sets[0] or 0),
        sets_failed=int(sets[1] or 0),
    )


def _histogram(
    connection: Any, view: View, start: datetime, end: datetime, low: Any, high: Any
) -> pd.DataFrame:
    """Whole seconds from `low` to `high` (both ms columns) per platform, counted."""
    seconds = ((high - low) / 1000).cast(attempts.c.attempt.type).label("seconds")
    query = filtered(
        select(a.platform, seconds, func.count().label("count"))
        .where(a.state.in_(FINISHED), low.is_not(None), high.is_not(None), high >= low)
        .group_by(a.platform, seconds),
        view,
        start,
        end,
    )
    return pd.DataFrame(
        connection.execute(query).all(), columns=["platform", "seconds", "count"]
    ).astype({"seconds": "int64", "count": "int64"})


def _period(connection: Any, view: View, start: datetime, end: datetime) -> tuple[Any, ...]:
    counts = _counts(connection, view, start, end)
    durations = _histogram(connection, view, start, end, a.started_ms, a.finished_ms)
    waits = _histogram(connection, view, start, end, a.queued_ms, a.started_ms)
    return counts, figures(counts, durations, waits), durations


def _over_time(
    connection: Any, view: View, start: datetime, end: datetime, bucket: timedelta
) -> pd.DataFrame:
    size = int(bucket.total_seconds() * 1000)
    origin = to_ms(start) // size * size  # whole hours or days, UTC
    index = ((a.at_ms - origin) / literal(size)).cast(a.attempt.type).label("n")
    query = filtered(
        select(
            index,
            a.platform,
            func.sum(case((a.state.in_(FINISHED), 1), else_=0)).label("finished"),
            func.sum(case((a.state == FAILED, 1), else_=0)).label("failed"),
        ).group_by(index, a.platform),
        view,
        start,
        end,
    )
    frame = pd.DataFrame(
        connection.execute(query).all(), columns=["n", "platform", "finished", "failed"]
    )
    frame["bucket"] = pd.to_datetime(origin + frame["n"].astype("int64") * size, unit="ms")
    frame["bucket"] = frame["bucket"].dt.tz_localize("UTC")
    return over_time(frame.drop(columns="n").astype({"finished": "int64", "failed": "int64"}))


def _signatures(
    connection: Any, view: View, start: datetime, end: datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    failed_only = a.state == FAILED
    by_platform = filtered(
        select(a.signature, a.platform, func.count().label("count"))
        .where(failed_only)
        .group_by(a.signature, a.platform),
        view,
        start,
        end,
    )
    table = filtered(
        select(
            a.signature,
            func.max(a.category),
            func.count(),
            func.min(a.at_ms),
            func.max(a.at_ms),
            func.count(a.set_id.distinct()),
            func.max(a.error),
        )
        .where(failed_only)
        .group_by(a.signature),
        view,
        start,
        end,
    )
    pairs = pd.DataFrame(
        connection.execute(by_platform).all(), columns=["signature", "platform", "count"]
    )
    rows = pd.DataFrame(
        connection.execute(table).all(),
        columns=["signature", "category", "count", "first", "last", "sets", "sample"],
    )
    for column in ("first", "last"):
        rows[column] = pd.to_datetime(rows[column].astype("int64"), unit="ms", utc=True)
    return pairs, rows


def analysis(connection: Any, view: View, now: datetime) -> Analysis:
    start, end = view.bounds(now)
    counts, shown, durations = _period(connection, view, start, end)
    previous = None
    if view.compare:
        previous = _period(connection, view, *view.previous(now))[1]
    pairs, rows = _signatures(connection, view, start, end)
    return Analysis(
        figures=shown,
        previous=previous,
        over_time=_over_time(connection, view, start, end, view.bucket(now)),
        by_signature=pairs,
        durations=durations,
        signatures=signature_table(rows, counts.failed),
    )
