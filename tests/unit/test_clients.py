"""The clients' board (pure): each set's state in an account manager's words, sets by client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sync_monitor.clients.build import build
from sync_monitor.clients.status import SetState, every, say
from sync_monitor.dotoro.models import Features, Platform, Progress
from sync_monitor.history.sets import SetFacts
from sync_monitor.live.snapshot import (
    ActiveView,
    Backend,
    FailedView,
    Owner,
    PendingView,
    Snapshot,
)
from sync_monitor.ui.clients import counted, matches, summary

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # a Tuesday
ACME = "5b1f0c5e-8a4e-4b8e-9f3e-0d6f1c1a2b3c"
NIMBUS = "7c2e1d6f-9b5f-4c9f-8a4f-1e7a2d2b3c4d"
TEAM = "9e3f2a7b-1c6d-4e0a-b5f6-2f8b3e3c4d5e"
EXPIRED = "Reddit Ads API error 401: invalid_token: access token expired"


def facts(
    set_id: str,
    *,
    account: str | None = ACME,
    every_h: float = 1.0,
    successes: int = 10,
    last_ok_h: float | None = 0.2,
    last_state: str = "completed",
    error: str | None = None,
    failing_h: float | None = None,
    platform: str = "reddit",
) -> SetFacts:
    last = NOW - timedelta(hours=last_ok_h) if last_ok_h is not None else None
    first = last - timedelta(hours=every_h * (successes - 1)) if last else None
    return SetFacts(
        set_id=set_id,
        name=f"Campaign {set_id}",
        platform=platform,
        team_id=TEAM,
        ad_account_id=account,
        successes=successes if last else 0,
        first_success=first,
        last_success=last,
        last_success_began=last,
        last_state=last_state,
        last_error=error,
        failing_since=NOW - timedelta(hours=failing_h) if failing_h is not None else None,
    )


def snapshot(**parts: object) -> Snapshot:
    return Snapshot(NOW, 1, Backend(), Features(), NOW, **parts)  # type: ignore[arg-type]


def active(set_id: str, progress: Progress) -> ActiveView:
    return ActiveView(
        set_id, None, set_id, f"Campaign {set_id}", Platform.REDDIT, progress,
        None, None, None, None, False, None,
    )  # fmt: skip


def pending(set_id: str, position: int) -> PendingView:
    return PendingView(
        set_id, None, set_id, f"Campaign {set_id}", Platform.REDDIT, NOW, position, 60.0,
        None, None,
    )  # fmt: skip


NAMES = {ACME: "Acme Outdoor", NIMBUS: "Nimbus Coffee"}


def words(board_set: str, snap: Snapshot | None = None, *found: SetFacts) -> str:
    board = build(found, snap, NAMES, NOW)
    for client in board.clients:
        for s in client.sets:
            if s.set_id == board_set:
                return s.words
    raise AssertionError(f"{board_set} not on the board")


def test_a_set_synced_within_its_usual_interval_is_up_to_date() -> None:
    assert words("a", None, facts("a", last_ok_h=0.2)) == "Up to date (synced 12 min ago)"


def test_a_set_is_late_once_its_last_success_is_older_than_twice_its_usual_interval() -> None:
    assert words("a", None, facts("a", last_ok_h=1.9)).startswith("Up to date")
    assert words("a", None, facts("a", last_ok_h=3)) == (
        "Late: last synced 3 h ago, usually every hour"
    )


def test_without_enough_successes_a_set_has_no_usual_interval_and_is_never_late() -> None:
    found = facts("a", successes=2, last_ok_h=30)
    assert words("a", None, found) == "Up to date (synced 1 d ago)"


def test_a_set_whose_last_attempt_failed_is_failing_since_its_first_failure_with_its_cause() -> (
    None
):
    found = facts("a", last_state="failed", error=EXPIRED, failing_h=0.98)
    assert words("a", None, found) == (
        "Failing since Tue 14:01 UTC: Reddit needs the account reconnected"
    )


def test_failing_since_is_said_in_the_viewers_time_zone() -> None:
    board = build([facts("a", last_state="failed", error=EXPIRED, failing_h=1)], None, NAMES, NOW)
    status = board.clients[0].sets[0]
    assert say(status, NOW, ZoneInfo("Europe/Berlin")).startswith("Failing since Tue 15:00 CET")


def test_what_runs_now_comes_before_the_history() -> None:
    history = [facts("a", last_ok_h=5), facts("b", last_state="failed", error=EXPIRED)]
    snap = snapshot(
        active=(active("a", Progress(synced=60, total=100)),), pending=(pending("b", 2),)
    )
    assert words("a", snap, *history) == "Syncing now (60 %)"
    assert words("b", snap, *history) == "Waiting to sync (2nd in line)"


def test_the_deployed_service_gives_no_progress_nor_reason_and_the_words_say_so() -> None:
    snap = snapshot(
        active=(active("a", Progress()),),
        failed=(FailedView("b", None, "b", "Campaign b", Platform.META, None, None),),
    )
    assert words("a", snap) == "Syncing now"
    assert words("b", snap) == "Failing: the reason was not given"
    # ... and the history's first sighting says since when
    found = facts("b", last_state="failed", failing_h=2, platform="meta")
    assert words("b", snap, found) == "Failing since Tue 13:00 UTC: the reason was not given"


def test_a_set_never_synced_says_so() -> None:
    assert words("a", None, facts("a", last_ok_h=None, last_state="cancelled")) == "Not synced yet"


def test_sets_are_grouped_by_their_clients_name_and_troubled_clients_come_first() -> None:
    found = [
        facts("a1", account=ACME),
        facts("a2", account=ACME, last_ok_h=9),  # late
        facts("n1", account=NIMBUS),
        facts("u1", account="0f0f0f0f-0000-4000-8000-000000000001"),
        facts("t1", account=None),
    ]
    board = build(found, None, NAMES, NOW)
    names = [c.name for c in board.clients]
    assert names == ["Acme Outdoor", "Nimbus Coffee", "Other campaign sets", "Unnamed client 1"]
    acme = board.clients[0]
    assert [s.state for s in acme.sets] == [SetState.LATE, SetState.UP_TO_DATE]
    assert summary(acme) == "1 late · 1 up to date"
    assert [c.key for c in board.clients] == [
        "acme-outdoor",
        "nimbus-coffee",
        "other-campaign-sets",
        "unnamed-client-1",
    ]
    assert board.client("nimbus-coffee") is board.clients[1]
    assert [(c.name, s.set_id) for c, s in board.late()] == [("Acme Outdoor", "a2")]


def test_accounts_sharing_a_name_are_one_client_and_a_team_name_names_the_rest() -> None:
    names = {ACME: "Acme", NIMBUS: "Acme", TEAM: "Our team"}
    board = build(
        [facts("a", account=ACME), facts("n", account=NIMBUS), facts("t", account=None)],
        None,
        names,
        NOW,
    )
    assert [(c.name, len(c.sets)) for c in board.clients] == [("Acme", 2), ("Our team", 1)]


def test_an_owner_seen_live_places_a_set_the_history_has_not_owned_yet() -> None:
    snap = snapshot(pending=(pending("x", 1),), owners=(Owner("x", TEAM, NIMBUS),))
    board = build([], snap, NAMES, NOW)
    assert [c.name for c in board.clients] == ["Nimbus Coffee"]


def test_no_uuid_reaches_a_name_or_a_key() -> None:
    board = build([facts("a", account=ACME), facts("b", account=NIMBUS)], None, {}, NOW)
    for client in board.clients:
        assert ACME not in client.name + client.key
        assert NIMBUS not in client.name + client.key


def test_search_finds_a_client_by_its_name_or_a_sets_any_case_every_word() -> None:
    board = build([facts("a1"), facts("n1", account=NIMBUS)], None, NAMES, NOW)
    acme, nimbus = board.clients
    assert matches(acme, "acme")
    assert not matches(nimbus, "acme")
    assert matches(nimbus, "campaign N1")
    assert not matches(acme, "campaign n1")
    assert matches(acme, "")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(1800, "every 30 min"), (3600, "every hour"), (4 * 3600, "every 4 h"), (86400, "every day"),
     (3 * 86400, "every 3 days")],
)  # fmt: skip
def test_usual_intervals_in_words(seconds: float, said: str) -> None:
    assert every(seconds) == said


def test_keys_are_the_names_words_in_any_script_and_two_alike_keep_their_suffixes() -> None:
    other = "0f0f0f0f-0000-4000-8000-000000000002"
    names = {ACME: "Café Noir!", NIMBUS: "Café  noir?", other: "東京 Ads"}
    found = [facts("a", account=ACME), facts("n", account=NIMBUS), facts("o", account=other)]
    keys = {c.name: c.key for c in build(found, None, names, NOW).clients}
    assert keys == {"Café  noir?": "café-noir", "Café Noir!": "café-noir-2", "東京 Ads": "東京-ads"}
    again = {c.name: c.key for c in build(reversed(found), None, names, NOW).clients}
    assert again == keys


def test_past_fifty_clients_the_count_says_how_to_find_the_others() -> None:
    assert counted(12, 40) == "12 of 40 clients"
    assert counted(400, 400) == (
        "The first 50 of 400 clients (those with trouble first): search to find the others"
    )
