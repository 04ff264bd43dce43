"""Error groups over time (issue 23), the pure core: each state, its boundaries, the escalation's
minimum count, and the time to recovery, from plain attempts as the live page would pass them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, Outcome
from sync_monitor.history.groups import (
    ESCALATION_MIN,
    LOOKBACK,
    Cause,
    Group,
    GroupState,
    Tally,
    escalating,
    groups_of,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
START = NOW - timedelta(days=7)  # a 7-day window ending now
RATE_LIMIT = "Reddit Ads API error 429: retry after 6 s"
OUTAGE = "Reddit Ads API error 503: Service Unavailable"


def attempt(
    set_n: int,
    hours_ago: float,
    error: str | None = RATE_LIMIT,
    state: Outcome | None = None,
    run_minutes: float = 1,
) -> Attempt:
    """A sync of set `set_n` that began `hours_ago` before NOW and ran `run_minutes`; failed with
    `error` unless that is None (completed) or `state` says otherwise."""
    began = NOW - timedelta(hours=hours_ago)
    return Attempt(
        key=f"job:{set_n}-{hours_ago}",
        set_id=f"set-{set_n}",
        set_name=f"Set {set_n}",
        platform=Platform.REDDIT,
        state=state or (Outcome.COMPLETED if error is None else Outcome.FAILED),
        at=began,
        finished_at=began + timedelta(minutes=run_minutes),
        error=error,
    )


def ok(set_n: int, hours_ago: float, run_minutes: float = 1) -> Attempt:
    return attempt(set_n, hours_ago, None, run_minutes=run_minutes)


def only(*attempts: Attempt, start: datetime = START) -> Group:
    [group] = groups_of(attempts, start, NOW)
    return group


def test_a_cause_first_seen_in_the_window_is_new_with_its_counts() -> None:
    group = only(attempt(1, 30), attempt(1, 20), attempt(2, 10))
    assert group.state is GroupState.NEW
    assert group.cause == Cause(
        "rate_limit", "reddit ads api error 429: retry after <n> s", "reddit"
    )
    assert (group.tally.failures, group.tally.sets, group.failing_sets) == (3, 2, 2)
    assert group.tally.first == NOW - timedelta(hours=30)
    assert group.tally.last == NOW - timedelta(hours=10)
    assert group.time_to_recovery is None


def test_a_cause_seen_before_the_window_is_ongoing() -> None:
    assert only(attempt(1, 24 * 10), attempt(1, 10)).state is GroupState.ONGOING


def test_new_looks_back_exactly_the_lookback() -> None:
    edge = (NOW - START + LOOKBACK) / timedelta(hours=1)
    assert only(attempt(1, edge), attempt(1, 10)).state is GroupState.ONGOING
    assert only(attempt(1, edge + 0.001), attempt(1, 10)).state is GroupState.NEW


def test_the_window_holds_its_start_and_not_its_end() -> None:
    at_start = attempt(1, 24 * 7)
    at_end = attempt(2, 0)
    [group] = groups_of([at_start, at_end], START, NOW)
    assert (group.tally.failures, group.tally.sets) == (1, 1)
    assert groups_of([at_end], START, NOW) == []


def test_a_cause_whose_sets_all_succeeded_since_is_resolved_with_its_time_to_recovery() -> None:
    group = only(attempt(1, 30), ok(1, 29), attempt(2, 20), ok(2, 18))
    assert group.state is GroupState.RESOLVED
    # From the end of the failure (1 min after it began) to the end of the success.
    assert group.recoveries == (timedelta(hours=1), timedelta(hours=2))
    assert group.time_to_recovery == timedelta(hours=1.5)


def test_one_set_still_failing_keeps_the_group_open() -> None:
    group = only(attempt(1, 30), ok(1, 29), attempt(2, 20))
    assert (group.state, group.failing_sets) == (GroupState.NEW, 1)
    assert group.time_to_recovery == timedelta(hours=1)


def test_a_set_now_failing_for_another_reason_keeps_the_group_open() -> None:
    groups = groups_of([attempt(1, 30), attempt(1, 20, OUTAGE)], START, NOW)
    assert [g.state for g in groups] == [GroupState.NEW, GroupState.NEW]
    assert [g.resolved for g in groups] == [False, False]


def test_a_recovery_counts_from_the_first_failure_of_the_episode() -> None:
    group = only(attempt(1, 30), attempt(1, 29), attempt(1, 28), ok(1, 25, run_minutes=1))
    assert group.recoveries == (timedelta(hours=5),)


def test_the_median_of_an_odd_number_of_recoveries_is_the_middle_one() -> None:
    group = only(attempt(1, 30), ok(1, 29), attempt(2, 30), ok(2, 28), attempt(3, 30), ok(3, 20))
    assert group.time_to_recovery == timedelta(hours=2)


def test_failing_again_after_a_success_of_the_same_set_is_a_regression() -> None:
    group = only(attempt(1, 30), ok(1, 29), attempt(1, 10))
    assert group.state is GroupState.REGRESSED
    assert group.new  # also true, and readable: the state shows the first that holds
    assert group.time_to_recovery == timedelta(hours=1)


def test_a_regression_may_start_before_the_window() -> None:
    group = only(attempt(1, 24 * 12), ok(1, 24 * 11), attempt(1, 10))
    assert group.state is GroupState.REGRESSED
    assert group.recoveries == ()  # that episode ended before the window


def test_a_regression_needs_the_same_set() -> None:
    group = only(attempt(1, 30), ok(2, 29), attempt(1, 10))
    assert group.state is GroupState.NEW
    assert not group.regressed


def test_a_regression_needs_the_same_cause() -> None:
    attempts = [attempt(1, 30), ok(1, 29), attempt(1, 10, OUTAGE)]
    by_cause = {g.cause.signature: g for g in groups_of(attempts, START, NOW)}
    assert [g.regressed for g in by_cause.values()] == [False, False]
    assert by_cause["reddit ads api error 503: service unavailable"].state is GroupState.NEW
    # The set recovered from the rate limit, but its latest attempt failed: not resolved.
    rate_limit = by_cause["reddit ads api error 429: retry after <n> s"]
    assert (rate_limit.state, rate_limit.recoveries) == (GroupState.NEW, (timedelta(hours=1),))


def test_a_cancelled_sync_is_not_a_success() -> None:
    group = only(attempt(1, 30), attempt(1, 29, None, Outcome.CANCELLED), attempt(1, 10))
    assert (group.state, group.regressed) == (GroupState.NEW, False)


def test_a_regression_already_fixed_is_resolved() -> None:
    group = only(attempt(1, 30), ok(1, 29), attempt(1, 10), ok(1, 9))
    assert (group.regressed, group.state) == (True, GroupState.RESOLVED)
    assert group.recoveries == (timedelta(hours=1), timedelta(hours=1))


@pytest.mark.parametrize(
    ("today", "week", "rises"),
    [
        (ESCALATION_MIN, 0, True),
        (ESCALATION_MIN - 1, 0, False),  # the minimum count: a quiet cause's few are noise
        (1, 0, False),
        (6, 14, True),  # 3 × 2 a day
        (5, 14, False),
        (21, 49, True),  # 3 × 7 a day: the factor, well above the minimum
        (20, 49, False),
    ],
)
def test_escalating_is_three_times_the_daily_level_and_at_least_the_minimum(
    today: int, week: int, rises: bool
) -> None:
    assert escalating(today, week) is rises


def test_a_known_cause_rising_today_is_escalating() -> None:
    week = [attempt(1, 24 * d + 12) for d in range(1, 8)]  # one a day before today
    today = [attempt(2 + i, 1 + i) for i in range(ESCALATION_MIN)]
    group = only(*week, *today)
    assert (group.tally.today, group.tally.week) == (ESCALATION_MIN, 7)
    assert group.state is GroupState.ESCALATING
    assert only(*week, *today[1:]).state is GroupState.ONGOING


def test_today_is_the_day_before_the_end() -> None:
    known = attempt(1, 24 * 12)
    edge = [attempt(2 + i, 24) for i in range(ESCALATION_MIN)]
    assert only(known, *edge).tally.today == ESCALATION_MIN
    later = [attempt(2 + i, 24.001) for i in range(ESCALATION_MIN)]
    assert only(known, *later).tally.today == 0
    assert only(known, *later).tally.week == ESCALATION_MIN


def tally(**changes: object) -> Tally:
    base: dict[str, object] = {
        "cause": Cause("outage", "x", "meta"),
        "failures": 9,
        "sets": 1,
        "first": START,
        "last": NOW,
        "today": 9,
        "week": 0,
        "before": 0,
    }
    return Tally(**(base | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("group", "state"),
    [
        (Group(tally(), True, 0, ()), GroupState.RESOLVED),
        (Group(tally(), True, 1, ()), GroupState.REGRESSED),
        (Group(tally(), False, 1, ()), GroupState.NEW),
        (Group(tally(before=1), False, 1, ()), GroupState.ESCALATING),
        (Group(tally(before=1, today=1), False, 1, ()), GroupState.ONGOING),
    ],
)
def test_the_state_is_the_first_fact_that_holds(group: Group, state: GroupState) -> None:
    assert group.state is state


def test_groups_come_most_urgent_first_then_most_failures() -> None:
    groups = groups_of(
        [
            attempt(1, 30, "Meta API error 500: a"),  # resolved
            ok(1, 29),
            attempt(2, 24 * 10, OUTAGE),  # ongoing, 1 failure
            attempt(2, 10, OUTAGE),
            attempt(3, 20),  # new, 2 failures
            attempt(3, 19),
            attempt(4, 5, "Meta API error 400: b"),  # new, 1 failure
        ],
        START,
        NOW,
    )
    assert [(g.state, g.tally.failures) for g in groups] == [
        (GroupState.NEW, 2),
        (GroupState.NEW, 1),
        (GroupState.ONGOING, 1),
        (GroupState.RESOLVED, 1),
    ]


def test_attempts_outside_the_reach_or_after_the_end_change_nothing() -> None:
    inside = [attempt(1, 30), ok(1, 29), attempt(1, 10)]
    noise = [attempt(1, (NOW - START + LOOKBACK) / timedelta(hours=1) + 1), ok(1, -1)]
    assert groups_of(inside + noise, START, NOW) == groups_of(inside, START, NOW)
