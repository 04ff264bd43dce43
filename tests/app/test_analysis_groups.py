"""The analysis page's error groups over time (issue 23) as AppTest runs it: a seeded history
gives each state in words, the page's filters hold, and a hostile error text stays text."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome
from sync_monitor.history.signature import signature
from tests.support.apptest import Monitor
from tests.support.error_groups import STATES, each_state

Factory = Callable[..., Monitor]
HOSTILE = "<script>alert(1)</script> **bold** [x](javascript:alert(1)) :fire:"


def seed(attempts: Sequence[Attempt]) -> None:
    with History.open(os.environ["SYNC_MONITOR_HISTORY_URL"]) as history:
        history.record(attempts)


def groups_table(m: Monitor, **query: str) -> pd.DataFrame | None:
    """The error groups table of the analysis page at a URL with `query` (None: not drawn)."""
    m.app.query_params.clear()
    m.app.query_params.update(query)
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    assert not m.app.exception, m.app.exception
    assert "Error groups over time" in [h.value for h in m.app.subheader]
    tables = [d.value for d in m.app.dataframe if {"state", "cause"} <= set(d.value.columns)]
    assert len(tables) <= 1
    return tables[0] if tables else None


@pytest.fixture
def seeded(monitor_factory: Factory) -> Monitor:
    m = monitor_factory(workers=0)
    m.run()  # the live page: the services start, the history is opened
    seed(each_state(datetime.now(UTC)))
    return m


def test_the_groups_table_shows_each_state_in_words(seeded: Monitor) -> None:
    table = groups_table(seeded)
    assert table is not None
    assert dict(zip(table["cause"], table["state"], strict=True)) == {
        cause: state.value for cause, state in STATES.items()
    }
    # Most urgent first; the platform and category as the page names them elsewhere.
    assert list(table["state"]) == ["regressed", "escalating", "new", "ongoing", "resolved"]
    resolved = table[table["state"] == "resolved"].iloc[0]
    assert (resolved["platform"], resolved["category"]) == ("Reddit", "Timeout")
    assert (resolved["failures"], resolved["sets"], resolved["failing"]) == (2, 1, 0)
    assert resolved["recovery"] == 120.0  # minutes
    assert pd.isna(table[table["state"] == "new"].iloc[0]["recovery"])
    captions = " ".join(c.value for c in seeded.app.caption)
    assert "**escalating**: at least 5 failures in the last 24 h" in captions


def test_the_groups_follow_the_pages_filters(seeded: Monitor) -> None:
    table = groups_table(seeded, platform="google")
    assert table is not None
    assert list(table["state"]) == ["regressed"]
    table = groups_table(seeded, window="24h", category="rate_limit")
    assert table is not None
    assert list(table["state"]) == ["ongoing"]  # first seen 30 h ago: before this window
    assert groups_table(seeded, state="completed") is None
    assert "No failures in this window." in [c.value for c in seeded.app.caption]


def test_an_empty_history_has_no_groups(monitor_factory: Factory) -> None:
    m = monitor_factory(workers=0)
    m.run()
    assert groups_table(m) is None
    assert "No failures in this window." in [c.value for c in m.app.caption]


def test_hostile_error_text_is_a_plain_cell(monitor_factory: Factory) -> None:
    m = monitor_factory(workers=0)
    m.run()
    began = datetime.now(UTC) - timedelta(hours=1)
    seed(
        [
            Attempt(
                key="job:hostile",
                set_id="hostile",
                set_name="Hostile",
                platform=Platform.META,
                state=Outcome.FAILED,
                at=began,
                finished_at=began,
                error=HOSTILE + "\u202e",
            )
        ]
    )
    table = groups_table(m)
    assert table is not None
    [cause] = table["cause"]
    assert cause == signature(HOSTILE)  # the signature as it reads, the bidi control dropped
    assert "<script>" in cause
    texts = [x.value for x in [*m.app.markdown, *m.app.caption]]
    assert not [t for t in texts if "alert" in t]
