"""The log of what the monitor sent (issue 24: alerts and digests), in the history database.

`claim` is how a message is sent once per deployment: the first to insert its (kind, key,
channel) row sends it; a second replica, or the same one after a restart, finds the row and
does not. `done` then says what came of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .schema import deliveries

CLAIMED, SENT, FAILED = "claimed", "sent", "failed"


@dataclass(frozen=True)
class Delivery:
    kind: str
    key: str
    channel: str
    at: datetime
    outcome: str  # claimed (being sent, or its sender died), sent, failed
    message: str


def claim(engine: Engine, kind: str, key: str, channel: str, at: datetime) -> bool:
    """Take (kind, key, channel) for this sender; False when someone has it already."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = (
        dialect.insert(deliveries)
        .values(
            kind=kind,
            key=key,
            channel=channel,
            at_ms=_ms(at),
            outcome=CLAIMED,
            message="",
        )
        .on_conflict_do_nothing(index_elements=["kind", "key", "channel"])
        .returning(deliveries.c.id)
    )
    with engine.begin() as connection:
        return connection.execute(insert).first() is not None


def done(engine: Engine, kind: str, key: str, channel: str, problem: str | None) -> None:
    """What came of a claimed message: sent (problem None) or failed, and why."""
    with engine.begin() as connection:
        connection.execute(
            update(deliveries)
            .where(
                deliveries.c.kind == kind,
                deliveries.c.key == key,
                deliveries.c.channel == channel,
            )
            .values(outcome=FAILED if problem else SENT, message=problem or "")
        )


def recent(engine: Engine, kind: str | None = None, limit: int = 200) -> list[Delivery]:
    """The newest deliveries first (of `kind`, or all)."""
    query = select(deliveries).order_by(deliveries.c.at_ms.desc(), deliveries.c.id.desc())
    if kind is not None:
        query = query.where(deliveries.c.kind == kind)
    with engine.connect() as connection:
        rows = connection.execute(query.limit(limit)).all()
    return [
        Delivery(
            r.kind,
            r.key,
            r.channel,
            datetime.fromtimestamp(r.at_ms / 1000, UTC),
            r.outcome,
            r.message,
        )
        for r in rows
    ]


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
