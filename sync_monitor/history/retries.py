"""Which attempts retry a failure: the attempt right after a failure of its set. The page's
"first tries" are the finished attempts that are not retries, whatever the set's attempt number
(a set that has synced for months is on its 200th attempt, and still has first tries).

The history holds no "retry of" link (neither the API nor pg-boss's table gives one): a retry is
read from the order of a set's attempts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from .attempt import to_ms
from .queries import FAILED, FINISHED, a, filtered
from .schema import attempts
from .view import View

# The longest window whose retries PostgreSQL finds by reads, one per failure and set (beyond
# it, scanning the sets' index in order is faster: bench/analysis.py).
BY_READS = timedelta(days=7)


def retries(connection: Any, view: View, start: datetime, end: datetime) -> tuple[int, int]:
    """(finished, failed) retries of the view: attempts right after a failure of their set
    (the set's attempt just before, in the whole history, failed). What is left of the
    finished attempts are first tries.

    Never by asking every attempt for its predecessor (1.5 s over a million). SQLite: each
    failure of the window with the attempt that followed it, and each set's first attempt in
    the window with the one before the window, one short read of the set's index apiece.
    PostgreSQL, where such reads cost more than scanning: each attempt's predecessor by a
    window function over the sets' index, in order."""
    first, last = to_ms(start), to_ms(end)
    near = attempts.alias("near")  # a neighbour of the same set

    def only_set(table: Any) -> list[Any]:
        return [table.c.set_id == view.set_id] if view.set_id else []

    def window_of(table: Any) -> list[Any]:
        return [table.c.at_ms >= first, table.c.at_ms < last, *only_set(table)]

    parts: list[Any]
    if connection.dialect.name == "postgresql" and end - start > BY_READS:
        # By (set_id, at_ms) alone: the order of the sets' index, read without a sort.
        lag = func.lag(near.c.state).over(partition_by=near.c.set_id, order_by=near.c.at_ms)
        ordered = (
            select(near.c.set_id, near.c.at_ms, lag.label("before"))
            .where(near.c.at_ms < last, *only_set(near))
            .subquery()
        )
        parts = [
            select(ordered.c.set_id, ordered.c.at_ms).where(
                ordered.c.before == FAILED, ordered.c.at_ms >= first
            )
        ]
    else:
        failure = attempts.alias("failure")
        following = (
            select(near.c.at_ms)
            .where(near.c.set_id == failure.c.set_id, near.c.at_ms > failure.c.at_ms)
            .order_by(near.c.at_ms)
            .limit(1)
            .scalar_subquery()
        )
        seen = attempts.alias("seen")
        sets = select(seen.c.set_id).where(*window_of(seen)).distinct().subquery()
        opening = (
            select(near.c.at_ms)
            .where(near.c.set_id == sets.c.set_id, near.c.at_ms >= first)
            .order_by(near.c.at_ms)
            .limit(1)
            .scalar_subquery()
        )
        before = (
            select(near.c.state)
            .where(near.c.set_id == sets.c.set_id, near.c.at_ms < first)
            .order_by(near.c.at_ms.desc())
            .limit(1)
            .scalar_subquery()
        )
        parts = [
            select(failure.c.set_id, following.label("at_ms")).where(
                failure.c.state == FAILED, *window_of(failure)
            ),
            select(sets.c.set_id, opening.label("at_ms")).where(before == FAILED),
        ]
    found = [0, 0]
    for part in parts:
        retried = part.subquery()
        query = filtered(
            select(func.count(), func.count(case((a.state == FAILED, 1))))
            .select_from(
                attempts.join(
                    retried, (a.set_id == retried.c.set_id) & (a.at_ms == retried.c.at_ms)
                )
            )
            .where(a.state.in_(FINISHED)),
            view,
            start,
            end,
        )
        finished, failed = connection.execute(query).one()
        found = [found[0] + int(finished or 0), found[1] + int(failed or 0)]
    return found[0], found[1]
