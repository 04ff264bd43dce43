"""The summary charts' Vega-Lite specs: scales, labels and ticks that read."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sync_monitor.ui import charts

RATES = pd.DataFrame(
    [
        {"platform": "Google", "finished": 40, "failed": 1, "rate": 0.025},
        {"platform": "Reddit", "finished": 34, "failed": 1, "rate": 0.029},
    ]
)
THROUGHPUT = pd.DataFrame(
    [
        {"hour": pd.Timestamp("2026-11-29 13:00", tz="UTC"), "label": "13:00"},
        {"hour": pd.Timestamp("2026-11-29 14:00", tz="UTC"), "label": "14:00"},
    ]
).assign(platform="Reddit", syncs=[0, 1])
STATES = pd.DataFrame([{"state": "Syncing", "platform": "Meta", "syncs": 1}])


def test_failure_rate_axis_is_scaled_to_the_data_not_fixed_at_100_percent() -> None:
    spec = charts.failure_rate_chart(RATES).to_dict()
    bars, _ = spec["layer"]
    y = bars["encoding"]["y"]
    assert "domain" not in y["scale"]  # 2.5 % and 2.9 % must not be slivers of 0–100 %
    assert y["scale"]["zero"] is True
    assert y["axis"]["format"] == ".1~%"
    assert bars["encoding"]["x"]["axis"]["labelAngle"] == 0  # horizontal platform names


def test_failure_rate_bars_carry_their_value() -> None:
    spec = charts.failure_rate_chart(RATES, charts.DARK_TEXT).to_dict()
    _, labels = spec["layer"]
    assert labels["mark"]["type"] == "text"
    assert labels["mark"]["color"] == charts.DARK_TEXT  # readable on the dark theme
    assert labels["encoding"]["text"] == {"field": "rate", "format": ".1%", "type": "quantitative"}
    assert labels["encoding"]["y"]["field"] == "rate"  # placed at the top of its bar


def count_axis(encoding: dict[str, Any]) -> dict[str, Any]:
    axis: dict[str, Any] = encoding["axis"]
    return axis


def test_count_axes_tick_whole_numbers_only() -> None:
    throughput = charts.throughput_chart(THROUGHPUT).to_dict()["encoding"]
    assert count_axis(throughput["y"]) == {"format": "d", "tickMinStep": 1}
    states = charts.state_chart(STATES).to_dict()["encoding"]
    assert count_axis(states["x"]) == {"format": "d", "tickMinStep": 1}


def test_throughput_hour_labels_are_horizontal() -> None:
    x = charts.throughput_chart(THROUGHPUT).to_dict()["encoding"]["x"]
    assert x["axis"]["labelAngle"] == 0
    assert x["axis"]["labelOverlap"] is True  # thinned, never turned 90°


def test_legend_holds_only_the_platforms_with_data() -> None:
    color = charts.failure_rate_chart(RATES).to_dict()["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["Reddit", "Google"]
