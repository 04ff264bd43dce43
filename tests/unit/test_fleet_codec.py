"""The snapshot as the collector publishes it to the other replicas (issue 22)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from sync_monitor.dotoro.models import JobState, Platform, Progress
from sync_monitor.fleet.codec import apply, change, decode, encode
from sync_monitor.live.snapshot import Finished, Snapshot
from tests.support.rows import AT, NOW, built, known, row, status


def scene(at: timedelta = timedelta()) -> Snapshot:
    """Syncs running, waiting and failed, seen `at` after NOW."""
    active = tuple(
        row(n, progress=Progress(synced=n, total=50), started_at=NOW - timedelta(minutes=n))
        for n in range(1, 4)
    )
    pending = tuple(
        row(n, state=JobState.CREATED, created=NOW - timedelta(seconds=n)) for n in range(10, 16)
    )
    failed = tuple(row(n, state=JobState.FAILED) for n in range(20, 23))
    moment = replace(AT, now=NOW + at, mono=AT.mono + at.total_seconds())
    return built(known(status(active, pending, failed)), moment)


def test_a_snapshot_comes_back_as_it_went_in_through_json() -> None:
    snapshot = scene()
    assert snapshot.active
    assert snapshot.pending
    assert snapshot.failed

    back = decode(json.loads(json.dumps(encode(snapshot))))

    assert back == snapshot


def test_durations_travel_as_moments_so_time_passing_alone_changes_no_sync() -> None:
    before, after = encode(scene()), encode(scene(timedelta(seconds=7)))

    changed = change(before, after)

    assert "lists" not in changed  # no running or waiting sync changed: only the clock moved
    assert set(changed) <= {"taken_at", "version"}
    back, later = decode(apply(before, changed)), scene(timedelta(seconds=7))
    assert back.active[0].elapsed_s == pytest.approx(later.active[0].elapsed_s)


def test_a_change_carries_only_what_changed_and_applies_exactly() -> None:
    old = scene()
    progressed = replace(old.active[0], progress=Progress(synced=40, total=50))
    new = replace(old, active=(progressed, *old.active[1:]), pending=old.pending[1:], version=2)

    changed = change(encode(old), encode(new))

    assert [item["key"] for item in changed["lists"]["active"]["items"]] == [progressed.key]
    assert "items" not in changed["lists"]["pending"]  # one left: the order says which
    assert decode(apply(encode(old), changed)) == new


def test_finished_syncs_slide_forward_as_a_run_not_the_whole_list() -> None:
    def finished(n: int) -> Finished:
        return Finished(NOW + timedelta(seconds=n), Platform.META, JobState.COMPLETED, 8.0, f"j{n}")

    old = replace(scene(), finished=tuple(finished(n) for n in range(100)))
    new = replace(old, finished=tuple(finished(n) for n in range(3, 102)))

    changed = change(encode(old), encode(new))

    run = changed["runs"]["finished"]
    assert (run["from"], run["keep"], len(run["add"])) == (3, 97, 2)
    assert decode(apply(encode(old), changed)) == new
