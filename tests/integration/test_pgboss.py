"""The pg-boss source (issue 12) against a real PostgreSQL holding pg-boss's schema, beside the
local API as deployed (head: no job ids): the hub shows the queue as the table holds it, read
through a read-only role, and survives the database going away and its rights being taken.

The jobs are made by the real client, pg-boss 12.5.4 driven as Dotoro drives it
(tests/support/pgboss_client.py). Rows are written by hand (tests/support/pgboss.py `insert`)
only for times the client cannot make: it stamps every job with the database's now(), and the
scenes need jobs that ended days ago or waited for days; each such row says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from dotoro_local import Contract
from sync_monitor.dotoro.models import JobState
from sync_monitor.history import History
from sync_monitor.history.recorder import Recorder
from sync_monitor.live.snapshot import QueueSource, Snapshot
from sync_monitor.pgboss.reader import DISCOVER_EVERY, QueueReader
from tests.support import pgboss_client as boss
from tests.support.databases import database, postgres_database
from tests.support.hub import hub_for, stream_opens, wait_for
from tests.support.local_api import quiet_config, running
from tests.support.pgboss import DDL, READER, Job, ago, insert, read_only_role
from tests.support.pgboss_client import QUEUE as Q

THROTTLED = "Reddit Ads API error 429: Too Many Requests"


@pytest.fixture
def queue_db() -> Iterator[str]:
    """The admin URL of a fresh database holding pg-boss's schema."""
    with postgres_database() as url:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(DDL)
        yield url


def ids(snap: Snapshot) -> list[str | None]:
    return [p.job_id for p in snap.pending]


HISTORIES = pytest.mark.parametrize("kind", ["sqlite", "postgresql"])


@HISTORIES
def test_the_hub_shows_the_queue_the_table_holds(queue_db: str, tmp_path: Path, kind: str) -> None:
    now = datetime.now(UTC)
    reader_url = read_only_role(queue_db, queue_db.rsplit("/", 1)[1])
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:
        sets = {
            k: api.create_set(name=f"Set {k}", platform="reddit", queue=True)["setId"]
            for k in "ABCD"
        }
        # The API lists E as failed: whether a set is failed now (not synced since) is its say.
        sets["E"] = api.create_set(name="Set E", platform="reddit", failed_error="x")["setId"]
        # In this order, each fetch takes the job meant: the only one waiting at that moment.
        steps = [
            boss.create_queue(Q),
            # E fails all three tries (Dotoro's: pg-boss's retry limit 2, no delay).
            boss.dotoro_send(sets["E"], label="failed"),
            *[
                step
                for _ in range(3)
                for step in (boss.fetch(Q), boss.fail(Q, "$failed", error=THROTTLED))
            ],
            # A failed once and runs again: its second try.
            boss.dotoro_send(sets["A"], label="running"),
            boss.fetch(Q),
            boss.fail(Q, "$running", error="Reddit Ads API error 503"),
            boss.fetch(Q),
            # D failed once and waits 10 min to retry.
            boss.dotoro_send(sets["D"], retryDelay=600, label="held"),
            boss.fetch(Q),
            boss.fail(Q, "$held", error="Reddit Ads API error 503"),
            # An earlier job of C, cancelled while it waited.
            boss.dotoro_send(sets["C"], label="cancelled"),
            boss.cancel(Q, "$cancelled"),
            boss.dotoro_send(sets["B"], label="old"),
            boss.dotoro_send(sets["C"], priority=5, label="urgent"),
            # Other queues' jobs share the table.
            boss.create_queue(boss.OTHER_QUEUES[0]),
            boss.send(boss.OTHER_QUEUES[0], {"dataSourceId": "ds-1"}),
        ]
        job = boss.labelled(steps, boss.run(queue_db, steps))
        # By hand: jobs that ended hours and days ago (the client stamps its jobs with now()).
        history = [
            Job(
                sets["B"],
                "completed",
                created_on=ago(now, 3600 * h),
                started_on=ago(now, 3600 * h - 5),
                completed_on=ago(now, 3600 * h - 65),
            )
            for h in (2, 30 * 24, 80 * 24)
        ]
        insert(queue_db, history, now)

        queue = QueueReader(reader_url)
        with ExitStack() as stack, hub_for(api.url, hub_options={"queue": queue}) as hub:
            snap = wait_for(hub, lambda s: ids(s) == [job["urgent"], job["old"], job["held"]])
            # The true queue: priority first, then age; a job held by start_after comes last.
            assert [p.position for p in snap.pending] == [1, 2, 3]
            assert [p.name for p in snap.pending] == ["Set C", "Set B", "Set D"]
            assert snap.pending[2].not_before is not None
            assert snap.pending[2].tries == (2, 3)
            # The running job by its real id, on its second try; a stream follows it.
            [card] = snap.active
            assert (card.job_id, card.name, card.tries) == (job["running"], "Set A", (2, 3))
            wait_for(hub, lambda s: stream_opens(api, sets["A"]) >= 1)
            # The failure: its message (not the serialized error), its stack, its tries.
            [failure] = snap.failed
            assert failure.job_id == job["failed"]
            assert failure.error == THROTTLED
            assert (failure.stack or "").startswith(f"Error: {THROTTLED}\n    at ")
            assert failure.tries == (3, 3)
            assert snap.backend.queue is QueueSource.PGBOSS

            # The history: every ended job of the last 90 days, whoever started it.
            url = stack.enter_context(database(kind, tmp_path))
            recorder = Recorder(hub, lambda: History.open(url), hub.client, queue).start()
            ended = {f"job:{j.id}" for j in history} | {
                f"job:{job[k]}" for k in ("failed", "cancelled")
            }

            def recorded() -> set[str]:
                found = recorder.history
                return set() if found is None else set(found.attempts(window="90d")["key"])

            try:
                wait_for(hub, lambda s: ended <= recorded() and recorder.queue_reach is not None)
                rows = recorder.history.attempts(window="90d")  # type: ignore[union-attr]
                # How far back the table went (pg-boss keeps days): the oldest ended job.
                oldest = min(j.created_on for j in history if j.created_on is not None)
                assert recorder.queue_reach == (len(ended), oldest)
            finally:
                recorder.stop()
    by_key = dict(zip(rows["key"], rows["state"], strict=True))
    assert by_key[f"job:{job['failed']}"] == "failed"
    assert [by_key[f"job:{j.id}"] for j in history] == ["completed"] * 3
    assert by_key[f"job:{job['cancelled']}"] == "cancelled"
    assert rows.loc[rows["key"] == f"job:{job['failed']}", "error"].item() == THROTTLED


def test_the_reader_cannot_write_even_with_a_role_that_may(queue_db: str) -> None:
    reader = QueueReader(queue_db)  # the admin role: it could write, the session may not
    try:
        with reader.engine.connect() as connection, pytest.raises(SQLAlchemyError) as refused:
            connection.execute(text("UPDATE pgboss.job SET priority = 1"))
        assert "read-only" in str(refused.value)
    finally:
        reader.close()


def test_no_rights_or_no_database_falls_back_to_the_api_and_recovers(queue_db: str) -> None:
    database = queue_db.rsplit("/", 1)[1]
    reader_url = read_only_role(queue_db, database)
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:
        set_id = api.create_set(name="Queued set", platform="meta", queue=True)["setId"]
        [_, sent] = boss.run(queue_db, [boss.create_queue(Q), boss.dotoro_send(set_id)])
        job = sent["id"]
        with hub_for(api.url, hub_options={"queue": QueueReader(reader_url)}) as hub:
            wait_for(hub, lambda s: ids(s) == [job])

            with psycopg.connect(queue_db, autocommit=True) as db:
                db.execute(f"REVOKE SELECT ON pgboss.job FROM {READER}")
            snap = wait_for(hub, lambda s: s.backend.queue is QueueSource.PGBOSS_UNREADABLE)
            assert "may not read pgboss.job" in (snap.backend.queue_problem or "")
            snap = wait_for(hub, lambda s: [p.name for p in s.pending] == ["Queued set"])
            assert snap.pending[0].job_id is None  # the API's row: no job id on head

            with psycopg.connect(queue_db, autocommit=True) as db:
                db.execute(f"GRANT SELECT ON pgboss.job TO {READER}")
            wait_for(hub, lambda s: s.backend.queue is QueueSource.PGBOSS and ids(s) == [job])

            # The database goes away (renamed under the monitor), then comes back.
            admin = queue_db.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin, autocommit=True) as db:
                db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (database,),
                )
                db.execute(f'ALTER DATABASE "{database}" RENAME TO "{database}_away"')
            try:
                snap = wait_for(hub, lambda s: s.backend.queue is QueueSource.PGBOSS_UNREADABLE)
                assert "cannot be reached" in (snap.backend.queue_problem or ""), (
                    snap.backend.queue_problem
                )
                assert "read-only-0123" not in (
                    snap.backend.queue_problem or ""
                )  # no password shown
            finally:
                with psycopg.connect(admin, autocommit=True) as db:
                    db.execute(f'ALTER DATABASE "{database}_away" RENAME TO "{database}"')
            wait_for(hub, lambda s: s.backend.queue is QueueSource.PGBOSS and ids(s) == [job])


def test_a_job_never_seen_waiting_is_found_by_the_next_discovery(queue_db: str) -> None:
    reader = QueueReader(queue_db, discover_every=timedelta(seconds=1))
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:
        set_id = api.create_set(name="Fetched at once", platform="google")["setId"]
        with hub_for(api.url, hub_options={"queue": reader}) as hub:
            wait_for(hub, lambda s: s.loaded and s.backend.queue is QueueSource.PGBOSS)
            # Created and fetched by a worker within one poll: the monitor never saw it wait.
            steps = [boss.create_queue(Q), boss.dotoro_send(set_id, label="job"), boss.fetch(Q)]
            fetched = boss.labelled(steps, boss.run(queue_db, steps))["job"]
            snap = wait_for(hub, lambda s: [a.job_id for a in s.active] == [fetched])
    # The table holds only the set's id, and the API has never listed this set (a draft): its
    # name is not known yet (the card says "Unnamed set").
    assert snap.active[0].name == ""


@HISTORIES
@pytest.mark.parametrize(
    "discover_every", [DISCOVER_EVERY, timedelta(0)], ids=["poll", "discovery"]
)
def test_how_followed_jobs_ended_comes_from_the_table(
    queue_db: str, tmp_path: Path, discover_every: timedelta, kind: str
) -> None:
    """The API's lists only show a job leaving them, which reads as completed, and miss a job
    that ran and failed between two polls. The table says which: the figures and the history
    follow it, for a running job and for waiting ones, whichever kind of read sees the change.
    A job that waited for days before it ran stays followed."""
    now = datetime.now(UTC)
    reader = QueueReader(
        read_only_role(queue_db, queue_db.rsplit("/", 1)[1]), discover_every=discover_every
    )
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:

        def new_set(name: str) -> str:
            return str(api.create_set(name=name, platform="meta")["setId"])

        steps = [
            boss.create_queue(Q),
            boss.dotoro_send(new_set("Run"), label="running"),
            boss.fetch(Q),
            boss.dotoro_send(new_set("Fail fast"), retryLimit=0, label="failing"),
            boss.dotoro_send(new_set("Wait"), label="waiting"),
        ]
        job = boss.labelled(steps, boss.run(queue_db, steps))
        # By hand: a job that has waited for three days (the client stamps its jobs with now()).
        held = Job(new_set("Held for days"), "created", created_on=ago(now, 3 * 86_400))
        insert(queue_db, [held], now)
        job["held"] = held.id
        order = ["running", "waiting", "failing", "held"]
        keys = {f"job:{job[k]}" for k in order}
        with (
            database(kind, tmp_path) as url,
            hub_for(api.url, hub_options={"queue": reader}) as hub,
        ):
            recorder = Recorder(hub, lambda: History.open(url), hub.client, reader).start()

            def states() -> dict[str, str]:
                found = recorder.history
                rows = found.attempts(window="7d") if found is not None else None
                if rows is None:
                    return {}
                return {k: v for k, v in zip(rows["key"], rows["state"], strict=True) if k in keys}

            try:
                # Seen waiting and running (and the start's backfill done) before they end.
                wait_for(hub, lambda s: list(states().values()).count("queued") == 3)
                [taken] = boss.run(queue_db, [boss.fetch(Q)])
                assert taken["ids"] == [job["held"]]  # the oldest: it waited for days
                wait_for(hub, lambda s: job["held"] in [a.job_id for a in s.active])
                # Fetched and failed between two polls (a worker that fails at once).
                [taken, _] = boss.run(
                    queue_db, [boss.fetch(Q, label="taken"), boss.fail(Q, "$taken", error="boom")]
                )
                assert taken["ids"] == [job["failing"]]
                boss.run(queue_db, [boss.cancel(Q, [job["running"], job["waiting"], job["held"]])])
                snap = wait_for(hub, lambda s: not s.active and not s.pending)
                wait_for(hub, lambda s: len(states()) == 4 and "queued" not in states().values())
                recorded = states()
            finally:
                recorder.stop()
    outcomes = {f.job_id: f.outcome for f in snap.finished}
    assert [outcomes[job[k]] for k in order] == [
        JobState.CANCELLED,
        JobState.CANCELLED,
        JobState.FAILED,
        JobState.CANCELLED,
    ]
    assert [recorded[f"job:{job[k]}"] for k in order] == [
        "cancelled",
        "cancelled",
        "failed",
        "cancelled",
    ]


def test_end_to_end_with_the_local_api_keeping_its_jobs_in_pgboss() -> None:
    """--pgboss-url: the bundled API writes its jobs to a pg-boss table; the monitor, against
    the API as deployed (no job ids), learns them from the table and follows them live."""
    with postgres_database() as url:
        config = quiet_config(contract=Contract.HEAD, workers=0, pgboss_url=url)
        with running(config) as api:  # creates the pg-boss schema in the empty database
            reader = QueueReader(read_only_role(url, url.rsplit("/", 1)[1]))
            created = api.create_set(
                name="Mirrored set",
                platform="google",
                queue=True,
                behaviour={"campaigns": 40, "seconds_per_campaign": 0.05},
            )
            [job_id] = api.server.call(
                lambda engine: [j.id for j in engine.store.live_jobs_of_set(created["setId"])]
            )
            with hub_for(api.url, hub_options={"queue": reader}) as hub:
                snap = wait_for(hub, lambda s: ids(s) == [job_id])
                assert snap.pending[0].name == "Mirrored set"
                api.set_workers(1)
                wait_for(hub, lambda s: [a.job_id for a in s.active] == [job_id])
                wait_for(hub, lambda s: stream_opens(api, created["setId"]) >= 1)
                # Its end: the table says completed, the card leaves, the outcome is known.
                wait_for(hub, lambda s: not s.active and not s.pending, timeout=30)
        with psycopg.connect(url) as db:
            state = db.execute("SELECT state::text FROM pgboss.job WHERE id = %s", (job_id,))
            assert state.fetchone() == ("completed",)
