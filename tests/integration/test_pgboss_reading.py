"""The monitor reads what pg-boss 12.5.4 really writes (issue 19): rows made by the real client,
driven as Dotoro drives it (tests/support/pgboss_client.py), read by the monitor's own reader
through its read-only session. Every failure says why in words, whatever shape pg-boss gave
its output, and a job waiting to retry is on its next try."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sync_monitor.local_api import Contract
from sync_monitor.models import JobState, StatusSummary
from sync_monitor.pgboss.jobs import merge
from sync_monitor.pgboss.reader import QueueReader
from sync_monitor.snapshot import tries_of
from tests.support import pgboss_client as boss
from tests.support.databases import postgres_database
from tests.support.hub import hub_for, wait_for
from tests.support.local_api import quiet_config, running
from tests.support.pgboss_client import QUEUE


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

    # pg-boss counts the retry when it fetches the job again: its next run is try 2 of 3.
    assert (found["retrying"].retry_count, found["retrying"].retry_limit) == (0, 2)
    [pending] = merge(StatusSummary(), read, {}).pending
    assert tries_of(pending) == (2, 3)


def test_the_table_decides_for_every_set_it_has_jobs_for(url: str) -> None:
    """Issue 19: the API's rows outlived the table's truth. Dotoro's API (head: no job ids)
    lists four sets as waiting; the real client made their jobs."""
    q = QUEUE
    with running(quiet_config(contract=Contract.HEAD, workers=0)) as api:
        sets = {
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
                boss.dotoro_send(sets["Queued"], label="queued"),
                # "Draft": Dotoro's default status is pending, and it was never queued.
            ],
        )
        with hub_for(api.url, hub_options={"queue": QueueReader(url)}) as hub:
            snap = wait_for(hub, lambda s: [p.name for p in s.pending] == ["Queued"])
            assert [f.name for f in snap.failed] == ["Failed early"]
            assert snap.failed[0].error == "OAuth tokens not available"
            assert snap.active == ()
