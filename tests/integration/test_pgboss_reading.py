"""The monitor reads what pg-boss 12.5.4 really writes (issue 19): rows made by the real client,
driven as Dotoro drives it (tests/support/pgboss_client.py), read by the monitor's own reader
through its read-only session. Every failure says why in words, whatever shape pg-boss gave
its output, and a job waiting to retry is on its next try."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from dotoro_local import Contract
from sync_monitor.dotoro.models import JobState, StatusSummary
from sync_monitor.history import History, View, Window
from sync_monitor.history.analysis import Figures
from sync_monitor.history.recorder import Recorder
from sync_monitor.live.build import tries_of
from sync_monitor.pgboss.jobs import merge
from sync_monitor.pgboss.reader import QueueReader
from tests.support import pgboss_client as boss
from tests.support.databases import database, postgres_database
from tests.support.hub import hub_for, wait_for
from tests.support.local_api import quiet_config, running
from tests.support.pgboss_client import QUEUE
from tests.support.waiting import wait_until


@pytest.fixture
def url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def test_every_failure_reads_in_words_and_a_retry_is_on_its_next_try(url: str) -> None:
    q = QUEUE
    ids: dict[str, str] = {}
    # One at a time, so that each fetch takes the job just sent.
    for name, steps in {
        "thrown": [boss.fetch(q), boss.fail(q, "$job", error="Invalid or unauthorized ad account")],
        "string": [boss.fetch(q), boss.fail(q, "$job", data="Reddit Ads API error 429")],
        "expired": [boss.fetch(q), boss.expire(q, "$job")],
    }.items():
        options = {"retryLimit": 0, **({"expireInSeconds": 1} if name == "expired" else {})}
        sent = boss.run(
            url, [boss.create_queue(q), boss.dotoro_send(name, label="job", **options), *steps]
        )
        ids[name] = sent[1]["id"]
    # Dotoro's default tries (pg-boss's retry limit 2): failed once, waiting to retry.
    sent = boss.run(
        url,
        [
            boss.dotoro_send("retrying", label="job"),
            boss.fetch(q),
            boss.fail(q, "$job", error="Meta API error 503"),
        ],
    )
    ids["retrying"] = sent[0]["id"]

    reader = QueueReader(url)
    try:
        read = reader.read(datetime.now(UTC))
    finally:
        reader.engine.dispose()
    found = {job.set_id: job for job in read.jobs}
    assert {name: found[name].state for name in ids} == {
        "thrown": JobState.FAILED,
        "string": JobState.FAILED,
        "expired": JobState.FAILED,
        "retrying": JobState.RETRY,
    }
    assert found["thrown"].error == "Invalid or unauthorized ad account"
    assert found["string"].error == "Reddit Ads API error 429"
    assert found["expired"].error == "timed out: the worker stopped answering after 1 s"
    assert found["retrying"].error == "Meta API error 503"  # its last try's failure
    # Whose each set is, from the job data Dotoro sends (issue 24's clients).
    owners = {(job.team_id, job.ad_account_id) for job in found.values()}
    assert owners == {(boss.dotoro_job("x")["teamId"], boss.dotoro_job("x")["adAccountId"])}

    # pg-boss counts the retry when it fetches the job again: its next run is try 2 of 3.
    assert (found["retrying"].retry_count, found["retrying"].retry_limit) == (0, 2)
    [pending] = merge(StatusSummary(), read, {}).pending
    assert tries_of(pending) == (2, 3)
    assert (pending.team_id, pending.ad_account_id) == next(iter(owners))  # on to the snapshot


def test_the_table_decides_for_every_set_it_has_jobs_for(url: str) -> None:
    """Issue 19: the API's rows outlived the table's truth. Dotoro's API (head: no job ids)
    lists one set as syncing and four as waiting; the real client made their jobs."""
    q = QUEUE
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:
        # Syncing in the API for as long as the test runs; its pg-boss job expired (the worker
        # died, the supervisor failed it), which Dotoro never hears of.
        slow = {"campaigns": 10_000, "seconds_per_campaign": 1.0}
        sets = {"Expired": api.create_set(name="Expired", queue=True, behaviour=slow)["setId"]}
        api.start_next_job()
        sets |= {
            k: api.create_set(name=k, platform="reddit", queue=True)["setId"]
            for k in ("Queued", "Cancelled", "Draft", "Failed early")
        }
        boss.run(
            url,
            [
                boss.create_queue(q),
                boss.dotoro_send(sets["Cancelled"], label="cancelled"),
                boss.cancel(q, "$cancelled"),  # its only job, cancelled while waiting
                # Failed before Dotoro's sync service ran: Dotoro never marked the set failed.
                boss.dotoro_send(sets["Failed early"], retryLimit=0, priority=9, label="early"),
                boss.fetch(q),
                boss.fail(q, "$early", error="OAuth tokens not available"),
                boss.dotoro_send(
                    sets["Expired"], retryLimit=0, expireInSeconds=1, priority=9, label="expired"
                ),
                boss.fetch(q),
                boss.expire(q, "$expired"),
                boss.dotoro_send(sets["Queued"], label="queued"),
                # "Draft": Dotoro's default status is pending, and it was never queued.
            ],
        )
        listed = api.get("/api/v1/sync/status").json()
        assert [row["campaignSetName"] for row in listed["active"]] == ["Expired"]
        with hub_for(api.url, hub_options={"queue": QueueReader(url)}) as hub:
            snap = wait_for(hub, lambda s: [p.name for p in s.pending] == ["Queued"])
            failures = {f.name: f.error for f in snap.failed}
            assert failures == {
                "Failed early": "OAuth tokens not available",
                "Expired": "timed out: the worker stopped answering after 1 s",
            }
            assert snap.active == ()  # not syncing, whatever the API still says


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_analysis_counts_the_jobs_pg_boss_holds(url: str, kind: str, tmp_path: Path) -> None:
    """Issue 19: "37 syncs attempted in a window where pg-boss holds 33 jobs". One history
    attempt per pg-boss job: the analysis's figures equal counts taken from pgboss.job."""
    q = QUEUE
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:
        names = ["Done", "Done again", "Broken", "Expired", "Stopped", "Waiting", "Running"]
        sets = {k: api.create_set(name=k, platform="reddit", queue=True)["setId"] for k in names}
        api.create_set(name="Draft", platform="meta", queue=True)  # never sent to pg-boss
        boss.run(
            url,
            [
                boss.create_queue(q),
                boss.dotoro_send(sets["Done"], priority=9, label="done"),
                boss.fetch(q),
                boss.complete(q, "$done", boss.dotoro_output(synced=3)),
                boss.dotoro_send(sets["Done again"], priority=9, label="again"),
                boss.fetch(q),
                boss.complete(q, "$again", boss.dotoro_output(synced=1)),
                boss.dotoro_send(sets["Broken"], retryLimit=0, priority=9, label="broken"),
                boss.fetch(q),
                boss.fail(q, "$broken", error="Invalid or unauthorized ad account"),
                boss.dotoro_send(sets["Expired"], retryLimit=0, expireInSeconds=1, priority=9),
                boss.fetch(q, label="expiring"),
                boss.expire(q, "$expiring"),
                boss.dotoro_send(sets["Stopped"], label="stopped"),
                boss.cancel(q, "$stopped"),
                boss.dotoro_send(sets["Running"], priority=9),
                boss.fetch(q),
                boss.dotoro_send(sets["Waiting"]),
            ],
        )
        with (
            database(kind, tmp_path) as history_url,
            hub_for(api.url, hub_options={"queue": (reader := QueueReader(url))}) as hub,
        ):
            recorder = Recorder(hub, lambda: History.open(history_url), hub.client, reader)
            recorder.start()
            try:
                wait_for(hub, lambda s: [p.name for p in s.pending] == ["Waiting"])

                def figures() -> Figures | None:
                    found = recorder.history
                    return None if found is None else found.analysis(View(Window.DAY)).figures

                wait_until(lambda: (f := figures()) is not None and f.failed == 2, "the failures")
                shown = figures()
            finally:
                recorder.stop()
    with psycopg.connect(url) as db:
        counts = db.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'failed'), "
            "count(*) FILTER (WHERE state IN ('completed', 'failed')) FROM pgboss.job "
            "WHERE name = %s",
            (q,),
        ).fetchone()
    assert counts == (7, 2, 4)
    attempted, failed, finished = counts
    assert shown is not None
    assert (shown.attempted, shown.failed) == (attempted, failed)
    # The failure rate: failed ÷ finished (completed or failed; cancelled and still-running jobs
    # have no say), as pg-boss's table counts them.
    assert shown.failure_rate == pytest.approx(failed / finished)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_job_cancelled_while_followed_leaves_the_queue_and_its_attempt_says_so(
    url: str, tmp_path: Path, kind: str
) -> None:
    """Issue 19: a job cancelled while the monitor followed it came back to the queue (the
    API still listed its set), and its history attempt stayed "queued"."""
    q = QUEUE
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:
        set_id = api.create_set(name="Followed", platform="google", queue=True)["setId"]
        [_, sent] = boss.run(url, [boss.create_queue(q), boss.dotoro_send(set_id, label="job")])
        job = sent["id"]
        reader = QueueReader(url)  # one, as the monitor has: the hub's stop closes it
        with (
            database(kind, tmp_path) as history_url,
            hub_for(api.url, hub_options={"queue": reader}) as hub,
        ):
            recorder = Recorder(hub, lambda: History.open(history_url), hub.client, reader)
            recorder.start()
            try:
                wait_for(hub, lambda s: [p.job_id for p in s.pending] == [job])
                boss.run(url, [boss.cancel(q, job)])  # the API still lists the set as waiting
                wait_for(hub, lambda s: s.pending == () and s.active == ())

                def states() -> dict[str, str]:
                    found = recorder.history
                    if found is None:
                        return {}
                    rows = found.attempts(window="24h")
                    return dict(zip(rows["key"], rows["state"], strict=True))

                wait_until(lambda: states().get(f"job:{job}") == "cancelled", "the cancel")
                assert list(states().values()) == ["cancelled"]  # nothing reopened it
            finally:
                recorder.stop()
