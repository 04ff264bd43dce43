"""The analysis in SQL: what the page shows, aggregated in the database (SQLite or PostgreSQL,
the same statements), so that a window over a million attempts comes back as a few thousand
rows. analysis.py turns them into rates and percentiles, compute.py runs them for a view."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Select, case, func, select

from .analysis import Counts, over_time
from .attempt import Outcome, to_ms
from .schema import HOUR_MS, attempts
from .view import View

a = attempts.c
FINISHED = (Outcome.COMPLETED.value, Outcome.FAILED.value)
FAILED = Outcome.FAILED.value
SAMPLE_CHUNK = 500  # times per query when reading the samples (SQLite caps bound parameters)
TIME_COLUMNS = ("at_ms", "queued_ms", "started_ms", "finished_ms", "updated_ms")


def case_when(condition: Any, then: Any, otherwise: Any) -> Any:
    return case((condition, then), else_=otherwise)


def rows_of(connection: Any, query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as plain tuples, for pandas: given SQLAlchemy's Row objects, pandas
    inspects them one at a time (over a 90-day window, eight times slower than the tuples)."""
    return [tuple(row) for row in connection.execute(query)]


Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")


def filtered(query: Query, view: View, start: datetime, end: datetime) -> Query:
    """`query` restricted to the attempts that began in [start, end) and match the filters."""
    first, last = to_ms(start), to_ms(end)
    # The hour bounds too: the aggregates' indexes lead with the hour (or end with it).
    query = query.where(a.hour >= first // HOUR_MS, a.hour <= last // HOUR_MS)
    query = query.where(a.at_ms >= first, a.at_ms < last)
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
    out = frame.drop(columns=["updated_ms", "hour"], errors="ignore")
    for column in TIME_COLUMNS:
        if column in out:
            out[column.removesuffix("_ms")] = pd.to_datetime(out.pop(column), unit="ms", utc=True)
    order = ["key", "set_id", "set_name", "platform", "job_id", "attempt", "at", "queued"]
    return out[[c for c in order if c in out] + [c for c in out if c not in order]]


def totals(
    connection: Any, view: View, start: datetime, end: datetime, bucket: timedelta
) -> tuple[Counts, pd.DataFrame, pd.DataFrame]:
    """One pass over the window: attempts by time bucket, platform and state give the figures'
    counts, the chart over time (every bucket, empty ones too) and the per-platform table."""
    size = int(bucket.total_seconds() * 1000)
    origin = to_ms(start) // size * size  # whole hours or days, UTC
    # SQLite groups in the order of an index (hour, platform, state, …), with no sort; the
    # buckets are folded here from at most a few 10,000 rows. PostgreSQL hashes, and does
    # that fastest on the buckets themselves (a few hundred groups).
    by_hour = connection.dialect.name == "sqlite"
    unit: Any = a.hour if by_hour else (a.hour * HOUR_MS - origin) // size
    # `retry` (the set's attempt before failed, kept at write time) splits off the first tries.
    query = filtered(
        select(unit.label("unit"), a.platform, a.state, a.retry, func.count()).group_by(
            unit, a.platform, a.state, a.retry
        ),
        view,
        start,
        end,
    )
    groups = pd.DataFrame(
        rows_of(connection, query), columns=["unit", "platform", "state", "retry", "count"]
    ).astype({"unit": "int64", "count": "int64", "retry": "bool"})
    groups["n"] = (groups["unit"] * HOUR_MS - origin) // size if by_hour else groups["unit"]
    finished = groups["state"].isin(FINISHED)
    failed = groups["state"] == FAILED
    groups = groups.assign(
        attempted=groups["count"],
        finished=groups["count"].where(finished, 0),
        failed=groups["count"].where(failed, 0),
    )
    # Each set's latest finished attempt in the window: did it fail (after its retries)?
    later = attempts.alias("later")
    latest_failures = filtered(
        select(func.count()).where(
            a.state == FAILED,
            ~select(later.c.key)
            .where(
                later.c.set_id == a.set_id,
                later.c.at_ms > a.at_ms,
                later.c.at_ms < to_ms(end),
                later.c.state.in_(FINISHED),
            )
            .exists(),
        ),
        view,
        start,
        end,
    )
    # Distinct in a subquery: both databases hash it (count(DISTINCT) sorts on PostgreSQL).
    finished_sets = filtered(
        select(a.set_id).where(a.state.in_(FINISHED)).distinct(), view, start, end
    ).subquery()
    sets = select(func.count()).select_from(finished_sets)
    first = groups[~groups["retry"]]
    counts = Counts(
        attempted=int(groups["count"].sum()),
        finished=int(groups["finished"].sum()),
        failed=int(groups["failed"].sum()),
        first_finished=int(first["finished"].sum()),
        first_failed=int(first["failed"].sum()),
        sets_finished=int(connection.execute(sets).scalar_one() or 0),
        sets_failed=int(connection.execute(latest_failures).scalar_one() or 0),
    )
    sums = ["attempted", "finished", "failed"]
    platforms = groups.groupby("platform", as_index=False)[sums].sum()
    per_bucket = groups.groupby(["n", "platform"])[["finished", "failed"]].sum()
    # Every bucket of the window for each platform that finished a sync in it: an empty
    # bucket is a gap in the chart, never a line drawn across it.
    shown = sorted(set(platforms.loc[platforms["finished"] > 0, "platform"]))
    buckets = max(1, -(-(to_ms(end) - origin) // size))
    grid = pd.MultiIndex.from_product([range(buckets), shown], names=["n", "platform"])
    per_bucket = per_bucket.reindex(grid, fill_value=0).reset_index()
    stamps = pd.to_datetime(origin + per_bucket["n"] * size, unit="ms").dt.tz_localize("UTC")
    per_bucket = per_bucket.assign(bucket=stamps).drop(columns="n")
    return counts, over_time(per_bucket[["platform", "finished", "failed", "bucket"]]), platforms


def histogram(
    connection: Any, view: View, start: datetime, end: datetime, seconds: Any
) -> pd.DataFrame:
    """A column of whole seconds (run_s, wait_s) of the finished attempts, per platform,
    counted."""
    query = filtered(
        select(a.platform, seconds, func.count())
        .where(a.state.in_(FINISHED), seconds >= 0)
        .group_by(a.platform, seconds),
        view,
        start,
        end,
    )
    return pd.DataFrame(
        rows_of(connection, query), columns=["platform", "seconds", "count"]
    ).astype({"seconds": "int64", "count": "int64"})


def causes(connection: Any, view: View, start: datetime, end: datetime) -> pd.DataFrame:
    """Failures by signature and platform (signature, platform, count)."""
    query = filtered(
        select(a.signature, a.platform, func.count().label("count"))
        .where(a.state == FAILED)
        .group_by(a.signature, a.platform),
        view,
        start,
        end,
    )
    return pd.DataFrame(rows_of(connection, query), columns=["signature", "platform", "count"])


def signatures(connection: Any, view: View, start: datetime, end: datetime) -> pd.DataFrame:
    # From the failures index alone (no error text): the message is read afterwards for one
    # attempt per signature, not for every failure in the window.
    table = filtered(
        select(
            a.signature,
            func.max(a.category),
            func.count(),
            func.min(a.at_ms),
            func.max(a.at_ms),
            func.count(a.set_id.distinct()),
        )
        .where(a.state == FAILED)
        .group_by(a.signature),
        view,
        start,
        end,
    )
    rows = pd.DataFrame(
        rows_of(connection, table),
        columns=["signature", "category", "count", "first", "last", "sets"],
    )
    rows["sample"] = _newest_messages(connection, view, start, end, rows)
    for column in ("first", "last"):
        rows[column] = pd.to_datetime(rows[column].astype("int64"), unit="ms", utc=True)
    return rows


def _newest_messages(
    connection: Any, view: View, start: datetime, end: datetime, rows: pd.DataFrame
) -> list[str]:
    """Each signature's sample: the message of its newest failure in the view, found through
    the failures index by that failure's time (state, at_ms); "" where the service gave none
    (the signature of failures without text is "" too)."""
    newest = dict(zip(rows["signature"], rows["last"], strict=True))
    found: dict[str, str | None] = {}
    times = sorted(set(newest.values()))
    for chunk in range(0, len(times), SAMPLE_CHUNK):
        query = filtered(
            select(a.signature, a.at_ms, a.error).where(
                a.state == FAILED, a.at_ms.in_(times[chunk : chunk + SAMPLE_CHUNK])
            ),
            view,
            start,
            end,
        )
        for signature, at_ms, error in connection.execute(query):
            if newest.get(signature) == at_ms and found.get(signature) is None:
                found[signature] = error
    return [found.get(signature) or "" for signature in rows["signature"]]
