"""What the history says of each campaign set, for the clients page (issue 24): its owner, its
successes of the last 30 days (the usual interval), its last success, its last finished attempt
and, when that failed, since when it has been failing. Three grouped queries over the sets'
index, whatever the number of attempts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, case, func, select, true, update

from sync_monitor.live.snapshot import Owner

from .schema import attempts, campaign_sets
from .sets import SetFacts

USUAL_OVER = timedelta(days=30)  # the window the usual interval is learned from


def _at(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


CHUNK = 500  # set ids per statement (SQLite caps bound parameters)


def changed_since(engine: Engine, since: datetime) -> set[str]:
    """The sets whose attempts or owner were written at or after `since` (the index's range)."""
    ms = int(since.timestamp() * 1000)
    with engine.connect() as connection:
        found = {
            r[0]
            for r in connection.execute(
                select(attempts.c.set_id).distinct().where(attempts.c.updated_ms >= ms)
            )
        }
        found.update(
            r[0]
            for r in connection.execute(
                select(campaign_sets.c.set_id).where(campaign_sets.c.updated_ms >= ms)
            )
        )
    return found


def set_facts(engine: Engine, now: datetime, only: Sequence[str] | None = None) -> list[SetFacts]:
    """Every set the history knows (or those of `only`), with its facts as of `now`."""
    if only is None:
        return _facts(engine, now, None)
    found: list[SetFacts] = []
    for first in range(0, len(only), CHUNK):
        found += _facts(engine, now, list(only[first : first + CHUNK]))
    return found


def _facts(engine: Engine, now: datetime, only: list[str] | None) -> list[SetFacts]:
    since = int((now - USUAL_OVER).timestamp() * 1000)
    ok = attempts.c.state == "completed"
    final = attempts.c.state.in_(("completed", "failed", "cancelled"))
    per_set = (
        select(
            attempts.c.set_id,
            func.sum(case((and_(ok, attempts.c.at_ms >= since), 1), else_=0)).label("n"),
            func.min(case((and_(ok, attempts.c.at_ms >= since), attempts.c.at_ms))).label("first"),
            func.max(case((ok, attempts.c.at_ms))).label("last_ok"),
            func.max(case((final, attempts.c.at_ms))).label("last_final"),
            func.max(attempts.c.platform).label("platform"),
        )
        .where(attempts.c.set_id.in_(only) if only is not None else true())
        .group_by(attempts.c.set_id)
        .subquery()
    )
    a = attempts.alias("a")
    latest = select(
        per_set.c.set_id,
        a.c.state,
        a.c.error,
        a.c.finished_ms,
        a.c.at_ms,
    ).join(a, and_(a.c.set_id == per_set.c.set_id, a.c.at_ms == per_set.c.last_final))
    ok_rows = (
        select(per_set.c.set_id, func.max(func.coalesce(a.c.finished_ms, a.c.at_ms)))
        .join(
            a,
            and_(
                a.c.set_id == per_set.c.set_id,
                a.c.at_ms == per_set.c.last_ok,
                a.c.state == "completed",
            ),
        )
        .group_by(per_set.c.set_id)
    )
    failing = (
        select(per_set.c.set_id, func.min(func.coalesce(a.c.finished_ms, a.c.at_ms)))
        .join(a, a.c.set_id == per_set.c.set_id)
        .where(
            a.c.state == "failed",
            a.c.at_ms > func.coalesce(per_set.c.last_ok, -1),
        )
        .group_by(per_set.c.set_id)
    )
    with engine.connect() as connection:
        base = {r.set_id: r for r in connection.execute(select(per_set))}
        last = {r.set_id: r for r in connection.execute(latest)}
        ok_at = {k: v for k, v in connection.execute(ok_rows)}
        since_failing = {k: v for k, v in connection.execute(failing)}
        owners = {
            r.set_id: r
            for r in connection.execute(
                select(
                    campaign_sets.c.set_id,
                    campaign_sets.c.name,
                    campaign_sets.c.team_id,
                    campaign_sets.c.ad_account_id,
                ).where(campaign_sets.c.set_id.in_(only) if only is not None else true())
            )
        }
    facts = []
    for set_id, row in base.items():
        owner = owners.get(set_id)
        newest = last.get(set_id)
        facts.append(
            SetFacts(
                set_id=set_id,
                name=owner.name if owner else "",
                platform=row.platform,
                team_id=owner.team_id if owner else None,
                ad_account_id=owner.ad_account_id if owner else None,
                successes=int(row.n or 0),
                first_success=_at(row.first),
                last_success=_at(ok_at.get(set_id)),
                last_success_began=_at(row.last_ok),
                last_state=newest.state if newest else None,
                last_error=newest.error if newest else None,
                failing_since=_at(since_failing.get(set_id)),
            )
        )
    return facts


def own(engine: Engine, owners: Iterable[Owner], now: datetime | None = None) -> set[str]:
    """Keep whose each set is; the sets whose row was there to keep it (a set's row is written
    with its first attempt). The row's time moves on, so the board reads the set again."""
    at = int((now or datetime.now(UTC)).timestamp() * 1000)
    kept: set[str] = set()
    with engine.begin() as connection:
        for owner in owners:
            done = connection.execute(
                update(campaign_sets)
                .where(campaign_sets.c.set_id == owner.set_id)
                .values(team_id=owner.team_id, ad_account_id=owner.ad_account_id, updated_ms=at)
            )
            if done.rowcount:
                kept.add(owner.set_id)
    return kept
