"""What the history says of each campaign set, for the clients page (issue 24): its owner, its
successes of the last 30 days (the usual interval), its last success, its last finished attempt
and, when that failed, since when it has been failing. Three grouped queries over the sets'
index, whatever the number of attempts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, case, func, select, update

from sync_monitor.live.snapshot import Owner

from .schema import attempts, campaign_sets
from .sets import SetFacts

USUAL_OVER = timedelta(days=30)  # the window the usual interval is learned from


def _at(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def set_facts(engine: Engine, now: datetime) -> list[SetFacts]:
    """Every set the history knows, with its facts as of `now`."""
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
                )
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


def own(engine: Engine, owners: Iterable[Owner]) -> set[str]:
    """Keep whose each set is; the sets whose row was there to keep it (a set's row is written
    with its first attempt)."""
    kept: set[str] = set()
    with engine.begin() as connection:
        for owner in owners:
            done = connection.execute(
                update(campaign_sets)
                .where(campaign_sets.c.set_id == owner.set_id)
                .values(team_id=owner.team_id, ad_account_id=owner.ad_account_id)
            )
            if done.rowcount:
                kept.add(owner.set_id)
    return kept
