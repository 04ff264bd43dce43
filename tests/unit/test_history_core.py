"""The history's pure core (issue 11): error signatures, percentiles from histograms, the view
read from a URL, and the observer that turns the hub's snapshots into attempts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from sync_monitor.dotoro.models import JobState, Platform, Progress, StatusSummary, SyncJob
from sync_monitor.history import Attempt, Outcome, View, Window
from sync_monitor.history.analysis import Counts, figures, percentile
from sync_monitor.history.attempt import Source, from_queue, job_key
from sync_monitor.history.observe import Observer
from sync_monitor.history.signature import signature
from sync_monitor.history.view import parse, to_query
from sync_monitor.live.build import Moment, build
from sync_monitor.live.endings import Told
from sync_monitor.live.snapshot import Backend, BackendKind, Snapshot
from sync_monitor.live.tracker import Tracker
from sync_monitor.pgboss.jobs import QueueJob
from tests.support.rows import AT, built, job_id, known, row, set_id, status

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "Reddit Ads API error 429: retry after 6 s (request 9f2c1ab3d4)",
            "Reddit Ads API error 429: retry after 30 s (request b81e00ff99)",
        ),
        (
            'Campaign "Acme Q4" rejected: bid 1.50 below minimum 2.00',
            'Campaign "Other" rejected: bid 0.20 below minimum 2.00',
        ),
        (
            "Token expired at 2026-11-30T10:00:00Z for ops@acme.com",
            "Token expired at 2026-12-01T08:30:00Z for ann@example.org",
        ),
        ("see https://ads.example/a?id=1", "see https://ads.example/b?id=2"),
        (
            "job 6f1c2b7e-0000-4000-8000-000000000001 lost",
            "job 0a9d3e22-1111-4111-8111-111111111111 lost",
        ),
    ],
)
def test_signatures_group_what_varies_only_in_numbers_ids_and_values(one: str, other: str) -> None:
    assert signature(one) == signature(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Reddit Ads API error 429: rate limited", "Reddit Ads API error 503: rate limited"),
        ("HTTP 500 from Google", "HTTP 502 from Google"),
        (
            "Meta API error 503: Service Unavailable",
            "Google Ads API error 503: Service Unavailable",
        ),
        ("handler execution exceeded 900s", "campaign rejected"),
    ],
)
def test_signatures_keep_causes_apart(one: str, other: str) -> None:
    assert signature(one) != signature(other)


def test_signature_is_empty_without_text_and_bounded() -> None:
    assert signature(None) == signature("  ") == ""
    assert len(signature("word " * 1000)) == 200


def test_percentile_of_a_histogram_is_nearest_rank() -> None:
    histogram = pd.DataFrame({"seconds": [30, 40, 50, 60, 120], "count": [1, 1, 1, 1, 1]})
    assert percentile(histogram, 0.5) == 50
    assert percentile(histogram, 0.9) == 120
    assert percentile(histogram, 0.0) == 30
    weighted = pd.DataFrame({"seconds": [10, 20], "count": [9, 1]})
    assert percentile(weighted, 0.9) == 10
    assert percentile(weighted, 0.91) == 20
    assert percentile(histogram.iloc[:0], 0.5) is None


def test_figures_are_none_where_nothing_finished() -> None:
    empty = pd.DataFrame({"seconds": [], "count": []})
    shown = figures(Counts(attempted=2), empty, empty)
    assert (shown.attempted, shown.failure_rate, shown.final_rate) == (2, None, None)
    rates = figures(Counts(4, 4, 1, 2, 1, 2, 0), empty, empty)
    assert (rates.failure_rate, rates.first_attempt_rate, rates.final_rate) == (0.25, 0.5, 0.0)


def test_a_url_reads_into_a_view_and_back() -> None:
    query = {
        "window": ["custom"],
        "from": ["2026-11-01"],
        "to": ["2026-11-15"],
        "platform": ["meta,reddit"],
        "set": ["set-1"],
        "category": ["outage"],
        "state": ["failed"],
        "compare": ["1"],
    }
    parsed = parse(query, TODAY)
    assert parsed.notes == []
    view = parsed.view
    assert view == View(
        window=Window.CUSTOM,
        start=date(2026, 11, 1),
        end=date(2026, 11, 15),
        platforms=(Platform.META, Platform.REDDIT),
        set_id="set-1",
        categories=("outage",),
        states=(Outcome.FAILED,),
        compare=True,
    )
    assert parse({k: [v] for k, v in to_query(view).items()}, TODAY).view == view
    assert view.bounds(NOW) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 16, tzinfo=UTC),
    )
    assert view.previous(NOW)[0] == datetime(2026, 10, 17, tzinfo=UTC)
    assert view.bucket(NOW) == timedelta(days=1)
    assert view.name() == "sync-failures-20261101-20261115-meta-reddit-outage-failed-set"
    assert to_query(View()) == {}


@pytest.mark.parametrize(
    "query",
    [
        {"window": ["forever"]},
        {"window": ["custom"], "from": ["2026-11-01"]},
        {"window": ["custom"], "from": ["2020-01-01"], "to": ["2026-01-01"]},
        {"window": ["custom"], "from": ["2027-01-01"], "to": ["2027-01-02"]},
        {"window": ["custom"], "from": ["2020-01-01"], "to": ["2020-01-31"]},
        {"window": ["custom"], "from": ["2026-11-30"], "to": ["2026-12-01"]},
        {"platform": ["tiktok"]},
        {"state": ["queued"]},
        {"category": ["<b>x</b>"]},
        {"set": ["a b"]},
        {"compare": ["yes please"]},
    ],
)
def test_a_bad_value_is_dropped_with_a_note(query: dict[str, list[str]]) -> None:
    parsed = parse(query, TODAY)
    assert len(parsed.notes) == 1, parsed.notes
    assert parsed.view.window in (Window.WEEK, Window.DAY)
    assert parsed.view.platforms == ()
    assert parsed.view.set_id is None


def snap(minute: int, **lists: tuple[SyncJob, ...]) -> Snapshot:
    when = NOW + timedelta(minutes=minute)
    return built(known(status(**lists), polled_at=when), replace(AT, now=when))


def test_the_observer_follows_a_job_by_its_id_and_counts_it_once() -> None:
    observer = Observer([], lambda ids: {})
    queued = row(1, state=JobState.CREATED, created=NOW)
    running = row(1, state=JobState.ACTIVE, progress=Progress(synced=3, failed=0, total=10))
    [first] = observer.observe(snap(0, pending=(queued,)))
    assert (first.key, first.state) == (job_key(job_id(1)), Outcome.QUEUED)
    [second] = observer.observe(snap(1, active=(running,)))
    assert (second.key, second.state, second.synced) == (first.key, Outcome.ACTIVE, 3)
    assert observer.observe(snap(1, active=(running,))) == []  # the same poll again: nothing
    [ended] = observer.observe(snap(2))
    assert (ended.key, ended.state) == (first.key, Outcome.COMPLETED)
    assert ended.finished_at == NOW + timedelta(minutes=2)


def test_a_job_the_queue_table_says_was_cancelled_is_recorded_cancelled() -> None:
    """From the tracker to the history: a queued job and a running one that the table says
    were cancelled end as cancelled, not as completed (the lists alone cannot tell)."""
    tracker, observer = Tracker(), Observer([], lambda ids: {})
    tracker.set_backend(Backend(BackendKind.LIVE))

    def observed(minute: int, lists: StatusSummary, told: Told | None = None) -> list[Attempt]:
        when = NOW + timedelta(minutes=minute)
        tracker.absorb(lists, when, 0.0, (), told=told)
        return observer.observe(build(tracker.known, Moment(now=when, mono=0.0, version=1)))

    lists = status(pending=(row(1, state=JobState.CREATED),), active=(row(2),))
    assert {a.state for a in observed(0, lists)} == {Outcome.QUEUED, Outcome.ACTIVE}
    cancelled_at = NOW + timedelta(seconds=70)
    told: Told = {
        job_id(1): (JobState.CANCELLED, cancelled_at),
        job_id(2): (JobState.CANCELLED, cancelled_at),
    }
    ended = {a.key: a for a in observed(2, status(), told)}
    for n in (1, 2):
        assert ended[job_key(job_id(n))].state is Outcome.CANCELLED
        assert ended[job_key(job_id(n))].finished_at == cancelled_at


def test_a_listed_failure_is_recorded_once_across_restarts() -> None:
    failing = row(1, head=True, state=JobState.FAILED).model_copy(update={"error": "boom"})
    [recorded] = Observer([], lambda ids: {}).observe(snap(0, failed=(failing,)))
    assert recorded.state is Outcome.FAILED
    known: dict[str, Attempt] = {set_id(1): recorded}
    assert Observer([], lambda ids: known).observe(snap(5, failed=(failing,))) == []
    retried = failing.model_copy(update={"error": "boom again"})  # a new failure of the set
    [again] = Observer([], lambda ids: known).observe(snap(9, failed=(retried,)))
    assert again.key != recorded.key


def test_an_ended_queue_job_is_an_attempt_with_its_outcome_and_no_invented_name() -> None:
    job = QueueJob(
        id=job_id(1),
        set_id=set_id(1),
        platform=Platform.META,
        state=JobState.CANCELLED,
        priority=0,
        retry_count=0,
        retry_limit=2,
        start_after=NOW,
        created_on=NOW,
        started_on=NOW + timedelta(seconds=5),
        completed_on=NOW + timedelta(seconds=65),
        error=None,
        stack=None,
    )
    attempt = from_queue(job, "")
    assert (attempt.key, attempt.state, attempt.source) == (
        job_key(job_id(1)),
        Outcome.CANCELLED,
        Source.QUEUE,
    )
    assert attempt.set_name == ""  # unknown until the API lists the set: not its id
    assert from_queue(job, "Acme").set_name == "Acme"
