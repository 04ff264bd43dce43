"""The one thread per deployment that sends the digests (where the collector runs: the same
`recording` predicate as the history's recorder).

Every minute, or at the next slot if sooner, each digest whose slot has come this week is
composed and, per channel, claimed in the deliveries' log (history/deliveries.py: the first
claimer sends, once per deployment), sent, and marked sent or failed with the reason. A
channel that fails does not keep the others from hearing; it is not tried again that week (a
second send could reach some readers twice). Composing waits for the history and the clients'
board: a digest is never sent without them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from sync_monitor.clients.status import Board
from sync_monitor.history import deliveries
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.history.store import describe
from sync_monitor.notify.send import Message, Sender

from . import queries, render, schedule
from .compose import Week, chosen, compose, set_ids
from .config import Digest

log = logging.getLogger(__name__)
EVERY_S = 60.0
SOON_S = 5.0  # while a due digest waits for the history or the board (just after start)
KIND = render.KIND


@dataclass(frozen=True)
class Sent:
    digest: str
    channel: str  # its name, never its address
    problem: str | None  # None: sent


def week_of(digest: Digest, board: Board, engine: Engine, at: datetime, public_url: str) -> Week:
    """The digest for the week before `at`'s day, as it would be sent at `at`."""
    period = schedule.period(at, digest.zone)
    clients, _ = chosen(digest, board)
    finished, failed = queries.week(engine, set_ids(clients), period)
    return compose(digest, board, period, finished, failed, public_url)


def message_of(week: Week) -> Message:
    """The digest as the channels take it: the text, its HTML alternative, the JSON fields."""
    return Message(
        KIND,
        render.subject(week),
        render.text(week),
        link=week.link,
        link_label="This digest in Sync Monitor",
        html=render.html(week),
        data=render.data(week),
    )


class DigestScheduler:
    def __init__(
        self,
        digests: Sequence[Digest],
        engine: Callable[[], Engine | None],
        board: Callable[[], Board | None],
        sender: Sender,
        public_url: str,
        *,
        recording: Callable[[], bool] = lambda: True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        every: float = EVERY_S,
    ) -> None:
        self.digests = tuple(digests)
        self._engine, self._board, self._sender = engine, board, sender
        self.public_url = public_url
        self._recording, self._clock, self.every = recording, clock, every
        self._settled: set[str] = set()  # keys every channel of which was claimed: by anyone
        self._waiting: set[str] = set()  # keys said to wait for the history or the board
        self._pending = False  # a due digest waited at the last evaluation
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="digest-scheduler", daemon=True)

    def start(self) -> DigestScheduler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._recording():
                    self.evaluate()
            except NOT_ANSWERING as exc:
                log.warning("the history did not answer for the digests: %s", describe(exc))
            except Exception:  # a bug: logged, and tried again at the next tick
                log.exception("could not send the digests")
            self._stop.wait(self._wait(self._clock()))

    def _wait(self, now: datetime) -> float:
        """Until the next tick (sooner while a due digest waits), or the next slot if it comes
        sooner (a second at least, unless ticks are shorter)."""
        every = min(self.every, SOON_S) if self._pending else self.every
        soonest = min((schedule.next_send(d, now) for d in self.digests), default=None)
        if soonest is None:
            return every
        return max(min(1.0, every), min(every, (soonest - now).total_seconds()))

    def evaluate(self) -> list[Sent]:
        """Send each digest due now whose channels nobody has claimed; what was sent, or not."""
        now = self._clock()
        outcomes: list[Sent] = []
        self._pending = False
        for digest in self.digests:
            at = schedule.due(digest, now)
            if at is None:
                continue
            key = schedule.key(digest, at)
            if key in self._settled:
                continue
            engine, board = self._engine(), self._board()
            if engine is None or board is None:  # not yet: the next tick, soon, tries again
                self._pending = True
                if key not in self._waiting:
                    log.info("digest %r waits for the history and the clients' board", digest.name)
                    self._waiting.add(key)
                continue
            message = message_of(week_of(digest, board, engine, at, self.public_url))
            outcomes += self._deliver(engine, digest, key, message, now)
            self._settled.add(key)
        return outcomes

    def _deliver(
        self, engine: Engine, digest: Digest, key: str, message: Message, now: datetime
    ) -> list[Sent]:
        outcomes = []
        for channel in digest.channels:
            if not deliveries.claim(engine, KIND, key, channel.name, now):
                continue  # sent already, by this deployment or another of its replicas
            result = self._sender.send_one(message, channel)
            deliveries.done(engine, KIND, key, channel.name, result.problem)
            if result.sent:
                log.info("digest %r sent to %s", digest.name, channel)
            outcomes.append(Sent(digest.name, channel.name, result.problem))
        return outcomes
