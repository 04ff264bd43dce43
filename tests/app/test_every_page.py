"""Every page on the data `make run` shows (issue 17): the bundled API with its defaults, the
monitor with its own. Each table, chart and download is there, and nothing on a page is an
error: a bug that a page turned into a polite banner would fail here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from dotoro_local import Contract
from sync_monitor import runtime
from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome
from tests.support.apptest import Monitor
from tests.support.waiting import wait_until

WINDOWS = ("24h", "7d", "30d", "90d")


def recorded_all_the_backends_history(m: Monitor) -> None:
    """Wait until the recorder holds every finished job the bundled API lists (its backfill
    of the seeded days, a few pages at a time as the request budget allows)."""
    finished = len(m.api.ended_jobs())
    assert finished > 1000  # 30 days of a simulated team

    def recorded() -> bool:
        history: History | None = runtime.services().history()
        return history is not None and history.count() >= finished

    wait_until(recorded, "the backfill of the seeded history", timeout=90, every=0.25)


def no_error_on(m: Monitor) -> None:
    assert not m.app.exception, [e.value for e in m.app.exception]
    assert [e.value for e in m.app.error] == []


def test_the_live_page_on_the_default_scene(default_scene: Monitor) -> None:
    m = default_scene
    m.run()
    # Running and failed syncs, and the finished ones the charts count (from the listing).
    m.wait(lambda s: s.loaded and bool(s.active and s.failed and s.finished), timeout=60)
    no_error_on(m)
    assert [x.label for x in m.app.metric][:3] == ["Syncing now", "Queued", "Failed (24 h)"]
    headings = [h.value for h in m.app.subheader]
    for heading in ("Syncing now", "Queue", "Failed in the last 24 hours", "Summary"):
        assert heading in headings, headings
    assert len(m.app.get("vega_lite_chart")) == 3  # the summary's three charts
    recent = [e for e in m.app.expander if e.label == "Recent actions"]
    assert len(recent) == 1


@pytest.mark.parametrize("window", WINDOWS)
def test_the_analysis_page_on_the_default_scene_has_its_tables_charts_and_downloads(
    default_scene: Monitor, window: str
) -> None:
    m = default_scene
    m.run()
    recorded_all_the_backends_history(m)
    m.app.query_params.update({"window": window})
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    no_error_on(m)
    figures = {x.label: x.value for x in m.app.metric}
    assert int(str(figures["Syncs attempted"]).replace(",", "")) > 0
    assert len(m.app.get("vega_lite_chart")) == 3
    platforms, groups, signatures, attempts = (d.value for d in m.app.dataframe)
    assert platforms["attempted"].sum() > 0
    assert len(groups) > 0
    assert set(groups["state"]) <= {"new", "ongoing", "regressed", "escalating", "resolved"}
    assert len(signatures) > 0
    assert signatures["sample"].map(type).eq(str).all()
    assert len(attempts) > 0
    downloads = [getattr(b, "label", None) for b in m.app.get("download_button")]
    assert downloads == ["Download the signatures (CSV)", "Download the attempts (CSV)"]


def test_failures_the_service_gave_no_reason_for_are_in_the_analysis_tables(
    monitor_factory: Callable[..., Monitor],
) -> None:
    """Against the service as deployed every failure comes without its text (§3.4): their
    signature shows as such, and the tables are drawn (a missing sample once broke them, and
    the page blamed the database)."""
    m = monitor_factory(Contract.HEAD, workers=0)
    m.api.create_set(name="Broken without a word", failed_error="boom")
    m.run()

    def recorded() -> bool:
        history = runtime.services().history()
        return history is not None and history.count() == 1  # the failure, seen by a poll

    wait_until(recorded, "the failure in the history")
    # And one with its text, from a backend that says why (the two once made a NaN sample).
    history = runtime.services().history()
    assert history is not None
    said = datetime.now(UTC) - timedelta(minutes=5)
    history.record(
        [
            Attempt(
                key="job:with-text",
                set_id="set-with-text",
                set_name="Broken with a reason",
                platform=Platform.META,
                state=Outcome.FAILED,
                at=said,
                finished_at=said,
                error="Meta API error 503: Service Unavailable",
            )
        ]
    )
    # Whole days, up to today's end: the rolling windows end at the minute (this one is young).
    today = datetime.now(UTC).date()
    m.app.query_params.update(
        {"window": "custom", "from": str(today - timedelta(days=1)), "to": str(today)}
    )
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    no_error_on(m)
    _, groups, signatures, attempts = (d.value for d in m.app.dataframe)
    assert list(groups["cause"]) == [
        "(the service gave no reason)",  # both new, one failure each: the latest first
        "meta api error 503: service unavailable",
    ]
    assert list(signatures["signature"]) == [
        "(the service gave no reason)",
        "meta api error 503: service unavailable",
    ]
    assert list(signatures["sample"]) == ["", "Meta API error 503: Service Unavailable"]
    assert list(attempts["set_name"]) == ["Broken without a word", "Broken with a reason"]


def test_the_weekly_digest_page_on_the_default_scene(default_scene: Monitor) -> None:
    m = default_scene
    m.run()
    recorded_all_the_backends_history(m)
    board = runtime.services().clients
    wait_until(lambda: board.loaded and bool(board.get().clients), "the clients' board", 30)
    m.app.switch_page("app_pages/digest.py")
    m.run()
    no_error_on(m)
    assert next(h.value for h in m.app.subheader).startswith("The week of ")
    said = "\n".join(e.value for e in m.app.markdown)
    assert "syncs finished" in said
    assert [e.proto.page for e in m.app.get("page_link")][:1] == ["clients"]  # per client
    assert "What failed and why" in said  # the simulator's failures, in words


def test_the_clients_and_alerts_pages_on_the_default_scene(default_scene: Monitor) -> None:
    m = default_scene
    m.run()
    recorded_all_the_backends_history(m)
    board = runtime.services().clients
    wait_until(lambda: board.loaded and bool(board.get().clients), "the clients' board", 30)
    m.app.switch_page("app_pages/clients.py")
    m.run()
    no_error_on(m)
    assert len(m.app.expander) == len(board.get().clients) > 1
    said = m.texts().replace("\\", "")
    for state in ("Up to date (synced", "Syncing now", "Waiting to sync", "Failing since"):
        assert state in said, state
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", said)
    m.app.switch_page("app_pages/alerts.py")
    m.run()
    no_error_on(m)
    firing, resolved = (h.value for h in m.app.subheader[:2])
    assert firing.startswith("Firing now (")
    assert resolved == "Resolved"
