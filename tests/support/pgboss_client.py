"""pg-boss data built by the real client: pg-boss 12.5.4, the version Dotoro pins, configured as
Dotoro configures it, driven through Node.js by tests/support/pgboss_client/driver.mjs (its
header documents every step).

    with postgres_database() as url:
        first = run(url, [create_queue(QUEUE), dotoro_send(set_id, priority=5, label="a"),
                          fetch(QUEUE), complete(QUEUE, "$a", dotoro_output(synced=3))])
        first[1]["id"]  # the job's id; read pgboss.job with psycopg to see what pg-boss stored

Each `run` is one node process: pg-boss starts (creating its schema the first time; `start()`
is implied when the script does not begin with it), runs the steps in order, and stops. A step
may name a label (`label=`); a later step's id may then be "$label" (send: its id; fetch and
work: their ids). The database keeps everything between runs, so a test may read the table
between two runs.

Deterministic: pg-boss's own supervisor timer is off; `expire` and `supervise` steps run it.

No Node.js, or the package not installed (`make pgboss-deps`: npm ci in
tests/support/pgboss_client; `make test` runs it): the tests that need it skip on a
workstation, and fail under CI (CI set).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.support.waiting import seconds

HERE = Path(__file__).resolve().parent / "pgboss_client"
DRIVER = HERE / "driver.mjs"
PACKAGE = HERE / "node_modules" / "pg-boss" / "package.json"
VERSION = "12.5.4"  # Dotoro's (apps/api/package.json: "pg-boss": "^12.5.4"), pinned in package.json

QUEUE = "sync-campaign-set"  # Dotoro's sync queue, made by createQueue(QUEUE) with no options
# Dotoro's other queues (apps/api/src/index.ts registers a worker on each): their jobs share
# the table, and its partition, with the sync queue's.
OTHER_QUEUES = (
    "sync-api-data-source",
    "sync-google-sheets",
    "retry-failed-syncs",
    "schedule-api-syncs",
    "sync-from-platform",
)

Step = dict[str, Any]


class DriverError(AssertionError):
    """A step failed (pg-boss threw), or the driver did not answer."""


def node() -> str:
    """Node.js, once pg-boss is installed at Dotoro's version; else skip (fail under CI)."""
    path = shutil.which("node")
    reason = None
    if path is None:
        reason = "Node.js not found"
    elif not PACKAGE.exists():
        reason = "pg-boss not installed"
    else:
        installed = json.loads(PACKAGE.read_text())["version"]
        if installed != VERSION:
            pytest.fail(f"pg-boss {installed} installed, not {VERSION}: `make pgboss-deps`")
    if reason is not None:
        reason += (
            " (the pg-boss tests build their queues with the real client: install Node.js "
            "20+, then `make pgboss-deps`: npm ci in tests/support/pgboss_client)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the pg-boss tests, not skip them")
        pytest.skip(reason)
    assert path is not None
    return path


def run(url: str, steps: Iterable[Step], timeout: float = 60) -> list[dict[str, Any]]:
    """Run `steps` with pg-boss against the database at `url` (a postgresql:// URL of a role
    that may create the schema); one result per step (an implied start has none)."""
    script = list(steps)
    try:
        proc = subprocess.run(
            [node(), str(DRIVER), f"--url={url}"],
            input=json.dumps(script),
            capture_output=True,
            text=True,
            cwd=HERE,
            timeout=seconds(timeout),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DriverError(
            f"the pg-boss driver did not finish within {seconds(timeout):g} s; its stderr:\n"
            f"{_text(exc.stderr)}"
        ) from None
    try:
        document = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise DriverError(
            f"the pg-boss driver exited {proc.returncode} without a result; stdout:\n"
            f"{proc.stdout}\nstderr:\n{proc.stderr}"
        ) from None
    error = document.get("error")
    if error is not None or proc.returncode != 0:
        where = f"step {error['step']} ({error['op']})" if error else "the driver"
        step = script[error["step"]] if error and 0 <= error["step"] < len(script) else None
        raise DriverError(
            f"pg-boss, {where}: {error['message'] if error else proc.returncode}\n"
            f"step: {json.dumps(step)}\nstack: {error['stack'] if error else ''}\n"
            f"stderr:\n{proc.stderr}"
        )
    results: list[dict[str, Any]] = document["results"]
    return results


def labelled(steps: list[Step], results: list[dict[str, Any]]) -> dict[str, Any]:
    """What `run(url, steps)` made, by label: a send's id, a fetch's or a work's list of ids."""
    return {
        step["as"]: result["ids"] if "ids" in result else result["id"]
        for step, result in zip(steps, results, strict=True)
        if "as" in step
    }


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


def _step(op: str, label: str | None = None, **fields: Any) -> Step:
    step: Step = {"op": op, **{k: v for k, v in fields.items() if v is not None}}
    if label is not None:
        step["as"] = label
    return step


# The steps (see driver.mjs). Options keep pg-boss's own names (priority, startAfter,
# singletonKey, retryLimit, retryDelay, expireInSeconds ...).


def start(**options: Any) -> Step:
    """new PgBoss(Dotoro's options, then `options`) and start(): only to change the options."""
    return _step("start", options=options or None)


def create_queue(name: str, **options: Any) -> Step:
    return _step("createQueue", name=name, options=options or None)


def send(name: str, data: object = None, *, label: str | None = None, **options: Any) -> Step:
    return _step("send", label, name=name, data=data, options=options or None)


def fetch(
    name: str, batch_size: int = 1, *, label: str | None = None, metadata: bool = False
) -> Step:
    """Jobs become active, as a worker takes them (highest priority, then oldest)."""
    return _step("fetch", label, name=name, batchSize=batch_size, includeMetadata=metadata)


def complete(name: str, job_id: str | list[str], output: object = None) -> Step:
    return _step("complete", name=name, id=job_id, output=output)


def fail(
    name: str, job_id: str | list[str], *, error: str | None = None, data: object = None
) -> Step:
    """error: an Error with this message is thrown and caught, and fail() gets it (as pg-boss's
    worker does with a handler's error); data: fail() gets it as is (a string: what a shutdown
    passes); neither: fail(name, id)."""
    return _step(
        "fail", name=name, id=job_id, error={"message": error} if error else None, data=data
    )


def cancel(name: str, job_id: str | list[str]) -> Step:
    return _step("cancel", name=name, id=job_id)


def resume(name: str, job_id: str | list[str]) -> Step:
    return _step("resume", name=name, id=job_id)


def retry(name: str, job_id: str | list[str]) -> Step:
    """pg-boss's retry(): a failed job back to `retry` (and one more retry allowed)."""
    return _step("retry", name=name, id=job_id)


def expire(name: str, job_id: str | list[str], timeout: float = 30) -> Step:
    """The supervisor expires these active jobs (sent with a short expireInSeconds): waits
    until they are past it, by the database's clock, then supervises until they end."""
    return _step("expire", name=name, id=job_id, timeoutSeconds=seconds(timeout))


def supervise(name: str | None = None) -> Step:
    return _step("supervise", name=name)


def work(
    name: str,
    handler: str,
    *,
    count: int = 1,
    until: str | None = None,
    output: object = None,
    error: str | None = None,
    label: str | None = None,
    timeout: float = 30,
) -> Step:
    """A pg-boss worker, as Dotoro's: handler "complete" (returns `output`), "throw" (an
    Error(`error`)) or "hang" (never settles: pg-boss fails it after the job's expiry, or
    stop() as shut down); for `count` jobs, waiting until they ended (hang: started)."""
    return _step(
        "work",
        label,
        name=name,
        handler=handler,
        count=count,
        until=until,
        output=output,
        error=error,
        timeoutSeconds=seconds(timeout),
    )


def get(name: str, job_id: str) -> Step:
    return _step("get", name=name, id=job_id)


def queues() -> Step:
    return _step("queues")


def stop(timeout_ms: int = 1000, graceful: bool = True) -> Step:
    """stop(); a graceful stop waits up to `timeout_ms` for hung handlers, then fails their
    jobs as shut down."""
    return _step("stop", graceful=graceful, timeout=timeout_ms)


# Dotoro's own shapes (apps/api/src/routes/campaign-sets.ts, sync.ts, jobs/handlers/
# sync-campaign-set.ts at 74a43e2).


def singleton_key(set_id: str) -> str:
    return f"sync-campaign-set-{set_id}"


def dotoro_job(
    set_id: str,
    team_id: str = "7d4f1c52-0000-4000-8000-000000000001",
    ad_account_id: str = "7d4f1c52-0000-4000-8000-0000000000a1",
    funding_instrument_id: str | None = None,
    platform: str = "reddit",
) -> dict[str, Any]:
    """The job data Dotoro sends (fundingInstrumentId absent when the set has none)."""
    data: dict[str, Any] = {"campaignSetId": set_id, "teamId": team_id}
    data["adAccountId"] = ad_account_id
    if funding_instrument_id is not None:
        data["fundingInstrumentId"] = funding_instrument_id
    data["platform"] = platform
    return data


def dotoro_send(set_id: str, *, label: str | None = None, **options: Any) -> Step:
    """boss.send(QUEUE, data, {singletonKey}) as Dotoro queues a sync (more options for tests)."""
    return send(
        QUEUE, dotoro_job(set_id), label=label, singletonKey=singleton_key(set_id), **options
    )


def dotoro_output(
    synced: int = 0, failed: int = 0, skipped: int = 0, errors: list[dict[str, str]] | None = None
) -> list[dict[str, Any]]:
    """What Dotoro's worker returns for a batch of one job: a list of one SyncResult (pg-boss
    stores a list as {"value": [...]})."""
    return [{"synced": synced, "failed": failed, "skipped": skipped, "errors": errors or []}]
