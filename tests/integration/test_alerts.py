"""Alerts end to end: the evaluator over real history data (SQLite and PostgreSQL), live
snapshots and clients' boards built here, sending to a real SMTP server (aiosmtpd) and a real
HTTP receiver. Each rule fires once, stays quiet while firing, recovers, respects the cap, and
links to the page filtered to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from sync_monitor.alerts import store
from sync_monitor.alerts.conditions import Thresholds
from sync_monitor.alerts.evaluator import Evaluator
from sync_monitor.alerts.lifecycle import Notice
from sync_monitor.clients.status import Board
from sync_monitor.history import History, Outcome, deliveries
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.notify import channels
from sync_monitor.notify.mail import Mailer
from sync_monitor.notify.send import Sender
from tests.support.alerts import (
    HOSTILE,
    attempt,
    board,
    finished,
    queued,
    running,
    snapshot,
)
from tests.support.databases import database
from tests.support.receiver import Received, Receiver, receiver  # noqa: F401 (fixture)
from tests.support.smtp import Inbox, smtp_server  # noqa: F401 (fixture)
from tests.support.waiting import wait_until

URL = "http://monitor.test"
T = Thresholds(nothing_finished_minutes=30, wait_minutes=20, fails_in_a_row=3, min_finished=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with database(request.param, tmp_path) as url, History.open(url) as opened:
        yield opened


@dataclass
class Scene:
    """What the evaluator reads: the history, and a live snapshot and a board set here."""

    history: History
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    live: Snapshot | None = None
    board: Board | None = None  # set in __post_init__: an empty board (no client late)

    def __post_init__(self) -> None:
        self.board = board(self.now)

    def snapshot(self) -> Snapshot:
        return self.live or snapshot(self.now)

    def later(self, minutes: float = 1) -> None:
        self.now += timedelta(minutes=minutes)
        self.live = snapshot(self.now, self.live.active, self.live.pending) if self.live else None


@dataclass
class Outbox:
    smtp: Inbox
    http: Receiver

    def counts(self) -> tuple[int, int, int]:
        return (
            len(self.http.received("/slack")),
            len(self.http.received("/json")),
            len(self.smtp.received()),
        )

    def wait(self, count: int) -> tuple[Received, Received, EmailMessage]:
        """The `count`th message on each channel (they all have it once this returns)."""
        slack = self.http.wait(count, "/slack")[count - 1]
        generic = self.http.wait(count, "/json")[count - 1]
        mail = self.smtp.wait(count)[count - 1]
        return slack, generic, mail


@pytest.fixture
def outbox(smtp_server: Inbox, receiver: Receiver) -> Outbox:  # noqa: F811
    return Outbox(smtp_server, receiver)


def evaluator(scene: Scene, outbox: Outbox, **options: Any) -> Evaluator:
    return Evaluator(
        scene.snapshot,
        lambda: scene.history,
        lambda: scene.board,
        Sender(Mailer("127.0.0.1", outbox.smtp.port, security="none", sender="sm@monitor.test")),
        channels.parse(
            f"slack={outbox.http.url}/slack webhook={outbox.http.url}/json email=ops@acme.test"
        ),
        public_url=URL,
        thresholds=T,
        clock=lambda: scene.now,
        **options,
    )


# -- each rule: how to break it and mend it, and where its alert links ---------------------------


def rate_breaks(scene: Scene) -> None:
    usual = [attempt(scene.now, f"u{n}", n, Outcome.COMPLETED, 2 + n % 100) for n in range(190)]
    usual += [attempt(scene.now, f"uf{n}", n, Outcome.FAILED, 3 + n) for n in range(10)]
    hour = [attempt(scene.now, f"h{n}", 500 + n, Outcome.COMPLETED, 0.5) for n in range(8)]
    hour += [
        attempt(scene.now, f"hf{n}", 600 + n, Outcome.FAILED, 0.5, error=HOSTILE) for n in range(12)
    ]
    scene.history.record(usual + hour)  # 12 of 20 failed in the hour; usually 5 %


def rate_mends(scene: Scene) -> None:  # 12 of 120: 10 %, below the 15 % that ends it
    scene.history.record(
        [attempt(scene.now, f"m{n}", 700 + n, Outcome.COMPLETED, 0.2) for n in range(100)]
    )


def streak_breaks(scene: Scene) -> None:
    scene.history.record(
        [
            attempt(scene.now, f"s{n}", 7, Outcome.FAILED, 3 - n, error=f"{HOSTILE} ({n})")
            for n in range(3)
        ]
    )


def streak_mends(scene: Scene) -> None:
    scene.history.record([attempt(scene.now, "s-ok", 7, Outcome.COMPLETED, 0.1)])


def stuck_breaks(scene: Scene) -> None:
    scene.live = snapshot(scene.now, (running(1, scene.now, 45 * 60, HOSTILE),))


def stuck_mends(scene: Scene) -> None:
    scene.live = snapshot(scene.now, (running(2, scene.now, 60),), done=(finished(scene.now),))


def wait_breaks(scene: Scene) -> None:
    scene.live = snapshot(scene.now, pending=(queued(1, scene.now, 40 * 60, HOSTILE),))


def wait_mends(scene: Scene) -> None:
    scene.live = snapshot(scene.now)


def late_breaks(scene: Scene) -> None:
    late = ("acme co", HOSTILE, HOSTILE, "Late: last synced 3 h ago, usually every hour")
    scene.board = board(scene.now, late)


def late_mends(scene: Scene) -> None:
    scene.board = board(scene.now)


RULES: dict[str, tuple[Callable[[Scene], None], Callable[[Scene], None], str]] = {
    "failure-rate:reddit": (rate_breaks, rate_mends, f"{URL}/analysis?window=24h&platform=reddit"),
    "fails-in-a-row:set-0007": (
        streak_breaks,
        streak_mends,
        f"{URL}/analysis?window=7d&set=set-0007",
    ),
    "nothing-finished": (stuck_breaks, stuck_mends, f"{URL}/"),
    "long-wait": (wait_breaks, wait_mends, f"{URL}/"),
    "client-late:acme co": (late_breaks, late_mends, f"{URL}/clients?client=acme+co"),
}


def assert_links(slack: Received, generic: Received, mail: EmailMessage, link: str) -> None:
    assert f"<{link}|Open in Sync Monitor>" in slack.json()["text"]
    assert generic.json()["link"] == link
    assert f"Open in Sync Monitor: {link}" in Inbox.text(mail)


@pytest.mark.parametrize("key", RULES)
def test_each_rule_fires_once_stays_quiet_recovers_and_links_to_its_page(
    history: History, outbox: Outbox, key: str
) -> None:
    breaks, mends, link = RULES[key]
    scene = Scene(history)
    alerts = evaluator(scene, outbox)
    alerts.evaluate()
    assert outbox.counts() == (0, 0, 0)  # all is well

    breaks(scene)
    alerts.evaluate()
    slack, generic, mail = outbox.wait(1)
    assert generic.json()["key"] == key
    assert generic.json()["state"] == "firing"
    assert generic.json()["subject"].startswith("Alert: ")
    assert str(mail["Subject"]).startswith("Alert: ")
    assert_links(slack, generic, mail, link)
    if "&lt;@U123&gt;" in slack.json()["text"]:  # where the backend's words are quoted
        assert "<@U123>" not in slack.json()["text"]

    for _ in range(3):  # quiet while it fires
        scene.later()
        alerts.evaluate()
    assert outbox.counts() == (1, 1, 1)

    mends(scene)
    scene.later()
    alerts.evaluate()
    slack, generic, mail = outbox.wait(2)
    assert generic.json()["state"] == "resolved"
    assert generic.json()["key"] == key
    assert str(mail["Subject"]).startswith("Resolved: ")
    assert_links(slack, generic, mail, link)

    scene.later()
    alerts.evaluate()
    assert outbox.counts() == (2, 2, 2)
    (over,) = store.recent(history.engine)
    assert (over.key, over.fired, over.resolved) == (key, Notice.SENT, Notice.SENT)
    sent = deliveries.recent(history.engine, "alert")
    assert {(d.channel, d.outcome) for d in sent} == {
        ("Slack webhook 1", "sent"),
        ("JSON webhook 1", "sent"),
        ("e-mail to ops@acme.test", "sent"),
    }
    assert len(sent) == 6


def test_the_hourly_cap_holds_back_what_is_over_it(history: History, outbox: Outbox) -> None:
    scene = Scene(history)
    alerts = evaluator(scene, outbox, per_hour=2)
    stuck_breaks(scene)
    wait_breaks(scene)
    scene.live = snapshot(
        scene.now, (running(1, scene.now, 45 * 60),), (queued(1, scene.now, 40 * 60),)
    )
    late_breaks(scene)
    alerts.evaluate()  # three alerts at once: two go, one is held
    outbox.wait(2)
    assert outbox.counts() == (2, 2, 2)
    assert sorted(a.fired for a in store.firing(history.engine)) == [
        Notice.HELD,
        Notice.SENT,
        Notice.SENT,
    ]
    assert store.count_since(history.engine, scene.now - timedelta(hours=1), Notice.HELD) == 1

    streak_breaks(scene)
    scene.later(10)
    alerts.evaluate()  # still within the hour: held too
    assert outbox.counts() == (2, 2, 2)

    scene.later(61)  # an hour on: room again, for what is new
    late_mends(scene)
    alerts.evaluate()
    assert outbox.counts() == (2, 2, 2)  # the held client alert ends without a word
    assert [a.resolved for a in store.recent(history.engine) if not a.firing] == [Notice.NONE]


def test_a_restart_neither_fires_again_nor_forgets(history: History, outbox: Outbox) -> None:
    scene = Scene(history)
    streak_breaks(scene)
    evaluator(scene, outbox).evaluate()
    outbox.wait(1)

    restarted = evaluator(scene, outbox)  # a new process, or the collector after a failover
    scene.later()
    restarted.evaluate()
    assert outbox.counts() == (1, 1, 1)
    streak_mends(scene)
    scene.later()
    restarted.evaluate()
    _, generic, _ = outbox.wait(2)
    assert generic.json()["state"] == "resolved"


def test_two_evaluators_at_once_send_each_message_once(history: History, outbox: Outbox) -> None:
    scene = Scene(history)
    late_breaks(scene)
    first, second = evaluator(scene, outbox), evaluator(scene, outbox)
    first.evaluate()
    second.evaluate()
    outbox.wait(1)
    assert outbox.counts() == (1, 1, 1)
    assert len(store.firing(history.engine)) == 1


def test_a_channel_that_fails_is_logged_with_why_and_the_others_still_hear(
    history: History, outbox: Outbox
) -> None:
    scene = Scene(history)
    alerts = evaluator(scene, outbox)
    outbox.http.status = 500
    late_breaks(scene)
    alerts.evaluate()
    outbox.smtp.wait(1)
    found = {d.channel: (d.outcome, d.message) for d in deliveries.recent(history.engine)}
    assert found["Slack webhook 1"] == ("failed", "Slack webhook 1 answered 500")
    assert found["e-mail to ops@acme.test"] == ("sent", "")


def test_the_thread_evaluates_only_where_the_collector_runs(
    history: History, outbox: Outbox
) -> None:
    scene = Scene(history)
    late_breaks(scene)
    collecting = False
    threaded = evaluator(scene, outbox, every=0.05, recording=lambda: collecting).start()
    try:
        wait_until(lambda: threaded.idle > 2, "the evaluator's idle rounds")
        assert threaded.evaluated == 0
        assert outbox.counts() == (0, 0, 0)
        collecting = True
        outbox.wait(1)
    finally:
        threaded.stop()
