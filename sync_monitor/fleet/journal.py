"""The collector's journal in the shared database: its changes in order (`fleet_events`), the
whole current state beside them (`fleet_state`), and a `NOTIFY` per change carrying only the
event's id (a notification's payload must stay under 8,000 bytes; a change can be larger).

Every write is fenced by the lease: it happens only while the writer's holder and epoch still
hold an unexpired lease, which the statement locks (`FOR SHARE`), so a replica taking the lease
over waits for a write under way, and every event of the old epoch comes before the new
epoch's first. A follower reads the rows after the last it has, so one that reconnects loses
nothing; a follower that fell behind the pruning starts again from the state row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

from .lease import NAME

CHANNEL = "sync_monitor_fleet"
KEEP_SECONDS = 600  # events kept after the state row has moved past them

_FENCE = """
    FROM fleet_lease WHERE name = :name AND holder = :holder AND epoch = :epoch
        AND expires_at > now()
    FOR SHARE
"""
_APPEND = text(
    f"""
    INSERT INTO fleet_events (epoch, at, body) SELECT epoch, now(), :body {_FENCE}
    RETURNING id
    """
)
_NOTIFY = text("SELECT pg_notify(:channel, CAST(:id AS text))")
_SAVE = text(
    f"""
    INSERT INTO fleet_state (name, epoch, event_id, at, body)
    SELECT name, epoch, :event_id, now(), :body {_FENCE}
    ON CONFLICT (name) DO UPDATE
        SET epoch = excluded.epoch, event_id = excluded.event_id, at = excluded.at,
            body = excluded.body
    RETURNING event_id
    """
)
_PRUNE = text(
    """
    DELETE FROM fleet_events
    WHERE id < (SELECT event_id FROM fleet_state WHERE name = :name)
        AND at < now() - make_interval(secs => :keep)
    """
)
_AFTER = text(
    "SELECT id, epoch, at, body FROM fleet_events WHERE id > :after ORDER BY id LIMIT :limit"
)
_STATE = text("SELECT epoch, event_id, at, body FROM fleet_state WHERE name = :name")


@dataclass(frozen=True)
class Event:
    id: int
    epoch: int
    at: datetime
    body: str


class Journal:
    """The collector's writes (fenced by `holder` and an epoch) and every replica's reads."""

    def __init__(self, engine: Engine, holder: str, *, name: str = NAME) -> None:
        self.engine, self.holder, self.name = engine, holder, name

    def append(self, epoch: int, body: str) -> int | None:
        """Append a change and notify the followers; None when the lease is not this holder's
        in `epoch` any more (nothing written)."""
        with self.engine.begin() as db:
            found = db.execute(_APPEND, {**self._fence(epoch), "body": body}).scalar()
            if found is None:
                return None
            db.execute(_NOTIFY, {"channel": CHANNEL, "id": found})
        return int(found)

    def save(self, epoch: int, event_id: int, body: str) -> bool:
        """Keep `body` as the whole state as of event `event_id`; prune what it makes
        unneeded. False when fenced off."""
        with self.engine.begin() as db:
            args = {**self._fence(epoch), "event_id": event_id, "body": body}
            saved = db.execute(_SAVE, args).scalar() is not None
            if saved:
                db.execute(_PRUNE, {"name": self.name, "keep": KEEP_SECONDS})
        return saved

    def after(self, event_id: int, limit: int = 500) -> list[Event]:
        with self.engine.connect() as db:
            rows = db.execute(_AFTER, {"after": event_id, "limit": limit}).all()
        return [Event(int(r.id), int(r.epoch), r.at, r.body) for r in rows]

    def state(self) -> Event | None:
        """The saved state, as an event with the id of the last change it holds."""
        with self.engine.connect() as db:
            row = db.execute(_STATE, {"name": self.name}).one_or_none()
        return None if row is None else Event(int(row.event_id), int(row.epoch), row.at, row.body)

    def _fence(self, epoch: int) -> dict[str, object]:
        return {"name": self.name, "holder": self.holder, "epoch": epoch}
