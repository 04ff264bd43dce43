"""Error groups over time (issue 23) on real databases: a seeded history gives each state through
the SQL (SQLite file and fresh PostgreSQL database), the same groups as the pure core finds from
the same attempts, and the view's filters hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import History, Outcome, View, Window
from sync_monitor.history.groups import ESCALATION_MIN, GroupState, groups_of
from tests.support.databases import database
from tests.support.error_groups import RECOVERY, STATES, each_state

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
SEEDED = each_state(NOW)
WEEK = View(window=Window.WEEK)


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with database(request.param, tmp_path) as url, History.open(url) as opened:
        opened.record(SEEDED)
        yield opened


def test_a_seeded_history_gives_each_state(history: History) -> None:
    found = {g.cause.signature: g for g in history.error_groups(WEEK, NOW)}
    assert {sig: g.state for sig, g in found.items()} == STATES
    escalating = found["meta api error 500: overloaded"]
    assert (escalating.tally.today, escalating.tally.week) == (ESCALATION_MIN + 1, 7)
    # Today's, and the 6 of the week's 7 that fall in the window (the 7th is why it is not new).
    assert (escalating.tally.failures, escalating.tally.sets) == (ESCALATION_MIN + 7,) * 2
    resolved = found["request timed out after <n> s"]
    assert (resolved.tally.failures, resolved.tally.sets, resolved.failing_sets) == (2, 1, 0)
    assert resolved.time_to_recovery == RECOVERY
    assert resolved.tally.first == NOW - timedelta(hours=40)
    assert resolved.tally.last == NOW - timedelta(hours=39)
    assert found["reddit ads api error 429: retry after <n> s"].cause.platform == "reddit"
    # Most urgent first.
    assert [g.state for g in history.error_groups(WEEK, NOW)] == [
        GroupState.REGRESSED,
        GroupState.ESCALATING,
        GroupState.NEW,
        GroupState.ONGOING,
        GroupState.RESOLVED,
    ]


@pytest.mark.parametrize("window", [Window.DAY, Window.WEEK, Window.MONTH])
def test_the_sql_finds_what_the_pure_core_finds_from_the_same_attempts(
    history: History, window: Window
) -> None:
    start, end = View(window=window).bounds(NOW)
    assert history.error_groups(View(window=window), NOW) == groups_of(SEEDED, start, end)


def test_the_views_filters_hold(history: History) -> None:
    def states(**filters: object) -> dict[str, GroupState]:
        view = View(window=Window.WEEK, **filters)  # type: ignore[arg-type]
        return {g.cause.signature: g.state for g in history.error_groups(view, NOW)}

    assert states(platforms=(Platform.GOOGLE,)) == {
        "google ads api error 400: invalid bid <n>": GroupState.REGRESSED
    }
    assert states(categories=("timeout",)) == {"request timed out after <n> s": GroupState.RESOLVED}
    assert states(set_id="ongoing") == {
        "meta api error 503: service unavailable": GroupState.ONGOING
    }
    assert states(states=(Outcome.COMPLETED,)) == {}
    assert len(states(states=(Outcome.FAILED,))) == 5


def test_a_day_window_sees_less(history: History) -> None:
    found = {g.cause.signature: g.state for g in history.error_groups(View(window=Window.DAY), NOW)}
    # The rate limit's last failure was 20 h ago, its first 30 h ago: seen before this window.
    assert found["reddit ads api error 429: retry after <n> s"] is GroupState.ONGOING
    assert "request timed out after <n> s" not in found
