"""Retries and cancels asked for on any replica, made by the collector: a row per click in
`fleet_requests`, taken once (by the collector's epoch, fenced by its lease, so a request is
sent to Dotoro at most once however many replicas or collectors see it), answered in the same
row, and a `NOTIFY` each way carrying only the row's id.

A request a collector took and never answered (it died, or lost its lease, meanwhile) is not
made again by the next one: it may have reached the service already. The next collector answers
it with what is known: that it may or may not have been made.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, text

from sync_monitor.access import Action, Caller, Role

from .lease import NAME

ASKED, ANSWERED = "sync_monitor_asked", "sync_monitor_answered"  # the NOTIFY channels
UNKNOWN = (
    "The collecting replica changed while this was being made: it may or may not have reached "
    "Dotoro. Check the queue before trying again."
)

_ASK = text(
    """
    INSERT INTO fleet_requests (uid, asked_at, replica, who, role, action, target)
    VALUES (:uid, now(), :replica, :who, :role, :action, :target)
    RETURNING id
    """
)
_TAKE = text(
    """
    UPDATE fleet_requests SET taken_by_epoch = lease.epoch
    FROM (SELECT epoch FROM fleet_lease WHERE name = :name AND holder = :holder
          AND epoch = :epoch AND expires_at > now() FOR SHARE) AS lease
    WHERE fleet_requests.id IN (
        SELECT id FROM fleet_requests WHERE taken_by_epoch IS NULL AND answered_at IS NULL
        ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED)
    RETURNING fleet_requests.id, who, role, action, target
    """
)
_ANSWER = text(
    """
    UPDATE fleet_requests SET answered_at = now(), outcome = :outcome
    WHERE id = :id AND answered_at IS NULL
    RETURNING id
    """
)
_ABANDONED = text(
    """
    UPDATE fleet_requests SET answered_at = now(), outcome = :outcome
    WHERE taken_by_epoch < :epoch AND answered_at IS NULL
    RETURNING id
    """
)
_NOTIFY = text("SELECT pg_notify(:channel, CAST(:id AS text))")
# Someone who may act has opened a replica: the collector's probes that write may go (the hub's
# operator_here). A row in the state table, kept: a collector that comes later finds it.
OPERATOR = "operator-here"
_NOTE_OPERATOR = text(
    """
    INSERT INTO fleet_state (name, epoch, event_id, at, body)
    VALUES (:name, 0, 0, now(), '') ON CONFLICT (name) DO NOTHING
    """
)
_OPERATOR_NOTED = text("SELECT 1 FROM fleet_state WHERE name = :name")
_OUTCOME = text("SELECT outcome FROM fleet_requests WHERE id = :id AND answered_at IS NOT NULL")


@dataclass(frozen=True)
class Request:
    id: int
    caller: Caller  # as the replica that was clicked knew them
    action: Action
    target: str  # a campaign set id (retry) or a job id (cancel)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    job_id: str | None = None


class Requests:
    def __init__(self, engine: Engine, *, name: str = NAME) -> None:
        self.engine, self.name = engine, name

    def ask(self, replica: str, caller: Caller, action: Action, target: str) -> int:
        with self.engine.begin() as db:
            found = db.execute(
                _ASK,
                {
                    "uid": uuid.uuid4().hex,
                    "replica": replica,
                    "who": caller.who,
                    "role": caller.role.value,
                    "action": action.value,
                    "target": target,
                },
            ).scalar_one()
            db.execute(_NOTIFY, {"channel": ASKED, "id": found})
        return int(found)

    def take(self, holder: str, epoch: int) -> list[Request]:
        """The requests not yet taken, now this collector's (none when it no longer holds the
        lease in `epoch`)."""
        with self.engine.begin() as db:
            rows = db.execute(_TAKE, {"name": self.name, "holder": holder, "epoch": epoch}).all()
        return [
            Request(int(r.id), Caller(r.who, Role(r.role)), Action(r.action), r.target)
            for r in sorted(rows, key=lambda r: int(r.id))
        ]

    def answer(self, request_id: int, outcome: Outcome) -> None:
        with self.engine.begin() as db:
            if db.execute(_ANSWER, {"id": request_id, "outcome": _dump(outcome)}).scalar():
                db.execute(_NOTIFY, {"channel": ANSWERED, "id": request_id})

    def abandon(self, epoch: int) -> int:
        """Answer the requests earlier collectors took and never answered; how many."""
        with self.engine.begin() as db:
            found = db.execute(
                _ABANDONED, {"epoch": epoch, "outcome": _dump(Outcome(False, UNKNOWN))}
            ).all()
            for row in found:
                db.execute(_NOTIFY, {"channel": ANSWERED, "id": row.id})
        return len(found)

    def note_operator(self) -> None:
        """Someone who may act has a replica open (the collector is told at once)."""
        with self.engine.begin() as db:
            db.execute(_NOTE_OPERATOR, {"name": OPERATOR})
            db.execute(_NOTIFY, {"channel": ASKED, "id": 0})

    def operator_noted(self) -> bool:
        with self.engine.connect() as db:
            return db.execute(_OPERATOR_NOTED, {"name": OPERATOR}).first() is not None

    def outcome(self, request_id: int) -> Outcome | None:
        with self.engine.connect() as db:
            found = db.execute(_OUTCOME, {"id": request_id}).scalar()
        return None if found is None else Outcome(**json.loads(found))


def _dump(outcome: Outcome) -> str:
    return json.dumps({"ok": outcome.ok, "message": outcome.message, "job_id": outcome.job_id})
