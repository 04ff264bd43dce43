"""Throughput, ETA, duration quantiles and queue estimates, checked against hand computations."""

from datetime import UTC, datetime, timedelta

import pytest

from sync_monitor.dotoro.models import Platform, Progress
from sync_monitor.live.estimates import (
    DurationStats,
    QueueEstimate,
    estimate_queue,
    eta_seconds,
    infer_workers,
    rate_per_minute,
)

T0 = datetime(2025, 12, 31, 10, tzinfo=UTC)
REDDIT, GOOGLE, META = Platform.REDDIT, Platform.GOOGLE, Platform.META

# reddit 60/100/140 → p50 100, p90 132; google 100/200/300 → p50 200, p90 280;
# all six sorted 60,100,100,140,200,300 → p50 120, p90 250 (linear interpolation).
STATS = DurationStats.from_samples(
    [(REDDIT, 60), (REDDIT, 100), (REDDIT, 140), (GOOGLE, 100), (GOOGLE, 200), (GOOGLE, 300)]
)
NO_STATS = DurationStats.from_samples([])


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_rate_over_the_window() -> None:
    assert rate_per_minute([(0.0, 0), (30.0, 10), (60.0, 20)]) == pytest.approx(20.0)


def test_rate_ignores_samples_older_than_the_window() -> None:
    samples = [(0.0, 0), (100.0, 50), (130.0, 60)]
    assert rate_per_minute(samples, window=60.0) == pytest.approx(20.0)


@pytest.mark.parametrize(
    "samples",
    [[], [(5.0, 1)], [(0.0, 0), (100.0, 5)], [(5.0, 1), (5.0, 3)]],
)
def test_rate_unknown_without_two_samples_or_elapsed_time(
    samples: list[tuple[float, int]],
) -> None:
    assert rate_per_minute(samples) is None


def test_rate_never_negative_when_a_retry_restarts_the_count() -> None:
    assert rate_per_minute([(0.0, 40), (30.0, 0)]) == 0.0


def test_eta_from_remaining_and_rate() -> None:
    assert eta_seconds(Progress(synced=8, failed=2, total=20), 5.0) == pytest.approx(120.0)


def test_eta_unknown_when_total_is_zero() -> None:
    assert eta_seconds(Progress(), 10.0) is None


@pytest.mark.parametrize("rate", [None, 0.0, -3.0])
def test_eta_unknown_without_positive_rate(rate: float | None) -> None:
    assert eta_seconds(Progress(synced=1, total=5), rate) is None


def test_eta_zero_when_done_even_without_rate() -> None:
    assert eta_seconds(Progress(synced=4, failed=1, total=5), None) == 0.0


def test_quantiles_of_a_platform_with_enough_samples() -> None:
    assert STATS.quantiles(REDDIT) == pytest.approx((100.0, 132.0))
    assert STATS.quantiles(GOOGLE) == pytest.approx((200.0, 280.0))


def test_quantiles_fall_back_to_all_platforms() -> None:
    stats = DurationStats.from_samples([*STATS.samples, (META, 10), (META, 20)])
    # all eight sorted: 10,20,60,100,100,140,200,300 → p50 100, p90 pos 6.3 → 230
    assert stats.quantiles(META) == pytest.approx((100.0, 230.0))
    assert STATS.quantiles(None) == pytest.approx((120.0, 250.0))


def test_quantiles_unknown_with_fewer_than_three_samples_overall() -> None:
    assert DurationStats.from_samples([(REDDIT, 10), (GOOGLE, 20)]).quantiles(REDDIT) is None
    assert NO_STATS.quantiles() is None


def test_negative_and_non_finite_durations_are_dropped() -> None:
    stats = DurationStats.from_samples(
        [(REDDIT, -1), (REDDIT, float("nan")), (REDDIT, float("inf")), (REDDIT, 5), (REDDIT, 7)]
    )
    assert stats.quantiles(REDDIT) is None


def test_queue_with_two_workers_and_known_durations() -> None:
    # Queue order by createdAt: index 1 (reddit), 2 (reddit), 0 (google).
    # p50: slots free at 30 and 120 (unknown remaining → overall p50).
    #   1 starts at 30, slot frees at 130; 2 at 120, frees 220; 0 at 130.
    # p90: slots at 30 and 250. 1 at 30 → frees 162; 2 at 162 → frees 294; 0 at 250.
    pending = [(GOOGLE, at(2)), (REDDIT, at(0)), (REDDIT, at(1))]
    result = estimate_queue(pending, [30.0, None], workers=2, stats=STATS)
    assert [(e.position, e.index) for e in result] == [(1, 1), (2, 2), (3, 0)]
    assert [e.wait_low for e in result] == pytest.approx([30.0, 120.0, 130.0])
    assert [e.wait_high for e in result] == pytest.approx([30.0, 162.0, 250.0])


def test_idle_workers_start_jobs_immediately() -> None:
    result = estimate_queue([(REDDIT, at(0)), (META, at(1))], [50.0], workers=3, stats=STATS)
    assert result == [QueueEstimate(1, 0.0, 0.0, 0), QueueEstimate(2, 0.0, 0.0, 1)]


def test_unknown_durations_give_none_except_immediate_starts() -> None:
    pending = [(REDDIT, at(0)), (REDDIT, at(1)), (GOOGLE, at(2))]
    result = estimate_queue(pending, [None], workers=2, stats=NO_STATS)
    assert [(e.wait_low, e.wait_high) for e in result] == [(0.0, 0.0), (None, None), (None, None)]


def test_known_remaining_time_is_used_even_without_duration_stats() -> None:
    result = estimate_queue([(REDDIT, at(0)), (REDDIT, at(1))], [40.0], workers=1, stats=NO_STATS)
    assert [(e.wait_low, e.wait_high) for e in result] == [(40.0, 40.0), (None, None)]


def test_a_slot_of_unknown_remaining_time_makes_later_starts_unknown() -> None:
    # The unknown slot might free before the known one at 40 s, so no start can be promised.
    result = estimate_queue([(REDDIT, at(0))], [None, 40.0], workers=2, stats=NO_STATS)
    assert (result[0].wait_low, result[0].wait_high) == (None, None)


def test_workers_below_one_count_as_one() -> None:
    result = estimate_queue([(REDDIT, at(0)), (REDDIT, at(1))], [], workers=0, stats=STATS)
    assert [e.wait_low for e in result] == pytest.approx([0.0, 100.0])
    assert [e.wait_high for e in result] == pytest.approx([0.0, 132.0])


def test_more_running_jobs_than_workers_widen_the_pool() -> None:
    result = estimate_queue([(REDDIT, at(0))], [10.0, 20.0], workers=1, stats=STATS)
    assert (result[0].wait_low, result[0].wait_high) == (10.0, 10.0)


def test_equal_created_at_keeps_input_order() -> None:
    result = estimate_queue([(GOOGLE, at(0)), (REDDIT, at(0))], [], workers=1, stats=STATS)
    assert [e.index for e in result] == [0, 1]
    assert result[1].wait_low == pytest.approx(200.0)


def test_overdue_running_job_frees_its_slot_now() -> None:
    result = estimate_queue([(REDDIT, at(0))], [-15.0], workers=1, stats=STATS)
    assert result[0].wait_low == 0.0


def test_empty_queue() -> None:
    assert estimate_queue([], [None], workers=2, stats=STATS) == []


@pytest.mark.parametrize(
    ("observed", "configured", "expected"),
    [(4, None, 4), (0, None, 1), (4, 2, 2), (1, 6, 6), (3, 0, 1)],
)
def test_infer_workers_configured_wins(
    observed: int, configured: int | None, expected: int
) -> None:
    assert infer_workers(observed, configured) == expected
