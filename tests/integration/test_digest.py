"""The weekly digest sent on its schedule, against a real SMTP server (aiosmtpd) and a real HTTP
receiver, over a history on SQLite and PostgreSQL: once per week and channel whoever evaluates
it, its content in each channel's shape, and a failing channel that does not stop the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sync_monitor.digest import queries
from sync_monitor.digest.config import Digest, When
from sync_monitor.digest.schedule import period
from sync_monitor.digest.scheduler import DigestScheduler
from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome, deliveries
from sync_monitor.notify import channels
from sync_monitor.notify.mail import Mailer
from sync_monitor.notify.send import Sender
from tests.support.clients import Board, Client, late, up_to_date
from tests.support.databases import database
from tests.support.receiver import Receiver, receiver  # noqa: F401 (fixture)
from tests.support.smtp import Inbox, smtp_server  # noqa: F401 (fixture)
from tests.support.waiting import seconds

PUBLIC = "https://sync.example.test"
SLOT = datetime(2026, 11, 30, 8, tzinfo=UTC)  # Monday 08:00 of ISO week 49
TENT = "0f8e7d6c-1111-4222-8333-944455556666"
BOOTS = "1a2b3c4d-1111-4222-8333-944455556666"
OTHER = "2b3c4d5e-1111-4222-8333-944455556666"
HOSTILE = "<b>Tents</b> & <@U1>"
EXPIRED = f"Reddit Ads API error 401: invalid_token (request {TENT})"
BOARD = Board(
    SLOT,
    (
        Client(
            "acme-outdoor",
            "Acme Outdoor",
            (
                late(TENT, HOSTILE, Platform.REDDIT, SLOT),
                up_to_date(BOOTS, "Winter boots", Platform.META, SLOT),
            ),
        ),
        Client("globex", "Globex", (late(OTHER, "Globex Q4", Platform.GOOGLE, SLOT),)),
    ),
)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with database(request.param, tmp_path) as url, History.open(url) as opened:
        seed(opened)
        yield opened


def seed(history: History) -> None:
    """Acme's week (23–29 Nov): 6 syncs of its tents, 2 of them failed with expired credentials,
    4 of its boots, all fine; Globex's failures (another client); one failure outside the week."""
    rows: list[tuple[str, str, Platform, int, Outcome, str | None]] = [
        *((TENT, HOSTILE, Platform.REDDIT, day, Outcome.COMPLETED, None) for day in (1, 2, 3, 4)),
        (TENT, HOSTILE, Platform.REDDIT, 5, Outcome.FAILED, EXPIRED),
        (TENT, HOSTILE, Platform.REDDIT, 6, Outcome.FAILED, EXPIRED),
        *(
            (BOOTS, "Winter boots", Platform.META, day, Outcome.COMPLETED, None)
            for day in (1, 2, 3, 4)
        ),
        (OTHER, "Globex Q4", Platform.GOOGLE, 3, Outcome.FAILED, "Google Ads 503 UNAVAILABLE"),
        (TENT, HOSTILE, Platform.REDDIT, 9, Outcome.FAILED, EXPIRED),  # the week before
    ]
    attempts = []
    for number, (set_id, name, platform, days_ago, state, error) in enumerate(rows):
        began = SLOT.replace(hour=0) - timedelta(days=days_ago, hours=-10)
        attempts.append(
            Attempt(
                key=f"job:{number}",
                set_id=set_id,
                set_name=name,
                platform=platform,
                state=state,
                at=began,
                job_id=str(number),
                started_at=began,
                finished_at=began + timedelta(minutes=2),
                error=error,
            )
        )
    history.record(attempts)


def acme(to: str) -> Digest:
    return Digest(
        "Acme accounts", ("Acme Outdoor",), channels.parse(to), When(0, time(8)), ZoneInfo("UTC")
    )


def scheduler(
    history: History, digest: Digest, clock: Clock, mailer: Mailer | None
) -> DigestScheduler:
    return DigestScheduler(
        [digest], lambda: history.engine, lambda: BOARD, Sender(mailer), PUBLIC, clock=clock
    )


def test_sent_at_its_time_to_each_channel_once_whoever_evaluates_it(
    history: History,
    smtp_server: Inbox,  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    mailer = Mailer("127.0.0.1", smtp_server.port, security="none", sender="sm@monitor.test")
    digest = acme(f"email=am@acme.test slack={receiver.url}/slack webhook={receiver.url}/json")
    clock = Clock(SLOT - timedelta(minutes=1))
    first = scheduler(history, digest, clock, mailer)

    assert first.evaluate() == []  # not yet its time
    clock.now = SLOT
    sent = first.evaluate()
    assert [(s.channel, s.problem) for s in sent] == [
        ("e-mail to am@acme.test", None),
        ("Slack webhook 1", None),
        ("JSON webhook 1", None),
    ]
    clock.now = SLOT + timedelta(hours=1)
    assert first.evaluate() == []  # a second evaluation
    second = scheduler(history, digest, clock, mailer)  # another replica, or after a restart
    assert second.evaluate() == []
    assert len(smtp_server.received()) == 1
    assert len(receiver.received()) == 2
    outcomes = {(d.key, d.channel, d.outcome) for d in deliveries.recent(history.engine, "digest")}
    assert outcomes == {
        ("digest:Acme accounts:2026-W49", name, "sent")
        for name in ("e-mail to am@acme.test", "Slack webhook 1", "JSON webhook 1")
    }

    mail = smtp_server.received()[0]
    assert mail["To"] == "am@acme.test"
    assert mail["Subject"] == (
        "Weekly digest: Acme accounts, 23 Nov – 29 Nov 2026: 80 % succeeded (8 of 10), "
        "1 set late now"
    )
    text = Inbox.text(mail).replace("\r\n", "\n")  # SMTP's line ends
    assert "10 syncs finished: 80 % succeeded (8 of 10), 2 failed." in text
    assert f"- Expired credentials on Reddit: 2 failures in 1 set ({HOSTILE})." in text
    assert "Reconnect the ad account in Dotoro" in text
    assert "The platform said: Reddit Ads API error 401: invalid_token (request …)" in text
    assert f"Late now:\n  - {HOSTILE} (Reddit): Late: last synced 3 h ago" in text
    assert f"Open Acme Outdoor: {PUBLIC}/clients?client=acme-outdoor" in text
    assert f"{PUBLIC}/analysis?window=custom&from=2026-11-23&to=2026-11-29" in text
    assert f"This digest in Sync Monitor: {PUBLIC}/digest?digest=Acme+accounts" in text
    assert "Globex" not in text
    html = Inbox.html(mail)
    assert html is not None
    assert "&lt;b&gt;Tents&lt;/b&gt; &amp; &lt;@U1&gt;" in html
    assert "<b>Tents</b>" not in html
    assert f'<a href="{PUBLIC}/clients?client=acme-outdoor">Acme Outdoor</a>' in html
    assert "80 % succeeded (8 of 10)" in html

    slack = receiver.received("/slack")[0].json()["text"]
    assert "&lt;b&gt;Tents&lt;/b&gt; &amp; &lt;@U1&gt;" in slack  # no mention, no markup
    assert "Expired credentials on Reddit: 2 failures" in slack
    assert f"<{PUBLIC}/digest?digest=Acme+accounts|This digest in Sync Monitor>" in slack
    body = receiver.received("/json")[0].json()
    assert body["kind"] == "digest"
    assert body["digest"] == "Acme accounts"
    assert (body["completed"], body["failed"]) == (8, 2)
    [client] = body["clients"]
    assert client["link"] == f"{PUBLIC}/clients?client=acme-outdoor"
    assert client["success_rate"] == pytest.approx(0.8)
    assert [(c["label"], c["platform"], c["failures"]) for c in client["causes"]] == [
        ("Expired credentials", "Reddit", 2)
    ]
    assert client["late"][0]["set"] == HOSTILE
    for received in (text, html, slack, receiver.received("/json")[0].body.decode()):
        assert TENT not in received
        assert BOOTS not in received


def test_a_failing_channel_is_recorded_with_its_reason_and_the_others_still_hear(
    history: History,
    receiver: Receiver,  # noqa: F811
) -> None:
    digest = acme(
        f"slack=http://127.0.0.1:1/secret-hook email=am@acme.test webhook={receiver.url}/json"
    )
    clock = Clock(SLOT + timedelta(days=2))  # Wednesday: the process was down on Monday
    sent = scheduler(history, digest, clock, None).evaluate()
    assert [(s.channel, s.problem) for s in sent] == [
        ("Slack webhook 1", "Slack webhook 1 could not be reached (ConnectionError)"),
        ("e-mail to am@acme.test", "no mail server is set up (SYNC_MONITOR_SMTP_HOST)"),
        ("JSON webhook 1", None),
    ]
    assert len(receiver.received("/json")) == 1
    found = {d.channel: (d.outcome, d.message) for d in deliveries.recent(history.engine, "digest")}
    assert found["Slack webhook 1"] == (
        "failed",
        "Slack webhook 1 could not be reached (ConnectionError)",
    )
    assert "secret-hook" not in repr(found)
    # Not tried again that week (a second try could reach some readers twice) ...
    assert scheduler(history, digest, clock, None).evaluate() == []
    # ... but the next week's goes at its time.
    clock.now = SLOT + timedelta(days=7)
    again = scheduler(history, digest, clock, None).evaluate()
    assert [s.channel for s in again if s.problem is None] == ["JSON webhook 1"]
    assert receiver.received("/json")[1].json()["from"] == "2026-11-30T00:00:00+00:00"


def test_a_week_missed_whole_is_not_sent_late(history: History, receiver: Receiver) -> None:  # noqa: F811
    digest = acme(f"webhook={receiver.url}/json")
    clock = Clock(SLOT + timedelta(days=7) - timedelta(hours=1))  # next Monday, before its slot
    assert scheduler(history, digest, clock, None).evaluate() == []
    assert receiver.received() == []


def test_the_thread_sends_only_where_it_records(history: History, receiver: Receiver) -> None:  # noqa: F811
    digest = acme(f"webhook={receiver.url}/json")
    asked = threading.Semaphore(0)
    recording = threading.Event()

    def records() -> bool:
        asked.release()
        return recording.is_set()

    thread = DigestScheduler(
        [digest],
        lambda: history.engine,
        lambda: BOARD,
        Sender(None),
        PUBLIC,
        recording=records,
        clock=Clock(SLOT),
        every=0.05,
    ).start()
    try:
        assert [t.name for t in threading.enumerate()].count("digest-scheduler") == 1
        for _ in range(3):  # three turns of its loop, sending nothing where it does not record
            assert asked.acquire(timeout=seconds(10))
        assert receiver.received() == []
        recording.set()
        assert receiver.wait(1, "/json")[0].json()["digest"] == "Acme accounts"
    finally:
        thread.stop()
    assert "digest-scheduler" not in [t.name for t in threading.enumerate()]


def test_two_senders_at_once_send_each_channel_once(
    history: History,
    receiver: Receiver,  # noqa: F811
) -> None:
    digest = acme(f"slack={receiver.url}/slack webhook={receiver.url}/json")
    senders = [scheduler(history, digest, Clock(SLOT), None) for _ in range(4)]
    start = threading.Barrier(len(senders))
    sent: list[int] = []

    def evaluate(sender: DigestScheduler) -> None:
        start.wait(timeout=seconds(10))
        sent.append(len(sender.evaluate()))

    threads = [threading.Thread(target=evaluate, args=(s,), name="test-sender") for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds(30))
    assert sorted(sent, reverse=True)[0] >= 1
    assert sum(sent) == 2  # each channel by one of them
    assert len(receiver.received("/slack")) == 1
    assert len(receiver.received("/json")) == 1


def test_a_digest_of_many_sets_reads_the_weeks_hours_and_finds_what_a_few_sets_lookups_do(
    history: History,
) -> None:
    """Past 500 sets (a digest of every client), the week is read from its hours, not set by
    set: the same figures for the sets asked, nothing of the others."""
    week = period(SLOT, UTC)
    few = queries.week(history.engine, [TENT, BOOTS], week)
    many_ids = [TENT, BOOTS, *(f"absent-{n}" for n in range(queries.CHUNK + 10))]
    many = queries.week(history.engine, many_ids, week)
    assert sorted(few[0], key=repr) == sorted(many[0], key=repr)
    assert sorted(few[1], key=repr) == sorted(many[1], key=repr)
    assert {f.set_id for f in many[0]} == {TENT, BOOTS}  # Globex's set was not asked for
    assert sum(f.failed for f in many[0]) == 2  # the failure the week before is not in it
