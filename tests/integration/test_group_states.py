"""The live page's causes get their state from the real history (issue 23): a cause failing now is
keyed as the history keys it, whatever varies in its text, so a regression seen in the history
is said on the live page's group (SQLite file and fresh PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History
from sync_monitor.live.snapshot import FailedView
from sync_monitor.push.rows import group_row
from sync_monitor.triage.groups import failure_groups
from sync_monitor.triage.states import GroupStates
from tests.support import error_groups
from tests.support.databases import database

LIMIT = "Reddit Ads API error 429: retry after {} s (request {})"


def attempt(set_id: str, hours_ago: float, error: str | None) -> Attempt:
    return error_groups.attempt(datetime.now(UTC), set_id, Platform.REDDIT, hours_ago, error)


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with database(request.param, tmp_path) as url, History.open(url) as opened:
        yield opened


def test_a_cause_failing_now_is_said_as_the_history_sees_it(history: History) -> None:
    # Failed, recovered an hour later, failed again with the same cause: regressed.
    history.record(
        [
            attempt("s1", 5, LIMIT.format(6, "9f2c77aa01")),
            attempt("s1", 4, None),
            attempt("s1", 1, LIMIT.format(30, "b81e99cc02")),
        ]
    )
    states = GroupStates(lambda: history)
    assert states.get() == {}  # nothing read yet: the page says no state rather than a guess
    assert states.refresh()

    now = FailedView(
        "job-x", "job-x", "s1", "Name of s1", Platform.REDDIT, LIMIT.format(12, "c0ffee0003"), None
    )
    [group] = failure_groups([now])
    known = states.get()[group.cause]
    row = group_row(group, known)

    assert row["state"] == "regressed"
    assert row["recovery"] == "1 h 00 min"  # from the failure's end to the success's end


def test_no_history_yet_means_no_states_and_no_error() -> None:
    states = GroupStates(lambda: None)
    assert not states.refresh()  # read again soon, not in a minute
    assert states.get() == {}
