"""The request budget: a sliding minute, with room kept for the poll and for actions."""

from __future__ import annotations

import pytest

from sync_monitor.dotoro.budget import Priority, RequestBudget, reserve_for


def test_background_work_stops_short_of_the_reserve() -> None:
    budget = RequestBudget(per_minute=10, reserved=4)
    assert [budget.take(Priority.BACKGROUND, 0.0) for _ in range(6)] == [0.0] * 6
    assert budget.take(Priority.BACKGROUND, 1.0) == 59.0  # its turn: when the first one expires
    assert budget.take(Priority.POLL, 1.0) == 0.0  # the reserve is the poll's and the actions'
    assert budget.used(1.0) == 7


def test_nothing_exceeds_the_limit_in_any_minute() -> None:
    budget = RequestBudget(per_minute=10, reserved=4)
    for n in range(10):
        assert budget.take(Priority.ACTION, n * 0.1) == 0.0
    assert budget.take(Priority.POLL, 1.0) == pytest.approx(59.0)
    assert budget.take(Priority.POLL, 60.0) == 0.0  # the first left the window
    assert budget.used(60.0) == 10


def test_a_wait_is_until_enough_requests_have_left_the_window() -> None:
    budget = RequestBudget(per_minute=5, reserved=2)
    for t in (0.0, 10.0, 20.0, 30.0, 40.0):
        budget.take(Priority.POLL, t)
    # Background may use 3 of the 5: three must leave first, the last of them sent at 20 s.
    assert budget.wait(Priority.BACKGROUND, 41.0) == pytest.approx(39.0)


def test_reserve_keeps_room_for_polls_and_actions_but_never_all() -> None:
    assert reserve_for(90, poll_seconds=2.0) == 40  # 30 polls + 10 actions a minute
    assert reserve_for(90, poll_seconds=0.5) == 81  # background keeps a tenth
    assert reserve_for(10, poll_seconds=0.5) == 9


@pytest.mark.parametrize(("per_minute", "reserved"), [(0, 0), (10, 10), (10, -1)])
def test_invalid_budgets_are_refused(per_minute: int, reserved: int) -> None:
    with pytest.raises(ValueError, match=r"per_minute|reserved"):
        RequestBudget(per_minute, reserved)


def test_a_busy_poller_never_takes_the_room_kept_for_actions() -> None:
    """A poll faster than the budget (0.5 s is 120 a minute) must not make a click wait."""
    budget = RequestBudget(per_minute=20, reserved=15, for_actions=5)
    polls = [budget.take(Priority.POLL, n * 0.5) for n in range(20)]
    assert polls.count(0.0) == 15  # the poll stops at the actions' room
    assert budget.take(Priority.ACTION, 10.0) == 0.0  # a click goes at once
