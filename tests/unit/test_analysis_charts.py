"""The analysis page's Vega-Lite specs: the period before on each chart, gaps where nothing
finished, the volume beside the rate, durations an outlier does not flatten, and causes named
within the chart's width."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from sync_monitor.history.compare import shifted
from sync_monitor.ui import analysis_charts as charts

DAY = timedelta(days=1)
START = pd.Timestamp("2026-11-24", tz="UTC")


def days(rates: list[tuple[int, int]], start: pd.Timestamp = START) -> pd.DataFrame:
    """One row per day for Reddit: (finished, failed), the rate as the history gives it."""
    frame = pd.DataFrame(
        {
            "bucket": [start + DAY * i for i in range(len(rates))],
            "platform": "reddit",
            "finished": [f for f, _ in rates],
            "failed": [x for _, x in rates],
        }
    )
    frame["failure_rate"] = frame["failed"] / frame["finished"].where(frame["finished"] > 0)
    return frame


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec["layer"])


def rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    name = layer.get("data", spec.get("data", {})).get("name")
    return list(spec["datasets"][name])


def test_the_rate_line_breaks_at_an_empty_day_over_bars_of_the_volume() -> None:
    spec = charts.rate_over_time(days([(10, 1), (0, 0), (8, 2)]), None, DAY).to_dict()
    volume, line = layers(spec)
    assert volume["mark"]["type"] == "bar"
    assert volume["encoding"]["y"]["field"] == "finished"
    assert volume["encoding"]["y2"] == {"datum": 0}  # upright bars from zero
    assert spec["resolve"]["scale"]["y"] == "independent"  # its own axis, on the right
    assert line["mark"]["invalid"] == "break-paths-filter-domains"  # a gap, not a line across
    points = rows(spec, line)
    assert [p["failure_rate"] for p in points][1] is None  # the empty day: no rate, not 0 %
    assert {p["period"] for p in points} == {charts.THIS}


def test_the_rate_chart_draws_the_period_before_dashed_on_this_periods_days() -> None:
    before = shifted(days([(4, 2), (5, 0), (6, 3)], START - DAY * 7), DAY * 7)
    spec = charts.rate_over_time(days([(10, 1), (9, 0), (8, 2)]), before, DAY).to_dict()
    _, line = layers(spec)
    points = rows(spec, line)
    previous = [p for p in points if p["period"] == charts.BEFORE]
    assert [p["failure_rate"] for p in previous] == [0.5, 0.0, 0.5]
    assert {p["bucket"] for p in previous} == {p["bucket"] for p in points if p not in previous}
    dash = line["encoding"]["strokeDash"]["scale"]
    assert dash["domain"] == [charts.THIS, charts.BEFORE]
    assert dash["range"][1] == charts.DASH
    # The bars count this period's syncs only.
    volume_rows = rows(spec, layers(spec)[0])
    assert sum(r["finished"] for r in volume_rows if r["period"] == charts.THIS) == 27


def pairs(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"signature": list(counts), "platform": "meta", "count": list(counts.values())}
    )


def test_causes_are_named_above_their_bars_within_the_charts_width() -> None:
    found = pairs({"timeout after <n> s": 5, "meta api error 503": 3})
    spec = charts.by_signature(found, found, None).to_dict()
    bars, names = layers(spec)
    assert bars["encoding"]["y"]["axis"] is None  # no axis labels of a fixed width
    assert names["mark"]["type"] == "text"
    assert names["mark"]["limit"] == {"expr": "width"}  # cut to the chart, whatever its width
    assert [r["cause"] for r in rows(spec, names)] == ["timeout after <n> s", "meta api error 503"]


def test_causes_outline_their_failures_in_the_period_before() -> None:
    found = pairs({"timeout": 5, "outage": 3})
    earlier = pd.concat([pairs({"timeout": 1, "gone": 9}), pairs({"timeout": 2})])
    spec = charts.by_signature(found, found, earlier).to_dict()
    _bars, outline, names = layers(spec)
    assert outline["mark"]["fillOpacity"] == 0
    assert outline["mark"]["strokeDash"] == charts.DASH
    assert {r["signature"]: r["count"] for r in rows(spec, outline)} == {"timeout": 3}
    assert names["mark"]["type"] == "text"


def histogram(seconds: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"platform": "reddit", "seconds": list(seconds), "count": list(seconds.values())}
    )


def test_one_outlier_shares_the_last_bar_instead_of_flattening_the_rest() -> None:
    usual = {s: 5 for s in range(10, 70)}  # 300 syncs of 10 s to 69 s
    found = charts.binned(histogram({**usual, 36_000: 1}), None)
    assert found.bars["to"].max() <= 72  # the bars reach about the 99th percentile, not 10 h
    assert (found.over, found.longest) == (1, 36_000)
    assert int(found.bars["count"].sum()) == 301  # the outlier is counted, in the last bar
    note = charts.clipped_note(found)
    assert note is not None
    assert "1 sync that ran" in note
    assert "10 h 00 min" in note


def test_without_an_outlier_the_bars_reach_the_longest_and_say_nothing() -> None:
    found = charts.binned(histogram({s: 1 for s in range(1, 49)}), None)
    assert found.bars["to"].max() == 50
    assert found.over == 0
    assert charts.clipped_note(found) is None


def test_a_longest_sync_not_far_beyond_the_rest_keeps_its_own_bar() -> None:
    usual = {s: 5 for s in range(10, 70)}
    found = charts.binned(histogram({**usual, 90: 1}), None)  # under 1.5 × the 99th percentile
    assert found.over == 0
    assert found.bars["to"].max() > 90


def test_durations_outline_the_period_before_in_the_same_bars() -> None:
    found = charts.binned(histogram({30: 4, 60: 2}), histogram({30: 1, 90: 3}))
    spec = charts.durations(found).to_dict()
    current, outline = layers(spec)
    assert outline["mark"]["strokeDash"] == charts.DASH
    assert sum(r["count"] for r in rows(spec, outline)) == 4
    assert sum(r["count"] for r in rows(spec, current)) == 6
    widths = {r["to"] - r["from"] for r in rows(spec, current) + rows(spec, outline)}
    assert len(widths) == 1  # one binning for both periods
