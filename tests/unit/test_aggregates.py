"""Chart data is aggregated (one row per group), as rates where a rate is asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync_monitor.dotoro.models import JobState, Platform
from sync_monitor.live import aggregates
from sync_monitor.live.snapshot import Finished, Snapshot
from tests.support.rows import built, known, row, status

NOW = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)


def finished(minutes_ago: float, platform: Platform, outcome: JobState) -> Finished:
    return Finished(NOW - timedelta(minutes=minutes_ago), platform, outcome, 30.0)


def test_failure_rate_is_failed_over_finished_per_platform_in_24h() -> None:
    data = [
        finished(10, Platform.META, JobState.FAILED),
        finished(20, Platform.META, JobState.COMPLETED),
        finished(30, Platform.META, JobState.COMPLETED),
        finished(40, Platform.META, JobState.COMPLETED),
        finished(50, Platform.GOOGLE, JobState.COMPLETED),
        finished(60 * 30, Platform.GOOGLE, JobState.FAILED),  # older than 24 h: left out
        finished(5, Platform.REDDIT, JobState.CANCELLED),
    ]  # not a finish that counts
    frame = aggregates.failure_rates(data, NOW).set_index("platform")
    assert frame.loc["Meta", "rate"] == 0.25
    assert frame.loc["Google", "rate"] == 0.0
    assert "Reddit" not in frame.index


def test_throughput_is_per_hour_and_zero_filled() -> None:
    data = [
        finished(5, Platform.REDDIT, JobState.COMPLETED),
        finished(10, Platform.REDDIT, JobState.FAILED),
        finished(65, Platform.REDDIT, JobState.COMPLETED),
    ]
    frame = aggregates.throughput(data, NOW, hours=3)
    assert list(frame["label"]) == ["10:00", "11:00", "12:00"]
    assert list(frame["syncs"]) == [0, 1, 2]
    assert aggregates.throughput([], NOW, hours=3).empty


def test_state_counts_group_by_state_and_platform() -> None:
    snap: Snapshot = built(
        known(
            status(
                active=(row(1, platform=Platform.META), row(2, platform=Platform.META)),
                failed=(row(3, platform=Platform.GOOGLE, state=JobState.FAILED),),
            )
        )
    )
    frame = aggregates.state_counts(snap)
    rows = {(r.state, r.platform): r.syncs for r in frame.itertuples()}
    assert rows == {("Syncing", "Meta"): 2, ("Failed (24 h)", "Google"): 1}
