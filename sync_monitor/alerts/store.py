"""The alerts in the history database (the `alerts` table), shared by every replica: what
fires now, what ended, and how many messages went in the last hour (the cap's count, which a
restart must not reset)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sync_monitor.history.schema import alerts
from sync_monitor.text import storable

from .conditions import Rule
from .lifecycle import Alert, Notice, Plan

c = alerts.c


def _ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _alert(row: Any) -> Alert:
    return Alert(
        row.key,
        Rule(row.rule),
        row.title,
        row.detail,
        row.link,
        _at(row.started_ms),
        Notice(row.fired),
        _at(row.ended_ms) if row.ended_ms is not None else None,
        Notice(row.resolved) if row.resolved else None,
    )


def firing(engine: Engine) -> list[Alert]:
    """The alerts firing now, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(alerts).where(c.open_key.is_not(None)).order_by(c.started_ms, c.id)
        )
        return [_alert(r) for r in rows]


def recent(engine: Engine, limit: int = 100) -> list[Alert]:
    """Those firing (newest first), then those that ended, the latest ended first."""
    with engine.connect() as connection:
        now = [
            _alert(r)
            for r in connection.execute(
                select(alerts).where(c.open_key.is_not(None)).order_by(c.started_ms.desc())
            )
        ]
        over = [
            _alert(r)
            for r in connection.execute(
                select(alerts)
                .where(c.open_key.is_(None))
                .order_by(c.ended_ms.desc(), c.id.desc())
                .limit(limit)
            )
        ]
    return now + over


def count_since(engine: Engine, since: datetime, notice: Notice) -> int:
    """Messages sent (or held) since `since`: starts and ends alike."""
    first = _ms(since)
    with engine.connect() as connection:
        starts = connection.execute(
            select(func.count()).where(c.started_ms >= first, c.fired == notice.value)
        ).scalar_one()
        ends = connection.execute(
            select(func.count()).where(c.ended_ms >= first, c.resolved == notice.value)
        ).scalar_one()
    return int(starts) + int(ends)


def save(engine: Engine, plan: Plan) -> Plan:
    """Write `plan`; what it gives back is what this writer changed. Another evaluator (a
    failover's old collector, for a moment) may have opened or ended the same alert first:
    those are left out, so that only one of them sends each message."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    started, changed, ended = [], [], []
    with engine.begin() as connection:
        for alert in plan.started:
            inserted = connection.execute(
                dialect.insert(alerts)
                .values(
                    key=alert.key,
                    open_key=alert.key,
                    rule=alert.rule.value,
                    title=storable(alert.title),
                    detail=storable(alert.detail),
                    link=storable(alert.link),
                    started_ms=_ms(alert.started_at),
                    fired=alert.fired.value,
                    updated_ms=_ms(alert.started_at),
                )
                .on_conflict_do_nothing(index_elements=["open_key"])
                .returning(c.id)
            ).first()
            if inserted is not None:
                started.append(alert)
        for alert in plan.changed:
            if _update(connection, alert, title=alert.title, detail=alert.detail, link=alert.link):
                changed.append(alert)
        for alert in plan.ended:
            assert alert.ended_at is not None
            assert alert.resolved is not None
            if _update(
                connection,
                alert,
                open_key=None,
                detail=alert.detail,
                ended_ms=_ms(alert.ended_at),
                resolved=alert.resolved.value,
            ):
                ended.append(alert)
    return Plan(tuple(started), tuple(changed), tuple(ended))


def _update(connection: Any, alert: Alert, **values: Any) -> bool:
    """Change the firing row of `alert` (this firing, not a later one of the same key)."""
    values = {k: storable(v) if isinstance(v, str) else v for k, v in values.items()}
    done = connection.execute(
        update(alerts)
        .where(c.open_key == alert.key, c.started_ms == _ms(alert.started_at))
        .values(updated_ms=values.get("ended_ms") or _ms(datetime.now(UTC)), **values)
    )
    return bool(done.rowcount)
