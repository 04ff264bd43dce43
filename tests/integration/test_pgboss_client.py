"""What pg-boss 12.5.4 really stores (issue 19), for the next engineer: the real client, driven
as Dotoro drives it (tests/support/pgboss_client.py), then pgboss.job read directly. Every
assertion here is pg-boss's behaviour, not the monitor's; the fixtures built on hand-written
rows must agree with it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support import pgboss_client as boss
from tests.support.databases import postgres_database
from tests.support.pgboss_client import QUEUE
from tests.support.waiting import seconds

ROOT = Path(__file__).resolve().parents[2]

# Everything pg-boss 12.5.4's start() makes in its schema, by kind (pg_class.relkind).
TABLES = ["job", "job_common", "queue", "schedule", "subscription", "version"]
JOB_INDEXES = ["job_common_pkey", "job_i1", "job_i2", "job_i3", "job_i4", "job_i5", "job_i6"]
# The job table's columns, in order: retry_delay_max among them.
COLUMNS = [
    "id",
    "name",
    "priority",
    "data",
    "state",
    "retry_limit",
    "retry_count",
    "retry_delay",
    "retry_backoff",
    "retry_delay_max",
    "expire_seconds",
    "deletion_seconds",
    "singleton_key",
    "singleton_on",
    "start_after",
    "created_on",
    "started_on",
    "completed_on",
    "keep_until",
    "output",
    "dead_letter",
    "policy",
]


@pytest.fixture
def url() -> Iterator[str]:
    """A fresh, empty database; pg-boss creates its schema on the first run."""
    with postgres_database() as url:
        yield url


def jobs(url: str) -> dict[str, dict[str, Any]]:
    """Every job, by id, with the partition holding it and the database's now()."""
    with psycopg.connect(url, row_factory=dict_row) as db:
        rows = db.execute(
            "SELECT *, tableoid::regclass::text AS partition, now() AS now FROM pgboss.job"
        ).fetchall()
    return {str(row["id"]): row for row in rows}


def is_error(output: object, message: str) -> bool:
    """A thrown Error as pg-boss stores it (serialize-error): exactly name, message, stack."""
    return (
        isinstance(output, dict)
        and set(output) == {"name", "message", "stack"}
        and output["name"] == "Error"
        and output["message"] == message
        and output["stack"].startswith(f"Error: {message}\n    at ")
    )


def test_the_schema_start_creates(url: str) -> None:
    [made, *_] = boss.run(url, [boss.create_queue(QUEUE), boss.queues()])
    assert made == {"op": "createQueue"}
    with psycopg.connect(url) as db:
        kinds = db.execute(
            "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'pgboss' ORDER BY 2"
        ).fetchall()
        partitions = db.execute(
            "SELECT inhrelid::regclass::text, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits "
            "JOIN pg_class c ON c.oid = inhrelid WHERE inhparent = 'pgboss.job'::regclass"
        ).fetchall()
        indexes = db.execute(
            "SELECT indrelid::regclass::text, indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid IN ('pgboss.job'::regclass, 'pgboss.job_common'::regclass) ORDER BY 2"
        ).fetchall()
        fetch_index = db.execute("SELECT pg_get_indexdef('pgboss.job_i5'::regclass)").fetchone()
        columns = db.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'pgboss' AND table_name = 'job' ORDER BY ordinal_position"
        ).fetchall()
        states = db.execute("SELECT enum_range(NULL::pgboss.job_state)::text").fetchone()
        version = db.execute("SELECT version FROM pgboss.version").fetchone()
        queues = db.execute(
            "SELECT name, policy, partition, table_name, retry_limit, retry_delay, "
            "retry_backoff, retry_delay_max, expire_seconds, retention_seconds, "
            "deletion_seconds FROM pgboss.queue ORDER BY name"
        ).fetchall()
    print("pg-boss 12.5.4 made, in schema pgboss:", kinds)
    assert [name for kind, name in kinds if kind in ("r", "p")] == TABLES
    assert ("p", "job") in kinds  # partitioned by LIST (name)
    # One partition, the DEFAULT one: every queue made without {partition: true} lives there.
    assert partitions == [("pgboss.job_common", "DEFAULT")]
    # job_i1..job_i6 are indexes of job_common, not tables; the parent has its key only.
    assert indexes == [("pgboss.job_common", f"pgboss.{i}") for i in JOB_INDEXES] + [
        ("pgboss.job", "pgboss.job_pkey")
    ]
    assert fetch_index == (
        "CREATE INDEX job_i5 ON pgboss.job_common USING btree (name, start_after) "
        "INCLUDE (priority, created_on, id) WHERE (state < 'active'::pgboss.job_state)",
    )
    assert [c for (c,) in columns] == COLUMNS
    assert states == ("{created,retry,active,completed,cancelled,failed}",)
    assert version == (26,)
    # Dotoro's createQueue(QUEUE) without options: pg-boss's defaults (Dotoro's own retryLimit
    # 3, retryDelay 30, expireInHours 24 are not pg-boss 12 options, and are ignored). The
    # timekeeper (schedule on, as in Dotoro) makes its own queue beside it.
    defaults = ("standard", False, "job_common", 2, 0, False, None, 900, 1_209_600, 604_800)
    assert queues == [("__pgboss__send-it", *defaults), (QUEUE, *defaults)]


def test_send_fetch_complete_and_cancel_waiting(url: str) -> None:
    results = boss.run(
        url,
        [
            boss.create_queue(QUEUE),
            boss.create_queue("sync-google-sheets"),
            boss.send("sync-google-sheets", {"dataSourceId": "ds-1"}, label="other"),
            boss.dotoro_send("set-low", label="low"),
            boss.dotoro_send("set-high", priority=5, label="high"),
            boss.dotoro_send("set-later", priority=10, startAfter=3600, label="later"),
            # The same set again: the singleton key does not stop a standard queue's second job.
            boss.dotoro_send("set-low", label="again"),
            boss.fetch(QUEUE, label="taken"),
            boss.complete(QUEUE, "$taken", boss.dotoro_output(synced=3, skipped=1)),
            boss.cancel(QUEUE, "$later"),  # cancelled while waiting (deferred)
        ],
    )
    other, low, high, later, again = (results[i]["id"] for i in range(2, 7))
    assert again is not None
    assert again != low
    # Highest priority first; a job whose startAfter is ahead is not taken, whatever its priority.
    assert results[7]["ids"] == [high]
    assert results[8] == {"op": "complete", "requested": 1, "affected": 1}
    assert results[9] == {"op": "cancel", "requested": 1, "affected": 1}

    rows = jobs(url)
    # Every queue's rows, Dotoro's and the others', in the one shared partition.
    assert {r["partition"] for r in rows.values()} == {"pgboss.job_common"}
    assert {r["name"] for r in rows.values()} == {QUEUE, "sync-google-sheets"}
    assert rows[other]["state"] == "created"
    done = rows[high]
    assert done["state"] == "completed"
    # Dotoro's worker returns a list (one SyncResult per job): pg-boss wraps it in "value".
    assert done["output"] == {"value": [{"synced": 3, "failed": 0, "skipped": 1, "errors": []}]}
    assert (done["retry_count"], done["retry_limit"], done["priority"]) == (0, 2, 5)
    assert done["started_on"] is not None
    assert done["completed_on"] is not None
    waiting = rows[low]
    assert (waiting["state"], waiting["started_on"], waiting["output"]) == ("created", None, None)
    assert waiting["singleton_key"] == rows[again]["singleton_key"] == "sync-campaign-set-set-low"
    assert waiting["singleton_on"] is None
    assert waiting["policy"] == "standard"
    assert waiting["data"] == boss.dotoro_job("set-low")
    assert (waiting["expire_seconds"], waiting["deletion_seconds"]) == (900, 604_800)
    assert waiting["retry_delay_max"] is None
    cancelled = rows[later]
    assert (cancelled["state"], cancelled["started_on"], cancelled["output"]) == (
        "cancelled",
        None,
        None,
    )
    assert cancelled["completed_on"] is not None  # cancel() sets completed_on
    assert cancelled["start_after"] > cancelled["now"]  # still deferred: never started


def test_failures_tries_retry_and_cancel_active(url: str) -> None:
    q = QUEUE
    [_, sent, _, _] = boss.run(
        url,
        [
            boss.create_queue(q),
            boss.dotoro_send("set-a", label="a"),
            boss.fetch(q),
            boss.fail(q, "$a", error="Invalid or unauthorized ad account"),
        ],
    )
    a = sent["id"]
    row = jobs(url)[a]
    # Try 1 failed: back to the queue at once (retry_delay 0), retry_count still 0, completed_on
    # empty, the serialized Error kept as output while it waits.
    assert (row["state"], row["retry_count"], row["retry_limit"]) == ("retry", 0, 2)
    assert row["completed_on"] is None
    assert row["started_on"] is not None
    assert row["start_after"] <= row["now"]
    assert is_error(row["output"], "Invalid or unauthorized ad account")

    boss.run(url, [boss.fetch(q)])
    row = jobs(url)[a]
    # Fetched again: retry_count + 1 (a started job only). Active with retry_count 1 = try 2;
    # the last failure's output stays on the active row.
    assert (row["state"], row["retry_count"]) == ("active", 1)
    assert is_error(row["output"], "Invalid or unauthorized ad account")

    boss.run(url, [boss.fail(q, a, data="Reddit Ads API error 429")])
    row = jobs(url)[a]
    # fail() with a string: {"value": "..."}, as pg-boss's own shutdown writes.
    assert (row["state"], row["retry_count"]) == ("retry", 1)
    assert row["output"] == {"value": "Reddit Ads API error 429"}

    boss.run(url, [boss.fetch(q), boss.fail(q, a, error="OAuth tokens not available")])
    row = jobs(url)[a]
    # Try 3 (retry_count 2 = retry_limit) failed: failed for good.
    assert (row["state"], row["retry_count"], row["retry_limit"]) == ("failed", 2, 2)
    assert row["completed_on"] is not None
    assert is_error(row["output"], "OAuth tokens not available")

    boss.run(url, [boss.retry(q, a)])
    row = jobs(url)[a]
    # retry(): back to `retry` with one more retry allowed; retry_count and completed_on stay.
    assert (row["state"], row["retry_count"], row["retry_limit"]) == ("retry", 2, 3)
    assert row["completed_on"] is not None

    [taken, cancelled] = boss.run(url, [boss.fetch(q), boss.cancel(q, a)])
    assert taken["ids"] == [a]
    assert cancelled["affected"] == 1
    row = jobs(url)[a]
    # Fetched after retry(): retry_count 3 (try 4); then cancelled while active: the output of
    # the last failure stays on the cancelled row.
    assert (row["state"], row["retry_count"], row["retry_limit"]) == ("cancelled", 3, 3)
    assert is_error(row["output"], "OAuth tokens not available")

    [sent, _, _] = boss.run(
        url, [boss.dotoro_send("set-b", retryLimit=0, label="b"), boss.fetch(q), boss.fail(q, "$b")]
    )
    row = jobs(url)[sent["id"]]
    # fail() without data: no output at all.
    assert (row["state"], row["retry_count"], row["output"]) == ("failed", 0, None)


def test_expiry_handler_timeout_and_shutdown(url: str) -> None:
    q = QUEUE
    results = boss.run(
        url,
        [
            boss.create_queue(q),
            # The worker died: the supervisor fails the job once it is past its expiry.
            boss.dotoro_send("set-e", expireInSeconds=1, priority=9, label="expires"),
            boss.dotoro_send("set-f", expireInSeconds=1, retryLimit=0, priority=9, label="ends"),
            boss.fetch(q, batch_size=2, label="active"),
            boss.expire(q, "$active"),
            # Dotoro's worker: completes with its list of results.
            boss.dotoro_send("set-w", priority=15),
            boss.work(q, "complete", output=boss.dotoro_output(synced=2, failed=1)),
            # A handler still running at the job's expiry: pg-boss's worker throws.
            boss.dotoro_send("set-h", expireInSeconds=1, retryLimit=0, priority=20),
            boss.work(q, "hang", until="ended"),
            # A handler running when pg-boss stops: failed as shut down.
            boss.dotoro_send("set-s", priority=30),
            boss.work(q, "hang"),
            boss.stop(),
        ],
    )
    expires, ends = results[1]["id"], results[2]["id"]
    assert sorted(results[3]["ids"]) == sorted([expires, ends])
    assert results[4]["states"] == {expires: "retry", ends: "failed"}
    worked, hung, stopped = results[6]["ids"][0], results[8]["ids"][0], results[10]["ids"][0]
    assert results[6]["ids"] == [results[5]["id"]]

    rows = jobs(url)
    timed_out = {"value": {"message": "job timed out"}}
    # Expired with tries left: `retry` (retry_count 0), output kept for the next try.
    assert (rows[expires]["state"], rows[expires]["retry_count"]) == ("retry", 0)
    assert rows[expires]["output"] == timed_out
    assert rows[expires]["completed_on"] is None
    # Expired on its last try: failed.
    assert (rows[ends]["state"], rows[ends]["output"]) == ("failed", timed_out)
    assert rows[worked]["state"] == "completed"
    assert rows[worked]["output"] == {
        "value": [{"synced": 2, "failed": 1, "skipped": 0, "errors": []}]
    }
    assert rows[hung]["state"] == "failed"
    assert is_error(rows[hung]["output"], "handler execution exceeded 1s")
    assert (rows[stopped]["state"], rows[stopped]["retry_count"]) == ("retry", 0)
    assert rows[stopped]["output"] == {"value": "pg-boss shut down while active"}


def test_the_bundled_schema_is_the_one_pg_boss_builds() -> None:
    """dotoro_local/pgboss_schema.sql (the bundled API's mirror, the hand-written
    rows' tests and bench/pgboss.py build on it) is pg-boss 12.5.4's own output, unedited:
    `make pgboss-schema` writes it."""
    made = subprocess.run(
        [boss.node(), str(boss.HERE / "schema.mjs")],
        capture_output=True,
        text=True,
        timeout=seconds(60),
        check=True,
    ).stdout
    bundled = (ROOT / "dotoro_local" / "pgboss_schema.sql").read_text()
    header, body = bundled.split("\n", 2)[:2], bundled.split("\n", 2)[2]
    assert all(line.startswith("-- ") for line in header)
    assert body == made
