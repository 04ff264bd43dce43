"""A digest's week from the history (SQLite or PostgreSQL, the same statements): per campaign
set, its finished attempts by outcome and its failures by cause, aggregated in the database.
Attempts count in the week they began, as the analysis counts them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, func, select

from sync_monitor.history.attempt import Outcome, to_ms
from sync_monitor.history.queries import case_when
from sync_monitor.history.schema import HOUR_MS, attempts

from .facts import Failed, Finished
from .schedule import Period

a = attempts.c
CHUNK = 500  # set ids per statement (SQLite caps bound parameters)
COMPLETED, FAILED = Outcome.COMPLETED.value, Outcome.FAILED.value


def week(
    engine: Engine, set_ids: Sequence[str], period: Period
) -> tuple[list[Finished], list[Failed]]:
    """The sets' finished attempts and failures that began within `period`. A few sets are
    looked up by id; many (a digest of every client) are read from the week's hours, which is
    one pass over the hours' index instead of a lookup per set."""
    start, end = to_ms(period.start), to_ms(period.end)
    between = (
        a.hour >= start // HOUR_MS,
        a.hour <= end // HOUR_MS,
        a.at_ms >= start,
        a.at_ms < end,
    )
    if len(set_ids) > CHUNK:
        wanted = set(set_ids)
        finished, failed = _read(engine, between)
        return (
            [f for f in finished if f.set_id in wanted],
            [f for f in failed if f.set_id in wanted],
        )
    finished, failed = [], []
    for first in range(0, len(set_ids), CHUNK):
        chunk = list(set_ids[first : first + CHUNK])
        more = _read(engine, (a.set_id.in_(chunk), *between))
        finished += more[0]
        failed += more[1]
    return finished, failed


def _read(
    engine: Engine, within: tuple[ColumnElement[bool], ...]
) -> tuple[list[Finished], list[Failed]]:
    """Finished attempts by outcome and failures by cause, per set, of the attempts `within`."""
    with engine.connect() as connection:
        counts = (
            select(
                a.set_id,
                func.sum(case_when(a.state == COMPLETED, 1, 0)),
                func.sum(case_when(a.state == FAILED, 1, 0)),
            )
            .where(*within, a.state.in_((COMPLETED, FAILED)))
            .group_by(a.set_id)
        )
        finished = [
            Finished(set_id, int(done), int(lost))
            for set_id, done, lost in connection.execute(counts)
        ]
        causes = (
            select(
                a.set_id,
                a.platform,
                a.category,
                a.signature,
                func.count(),
                func.max(a.at_ms),
                func.max(a.error),  # one of the texts (a signature's are alike)
            )
            .where(*within, a.state == FAILED)
            .group_by(a.set_id, a.platform, a.category, a.signature)
        )
        failed = [
            Failed(
                set_id,
                platform,
                category,
                signature,
                int(count),
                datetime.fromtimestamp(int(last) / 1000, UTC),
                error,
            )
            for set_id, platform, category, signature, count, last, error in (
                connection.execute(causes)
            )
        ]
    return finished, failed
