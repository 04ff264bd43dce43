"""The analysis of a view: its queries (queries.py) run two at a time, this period's and, when
comparing, the period before's, assembled into the `Analysis` the page and a notebook read."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Engine

from .analysis import Analysis, Counts, Earlier, Figures, figures, signature_table
from .compare import per_platform, shifted, with_previous
from .queries import a, causes, histogram, signatures, totals
from .view import View

T = TypeVar("T")


def analysis(engine: Engine, view: View, now: datetime) -> Analysis:
    """Every aggregate of `view` at `now`. The queries are independent: they run two at a
    time, each on its own connection, so a large window takes about half as long on a
    two-core server."""
    start, end = view.bounds(now)
    bucket = view.bucket(now)

    def on(query: Callable[..., T], *args: object) -> Callable[[], T]:
        def run() -> T:
            with engine.connect() as connection:
                return query(connection, view, *args)

        return run

    def period(first: datetime, last: datetime, suffix: str = "") -> dict[str, Callable[[], Any]]:
        return {
            f"totals{suffix}": on(totals, first, last, bucket),
            f"durations{suffix}": on(histogram, first, last, a.run_s),
            f"waits{suffix}": on(histogram, first, last, a.wait_s),
            f"causes{suffix}": on(causes, first, last),
        }

    jobs = {**period(start, end), "signatures": on(signatures, start, end)}
    if view.compare:
        jobs |= period(*view.previous(now), suffix=" before")
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="history-query") as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        done = {name: future.result() for name, future in futures.items()}

    def counted(suffix: str = "") -> tuple[Counts, Figures, pd.DataFrame, pd.DataFrame]:
        counts, by_time, platforms = done[f"totals{suffix}"]
        shown = figures(counts, done[f"durations{suffix}"], done[f"waits{suffix}"])
        return counts, shown, by_time, platforms

    counts, shown, by_time, platforms = counted()
    table = signature_table(done["signatures"], counts.failed)
    if not view.compare:
        return Analysis(
            figures=shown,
            previous=None,
            over_time=by_time,
            by_signature=done["causes"],
            durations=done["durations"],
            signatures=table,
            by_platform=per_platform(platforms, None),
            at=now,
        )
    _, before, before_by_time, before_platforms = counted(" before")
    return Analysis(
        figures=shown,
        previous=before,
        over_time=by_time,
        by_signature=done["causes"],
        durations=done["durations"],
        signatures=with_previous(table, done["causes before"]),
        by_platform=per_platform(platforms, before_platforms),
        at=now,
        earlier=Earlier(
            over_time=shifted(before_by_time, end - start),
            by_signature=done["causes before"],
            durations=done["durations before"],
        ),
    )
