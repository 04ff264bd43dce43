"""Error groups over time in SQL (issue 23): what groups.py needs, aggregated in the database
(SQLite or PostgreSQL, the same statements), so that a window over hundreds of thousands of
attempts reaches Python as one row per cause and one per run of a failing set.

Two queries: the causes' counts (from the failures index alone), and the runs of the sets that
failed in the window (consecutive finished attempts with one outcome and cause, found with
window functions), from which groups.states decides regressions, recoveries and what is
resolved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, case, func, select

from .attempt import to_ms
from .groups import DAY, FINISHED, WEEK, Cause, Group, Run, Tally, reach, states
from .queries import filtered, rows_of
from .schema import attempts
from .view import View

a = attempts.c
FAILED = "failed"


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


def runs(connection: Any, view: View, start: datetime, end: datetime) -> list[Run]:
    """The runs of every set with a failure in the view's window, from `reach(start)` to the
    window's end, by set and time. A run starts where an attempt's outcome or cause differs from
    the set's attempt before it (LAG); a running sum of those starts numbers the runs."""
    failing_sets = filtered(select(a.set_id).where(a.state == FAILED), view, start, end)
    order = (a.at_ms, a.key)

    def before(column: Any) -> Any:
        return func.lag(column).over(partition_by=a.set_id, order_by=order)

    # The first attempt has no LAG: NULL compares as unknown, so it starts a run.
    same = and_(*(before(c) == c for c in (a.state, a.category, a.signature, a.platform)))
    marked = (
        select(
            a.set_id,
            a.key,
            a.at_ms,
            a.state,
            a.category,
            a.signature,
            a.platform,
            func.coalesce(a.finished_ms, a.at_ms).label("ended"),
            case((same, 0), else_=1).label("starts"),
        )
        # Not the view's filters: a set's successes have no category, and they are the point.
        .where(
            a.set_id.in_(failing_sets.distinct()),
            a.state.in_(FINISHED),
            a.at_ms >= to_ms(reach(start)),
            a.at_ms < to_ms(end),
        )
        .subquery()
    )
    m = marked.c
    numbered = select(
        m.set_id,
        m.at_ms,
        m.state,
        m.category,
        m.signature,
        m.platform,
        m.ended,
        func.sum(m.starts)
        .over(partition_by=m.set_id, order_by=(m.at_ms, m.key), rows=(None, 0))
        .label("run"),
    ).subquery()
    n = numbered.c
    cause = (n.state, n.category, n.signature, n.platform)
    query = (
        select(n.set_id, *cause, func.min(n.at_ms), func.max(n.at_ms), func.min(n.ended))
        .group_by(n.set_id, n.run, *cause)
        .order_by(n.set_id, n.run)
    )
    return [
        Run(
            set_id=set_id,
            cause=Cause(category, signature, platform) if state == FAILED else None,
            first_at=_at(first),
            last_at=_at(last),
            first_end=_at(ended),
        )
        for set_id, state, category, signature, platform, first, last, ended in rows_of(
            connection, query
        )
    ]


def error_groups(engine: Engine, view: View, now: datetime) -> list[Group]:
    """The error groups of `view` with their states (groups.py defines them)."""
    start, end = view.bounds(now)
    with engine.connect() as connection:
        return states(
            tallies(connection, view, start, end), runs(connection, view, start, end), start
        )
