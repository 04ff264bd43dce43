"""The evaluator: one thread per deployment (where the collector runs) that runs the rules
every `SYNC_MONITOR_ALERT_SECONDS`, keeps the alerts in the history database and sends their
messages, each claimed once per deployment in the deliveries' log."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sync_monitor.history import History, deliveries
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.history.store import describe
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.notify.channels import Channel, ChannelError, parse
from sync_monitor.notify.send import Sender
from sync_monitor.settings import Settings, SettingsError

from . import facts, lifecycle, rules, store
from .conditions import Thresholds, Verdict
from .lifecycle import Notice, Plan
from .message import KIND, delivery_key, message

log = logging.getLogger(__name__)


def channels_of(config: Settings) -> tuple[Channel, ...]:
    """The alert channels the settings list; raises SettingsError naming the setting."""
    text = config.alert_channels.get_secret_value() if config.alert_channels else None
    try:
        return parse(text)
    except ChannelError as exc:  # its message never repeats a URL
        raise SettingsError(f"SYNC_MONITOR_ALERT_CHANNELS: {exc}") from None


def thresholds_of(config: Settings) -> Thresholds:
    return Thresholds(
        nothing_finished_minutes=config.alert_nothing_finished_minutes,
        wait_minutes=config.alert_wait_minutes,
        fails_in_a_row=config.alert_fails_in_a_row,
        min_finished=config.alert_min_finished,
    )


class Evaluator:
    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        history: Callable[[], History | None],
        board: Callable[[], rules.Board | None],
        sender: Sender,
        channels: Sequence[Channel],
        *,
        public_url: str,
        thresholds: Thresholds = Thresholds(),  # noqa: B008 (frozen: one shared default is fine)
        per_hour: int = 10,
        every: float = 30.0,
        recording: Callable[[], bool] = lambda: True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._snapshot = snapshot
        self._history = history
        self._board = board
        self._sender = sender
        self._channels = tuple(channels)
        self._public_url = public_url
        self._thresholds = thresholds
        self._per_hour = per_hour
        self._every = every
        # In a fleet only the collector evaluates (as only it records): one per deployment.
        self._recording = recording
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.evaluated = 0  # rounds run to the end by this process
        self.idle = 0  # rounds skipped: this process does not collect

    def start(self) -> Evaluator:
        self._thread = threading.Thread(target=self._run, name="alert-evaluator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            if not self._recording():
                self.idle += 1
                continue
            try:
                self.evaluate()
            except NOT_ANSWERING as exc:  # the database's doing, said without a traceback
                log.warning("the alerts were not evaluated: %s", describe(exc))
            except Exception:  # the monitor must outlive any failure here
                log.exception("the alert evaluator failed; it carries on")

    def evaluate(self) -> Plan | None:
        """One round: the rules, the alerts' changes written, their messages sent. None while
        the history cannot be read (the alerts live there)."""
        history = self._history()
        if history is None:
            return None
        now = self._clock()
        engine = history.engine
        firing = store.firing(engine)
        verdicts = self.verdicts(history, now, {a.key for a in firing})
        sent = store.count_since(engine, now - timedelta(hours=1), Notice.SENT)
        planned = lifecycle.plan(firing, verdicts, now, sent, self._per_hour)
        saved = store.save(engine, planned)
        for alert, end in saved.messages:
            self._send(history, alert, end, now)
        for alert in saved.started:
            log.info("alert %s fired (%s): %s", alert.key, alert.fired, alert.title)
        for alert in saved.ended:
            log.info("alert %s resolved (%s)", alert.key, alert.resolved)
        self.evaluated += 1
        return saved

    def verdicts(self, history: History, now: datetime, firing: set[str]) -> list[Verdict]:
        t, url = self._thresholds, self._public_url
        snapshot = self._snapshot()
        found = [
            rules.failure_rate(facts.platform_counts(history.engine, now), firing, t, url),
            rules.fails_in_a_row(facts.streaks(history.engine, now, t.fails_in_a_row), t, url),
            rules.nothing_finished(snapshot, t, url),
            rules.long_wait(snapshot, t, url),
            rules.client_late(self._board(), url),
        ]
        return [v for v in found if v is not None]

    def _send(self, history: History, alert: lifecycle.Alert, end: bool, now: datetime) -> None:
        key = delivery_key(alert, end)
        outgoing = message(alert, end)
        for channel in self._channels:
            if not deliveries.claim(history.engine, KIND, key, channel.name, now):
                continue  # another replica, or this one before a restart, has it
            result = self._sender.send_one(outgoing, channel)
            deliveries.done(history.engine, KIND, key, channel.name, result.problem)
