"""A new collector's inherited request budget (issue 22): the fleet never exceeds the service's
minute, a failover included."""

from __future__ import annotations

from sync_monitor.dotoro.budget import Priority, RequestBudget
from sync_monitor.fleet.handover import inherited


def test_the_predecessors_last_minute_counts_against_the_new_collector() -> None:
    budget = RequestBudget(90)
    now = 1000.0
    budget.assume([now - 70, *(now - 30 + n * 0.1 for n in range(85))], now)  # 1 too old

    assert budget.used(now) == 85
    assert budget.take(Priority.ACTION, now) == 0.0
    assert budget.used(now) == 86
    assert budget.wait(Priority.ACTION, now) == 0.0  # 86 of 90
    for _ in range(4):
        budget.take(Priority.ACTION, now)
    assert budget.wait(Priority.ACTION, now) == 30.0  # the predecessor's first leaves at +30 s


def test_the_time_nobody_heard_of_is_counted_at_the_full_rate() -> None:
    heard, expired = 100_000, 115_000  # 15 s the predecessor may have gone on unheard

    found = inherited([90_000, 95_000], heard, expired, per_minute=90)

    assert found[:2] == [90_000, 95_000]
    assumed = found[2:]
    assert len(assumed) == 23  # 90 a minute for 15 s, rounded up: never fewer
    assert heard < assumed[0]
    assert assumed[-1] == expired


def test_nothing_is_assumed_when_the_predecessor_let_the_lease_go() -> None:
    assert inherited([90_000], 100_000, 100_000, per_minute=90) == [90_000]
    assert inherited([], 100_000, 90_000, per_minute=90) == []  # expired before it was heard


def test_spent_moments_travel_in_epoch_ms_between_clocks() -> None:
    mine, theirs = RequestBudget(90), RequestBudget(90)
    for t in (100.0, 130.5):
        mine.take(Priority.POLL, t)

    moments = mine.sent_ms(now=150.0, wall=1_700_000_050.0)  # their clocks differ; the wall not
    theirs.assume_ms(moments, now=9_000.0, wall=1_700_000_051.0)

    assert moments == [1_700_000_000_000, 1_700_000_030_500]
    assert theirs.sent(9_000.0) == [8_949.0, 8_979.5]
