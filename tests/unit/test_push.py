"""The push channel's pure parts: the worded payload, its changes, the tokens, and the publisher
(with a scripted source standing in for the hub: it is pure code over a protocol)."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync_monitor.dotoro.models import Features, JobState, Platform, Progress
from sync_monitor.live.jobstate import StreamKind, StreamStatus
from sync_monitor.live.snapshot import (
    ActiveView,
    Backend,
    BackendKind,
    FailedView,
    Finished,
    PendingView,
    Snapshot,
)
from sync_monitor.push import token
from sync_monitor.push.delta import apply, diff
from sync_monitor.push.payload import MAX_CARDS, payload
from sync_monitor.push.protocol import Card
from sync_monitor.push.publisher import KEEP, Publisher
from sync_monitor.text import NAME_LIMIT, plain
from sync_monitor.words.cards import CardWords, card_words, figures
from tests.support.logs import LoggedErrors
from tests.support.waiting import seconds

NOW = datetime(2026, 11, 30, 14, 2, 5, tzinfo=UTC)
SECRET = b"k" * 32


def card(n: int, done: int = 5, total: int = 10, **changes: Any) -> ActiveView:
    view = ActiveView(
        key=f"job-{n}",
        job_id=f"job-{n}",
        set_id=f"set-{n}",
        name=f"Acme {n}",
        platform=Platform.META,
        progress=Progress(synced=done, total=total),
        started_at=NOW - timedelta(seconds=80),
        elapsed_s=80.0,
        rate_per_min=4.0,
        eta_s=75.0,
        stalled=False,
        stream=StreamStatus(StreamKind.LIVE),
    )
    return replace(view, **changes)


def queued(n: int, position: int, waiting_s: float = 30.0) -> PendingView:
    return PendingView(
        key=f"set-q{n}",
        job_id=None,
        set_id=f"set-q{n}",
        name=f"Queued {n}",
        platform=Platform.GOOGLE,
        created_at=NOW - timedelta(seconds=waiting_s),
        position=position,
        waiting_s=waiting_s,
        wait_low_s=None,
        wait_high_s=None,
    )


def snapshot(version: int = 1, **changes: Any) -> Snapshot:
    base = Snapshot(
        taken_at=NOW,
        version=version,
        backend=Backend(BackendKind.LIVE, url="http://127.0.0.1:3001", is_local=True),
        features=Features(cancel=True),
        polled_at=NOW - timedelta(seconds=1),
        active=(card(1), card(2)),
        pending=(queued(1, 1),),
        loaded=True,
    )
    return replace(base, **changes)


# -- payload ---------------------------------------------------------------------------------


def test_payload_words_the_cards_as_the_page_does() -> None:
    state = payload(snapshot(active=(card(1, done=11, total=16),)))
    [shown] = state["cards"]
    assert shown["progress"] == "69% · 11 of 16 campaigns synced"
    assert shown["bar_label"] == "Acme 1: 69 %"  # the bar's accessible name, after its sync
    assert shown["elapsed_prefix"] == "Elapsed"
    # The start, not the elapsed time: the browser keeps counting, and the payload stays put.
    assert shown["started"] == round((NOW.timestamp() - 80) * 1000)
    assert shown["rate"] == "rate 4.0/min"
    # The ETA as a moment the browser counts down to, not "1 min 15 s" pushed every second.
    assert shown["eta_at"] == round((NOW.timestamp() + 75) * 1000)
    assert shown["cancel"] == "offered"
    assert state["counts"] == [["Syncing now", 1], ["Queued", 1], ["Failed (24 h)", 0]]
    assert state["line"] == ["Live"]
    assert state["updated"] == [{"at": round((NOW.timestamp() - 1) * 1000), "date": False}]
    json.dumps(state)  # everything in it travels as JSON


def test_a_pushed_card_has_the_words_of_the_page_under_their_own_names() -> None:
    """No renaming between the page's words and the wire: the protocol's Card is CardWords, with
    the start (and, when stale, the end) in place of the elapsed time (the browser counts it)."""
    worded = {f.name for f in fields(CardWords)}
    timed = {"elapsed_s", "eta_s"}
    assert set(Card.__annotations__) == worded - timed | {"started", "eta_at", "until"}
    [shown] = payload(snapshot(active=(card(1, done=11, total=16),)))["cards"]
    assert set(shown) == set(Card.__annotations__)


def test_stale_cards_stop_counting_and_offer_no_cancel() -> None:
    """The backend stopped answering: a card's elapsed time stops at the last poll, and Cancel,
    which could not reach the service, is unavailable with the reason."""
    last_poll = NOW - timedelta(seconds=50)
    down = Backend(BackendKind.UNREACHABLE, since=last_poll, attempt=4)
    # As the builder makes it: elapsed as of the last poll (80 s of running, 50 s ago).
    stale = snapshot(
        backend=down, polled_at=last_poll, frozen_at=last_poll, active=(card(1, elapsed_s=30.0),)
    )
    [shown] = payload(stale)["cards"]
    assert shown["until"] == round(last_poll.timestamp() * 1000)
    assert shown["started"] == round((NOW.timestamp() - 80) * 1000)
    assert (shown["until"] - shown["started"]) / 1000 == 30.0
    assert (shown["cancel"], shown["cancel_note"]) == (
        "unavailable",
        "Cancel is unavailable: the Dotoro API is down.",
    )
    [live] = payload(snapshot(active=(card(1),)))["cards"]
    assert (live["until"], live["cancel"]) == (None, "offered")


def test_payload_says_what_the_backend_does_not_tell() -> None:
    head = card(1, done=0, total=0, job_id=None, elapsed_at_least=True, stream=None)
    state = payload(snapshot(active=(head,), features=Features(cancel=False)))
    [shown] = state["cards"]
    assert shown["progress"] == "Syncing – live progress not available from this backend"
    assert shown["fraction"] is None
    assert shown["bar_label"] == "Acme 1: progress not available"
    assert shown["elapsed_prefix"] == "Running for at least"
    assert shown["rate"] is None
    assert shown["eta_at"] is None
    assert (shown["cancel"], shown["cancel_note"]) == (
        "unavailable",
        "Cancel is not available on this backend.",
    )


def test_payload_before_the_first_answer_is_one_sentence_with_its_time() -> None:
    since = NOW - timedelta(minutes=2)
    down = Backend(
        BackendKind.UNREACHABLE, since=since, attempt=3, message="No answer.", url="http://x:1"
    )
    state = payload(snapshot(loaded=False, active=(), pending=(), backend=down))
    assert state["loaded"] is False
    assert state["skeleton"] is False
    banner = state["banner"]
    assert banner is not None
    words = banner["words"]
    assert banner["level"] == "error"
    assert {"at": round(since.timestamp() * 1000), "date": False} in words
    text = "".join(w for w in words if isinstance(w, str))
    assert text.startswith("Can't reach the Dotoro API at http://x:1 since ")
    assert "No answer." in text


def test_payload_carries_hostile_text_as_data() -> None:
    hostile = "<img src=x onerror=alert(1)> **bold** [link](http://evil)"
    state = payload(snapshot(active=(card(1, name=hostile),)))
    assert state["cards"][0]["name"] == hostile  # the component sets it with textContent
    assert state["cards"][0]["full_name"] is None


def test_payload_cuts_a_long_name_and_carries_it_whole_for_show_all() -> None:
    long = "\u202e" + "Acme " * 1_000  # 5 KB, and an override that must not reach the page
    said = payload(snapshot(active=(card(1, name=long),)))["cards"][0]
    assert len(said["name"]) == NAME_LIMIT
    assert said["name"].startswith("Acme Acme")
    assert said["name"].endswith("…")
    assert said["full_name"] == plain(long)
    assert said["bar_label"].startswith(said["name"])  # the progress bar's name: the cut one


def test_payload_shows_at_most_max_cards_and_counts_the_rest() -> None:
    many = tuple(card(n) for n in range(MAX_CARDS + 5))
    state = payload(snapshot(active=many))
    assert len(state["cards"]) == MAX_CARDS
    assert state["more"] == 5


def test_the_summary_is_counts_that_change_with_the_figures_not_the_clock() -> None:
    failed = FailedView("set-f", None, "set-f", "Broken", Platform.REDDIT, "boom", NOW)
    done = Finished(NOW - timedelta(minutes=5), Platform.META, JobState.COMPLETED, 30.0, "job-9")
    lost = Finished(NOW - timedelta(minutes=70), Platform.META, JobState.FAILED, 30.0, "job-8")
    base = snapshot(failed=(failed,), finished=(done, lost))
    shown = payload(base)["summary"]
    assert sorted(shown["states"]) == [
        ["Failed (24 h)", "Reddit", 1],
        ["Queued", "Google", 1],
        ["Syncing", "Meta", 2],
    ]
    assert shown["rates"] == [["Meta", 2, 1]]
    assert len(shown["hours"]) == 12
    assert shown["hours"][-1] == round(NOW.replace(minute=0, second=0).timestamp() * 1000)
    # 13:57 and 12:52, in the hours starting 13:00 and 12:00; the last hour is 14:00.
    assert sorted(shown["throughput"]) == [[9, "Meta", 1], [10, "Meta", 1]]
    # Progress and waits are not in it: the state stays put while only they move.
    moved = snapshot(
        version=2,
        active=(card(1, done=9), card(2)),
        pending=(queued(1, 1, 45.0),),
        failed=(failed,),
        finished=(done, lost),
    )
    assert payload(moved)["summary"] == shown
    assert payload(snapshot(pending=()))["summary"] != payload(snapshot())["summary"]


def test_the_syncs_beyond_the_cards_are_rows_with_their_start() -> None:
    many = tuple(card(n) for n in range(MAX_CARDS + 2))
    state = payload(snapshot(active=many))
    assert [o["name"] for o in state["others"]] == [f"Acme {n}" for n in (24, 25)]
    assert state["others"][0]["started"] == round((NOW.timestamp() - 80) * 1000)
    assert state["others"][0]["progress"] == "50% · 5 of 10 campaigns synced"


def test_time_passing_changes_no_queue_row() -> None:
    """Waits and estimated starts go as moments: 15 s later, the same queue is the same rows,
    and nothing is pushed because time passed (issue 21)."""
    first = replace(queued(1, 1, 30.0), wait_low_s=60.0, wait_high_s=121.0)
    later = replace(queued(1, 1, 45.0), wait_low_s=45.2, wait_high_s=106.0)
    now = payload(snapshot(pending=(first,)))["queue"]
    then = payload(snapshot(pending=(later,), taken_at=NOW + timedelta(seconds=15)))["queue"]
    assert now == then
    [row] = now
    ms = round(NOW.timestamp() * 1000)
    assert (row["since"], row["low"], row["high"]) == (ms - 30_000, ms + 60_000, ms + 120_000)
    assert row["free"] is False
    assert payload(snapshot(pending=(replace(first, wait_low_s=0.0),)))["queue"][0]["free"]


def test_failures_are_worded_as_the_page_words_them() -> None:
    expired = FailedView(
        "set-f", None, "set-f", "Broken", Platform.REDDIT, "401 token expired", NOW
    )
    silent = FailedView("set-g", None, "set-g", "", Platform.META, None, None, retrying=True)
    state = payload(snapshot(failed=(expired, silent)))
    first, second = state["failures"]
    assert first["kind"] == "Expired credentials"
    assert not first["retry_helps"]
    assert first["at"] == round(NOW.timestamp() * 1000)
    assert (second["name"], second["preview"], second["kind"]) == (
        "Unnamed set",
        "the service did not say why",
        "No reason given",
    )
    assert second["retrying"]
    assert state["held_back"] is None
    down = Backend(BackendKind.UNREACHABLE, since=NOW, attempt=2)
    frozen = payload(snapshot(backend=down, frozen_at=NOW, failed=(expired,)))
    assert frozen["held_back"] == "the Dotoro API is down"
    assert frozen["until"] == round(NOW.timestamp() * 1000)


def test_payload_keeps_recent_ends_for_the_announcement() -> None:
    recent = Finished(NOW - timedelta(seconds=10), Platform.META, JobState.FAILED, 30.0, "job-7")
    old = Finished(NOW - timedelta(hours=1), Platform.META, JobState.COMPLETED, 30.0, "job-8")
    assert payload(snapshot(finished=(old, recent)))["ended"] == {"job-7": "failed"}


# -- changes ---------------------------------------------------------------------------------


def test_a_change_carries_only_what_changed() -> None:
    old = payload(snapshot())
    new = payload(snapshot(version=2, active=(card(1, done=6), card(2))))
    change = diff(old, new)
    assert set(change) == {"lists"}
    assert set(change["lists"]) == {"cards"}
    assert [c["key"] for c in change["lists"]["cards"]["items"]] == ["job-1"]
    assert "order" not in change["lists"]["cards"]
    assert apply(old, change) == new


def test_changes_rebuild_the_state_whatever_happens_to_the_cards() -> None:
    rng = random.Random(7)
    old = payload(snapshot())
    for _ in range(200):
        cards = tuple(
            card(n, done=rng.randint(0, 10)) for n in rng.sample(range(12), rng.randint(0, 8))
        )
        new = payload(snapshot(active=cards, pending=() if rng.random() < 0.5 else (queued(1, 1),)))
        assert apply(old, diff(old, new)) == new
        old = new


# -- tokens ----------------------------------------------------------------------------------


def test_a_token_opens_for_its_session_until_it_expires() -> None:
    minted = token.mint(SECRET, "session-1", "browser-1", now=1000.0)
    assert token.check(SECRET, minted, "browser-1", now=1000.0) == "session-1"
    assert token.check(SECRET, minted, "browser-1", now=1000.0 + token.TTL_SECONDS - 1)
    assert token.check(SECRET, minted, "browser-1", now=1000.0 + token.TTL_SECONDS + 1) is None
    # Read (for the check-in) whether or not it has expired.
    assert token.read(SECRET, minted) == token.Claim(
        "session-1", "browser-1", 1000.0 + token.TTL_SECONDS
    )


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "session-1",
        "session-1.99999999999.AAAA",
        "session-1.browser-1.99999999999.AAAA",
        "session-2." + "x" * 40,
        "a" * 1000,
    ],
)
def test_anything_but_a_minted_token_is_refused(forged: str | None) -> None:
    assert token.check(SECRET, forged, "browser-1", now=1000.0) is None
    assert token.read(SECRET, forged) is None


def test_a_token_is_bound_to_its_secret_session_and_browser() -> None:
    minted = token.mint(SECRET, "session-1", "browser-1", now=1000.0)
    assert token.check(b"other" * 8, minted, "browser-1", now=1000.0) is None
    # Another browser (other cookies, or none) cannot use it.
    assert token.check(SECRET, minted, "browser-2", now=1000.0) is None
    assert token.check(SECRET, minted, "", now=1000.0) is None
    session, browser, expiry, signature = minted.split(".")
    for changed in (
        f"session-2.{browser}.{expiry}.{signature}",
        f"{session}.browser-2.{expiry}.{signature}",
        f"{session}.{browser}.{int(expiry) + 600}.{signature}",
    ):
        assert token.check(SECRET, changed, "browser-2", now=1000.0) is None
        assert token.read(SECRET, changed) is None


# -- the publisher ---------------------------------------------------------------------------


class Script:
    """The hub, scripted: a snapshot to hand out and a version to wait on."""

    def __init__(self) -> None:
        self.snap = snapshot()
        self.changed = threading.Condition()
        self.snapshots = 0

    def snapshot(self) -> Snapshot:
        self.snapshots += 1
        return self.snap

    def wait_for_change(self, version: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.snap.version > version, timeout)
            return self.snap.version

    def set(self, snap: Snapshot) -> None:
        with self.changed:
            self.snap = snap
            self.changed.notify_all()


def test_the_publisher_sends_the_full_state_then_changes() -> None:
    hub = Script()
    publisher = Publisher(hub)
    first = publisher.publish_once()
    assert first is not None
    assert first.seq == 1
    assert publisher.publish_once() is None  # nothing changed: nothing to send
    hub.set(snapshot(version=2, active=(card(1, done=7), card(2))))
    second = publisher.publish_once()
    assert second is not None
    assert second.seq == 2

    seq, texts = publisher.since(0)
    assert (seq, [json.loads(t)["type"] for t in texts]) == (2, ["full"])
    seq, texts = publisher.since(1)
    [change] = [json.loads(t) for t in texts]
    assert (seq, change["type"], change["seq"]) == (2, "delta", 2)
    assert apply(first.state, change["change"]) == second.state
    assert publisher.since(2) == (2, [])
    # Numbers from another process (another epoch) get the full state, never changes.
    assert [json.loads(t)["type"] for t in publisher.since(1, "other")[1]] == ["full"]


def test_a_connection_too_far_behind_gets_the_full_state() -> None:
    hub = Script()
    publisher = Publisher(hub)
    for n in range(KEEP + 5):
        hub.set(snapshot(version=n + 1, active=(card(1, done=n % 10, total=10 + n),)))
        publisher.publish_once()
    seq, texts = publisher.since(1)
    assert [json.loads(t)["type"] for t in texts] == ["full"]
    assert seq == KEEP + 5


def test_one_build_per_change_whoever_listens() -> None:
    hub = Script()
    publisher = Publisher(hub, interval=0.01, idle_check=5.0)
    publisher.start()
    woken = [threading.Event() for _ in range(50)]
    for event in woken:
        publisher.listen(event.set)
    try:
        builds = publisher.builds
        hub.set(snapshot(version=2, active=(card(1, done=8), card(2))))
        assert all(event.wait(seconds(5)) for event in woken)
        latest = publisher.latest()
        assert latest is not None
        assert latest.seq == 2
        # Fifty listeners, one change: built once, never once per listener.
        assert publisher.builds - builds == 1
    finally:
        publisher.stop()


def test_the_publisher_carries_on_after_a_failed_build(logged_errors: LoggedErrors) -> None:
    logged_errors.expect("the push publisher failed to publish")
    hub = Script()
    publisher = Publisher(hub, interval=0.01, idle_check=0.05)
    publisher.start()
    try:
        broken = threading.Event()
        good = hub.snapshot

        def fails_once() -> Snapshot:
            if not broken.is_set():
                broken.set()
                raise RuntimeError("a bug in a build")
            return good()

        hub.snapshot = fails_once  # type: ignore[method-assign]
        hub.set(snapshot(version=5))
        assert broken.wait(seconds(5))
        woke = threading.Event()
        publisher.listen(woke.set)
        hub.set(snapshot(version=6, active=(card(1, done=9),)))
        assert woke.wait(seconds(5)), "the publisher stopped after one failed build"
        assert logged_errors.matching("carries on")
    finally:
        publisher.stop()


def test_time_passing_changes_no_card() -> None:
    """Five seconds on, with no new progress, a card's running time is 5 s more and its ETA 5 s
    less: the same pushed card (the browser counts both), so nothing is sent."""
    now = payload(snapshot(active=(card(1),)))["cards"]
    later = payload(
        snapshot(active=(card(1, elapsed_s=85.0, eta_s=70.0),), taken_at=NOW + timedelta(seconds=5))
    )["cards"]
    assert now == later


def test_the_fallback_says_a_cards_figures_as_the_component_does() -> None:
    said = card_words(card(1, tries=(2, 3)), snapshot())
    assert figures(said, 80.0, 75.0) == [
        "Elapsed 1 min 20 s",
        "rate 4.0/min",
        "ETA 1 min 15 s",
        "try 2 of 3",
    ]
    unknown = card_words(card(1, progress=Progress(synced=0, total=0)), snapshot())
    assert figures(unknown, None, None) == ["Elapsed –"]
