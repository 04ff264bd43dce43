"""The Weekly digest page as AppTest runs it: each digest as it would be sent now (the clients'
figures, causes in words, late sets, links), the choice between digests kept in the URL, its
next time and deliveries; without any digest, the digest of all clients and how to set one up.
Over a real SQLite history filled through the package's own History."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from sync_monitor import runtime
from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome, deliveries
from sync_monitor.history.client_queries import own
from sync_monitor.live.snapshot import Owner
from tests.support.apptest import Monitor
from tests.support.waiting import wait_until

Factory = Callable[..., Monitor]
TENT = "0f8e7d6c-1111-4222-8333-944455556666"
BOOTS = "1a2b3c4d-1111-4222-8333-944455556666"
SPRING = "2b3c4d5e-1111-4222-8333-944455556666"
HOSTILE = "<b>Tents</b> [x](http://evil.test)"
EXPIRED = f"Reddit Ads API error 401: invalid_token (request {TENT})"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Their times come in the last minutes of a week only: the process's own sender (its thread
# runs in these tests too) finds neither due, and sends nothing.
DIGESTS = [
    {
        "name": "Acme accounts",
        "clients": ["Acme Outdoor"],
        "to": "email=am@acme.test slack=http://127.0.0.1:9/secret-hook",
        "when": "sun 23:58",
    },
    {
        "name": "Globex",
        "clients": ["Globex"],
        "to": "webhook=http://127.0.0.1:9/globex",
        "when": "sun 23:59",
    },
]


def seed() -> None:
    """Two days ago: the tents synced 3 times and failed twice (expired credentials); the spring
    tents synced 3 times, 10 min apart, and not since (late); the boots (another client) synced
    once."""
    began = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    began -= timedelta(days=2)
    rows = [
        *((TENT, HOSTILE, Platform.REDDIT, Outcome.COMPLETED, None) for _ in range(3)),
        *((TENT, HOSTILE, Platform.REDDIT, Outcome.FAILED, EXPIRED) for _ in range(2)),
        (BOOTS, "Globex boots", Platform.META, Outcome.COMPLETED, None),
        *((SPRING, "Spring tents", Platform.GOOGLE, Outcome.COMPLETED, None) for _ in range(3)),
    ]
    with History.open(os.environ["SYNC_MONITOR_HISTORY_URL"]) as history:
        history.record(
            [
                Attempt(
                    key=f"job:{n}",
                    set_id=set_id,
                    set_name=name,
                    platform=platform,
                    state=state,
                    at=began + timedelta(minutes=10 * n),
                    job_id=str(n),
                    started_at=began + timedelta(minutes=10 * n),
                    finished_at=began + timedelta(minutes=10 * n + 2),
                    error=error,
                )
                for n, (set_id, name, platform, state, error) in enumerate(rows)
            ]
        )
        own(
            history.engine,
            [
                Owner(TENT, None, "acct-acme"),
                Owner(SPRING, None, "acct-acme"),
                Owner(BOOTS, None, "acct-globex"),
            ],
        )


@pytest.fixture
def factory(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str | None], Monitor]:
    def make(digests: str | None) -> Monitor:
        if digests is not None:
            monkeypatch.setenv("SYNC_MONITOR_DIGESTS", digests)
        monkeypatch.setenv(
            "SYNC_MONITOR_CLIENT_NAMES",
            json.dumps({"acct-acme": "Acme Outdoor", "acct-globex": "Globex"}),
        )
        monkeypatch.setenv("SYNC_MONITOR_PUBLIC_URL", "https://sync.example.test")
        m = monitor_factory(workers=0)
        m.run()  # the live page: the services start, the history is opened
        seed()
        board = runtime.services().clients

        def read() -> bool:
            board.refresh()
            return any(c.name == "Acme Outdoor" for c in board.get().clients)

        wait_until(read, "the clients' board read from the history", timeout=30, every=0.2)
        return m

    return make


def links(m: Monitor) -> list[str]:
    """The page's links to other pages, as 'page?query: label'."""
    return [
        f"{e.proto.page}?{e.proto.query_string}: {e.proto.label}" for e in m.app.get("page_link")
    ]


def page(m: Monitor, **query: str) -> Monitor:
    m.app.query_params.clear()
    m.app.query_params.update(query)
    m.app.switch_page("app_pages/digest.py")
    m.run()
    assert not m.app.exception, m.app.exception
    return m


def test_shows_a_digest_as_it_would_be_sent_now(factory: Callable[[str | None], Monitor]) -> None:
    m = page(factory(json.dumps(DIGESTS)))
    assert [e.value for e in m.app.error] == []
    said = m.texts()
    assert next(h.value for h in m.app.subheader).startswith("The week of ")
    assert (
        "Sent every Sun 23\\:58 (UTC) to e\\-mail to `am@acme.test`, Slack webhook 1. "
        "Next: Sun 23\\:58 UTC" in said
    )
    assert links(m) == ["clients?client=acme-outdoor: Open Acme Outdoor"]
    assert "8 syncs finished\\: 75 % succeeded \\(6 of 8\\), 2 failed\\." in said
    assert "**Expired credentials on Reddit**: 2 failures in" in said
    assert "Reconnect the ad account in Dotoro" in said
    late = r"- Spring tents \(Google\): Late\\: last synced \d d ago, usually every 10 min"
    assert re.search(late, said), said
    assert "window=custom" in said
    assert "Globex boots" not in said  # another client's
    # The backend's text is plain: no link, no markup of its own.
    assert "`[x](http://evil.test)`" in said  # inline code: shown as written, not a link
    assert "[x](http://evil.test)" not in said.replace("`[x](http://evil.test)`", "")
    assert "<b>" not in said
    assert UUID.search(said) is None
    assert "secret-hook" not in said
    assert "None yet." in said  # nothing sent yet
    assert [s.label for s in m.app.selectbox] == ["Digest"]


def test_the_choice_of_digest_is_the_links(factory: Callable[[str | None], Monitor]) -> None:
    m = page(factory(json.dumps(DIGESTS)), digest="globex")
    assert m.app.selectbox(key="digest-choice").value == "Globex"
    said = m.texts()
    assert "Sent every Sun 23\\:59 (UTC) to JSON webhook 1" in said
    assert links(m) == ["clients?client=globex: Open Globex"]
    assert "Acme Outdoor" not in said
    m.app.selectbox(key="digest-choice").set_value("Acme accounts")
    m.run()
    assert m.app.query_params["digest"] == "Acme accounts"
    assert links(m) == ["clients?client=acme-outdoor: Open Acme Outdoor"]


def test_lists_its_deliveries_by_channel_name(factory: Callable[[str | None], Monitor]) -> None:
    m = factory(json.dumps(DIGESTS))
    engine = runtime.services().history().engine  # type: ignore[union-attr]
    at = datetime(2026, 11, 30, 8, tzinfo=UTC)
    key = "digest:Acme accounts:2026-W49"
    deliveries.claim(engine, "digest", key, "e-mail to am@acme.test", at)
    deliveries.done(engine, "digest", key, "e-mail to am@acme.test", None)
    deliveries.claim(engine, "digest", key, "Slack webhook 1", at)
    deliveries.done(engine, "digest", key, "Slack webhook 1", "Slack webhook 1 answered 500")
    said = page(m).texts()
    assert "week 2026\\-W49 · e\\-mail to `am@acme.test`: **sent**" in said
    assert "Slack webhook 1: **not sent**: Slack webhook 1 answered 500" in said


def test_without_a_digest_shows_all_clients_and_how_to_set_one_up(
    factory: Callable[[str | None], Monitor],
) -> None:
    m = page(factory(None))
    said = m.texts()
    assert "No digest is set up, so nothing is sent" in said
    assert "SYNC_MONITOR_DIGESTS" in said
    assert links(m) == [
        "clients?client=acme-outdoor: Open Acme Outdoor",
        "clients?client=globex: Open Globex",
    ]
    assert len(m.app.selectbox) == 0


def test_an_unreachable_history_says_so(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = monitor_factory(workers=0)
    # Nothing listens on port 1: the database is down from the start.
    monkeypatch.setenv("SYNC_MONITOR_HISTORY_URL", "postgresql://monitor:s3cret@127.0.0.1:1/h")
    m.run()
    m = page(m)
    [error] = [e.value for e in m.app.error]
    assert error.startswith("The history database cannot be reached: ")
    assert "s3cret" not in error
