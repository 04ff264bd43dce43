"""The analysis in SQL: what the page shows, aggregated in the database (SQLite or PostgreSQL,
the same statements), so that a window over a million attempts comes back as a few thousand
rows. analysis.py turns them into rates and percentiles."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Engine, Select, case, func, select

from .analysis import Analysis, Counts, figures, over_time, signature_table
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
T = TypeVar("T")


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


def _totals(
    connection: Any, view: View, start: datetime, end: datetime, bucket: timedelta
) -> tuple[Counts, pd.DataFrame]:
    """One pass over the window: attempts by time bucket, platform, state and first-or-not
    give both the figures' counts and the chart over time."""
    size = int(bucket.total_seconds() * 1000)
    origin = to_ms(start) // size * size  # whole hours or days, UTC
    # SQLite groups in the order of an index (hour, platform, state, attempt), with no sort;
    # the buckets are folded here from at most a few 10,000 rows. PostgreSQL hashes, and does
    # that fastest on the buckets themselves (a few hundred groups).
    by_hour = connection.dialect.name == "sqlite"
    unit: Any = a.hour if by_hour else (a.hour * HOUR_MS - origin) // size
    tries: Any = a.attempt if by_hour else case((a.attempt == 1, 1), else_=2)
    query = filtered(
        select(
            unit.label("unit"), a.platform, a.state, tries.label("tries"), func.count()
        ).group_by(unit, a.platform, a.state, tries),
        view,
        start,
        end,
    )
    groups = pd.DataFrame(
        rows_of(connection, query), columns=["unit", "platform", "state", "tries", "count"]
    ).astype({"unit": "int64", "tries": "int64", "count": "int64"})
    groups["n"] = (groups["unit"] * HOUR_MS - origin) // size if by_hour else groups["unit"]
    groups["first"] = groups["tries"] == 1
    finished = groups["state"].isin(FINISHED)
    failed = groups["state"] == FAILED
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
    counts = Counts(
        attempted=int(groups["count"].sum()),
        finished=int(groups.loc[finished, "count"].sum()),
        failed=int(groups.loc[failed, "count"].sum()),
        first_finished=int(groups.loc[finished & groups["first"], "count"].sum()),
        first_failed=int(groups.loc[failed & groups["first"], "count"].sum()),
        sets_finished=int(connection.execute(sets).scalar_one() or 0),
        sets_failed=int(connection.execute(latest_failures).scalar_one() or 0),
    )
    per_bucket = (
        groups.assign(
            finished=groups["count"].where(finished, 0), failed=groups["count"].where(failed, 0)
        )
        .groupby(["n", "platform"], as_index=False)[["finished", "failed"]]
        .sum()
    )
    per_bucket = per_bucket[per_bucket["finished"] > 0]
    stamps = pd.to_datetime(origin + per_bucket["n"] * size, unit="ms").dt.tz_localize("UTC")
    per_bucket = per_bucket.assign(bucket=stamps).drop(columns="n")
    return counts, over_time(per_bucket[["platform", "finished", "failed", "bucket"]])


def _histogram(
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
        .where(failed_only)
        .group_by(a.signature),
        view,
        start,
        end,
    )
    pairs = pd.DataFrame(
        rows_of(connection, by_platform), columns=["signature", "platform", "count"]
    )
    rows = pd.DataFrame(
        rows_of(connection, table),
        columns=["signature", "category", "count", "first", "last", "sets"],
    )
    rows["sample"] = _newest_messages(connection, view, start, end, rows)
    for column in ("first", "last"):
        rows[column] = pd.to_datetime(rows[column].astype("int64"), unit="ms", utc=True)
    return pairs, rows


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


def analysis(engine: Engine, view: View, now: datetime) -> Analysis:
    """Every aggregate of `view`. The queries are independent: they run two at a time, each on
    its own connection, so a large window takes about half as long on a two-core server."""
    start, end = view.bounds(now)
    bucket = view.bucket(now)
    before = view.previous(now)

    def on(query: Callable[..., T], *args: object) -> Callable[[], T]:
        def run() -> T:
            with engine.connect() as connection:
                return query(connection, view, *args)

        return run

    jobs: dict[str, Callable[[], Any]] = {
        "totals": on(_totals, start, end, bucket),
        "durations": on(_histogram, start, end, a.run_s),
        "waits": on(_histogram, start, end, a.wait_s),
        "signatures": on(_signatures, start, end),
    }
    if view.compare:
        jobs["totals before"] = on(_totals, *before, bucket)
        jobs["durations before"] = on(_histogram, *before, a.run_s)
        jobs["waits before"] = on(_histogram, *before, a.wait_s)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="history-query") as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        done = {name: future.result() for name, future in futures.items()}
    counts, by_time = done["totals"]
    previous = None
    if view.compare:
        previous = figures(done["totals before"][0], done["durations before"], done["waits before"])
    pairs, rows = done["signatures"]
    return Analysis(
        figures=figures(counts, done["durations"], done["waits"]),
        previous=previous,
        over_time=by_time,
        by_signature=pairs,
        durations=done["durations"],
        signatures=signature_table(rows, counts.failed),
    )
