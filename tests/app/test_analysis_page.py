"""The failure-analysis page as AppTest runs it (issue 11): windows, filters, the compare
switch, views as links (pasted URLs, hostile values), over a real SQLite history that the
tests fill through the package's own History."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome, View
from sync_monitor.text import duration
from tests.support.apptest import Monitor

Factory = Callable[..., Monitor]
NOW = datetime.now(UTC)
RATE_LIMIT = "Reddit Ads API error 429: retry after 6 s"
OUTAGE = "Meta API error 503: Service Unavailable"
# (key, set, platform, hours ago, state, error)
SEEDED = [
    ("job:1", "set-1", Platform.REDDIT, 2, Outcome.FAILED, RATE_LIMIT),
    ("job:2", "set-1", Platform.REDDIT, 1, Outcome.COMPLETED, None),
    ("job:3", "set-2", Platform.META, 3, Outcome.FAILED, OUTAGE),
    ("job:4", "set-3", Platform.GOOGLE, 24 * 3, Outcome.COMPLETED, None),
    ("job:5", "set-3", Platform.GOOGLE, 24 * 20, Outcome.FAILED, OUTAGE),
    ("job:6", "set-2", Platform.META, 24 * 60, Outcome.COMPLETED, None),
    ("job:7", "set-2", Platform.META, 24 * 100, Outcome.FAILED, OUTAGE),  # beyond 90 days
]


def seed(
    rows: Sequence[tuple[str, str, Platform, float, Outcome, str | None]] = SEEDED,
    runs: Mapping[str, int] | None = None,
) -> None:
    """Record `rows` in the app's history; each ran 60 s, or as long as `runs` says."""
    history = History.open(os.environ["SYNC_MONITOR_HISTORY_URL"])
    attempts = []
    for key, set_id, platform, hours, state, error in rows:
        began = NOW - timedelta(hours=hours)
        ran = (runs or {}).get(key, 60)
        attempts.append(
            Attempt(
                key=key,
                set_id=set_id,
                set_name=f"Name of {set_id}",
                platform=platform,
                state=state,
                at=began,
                job_id=key[4:],
                queued_at=began,
                started_at=began + timedelta(seconds=5),
                finished_at=began + timedelta(seconds=5 + ran),
                error=error,
            )
        )
    history.record(attempts)
    history.close()


def page(m: Monitor, **query: str) -> Monitor:
    """The analysis page at a URL with `query`."""
    m.app.query_params.clear()
    m.app.query_params.update(query)
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    assert not m.app.exception, m.app.exception
    return m


def metric(m: Monitor, label: str) -> str:
    [found] = [x for x in m.app.metric if x.label == label]
    return str(found.value)


@pytest.fixture
def analysed(monitor_factory: Factory) -> Monitor:
    m = monitor_factory(workers=0)
    m.run()  # the live page: the services start, the history is opened
    seed()
    return m


@pytest.mark.parametrize(
    ("window", "attempted", "rate"),
    [("24h", 3, "66.7%"), ("7d", 4, "50.0%"), ("30d", 5, "60.0%"), ("90d", 6, "50.0%")],
)
def test_each_window_counts_its_attempts(
    analysed: Monitor, window: str, attempted: int, rate: str
) -> None:
    m = page(analysed, window=window)
    assert metric(m, "Syncs attempted") == str(attempted)
    assert metric(m, "Failure rate") == rate


def test_the_default_is_the_last_seven_days_and_a_custom_window_reads_dates(
    analysed: Monitor,
) -> None:
    assert metric(page(analysed), "Syncs attempted") == "4"
    start = (NOW - timedelta(days=21)).date().isoformat()
    end = (NOW - timedelta(days=19)).date().isoformat()
    m = page(analysed, window="custom", **{"from": start, "to": end})
    assert metric(m, "Syncs attempted") == "1"
    assert metric(m, "Failure rate") == "100.0%"


def test_filters_by_platform_set_category_and_state(analysed: Monitor) -> None:
    assert metric(page(analysed, window="90d", platform="meta"), "Syncs attempted") == "2"
    assert metric(page(analysed, window="90d", platform="reddit,google"), "Syncs attempted") == "4"
    assert metric(page(analysed, window="90d", set="set-3"), "Syncs attempted") == "2"
    assert metric(page(analysed, window="90d", category="outage"), "Syncs attempted") == "2"
    m = page(analysed, window="90d", state="completed")
    assert metric(m, "Syncs attempted") == "3"
    assert metric(m, "Failure rate") == "0.0%"


def test_compare_shows_the_change_from_the_period_before(analysed: Monitor) -> None:
    m = page(analysed, window="7d")
    assert all(x.delta in (None, "") for x in m.app.metric)
    m = page(analysed, window="7d", compare="1")
    deltas = {x.label: x.delta for x in m.app.metric}
    assert deltas["Syncs attempted"] == "+4"  # nothing in the 7 days before
    assert m.app.toggle(key="an-compare").value is True


def test_a_pasted_url_reproduces_the_view_in_the_controls(analysed: Monitor) -> None:
    m = page(analysed, window="30d", platform="meta,google", state="failed", compare="true")
    [window] = m.app.get("button_group")
    assert getattr(window, "value", None) == "30d"
    assert list(m.app.multiselect(key="an-platforms").value) == [Platform.META, Platform.GOOGLE]
    assert list(m.app.multiselect(key="an-states").value) == [Outcome.FAILED]
    assert m.app.toggle(key="an-compare").value is True
    assert metric(m, "Syncs attempted") == "2"
    assert [w.value for w in m.app.warning] == []


def test_changing_a_control_writes_the_url(analysed: Monitor) -> None:
    m = page(analysed)
    m.app.multiselect(key="an-platforms").select(Platform.REDDIT)
    m.run()
    assert m.app.query_params["platform"] in ("reddit", ["reddit"])
    assert metric(m, "Syncs attempted") == "2"
    m.app.toggle(key="an-compare").set_value(True)
    m.run()
    assert m.app.query_params["compare"] in ("1", ["1"])


def test_a_link_copied_from_the_page_gives_its_numbers_in_a_notebook(analysed: Monitor) -> None:
    """Issue 23: a link copied from the page opens exactly its view in Python (View.from_url),
    and History.analysis of it gives the figures the page shows."""
    m = page(analysed, window="7d", platform="reddit,meta")
    m.app.toggle(key="an-compare").set_value(True)
    m.run()  # the control writes the view into the URL: the address a person copies
    link = f"http://localhost:8501/analysis?{urlencode(m.app.query_params, doseq=True)}"
    view = View.from_url(link)  # a warning here would fail the test (filterwarnings = error)
    assert view == View(platforms=(Platform.REDDIT, Platform.META), compare=True)
    history = History.open(os.environ["SYNC_MONITOR_HISTORY_URL"])
    found = history.analysis(view)
    history.close()
    figures = found.figures
    assert found.previous is not None
    shown = {x.label: str(x.value) for x in m.app.metric}
    assert shown == {
        "Syncs attempted": f"{figures.attempted:,}",
        "Failure rate": percent(figures.failure_rate),
        "First tries": percent(figures.first_attempt_rate),
        "After retries": percent(figures.final_rate),
        "Median duration": duration(figures.median_duration_s),
        "p90 duration": duration(figures.p90_duration_s),
        "Median queue wait": duration(figures.median_wait_s),
    }
    assert shown["Syncs attempted"] == "3"  # the link's filter, not the default view's 4


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ({"window": "<script>alert(1)</script>"}, "Unknown window"),
        ({"platform": "[x](javascript:alert(1))"}, "Unknown platform"),
        ({"window": "custom", "from": "yesterday", "to": "2026-01-01"}, "Unreadable date"),
        ({"window": "custom", "from": "2026-02-01", "to": "2026-01-01"}, "ends before it starts"),
        # A link shared long ago, and one reaching into tomorrow: dropped, not a widget error.
        ({"window": "custom", "from": "2020-01-01", "to": "2020-01-31"}, "more than a year ago"),
        ({"window": "custom", "from": "2026-11-30", "to": "2099-01-01"}, "ends in the future"),
        ({"state": "active"}, "Unknown final state"),
        ({"category": "x" * 10_000}, "Unknown error category"),
        ({"set": "'; DROP TABLE attempts; --"}, "Unreadable campaign set"),
        ({"compare": "maybe"}, "Unknown compare value"),
    ],
)
def test_hostile_query_values_are_dropped_with_a_note(
    analysed: Monitor, query: dict[str, str], note: str
) -> None:
    m = page(analysed, **query)
    warnings = [w.value for w in m.app.warning]
    assert any(note in w for w in warnings), warnings
    assert all(len(w) < 400 for w in warnings)
    assert metric(m, "Syncs attempted") in ("4", "3")  # the default view (or its filters)
    history = History.open(os.environ["SYNC_MONITOR_HISTORY_URL"])
    assert history.count() == len(SEEDED)  # nothing in the URL reaches the SQL
    history.close()


def test_an_empty_history_says_so_everywhere(monitor_factory: Factory) -> None:
    m = monitor_factory(workers=0)
    m.run()
    m = page(m, window="24h")
    assert metric(m, "Syncs attempted") == "0"
    assert metric(m, "Failure rate") == "–"
    captions = [c.value for c in m.app.caption]
    assert "No finished syncs in this window." in captions
    assert "No attempts in this window." in captions


def test_an_unreachable_history_shows_a_banner_and_the_live_page_carries_on(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = monitor_factory(workers=0)
    # Nothing listens on port 1: the database is down from the start.
    monkeypatch.setenv("SYNC_MONITOR_HISTORY_URL", "postgresql://monitor:s3cret@127.0.0.1:1/h")
    m.api.create_set(name="Still shown", failed_error=OUTAGE)
    m.run()
    m.wait(lambda s: len(s.failed) == 1)
    assert "Still shown" in m.texts()  # the live page
    m = page(m)
    [error] = [e.value for e in m.app.error]
    assert error.startswith("The history database cannot be reached: ")
    assert "The live page is not affected" in error
    assert "s3cret" not in error
    assert list(m.app.metric) == []


def chip(m: Monitor, label: str) -> tuple[str, str, str]:
    """A figure's change as drawn: its text, its arrow and its colour."""
    [found] = [x for x in m.app.metric if x.label == label]
    proto = found.proto
    direction = proto.MetricDirection.Name(proto.direction)
    return proto.delta, direction, proto.MetricColor.Name(proto.color)


def test_chips_point_the_way_each_figure_went_and_colour_it_by_what_is_better(
    monitor_factory: Factory,
) -> None:
    m = monitor_factory(workers=0)
    m.run()
    # Yesterday: two syncs completed in 15 s. Today: two syncs ran 14 s, one failed.
    rows = [
        ("job:a", "set-a", Platform.REDDIT, 2, Outcome.COMPLETED, None),
        ("job:b", "set-b", Platform.REDDIT, 3, Outcome.FAILED, RATE_LIMIT),
        ("job:c", "set-c", Platform.REDDIT, 26, Outcome.COMPLETED, None),
        ("job:d", "set-d", Platform.REDDIT, 27, Outcome.COMPLETED, None),
    ]
    seed(rows, runs={"job:a": 14, "job:b": 14, "job:c": 15, "job:d": 15})
    m = page(m, window="24h", compare="1")
    # A time that fell: down, green (lower is better), with a minus Streamlit reads as one.
    assert chip(m, "Median duration") == ("-1 s", "DOWN", "GREEN")
    # A failure rate that rose: up, red.
    assert chip(m, "Failure rate") == ("+50.0 pts", "UP", "RED")
    assert chip(m, "First tries") == ("+50.0 pts", "UP", "RED")
    # No change: no arrow, no colour.
    assert chip(m, "Syncs attempted") == ("0", "NONE", "GRAY")


def charts(m: Monitor) -> dict[str, tuple[dict[str, Any], list[pd.DataFrame]]]:
    """The page's three charts, in their order: each one's Vega-Lite spec and datasets."""
    drawn = []
    for chart in m.app.get("vega_lite_chart"):
        data = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
        drawn.append((json.loads(chart.proto.spec), data))
    return dict(zip(["rate", "causes", "durations"], drawn, strict=True))


def dashed_layers(spec: dict[str, Any]) -> int:
    return sum(1 for layer in spec["layer"] if "strokeDash" in layer.get("mark", {}))


def test_each_chart_draws_the_period_before_when_comparing(analysed: Monitor) -> None:
    alone = charts(page(analysed, window="90d"))
    assert not any(dashed_layers(spec) for spec, _ in alone.values())
    assert all("previous period" not in set(d.get("period", [])) for d in alone["rate"][1])
    # With compare: the 90 days before hold one Meta outage (100 days ago).
    m = page(analysed, window="90d", compare="1")
    compared = charts(m)
    _rate, rate_data = compared["rate"]
    previous = pd.concat([d[d["period"] == "previous period"] for d in rate_data if "period" in d])
    assert list(previous["failure_rate"].dropna()) == [1.0]
    # Moved onto this window: within its days, not 100 days ago.
    assert previous["mid"].min() > pd.Timestamp(NOW - timedelta(days=91))
    assert dashed_layers(compared["causes"][0]) == 1
    assert dashed_layers(compared["durations"][0]) == 1
    captions = [c.value for c in m.app.caption]
    assert any("Dashed: the period before" in c for c in captions), captions


def test_the_tables_show_each_platforms_rate_and_each_signatures_change(
    analysed: Monitor,
) -> None:
    m = page(analysed, window="90d", compare="1")
    tables = {tuple(d.value.columns)[:2]: d.value for d in m.app.dataframe}
    platforms = next(t for k, t in tables.items() if k == ("platform", "attempted"))
    meta = platforms.set_index("platform").loc["Meta"]
    # Meta: one failure in two (now) against one in one (the 90 days before).
    assert (meta["attempted"], meta["failed"], meta["failure_rate"]) == (2, 1, 0.5)
    assert (meta["previous_rate"], meta["change_pts"]) == (1.0, -50.0)
    signatures = next(t for t in tables.values() if "change" in t)
    change = dict(zip(signatures["signature"], signatures["change"], strict=True))
    assert change == {
        "meta api error 503: service unavailable": 1,  # two outages against one
        "reddit ads api error 429: retry after <n> s": 1,  # new
    }
    alone = page(analysed, window="90d")
    assert all("change" not in d.value and "change_pts" not in d.value for d in alone.app.dataframe)


def test_the_page_says_when_its_figures_are_from(analysed: Monitor) -> None:
    m = page(analysed)
    [line] = [c.value for c in m.app.caption if c.value.startswith("As of ")]
    match = re.fullmatch(r"As of (\d\d):(\d\d) UTC: the syncs that began before then\.", line)
    assert match, line
    shown = datetime.now(UTC).replace(hour=int(match[1]), minute=int(match[2]))
    assert abs(datetime.now(UTC) - shown) < timedelta(minutes=2)
