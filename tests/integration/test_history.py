"""The failure history on real databases (issue 11): every test runs on a SQLite file and on a
fresh PostgreSQL database, through the same code path, from an empty database (the migrations
build the schema)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text

from sync_monitor.dotoro.models import JobState, Platform, SyncJob
from sync_monitor.history import (
    Attempt,
    History,
    HistoryUnavailable,
    Outcome,
    View,
    ViewWarning,
    Window,
)
from sync_monitor.history.observe import Observer
from sync_monitor.history.queries import SAMPLE_CHUNK
from sync_monitor.history.store import MIGRATIONS
from sync_monitor.live.snapshot import Snapshot
from tests.support.databases import database
from tests.support.logs import LoggedErrors
from tests.support.rows import AT, built, known, row, set_id, status

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
RATE_LIMIT_6 = "Reddit Ads API error 429: retry after 6 s"
RATE_LIMIT_30 = "Reddit Ads API error 429: retry after 30 s"
OUTAGE = "Meta API error 503: Service Unavailable"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def history(url: str) -> Iterator[History]:
    opened = History.open(url)
    yield opened
    opened.close()


def attempt(
    key: str,
    set_n: int,
    state: Outcome,
    began_h: float,
    *,
    platform: Platform = Platform.REDDIT,
    wait_s: float = 0,
    run_s: float | None = None,
    error: str | None = None,
) -> Attempt:
    """An attempt that began `began_h` hours before NOW, waited and ran as given."""
    began = NOW - timedelta(hours=began_h)
    started = began + timedelta(seconds=wait_s)
    return Attempt(
        key=key,
        set_id=set_id(set_n),
        set_name=f"set {set_n}",
        platform=platform,
        state=state,
        at=began,
        job_id=key.removeprefix("job:"),
        queued_at=began,
        started_at=started if run_s is not None or state is Outcome.ACTIVE else None,
        finished_at=started + timedelta(seconds=run_s) if run_s is not None else None,
        error=error,
    )


def test_migrations_build_the_schema_on_an_empty_database_once(url: str) -> None:
    with History.open(url) as first:
        with first.engine.connect() as connection:
            assert "attempts" in inspect(connection).get_table_names()
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            assert versions == [("0010",)]
            assert "audit" in inspect(connection).get_table_names()
        first.record([attempt("job:a", 1, Outcome.COMPLETED, 1, run_s=5)])
    with History.open(url) as again:  # a restart: the schema is there, the rows too
        assert again.count() == 1


@contextmanager
def at_revision(url: str, revision: str) -> Iterator[Connection]:
    """A history built up to `revision` only (as an older monitor left it), and a connection
    to write into it before the next open migrates it."""
    with History.open(url, migrate=False) as old, old.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        yield connection


def test_an_old_schema_is_migrated_with_its_rows(url: str) -> None:
    """A history written at revision 0001 (before durations were kept in seconds) is brought
    to the head at open, its rows kept and their durations filled in."""
    with at_revision(url, "0001") as connection:
        connection.execute(
            text(
                "INSERT INTO attempts (key, set_id, set_name, platform, attempt, at_ms, "
                "queued_ms, started_ms, finished_ms, state, category, signature, source, "
                "updated_ms) VALUES ('job:old', 's', 'Old', 'meta', 1, 1000, 1000, 4000, "
                "64000, 'completed', '', '', 'status', 64000)"
            )
        )
    with History.open(url) as migrated:
        [row] = migrated.attempts(window="90d", now=datetime(1970, 1, 2, tzinfo=UTC)).to_dict(
            "records"
        )
        assert migrated.sets() == [("s", "Old")]
    assert (row["key"], row["run_s"], row["wait_s"]) == ("job:old", 60, 3)


def test_a_migration_that_fails_halfway_changes_nothing(
    url: str, logged_errors: LoggedErrors
) -> None:
    """Every migration step is one transaction with its version, on SQLite too (where pysqlite
    would commit each CREATE and ALTER alone): a step that fails halfway leaves the schema and
    the rows as they were, and the next open, once the cause is gone, completes it."""
    # PostgreSQL refuses the step (a ProgrammingError, logged with its traceback); SQLite's
    # driver calls the same refusal an OperationalError, as it does a locked file.
    logged_errors.expect("the history's schema could not be upgraded")
    with at_revision(url, "0003") as connection:
        connection.execute(
            text(
                "INSERT INTO attempts (key, set_id, set_name, platform, attempt, at_ms, "
                "state, category, signature, source, updated_ms) VALUES ('job:old', 's', "
                "'Old', 'meta', 1, 1000, 'completed', '', '', 'status', 64000)"
            )
        )
        # Revision 0004 adds a column and an index, then creates an index by this name.
        connection.execute(text("CREATE TABLE squatter (x INTEGER)"))
        connection.execute(text("CREATE INDEX ix_attempts_runs ON squatter (x)"))
    with pytest.raises(HistoryUnavailable):
        History.open(url)
    with History.open(url, migrate=False) as failed, failed.engine.begin() as connection:
        schema = inspect(connection)
        assert "hour" not in {c["name"] for c in schema.get_columns("attempts")}
        assert "ix_attempts_hours" not in {i["name"] for i in schema.get_indexes("attempts")}
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0003"
        )
        connection.execute(text("DROP TABLE squatter"))
    with History.open(url) as migrated:
        [row] = migrated.attempts(window="90d", now=datetime(1970, 1, 2, tzinfo=UTC)).to_dict(
            "records"
        )
    assert row["key"] == "job:old"


def test_an_attempt_seen_again_counts_once_with_its_latest_progress(history: History) -> None:
    running = replace(attempt("job:a", 1, Outcome.ACTIVE, 1), synced=3, total=10)
    history.record([running])
    history.record([replace(running, synced=7)])
    history.record([replace(running, synced=7)])
    rows = history.attempts(window="24h", now=NOW)
    assert len(rows) == 1
    assert rows.loc[0, "synced"] == 7
    assert rows.loc[0, "state"] == "active"


def test_a_finished_attempt_is_not_reopened_by_a_late_sighting(history: History) -> None:
    running = attempt("job:a", 1, Outcome.ACTIVE, 1)
    failed = replace(running, state=Outcome.FAILED, finished_at=NOW, error=OUTAGE)
    history.record([failed])
    history.record([running])  # a stale poll that still listed it as running
    [kept] = history.attempts(window="24h", now=NOW).to_dict("records")
    assert (kept["state"], kept["error"], kept["category"]) == ("failed", OUTAGE, "outage")


def test_attempts_are_numbered_by_when_they_began_whatever_the_order_recorded(
    history: History,
) -> None:
    history.record([attempt("job:c", 1, Outcome.FAILED, 1, run_s=1, error=OUTAGE)])
    history.record([attempt("job:a", 1, Outcome.FAILED, 5, run_s=1, error=OUTAGE)])
    history.record([attempt("job:b", 1, Outcome.FAILED, 3, run_s=1, error=OUTAGE)])
    rows = history.attempts(window="24h", now=NOW)
    assert dict(zip(rows["key"], rows["attempt"], strict=True)) == {
        "job:a": 1,
        "job:b": 2,
        "job:c": 3,
    }


def worked_example(history: History) -> None:
    """Three sets in the last 24 h, and one attempt in the 24 h before:
    set 1 (Reddit): failed after 60 s (waited 10 s), then completed in 120 s (waited 20 s);
    set 2 (Google): completed in 30 s, no wait;
    set 3 (Meta): failed (503) after 40 s, then failed (429) after 50 s;
    set 4 (Reddit), the day before: failed (429)."""
    history.record(
        [
            attempt("job:1", 1, Outcome.FAILED, 10, wait_s=10, run_s=60, error=RATE_LIMIT_6),
            attempt("job:2", 1, Outcome.COMPLETED, 8, wait_s=20, run_s=120),
            attempt("job:3", 2, Outcome.COMPLETED, 7, run_s=30, platform=Platform.GOOGLE),
            attempt("job:4", 3, Outcome.FAILED, 6, run_s=40, platform=Platform.META, error=OUTAGE),
            attempt(
                "job:5", 3, Outcome.FAILED, 5, run_s=50, platform=Platform.META, error=RATE_LIMIT_30
            ),
            attempt("job:6", 4, Outcome.FAILED, 30, run_s=5, error=RATE_LIMIT_6),
        ]
    )


def test_figures_on_a_worked_example(history: History) -> None:
    worked_example(history)
    found = history.analysis(View(window=Window.DAY, compare=True), now=NOW)
    figures = found.figures
    assert (figures.attempted, figures.failed) == (5, 3)
    assert figures.failure_rate == pytest.approx(3 / 5)
    assert figures.first_attempt_rate == pytest.approx(2 / 3)  # sets 1 and 3 failed at first
    assert figures.final_rate == pytest.approx(1 / 3)  # after retries only set 3 is failed
    assert figures.median_duration_s == 50  # 30, 40, 50, 60, 120
    assert figures.p90_duration_s == 120
    assert figures.median_wait_s == 0  # 0, 0, 0, 10, 20
    assert found.previous is not None
    assert (found.previous.attempted, found.previous.failure_rate) == (1, 1.0)

    # Failures by cause: the two 429s group whatever their wait, the 503 stands apart.
    table = found.signatures
    assert list(table["signature"]) == [
        "reddit ads api error 429: retry after <n> s",
        "meta api error 503: service unavailable",
    ]
    assert list(table["count"]) == [2, 1]
    assert list(table["sets"]) == [2, 1]
    assert list(table["share"]) == pytest.approx([2 / 3, 1 / 3])
    assert list(table["category"]) == ["rate_limit", "outage"]
    # Each signature's sample is the message of its newest failure in the view.
    assert list(table["sample"]) == [RATE_LIMIT_30, OUTAGE]
    reddit = history.analysis(View(window=Window.DAY, platforms=(Platform.REDDIT,)), now=NOW)
    assert list(reddit.signatures["sample"]) == [RATE_LIMIT_6]
    pairs = found.by_signature.sort_values(["signature", "platform"])
    assert pairs.values.tolist() == [
        ["meta api error 503: service unavailable", "meta", 1],
        ["reddit ads api error 429: retry after <n> s", "meta", 1],
        ["reddit ads api error 429: retry after <n> s", "reddit", 1],
    ]
    over_time = found.over_time
    assert int(over_time["finished"].sum()) == 5
    assert int(over_time["failed"].sum()) == 3


def test_first_tries_are_attempts_that_do_not_retry_a_failure(history: History) -> None:
    """A set that synced long before the window (its attempts numbered 5, 6 … now) still has
    first tries: only an attempt right after a failure of its set is a retry."""
    history.record(
        [attempt(f"job:old-{n}", 1, Outcome.COMPLETED, 24 * 20 + n, run_s=5) for n in range(4)]
        + [
            attempt("job:1", 1, Outcome.FAILED, 10, run_s=5, error=OUTAGE),  # first try
            attempt("job:2", 1, Outcome.FAILED, 9, run_s=5, error=OUTAGE),  # retry
            attempt("job:3", 1, Outcome.COMPLETED, 8, run_s=5),  # retry
            attempt("job:4", 1, Outcome.COMPLETED, 7, run_s=5),  # first try
            attempt("job:5", 2, Outcome.CANCELLED, 6),
            attempt("job:6", 2, Outcome.FAILED, 5, run_s=5, error=OUTAGE),  # first try
            # Before the window, a failure: the window's first attempt of set 3 retries it.
            attempt("job:7", 3, Outcome.FAILED, 30, run_s=5, error=OUTAGE),
            attempt("job:8", 3, Outcome.COMPLETED, 4, run_s=5),  # retry
        ]
    )
    figures = history.analysis(View(window=Window.DAY), now=NOW).figures
    assert figures.first_attempt_rate == pytest.approx(2 / 3)  # job:1, job:4, job:6
    assert figures.failure_rate == pytest.approx(3 / 6)
    # Whatever the filter: with only completed attempts shown, job:3 and job:8 still retry
    # failures that the filter hides.
    completed = history.analysis(View(window=Window.DAY, states=(Outcome.COMPLETED,)), now=NOW)
    assert completed.figures.first_attempt_rate == 0.0  # job:4 alone


def retry_flags(history: History) -> dict[str, bool]:
    with history.engine.connect() as connection:
        rows = connection.execute(text("SELECT key, retry FROM attempts")).all()
    return {str(key): bool(retry) for key, retry in rows}


def test_each_attempt_says_whether_it_retries_a_failure_as_the_history_grows(
    history: History,
) -> None:
    """Kept at write time: an attempt seen running becomes a retry's cause once it fails, and
    one recorded late (from the backend's history) takes its place between two others."""
    history.record(
        [attempt("job:1", 1, Outcome.ACTIVE, 10), attempt("job:3", 1, Outcome.ACTIVE, 8)]
    )
    assert retry_flags(history) == {"job:1": False, "job:3": False}
    history.record([attempt("job:1", 1, Outcome.FAILED, 10, run_s=5, error=OUTAGE)])
    assert retry_flags(history) == {"job:1": False, "job:3": True}
    # Recorded late, between the two: it retries job:1, and job:3 now follows a success.
    history.record([attempt("job:2", 1, Outcome.COMPLETED, 9, run_s=5)])
    assert retry_flags(history) == {"job:1": False, "job:2": True, "job:3": False}
    assert history.analysis(View(window=Window.DAY), now=NOW).figures.first_attempt_rate == 1.0


def test_an_older_history_learns_which_attempts_retried_a_failure(url: str) -> None:
    with at_revision(url, "0006") as connection:
        for key, at, state in (("job:a", 1000, "failed"), ("job:b", 2000, "completed")):
            connection.execute(
                text(
                    "INSERT INTO attempts (key, set_id, set_name, platform, attempt, at_ms, "
                    "hour, state, category, signature, source, updated_ms) VALUES "
                    f"('{key}', 's', 'Old', 'meta', 1, {at}, 0, '{state}', '', '', 'status', {at})"
                )
            )
    with History.open(url) as migrated:
        assert retry_flags(migrated) == {"job:a": False, "job:b": True}


def test_comparing_gives_the_period_before_of_every_chart_and_table(history: History) -> None:
    worked_example(history)
    found = history.analysis(View(window=Window.DAY, compare=True), now=NOW)
    assert found.at == NOW
    earlier = found.earlier
    assert earlier is not None
    # The day before's failure (30 h ago), drawn on this day's hours: 30 h - 24 h = 6 h ago.
    [before] = earlier.over_time.dropna(subset=["failure_rate"]).to_dict("records")
    assert before["was"] == pd.Timestamp("2026-11-29 06:00", tz="UTC")
    assert before["bucket"] == pd.Timestamp("2026-11-30 06:00", tz="UTC")
    assert list(earlier.by_signature["count"]) == [1]
    assert int(earlier.durations["count"].sum()) == 1
    table = found.signatures.set_index("signature")
    assert table.loc[
        "reddit ads api error 429: retry after <n> s", ["previous", "change"]
    ].tolist() == [1, 1]
    assert table.loc[
        "meta api error 503: service unavailable", ["previous", "change"]
    ].tolist() == [0, 1]
    platforms = found.by_platform.set_index("platform")
    assert platforms.loc["reddit", ["attempted", "failed", "previous_attempted"]].tolist() == [
        2,
        1,
        1,
    ]
    assert platforms.loc["reddit", "change_pts"] == -50.0  # 50 % against 100 %
    assert pd.isna(platforms.loc["meta", "previous_rate"])  # no Meta sync the day before
    alone = history.analysis(View(window=Window.DAY), now=NOW)
    assert alone.earlier is None
    assert "change" not in alone.signatures
    assert "change_pts" not in alone.by_platform


def test_every_bucket_of_the_window_is_in_the_chart_an_empty_one_without_a_rate(
    history: History,
) -> None:
    history.record(
        [
            attempt("job:1", 1, Outcome.FAILED, 24 * 5, run_s=5, error=OUTAGE),
            attempt("job:2", 1, Outcome.COMPLETED, 24 * 1, run_s=5),
        ]
    )
    over_time = history.analysis(View(window=Window.WEEK), now=NOW).over_time
    # Daily beyond 24 h: 8 days touch the last 7 × 24 h (the first and last in part).
    assert len(over_time) == 8
    assert set(over_time["platform"]) == {"reddit"}
    assert over_time["bucket"].diff().dropna().eq(pd.Timedelta(days=1)).all()
    assert over_time["failure_rate"].notna().sum() == 2
    assert over_time.loc[over_time["finished"] == 0, "failure_rate"].isna().all()


def test_every_signature_of_many_gets_the_message_of_its_newest_failure(history: History) -> None:
    """More signatures than one query reads samples for: each still gets its own newest
    message, whatever failures of other signatures share its time."""

    def word(n: int) -> str:
        return "".join(chr(ord("a") + (n // 26**k) % 26) for k in range(3))

    failures = []
    for n in range(SAMPLE_CHUNK + 100):
        for hours, tag in ((5.0, 1), (1.0 + (n % 7) / 10, 2)):  # numbers: one signature
            failures.append(
                attempt(
                    f"job:{n}-{tag}",
                    n,
                    Outcome.FAILED,
                    hours,
                    run_s=1,
                    error=f"E {word(n)} try {tag}",
                )
            )
    history.record(failures)
    table = history.analysis(View(window=Window.DAY), now=NOW).signatures
    assert len(table) == SAMPLE_CHUNK + 100
    assert [s for s in table["sample"] if not s.endswith(" try 2")] == []
    assert {s.split()[1] for s in table["sample"]} == {word(n) for n in range(SAMPLE_CHUNK + 100)}


def test_failures_without_text_have_an_empty_sample_not_a_missing_one(history: History) -> None:
    """The service gives no reason for some failures (`error` absent, or empty): their
    signature's sample is "" (a NaN here once broke the analysis page's tables)."""
    history.record(
        [
            attempt("job:1", 1, Outcome.FAILED, 3, run_s=1, error="Reddit said 503"),
            attempt("job:2", 2, Outcome.FAILED, 2, run_s=1, error=""),
            attempt("job:3", 3, Outcome.FAILED, 1, run_s=1, error=None),
        ]
    )
    table = history.analysis(View(window=Window.DAY), now=NOW).signatures
    samples = dict(zip(table["signature"], table["sample"], strict=True))
    assert samples == {"reddit said <n>": "Reddit said 503", "": ""}
    assert table["count"].tolist() == [2, 1]


def test_filters_a_platform_without_failures_and_an_empty_window(history: History) -> None:
    worked_example(history)
    google = history.analysis(View(window=Window.DAY, platforms=(Platform.GOOGLE,)), now=NOW)
    assert (google.figures.attempted, google.figures.failure_rate) == (1, 0.0)
    assert google.signatures.empty
    empty = View(window=Window.CUSTOM, start=date(2020, 1, 1), end=date(2020, 1, 31))
    nothing = history.analysis(empty, now=NOW).figures
    assert (nothing.attempted, nothing.failure_rate, nothing.final_rate) == (0, None, None)
    assert nothing.median_duration_s is None
    only_failed = history.attempts(View(window=Window.DAY, states=(Outcome.FAILED,)), now=NOW)
    assert sorted(only_failed["key"]) == ["job:1", "job:4", "job:5"]
    outages = history.attempts(View(window=Window.WEEK, categories=("outage",)), now=NOW)
    assert list(outages["key"]) == ["job:4"]


def test_a_notebook_filters_as_the_page_does_and_warns_where_the_page_notes(
    history: History,
) -> None:
    """Issue 23: `platform="meta,reddit"` gave an empty frame and an unknown platform a bare
    ValueError, where the page reads the list and notes the unknown value."""
    worked_example(history)
    both = history.attempts(window="24h", platform="meta,reddit", now=NOW)
    assert sorted(both["key"]) == ["job:1", "job:2", "job:4", "job:5"]
    assert set(both["platform"]) == {"meta", "reddit"}
    with pytest.warns(ViewWarning, match=r"Unknown platform 'tiktok'.*reddit, google or meta"):
        unfiltered = history.attempts(window="24h", platform="tiktok", now=NOW)
    assert len(unfiltered) == 5  # left out of the filter, as on the page: every platform's rows
    with pytest.warns(ViewWarning, match=r"Unknown window '1y'.*24h, 7d, 30d, 90d or custom"):
        assert len(history.attempts(window="1y", now=NOW)) == 6  # the page's 7 days
    failed = history.attempts(window="24h", state="failed", category="rate_limit", now=NOW)
    assert sorted(failed["key"]) == ["job:1", "job:5"]
    from_keywords = history.analysis(now=NOW, window="24h", platform="reddit", compare=True)
    reddit = View(window=Window.DAY, platforms=(Platform.REDDIT,), compare=True)
    assert from_keywords.figures == history.analysis(reddit, now=NOW).figures
    assert from_keywords.previous == history.analysis(reddit, now=NOW).previous
    with pytest.raises(TypeError, match=r"^view: given with filters"):
        history.attempts(reddit, platform="meta")


def snap(minute: int, **lists: tuple[SyncJob, ...]) -> Snapshot:
    """The hub's snapshot of a poll at NOW + `minute` minutes, against the service as deployed
    (no job ids)."""
    when = NOW + timedelta(minutes=minute)
    return built(known(status(**lists), polled_at=when), replace(AT, now=when))


def test_a_restart_in_the_middle_of_recording_counts_nothing_twice(url: str) -> None:
    queued = row(1, head=True, state=JobState.CREATED, created=NOW - timedelta(days=40))
    running = row(1, head=True, state=JobState.ACTIVE, created=NOW - timedelta(days=40))
    failing = row(1, head=True, state=JobState.FAILED).model_copy(update={"error": OUTAGE})

    first = History.open(url)
    observer = Observer(first.open_attempts(), first.latest_by_set)
    first.record(observer.observe(snap(0, pending=(queued,))))
    first.record(observer.observe(snap(1, active=(running,))))
    first.close()  # the process stops while the sync runs

    second = History.open(url)
    observer = Observer(second.open_attempts(), second.latest_by_set)
    assert [a.state for a in observer.open.values()] == [Outcome.ACTIVE]
    second.record(observer.observe(snap(2, active=(running,))))
    second.record(observer.observe(snap(3, failed=(failing,))))
    second.close()

    third = History.open(url)  # and again: the failure is still listed, and known
    observer = Observer(third.open_attempts(), third.latest_by_set)
    third.record(observer.observe(snap(4, failed=(failing,))))
    rows = third.attempts(window="24h", now=NOW + timedelta(minutes=5))
    third.close()
    assert len(rows) == 1
    [only] = rows.to_dict("records")
    assert (only["state"], only["error"], only["attempt"]) == ("failed", OUTAGE, 1)
    # On head the queue time is the set's creation (40 days ago): the attempt counts from
    # when the monitor first saw it queued instead.
    assert only["at"] == pd.Timestamp(NOW)
    assert only["started"] == pd.Timestamp(NOW + timedelta(minutes=1))
    assert only["finished"] == pd.Timestamp(NOW + timedelta(minutes=3))


def test_hostile_text_is_kept_and_an_unknown_name_never_replaces_a_known_one(
    history: History,
) -> None:
    named = replace(
        attempt("job:n", 1, Outcome.FAILED, 1, run_s=5, error="bad\x00byte"),
        set_name="Acme\x00 Q4",
        set_id="s" * 300,  # longer than any id: kept to the column's length
    )
    history.record([named])
    history.record([replace(named, set_name="")])  # seen again from the queue, name unknown
    [row] = history.attempts(window="24h", now=NOW).to_dict("records")
    assert row["set_name"] == "Acme\ufffd Q4"
    assert row["error"] == "bad\ufffdbyte"
    assert row["set_id"] == "s" * 100
    assert history.sets() == [("s" * 100, "Acme\ufffd Q4")]
