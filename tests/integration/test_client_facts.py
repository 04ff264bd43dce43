"""What the history says of each set for the clients page, on SQLite and PostgreSQL, and the
sets' owners as the recorder keeps them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync_monitor.clients.board import ClientBoard
from sync_monitor.clients.build import build
from sync_monitor.clients.status import SetState
from sync_monitor.dotoro.models import Features, Platform
from sync_monitor.history import Attempt, History, Outcome
from sync_monitor.history.client_queries import changed_since, own, set_facts
from sync_monitor.live.snapshot import Backend, Owner, Snapshot
from tests.support.databases import database

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
EXPIRED = "Reddit Ads API error 401: invalid_token: access token expired"


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with database(request.param, tmp_path) as url, History.open(url) as opened:
        yield opened


def run(set_id: str, hours_ago: float, state: Outcome, error: str | None = None) -> Attempt:
    began = NOW - timedelta(hours=hours_ago)
    return Attempt(
        key=f"job:{set_id}-{hours_ago}",
        set_id=set_id,
        set_name=f"Campaign {set_id}",
        platform=Platform.REDDIT,
        state=state,
        at=began,
        job_id=f"{set_id}-{hours_ago}",
        queued_at=began,
        started_at=began,
        finished_at=began + timedelta(minutes=2) if state.final else None,
        error=error,
    )


def test_each_sets_successes_last_success_and_failing_streak(history: History) -> None:
    hourly = [run("hourly", h, Outcome.COMPLETED) for h in (9, 8, 7, 6, 5, 4)]
    failing = [
        *(run("failing", h, Outcome.COMPLETED) for h in (10, 9, 8)),
        run("failing", 7, Outcome.FAILED, EXPIRED),
        run("failing", 6, Outcome.FAILED, EXPIRED),
    ]
    old = [run("old", 24 * 40, Outcome.COMPLETED), run("old", 1, Outcome.CANCELLED)]
    history.record([*hourly, *failing, *old, run("running", 0.1, Outcome.ACTIVE)])

    found = {f.set_id: f for f in set_facts(history.engine, NOW)}

    h = found["hourly"]
    assert (h.successes, h.last_state) == (6, "completed")
    assert h.first_success == NOW - timedelta(hours=9)
    assert h.last_success == NOW - timedelta(hours=4) + timedelta(minutes=2)
    f = found["failing"]
    assert (f.last_state, f.last_error) == ("failed", EXPIRED)
    assert f.failing_since == NOW - timedelta(hours=7) + timedelta(minutes=2)
    o = found["old"]
    assert o.successes == 0  # beyond the 30 days the usual interval is learned from
    assert o.last_success == NOW - timedelta(days=40) + timedelta(minutes=2)
    assert o.last_state == "cancelled"
    assert found["running"].last_state is None

    board = build(found.values(), None, {}, NOW)
    said = {s.set_id: s.words for c in board.clients for s in c.sets}
    assert said["hourly"] == "Late: last synced 4 h ago, usually every hour"
    assert said["failing"] == "Failing since Tue 08:02 UTC: Reddit needs the account reconnected"
    assert said["old"] == "Up to date (synced 40 d ago)"
    assert said["running"] == "Not synced yet"


def test_owners_are_kept_once_a_sets_row_is_written(history: History) -> None:
    assert own(history.engine, [Owner("a", "team", "acct")]) == set()  # no row yet
    history.record([run("a", 1, Outcome.COMPLETED), run("b", 1, Outcome.COMPLETED)])
    assert own(history.engine, [Owner("a", "team", "acct"), Owner("b", "team", None)]) == {
        "a",
        "b",
    }
    found = {f.set_id: f for f in set_facts(history.engine, NOW)}
    assert (found["a"].team_id, found["a"].ad_account_id) == ("team", "acct")
    assert (found["b"].team_id, found["b"].ad_account_id) == ("team", None)
    history.record([run("a", 0.5, Outcome.COMPLETED)])  # a new sighting keeps the owner
    found = {f.set_id: f for f in set_facts(history.engine, NOW)}
    assert found["a"].ad_account_id == "acct"


def test_the_board_reads_again_only_the_sets_written_since_its_last_read(
    history: History,
) -> None:
    now = datetime.now(UTC)
    quiet, busy = "quiet-set", "busy-set"
    history.record([run(quiet, 5, Outcome.COMPLETED), run(busy, 5, Outcome.COMPLETED)])
    board = ClientBoard(lambda: history, lambda: Snapshot(now, 1, Backend(), Features(), now), {})
    assert board.refresh()  # the first read: every set
    first = board.get()
    assert {s.set_id for c in first.clients for s in c.sets} == {quiet, busy}
    assert changed_since(history.engine, now - timedelta(minutes=1)) == {quiet, busy}

    later = datetime.now(UTC)
    history.record([run(busy, 0.1, Outcome.FAILED, EXPIRED)])
    assert changed_since(history.engine, later) == {busy}
    assert board.refresh()  # only what was written since
    states = {s.set_id: s.state for c in board.get().clients for s in c.sets}
    assert states == {quiet: SetState.UP_TO_DATE, busy: SetState.FAILING}
