"""The collector's lease: a row in the shared PostgreSQL database with its holder, epoch and
expiry, on the database's clock.

Not an advisory lock: those are tied to one server connection, so they strand behind
PgBouncer's transaction pooling and vanish silently on failover. The row is taken in one
statement, and only once expired; each taking raises the epoch, and the holder renews by holder
and epoch, so a holder that lost it cannot renew it back. The holder also fences itself by its
own clock: it counts itself the holder only until the lease's time has passed since it *sent*
its last successful renewal (the database's expiry is later than that), with a margin for
clocks that run at slightly different rates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)
NAME = "collector"
MARGIN = 0.1  # of the lease's time, given up for clock drift and the renewal's own delay

_TAKE = text(
    """
    INSERT INTO fleet_lease AS lease (name, holder, epoch, taken_at, expires_at)
    VALUES (:name, :holder, 1, now(), now() + make_interval(secs => :ttl))
    ON CONFLICT (name) DO UPDATE
        SET holder = excluded.holder, epoch = lease.epoch + 1, taken_at = now(),
            expires_at = excluded.expires_at
        WHERE lease.expires_at <= now()
    RETURNING epoch
    """
)
_RENEW = text(
    """
    UPDATE fleet_lease SET expires_at = now() + make_interval(secs => :ttl)
    WHERE name = :name AND holder = :holder AND epoch = :epoch AND expires_at > now()
    RETURNING epoch
    """
)
_RELEASE = text(
    """
    UPDATE fleet_lease SET expires_at = now()
    WHERE name = :name AND holder = :holder AND epoch = :epoch
    """
)
_HOLDER = text(
    """
    SELECT holder, epoch, expires_at, now() AS now FROM fleet_lease WHERE name = :name
    """
)


@dataclass(frozen=True)
class Term:
    """A holder's term: its epoch, and until when (its own monotonic clock) it may act."""

    epoch: int
    until: float


@dataclass(frozen=True)
class Holder:
    """Who holds the lease, as the database says now."""

    holder: str
    epoch: int
    expires_at: datetime
    now: datetime  # the database's clock

    @property
    def live(self) -> bool:
        return self.expires_at > self.now


class Lease:
    """One replica's side of the lease named `name`; `holder` must be unique to the process."""

    def __init__(
        self,
        engine: Engine,
        holder: str,
        ttl: float,
        *,
        name: str = NAME,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError(f"engine: the lease needs PostgreSQL, not {engine.dialect.name}")
        self.engine, self.holder, self.ttl, self.name = engine, holder, ttl, name
        self._mono = mono

    def take(self) -> Term | None:
        """The lease, when nobody holds it (or its holder let it expire); else None."""
        sent = self._mono()
        with self.engine.begin() as db:
            epoch = db.execute(_TAKE, self._args()).scalar()
        return None if epoch is None else self._term(int(epoch), sent)

    def renew(self, term: Term) -> Term | None:
        """A longer term, or None when the lease is no longer this holder's (taken over, or
        expired: then it must be taken again, under a new epoch)."""
        sent = self._mono()
        with self.engine.begin() as db:
            epoch = db.execute(_RENEW, {**self._args(), "epoch": term.epoch}).scalar()
        return None if epoch is None else self._term(int(epoch), sent)

    def release(self, term: Term) -> None:
        """Let the lease go now, so that another replica takes it without waiting it out."""
        with self.engine.begin() as db:
            db.execute(_RELEASE, {**self._args(), "epoch": term.epoch})

    def holds(self, term: Term | None) -> bool:
        """Whether `term` still lets this holder act, by its own clock."""
        return term is not None and self._mono() < term.until

    def current(self) -> Holder | None:
        """Who holds the lease (or last held it), as the database says now."""
        with self.engine.connect() as db:
            row = db.execute(_HOLDER, {"name": self.name}).one_or_none()
        return None if row is None else Holder(row.holder, int(row.epoch), row.expires_at, row.now)

    def _args(self) -> dict[str, object]:
        return {"name": self.name, "holder": self.holder, "ttl": self.ttl}

    def _term(self, epoch: int, sent: float) -> Term:
        return Term(epoch, sent + self.ttl * (1 - MARGIN))
