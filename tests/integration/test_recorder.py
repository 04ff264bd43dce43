"""The recorder with a real hub against the local API over HTTP, into a real history: the
backend's 30 days of history arrive (plan), syncs the polls see become attempts (head, no job
ids), and a restart in the middle records nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from dotoro_local import Contract
from sync_monitor.dotoro.budget import RequestBudget
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.history import History
from sync_monitor.history.recorder import Recorder
from tests.support.databases import database
from tests.support.hub import hub_for
from tests.support.local_api import quiet_config, running
from tests.support.waiting import wait_until

OUTAGE = "Google Ads API error 503: Service Unavailable"
# Fails every try: pg-boss retries it twice (inside the one job), then it fails.
FAILING = {"campaigns": 3, "fail_attempts": 3, "fail_after": 1, "fail_message": OUTAGE}


def until(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    wait_until(check, what, timeout, every=0.1)


def test_a_backfill_the_request_budget_holds_back_resumes_where_it_stopped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Background requests wait their turn in the budget: a listing refused halfway goes on
    from its last page when its turn comes. Starting over spent the turn on pages already
    read, and a history longer than a minute's share of the budget was never read to its end
    (the analysis page stayed at 463 of 596 attempts)."""
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    minute = [0.0]  # the recorder's client's clock: the test says when a minute has passed
    budget = RequestBudget(2)  # two listing pages a minute, of the 4 the history takes
    client = DotoroClient("http://unused", budget=budget, clock=lambda: minute[0])
    with running(quiet_config(seed_history=True, workers=0)) as api, hub_for(api.url) as hub:
        client.base_url = api.url
        listed = len(api.ended_jobs())
        assert listed > 3 * 500
        caplog.set_level(logging.INFO, logger="sync_monitor.history.recorder")

        def paused() -> int:  # times the budget said "not now" to the listing
            return sum("history backfill paused" in r.getMessage() for r in caplog.records)

        clock = lambda: minute[0]  # noqa: E731
        recorder = Recorder(hub, lambda: History.open(url), client, clock=clock).start()
        try:
            for turn in range(4):  # turns for 8 pages: enough when resuming, never when not

                def refused_or_done(before: int = turn) -> bool:
                    return paused() > before or _done(recorder, listed)

                until(refused_or_done, "a page refused")
                if _done(recorder, listed):
                    break
                minute[0] += 61  # a minute later: the budget has room again
            until(lambda: _done(recorder, listed), "the whole backfill")
        finally:
            recorder.stop()


def _done(recorder: Recorder, listed: int) -> bool:
    return recorder.history is not None and recorder.history.count() >= listed


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_backends_history_fills_the_store_once(kind: str, tmp_path: Path) -> None:
    with (
        database(kind, tmp_path) as url,
        running(quiet_config(seed_history=True, workers=0)) as api,
    ):
        listed = len(api.ended_jobs())
        assert listed > 100  # 30 days of a simulated team
        with hub_for(api.url) as hub:
            recorder = Recorder(hub, lambda: History.open(url), hub.client).start()
            try:
                until(
                    lambda: recorder.history is not None and recorder.history.count() >= listed,
                    "the backfill",
                )
            finally:
                recorder.stop()
        again = History.open(url)
        frame = again.attempts(window="90d")
        again.close()
    # The failures of the last 24 h come from the status poll too: one row each all the same.
    assert len(frame) == listed
    assert frame["key"].is_unique
    assert set(frame["source"]) == {"history", "status"}
    assert {"completed", "failed"} <= set(frame["state"])
    failed = frame[frame["state"] == "failed"]
    assert (failed["signature"] != "").all()
    assert (
        frame.groupby("set_id")["attempt"]
        .apply(lambda a: sorted(a) == list(range(1, len(a) + 1)))
        .all()
    )


def test_on_head_an_attempt_is_seen_from_the_sets_state_changes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    config = quiet_config(contract=Contract.HEAD, workers=0)
    with running(config) as api, hub_for(api.url) as hub:
        first = Recorder(hub, lambda: History.open(url), hub.client).start()
        cs = api.create_set(name="Head set", platform="google", queue=True, behaviour=FAILING)
        until(lambda: _states(first) == ["queued"], "the queued attempt")
        api.set_workers(1)
        until(lambda: _states(first) in (["active"], ["failed"]), "the running attempt")
        first.stop()  # a restart while it runs (or just as it fails)

        second = Recorder(hub, lambda: History.open(url), hub.client).start()
        try:
            until(lambda: _states(second) == ["failed"], "the failure")
            # Three more polls: the failure stays listed, and is not added again.
            polls = api.get("/_local/stats").json()["GET /api/v1/sync/status"]
            until(
                lambda: api.get("/_local/stats").json()["GET /api/v1/sync/status"] >= polls + 3,
                "three more polls",
            )
            polled = hub.snapshot().polled_at
            assert polled is not None
            until(lambda: (second.polled_at or polled) > polled, "the recorder caught up")
            assert _states(second) == ["failed"]
            history = second.history
            assert history is not None
            [row] = history.attempts(window="24h").to_dict("records")
        finally:
            second.stop()
    assert row["set_id"] == cs["setId"]
    assert row["job_id"] is None or isinstance(row["job_id"], str)
    # The service as deployed never says why a set failed (§3.4).
    assert (row["error"], row["category"], row["attempt"]) == (None, "unknown", 1)


def _states(recorder: Recorder) -> list[str]:
    history = recorder.history
    if history is None:
        return []
    return list(history.attempts(window="24h")["state"])
