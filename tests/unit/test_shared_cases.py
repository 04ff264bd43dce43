"""The server's half of the cases it shares with the push component (tests/support/
shared_cases.json; the browser's half is tests/browser/test_shared_cases.py): the same words for
a duration and a clock time, and a pushed change that rebuilds the state it was taken from."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sync_monitor.push.delta import apply, diff
from sync_monitor.text import clock, duration, relative, short_range, wait_range, zone_name

CASES: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "support" / "shared_cases.json").read_text()
)


@pytest.mark.parametrize("case", CASES["duration"], ids=lambda c: str(c["seconds"]))
def test_durations_read_as_the_component_reads_them(case: dict[str, Any]) -> None:
    assert duration(case["seconds"]) == case["said"]


@pytest.mark.parametrize(
    "case", CASES["clock"], ids=lambda c: f"{c['time_zone']}-{c['at']}-{c['date']}"
)
def test_clock_times_read_as_the_component_reads_them(case: dict[str, Any]) -> None:
    when = datetime.fromisoformat(case["at"].replace("Z", "+00:00"))
    zone = ZoneInfo(case["time_zone"])
    assert clock(when, zone, date=case["date"]) == case["said"]
    local = when.astimezone(zone)  # the zone as the page hands it to the component
    offset = local.utcoffset()
    assert offset is not None
    assert {"name": zone_name(local), "offset": offset.total_seconds() / 60} == case["zone"]


@pytest.mark.parametrize("case", CASES["delta"], ids=lambda c: c["about"])
def test_a_pushed_change_rebuilds_the_new_state(case: dict[str, Any]) -> None:
    assert apply(case["old"], diff(case["old"], case["new"])) == case["new"]


@pytest.mark.parametrize("case", CASES["short_range"], ids=lambda c: f"{c['low']}-{c['high']}")
def test_short_start_ranges_read_as_the_component_reads_them(case: dict[str, Any]) -> None:
    assert short_range(case["low"], case["high"]) == case["said"]


@pytest.mark.parametrize("case", CASES["wait_range"], ids=lambda c: f"{c['low']}-{c['high']}")
def test_start_ranges_read_as_the_component_reads_them(case: dict[str, Any]) -> None:
    assert wait_range(case["low"], case["high"]) == case["said"]


@pytest.mark.parametrize("case", CASES["relative"], ids=lambda c: str(c["seconds"]))
def test_times_ago_read_as_the_component_reads_them(case: dict[str, Any]) -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert relative(now - timedelta(seconds=case["seconds"]), now) == case["said"]
