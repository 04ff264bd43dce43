"""This period against the one before (history/compare.py): the chips' text, arrow and colour,
which way a change went, and the previous period's counts in the tables."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from sync_monitor.history.compare import (
    Chip,
    Direction,
    Kind,
    chip,
    direction,
    per_platform,
    shifted,
    shown_change,
    with_previous,
)


def test_a_time_that_fell_is_a_green_down_arrow_with_an_ascii_minus() -> None:
    # The analyst's case: a median of 15 s that fell to 14 s read as a red "↑ −1 s".
    assert chip(14, 15, "time") == Chip("-1 s", "down", "green")
    assert chip(200, 320, "time") == Chip("-2 min 00 s", "down", "green")


def test_a_failure_rate_that_rose_is_a_red_up_arrow() -> None:
    assert chip(0.125, 0.10, "rate") == Chip("+2.5 pts", "up", "red")
    assert chip(0.10, 0.125, "rate") == Chip("-2.5 pts", "down", "green")
    assert chip(16, 15, "time") == Chip("+1 s", "up", "red")


def test_more_syncs_attempted_is_neither_good_nor_bad() -> None:
    assert chip(12, 8, "count") == Chip("+4", "up", "gray")
    assert chip(1_500, 3_000, "count") == Chip("-1,500", "down", "gray")


@pytest.mark.parametrize(
    ("now", "before", "kind", "text"),
    [
        (0.1004, 0.1, "rate", "0.0 pts"),  # below what the page shows: no change
        (0.0996, 0.1, "rate", "0.0 pts"),  # never "-0.0 pts" pointing down
        (14.4, 14.0, "time", "0 s"),
        (7, 7, "count", "0"),
    ],
)
def test_no_change_as_shown_has_no_arrow_and_no_colour(
    now: float, before: float, kind: Kind, text: str
) -> None:
    assert chip(now, before, kind) == Chip(text, "off", "gray")


def test_the_change_follows_what_is_shown_not_the_raw_difference() -> None:
    assert shown_change(14.6, 14.4, "time") == 1  # "15 s" against "14 s"
    assert shown_change(0.1006, 0.1, "rate") == 0.1
    assert direction(shown_change(14.6, 14.4, "time")) is Direction.UP


def test_no_chip_where_either_period_has_no_value() -> None:
    assert chip(None, 0.5, "rate") is None
    assert chip(0.5, None, "rate") is None
    assert direction(None) is None


def test_no_chip_text_uses_the_unicode_minus_streamlit_reads_as_a_rise() -> None:
    cases: list[tuple[float, float, Kind]] = [(1, 9, "time"), (0.1, 0.3, "rate"), (1, 5, "count")]
    texts = [chip(n, b, k) for n, b, k in cases]
    assert all(c is not None and c.text.startswith("-") and "\u2212" not in c.text for c in texts)


def test_per_platform_rates_and_their_change_in_points() -> None:
    now = pd.DataFrame(
        {
            "platform": ["reddit", "meta"],
            "attempted": [10, 4],
            "finished": [8, 4],
            "failed": [2, 0],
        }
    )
    before = pd.DataFrame(
        {
            "platform": ["reddit", "google"],
            "attempted": [5, 3],
            "finished": [5, 3],
            "failed": [0, 3],
        }
    )
    table = per_platform(now, before).set_index("platform")
    assert list(table.index) == ["google", "meta", "reddit"]  # in either period
    assert table.loc["reddit", "failure_rate"] == 0.25
    assert table.loc["reddit", "previous_rate"] == 0.0
    assert table.loc["reddit", "change_pts"] == 25.0
    assert table.loc["google", "attempted"] == 0
    assert pd.isna(table.loc["google", "failure_rate"])  # nothing finished: no rate, not 0 %
    assert pd.isna(table.loc["meta", "change_pts"])  # nothing before to compare with
    assert table.loc["meta", "previous_attempted"] == 0
    alone = per_platform(now, None)
    assert "change_pts" not in alone
    assert list(alone["failure_rate"]) == [0.0, 0.25]


def test_signatures_get_their_failures_before_and_the_change() -> None:
    table = pd.DataFrame({"signature": ["timeout", "new cause"], "count": [5, 2]})
    before = pd.DataFrame(
        {"signature": ["timeout", "timeout", "gone"], "platform": ["meta", "reddit", "meta"]}
    ).assign(count=[3, 4, 9])
    out = with_previous(table, before)
    assert list(out["previous"]) == [7, 0]
    assert list(out["change"]) == [-2, 2]


def test_the_period_before_moves_onto_this_periods_time_and_keeps_when_it_was() -> None:
    day = pd.Timestamp("2026-11-20", tz="UTC")
    frame = pd.DataFrame({"bucket": [day], "finished": [3]})
    moved = shifted(frame, timedelta(days=7))
    assert moved.loc[0, "bucket"] == pd.Timestamp("2026-11-27", tz="UTC")
    assert moved.loc[0, "was"] == day
