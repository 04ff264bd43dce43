"""Error groups over time in SQL (issue 23): what groups.py needs, aggregated in the database
(SQLite or PostgreSQL, the same statements), so that a window over hundreds of thousands of
attempts reaches Python as one row per cause and one per run of a failing set.

Two queries: the causes' counts (from the failures index alone), and the failures of the sets
that failed in the window grouped by the success that came next (groups.Stretch), from which
groups.states decides regressions, recoveries and what is resolved. A first version numbered
every finished attempt's run with window functions: it read every success of the failing sets,
and over 90 days of 300,000 attempts took 2.7 s on SQLite (1.9 s on PostgreSQL) where seeking
each failure's next success takes 0.5 s (0.7 s).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, case, func, select

from .attempt import Outcome, to_ms
from .groups import DAY, WEEK, Cause, Group, Stretch, Tally, reach, states
from .queries import filtered, rows_of
from .schema import attempts
from .view import View

a = attempts.c
FAILED = Outcome.FAILED.value
COMPLETED = Outcome.COMPLETED.value


def _at(ms: Any) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def tallies(connection: Any, view: View, start: datetime, end: datetime) -> list[Tally]:
    """Each cause with a failure in the view's window, counted: in the window, in the day
    before its end, the 7 days before that, and the lookback before the window."""
    inside = a.at_ms >= to_ms(start)
    today = a.at_ms >= to_ms(end - DAY)
    week = and_(a.at_ms >= to_ms(end - DAY - WEEK), a.at_ms < to_ms(end - DAY))
    failures = _count_if(inside)
    query = filtered(
        select(
            a.category,
            a.signature,
            a.platform,
            failures,
            func.count(case((inside, a.set_id)).distinct()),
            func.min(case((inside, a.at_ms))),
            func.max(a.at_ms),
            _count_if(today),
            _count_if(week),
            _count_if(~inside),
        )
        .where(a.state == FAILED)
        .group_by(a.category, a.signature, a.platform)
        .having(failures > 0),
        view,  # its filters hold for the days before the window too: a group is of the view
        reach(start),
        end,
    )
    return [
        Tally(
            cause=Cause(category, signature, platform),
            failures=int(count),
            sets=int(sets),
            first=_at(first),
            last=_at(last),
            today=int(today_n),
            week=int(week_n),
            before=int(before),
        )
        for category, signature, platform, count, sets, first, last, today_n, week_n, before in (
            rows_of(connection, query)
        )
    ]


def stretches(connection: Any, view: View, start: datetime, end: datetime) -> list[Stretch]:
    """The failures of every set with a failure in the view's window, from `reach(start)` to the
    window's end, grouped by set, cause and the set's next success (found for each failure by a
    seek on the set's index: only failures are read, not every success)."""
    failing_sets = filtered(select(a.set_id).where(a.state == FAILED), view, start, end)
    ok = attempts.alias("ok")

    def first_success(after: Any, end_ms: int) -> Any:
        return (
            select(func.min(ok.c.at_ms))
            .where(
                ok.c.set_id == a.set_id,
                ok.c.state == COMPLETED,
                ok.c.at_ms > after,
                ok.c.at_ms < end_ms,
            )
            .scalar_subquery()
        )

    failures = (
        select(
            a.set_id,
            a.category,
            a.signature,
            a.platform,
            a.at_ms,
            func.coalesce(a.finished_ms, a.at_ms).label("ended"),
            first_success(a.at_ms, to_ms(end)).label("fixed_at"),
        )
        # Not the view's filters beyond the sets: an earlier failure with another cause is
        # not a success.
        .where(
            a.state == FAILED,
            a.set_id.in_(failing_sets.distinct()),
            a.at_ms >= to_ms(reach(start)),
            a.at_ms < to_ms(end),
        )
        .subquery()
    )
    f = failures.c
    keys = (f.set_id, f.category, f.signature, f.platform, f.fixed_at)
    grouped = (
        select(*keys, func.min(f.at_ms), func.max(f.at_ms), func.min(f.ended))
        .group_by(*keys)
        .subquery()
    )
    g = grouped.c
    # The success's end, read once per stretch (by the set's index, as above).
    fixed_end = (
        select(func.min(func.coalesce(ok.c.finished_ms, ok.c.at_ms)))
        .where(ok.c.set_id == g.set_id, ok.c.state == COMPLETED, ok.c.at_ms == g.fixed_at)
        .scalar_subquery()
    )
    query = select(*g, fixed_end).order_by(g.set_id)
    return [
        Stretch(
            set_id=set_id,
            cause=Cause(category, signature, platform),
            first_at=_at(first),
            last_at=_at(last),
            first_end=_at(ended),
            fixed_at=None if fixed_at is None else _at(fixed_at),
            fixed_end=None if fixed_to is None else _at(fixed_to),
        )
        for set_id, category, signature, platform, fixed_at, first, last, ended, fixed_to in (
            rows_of(connection, query)
        )
    ]


def error_groups(engine: Engine, view: View, now: datetime) -> list[Group]:
    """The error groups of `view` with their states (groups.py defines them)."""
    start, end = view.bounds(now)
    with engine.connect() as connection:
        return states(
            tallies(connection, view, start, end), stretches(connection, view, start, end), start
        )
