"""The live page with the pg-boss source (issue 12), as AppTest runs it against the local API
as deployed (head) and a real PostgreSQL holding pg-boss's schema: the queue in pg-boss's
order with its tries and held starts, the failure's message, tries and stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from dotoro_local import Contract
from sync_monitor import runtime
from sync_monitor.live.snapshot import QueueSource
from tests.support import pgboss_client as boss
from tests.support.apptest import Monitor
from tests.support.databases import postgres_database
from tests.support.pgboss import DDL, read_only_role
from tests.support.pgboss_client import QUEUE
from tests.support.waiting import wait_until

Factory = Callable[..., Monitor]


@pytest.fixture
def queue_url() -> Iterator[tuple[str, str]]:
    """(admin URL, read-only URL) of a fresh database holding pg-boss's schema."""
    with postgres_database() as url:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(DDL)
        yield url, read_only_role(url, url.rsplit("/", 1)[1])


def test_the_page_shows_the_queue_the_table_holds(
    queue_url: tuple[str, str],  # first: its database outlives the monitor's services
    monitor_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, reader = queue_url
    m = monitor_factory(Contract.HEAD, workers=0)
    monkeypatch.setenv("SYNC_MONITOR_PGBOSS_URL", reader)  # read when the services start
    sets = {k: m.api.create_set(name=f"Set {k}", queue=True)["setId"] for k in "AB"}
    sets["C"] = m.api.create_set(name="Set C", platform="meta", failed_error="x")["setId"]
    # Built by pg-boss itself, as Dotoro's queue and worker would leave it.
    c = boss.dotoro_job(sets["C"], platform="meta")
    failing = [boss.fetch(QUEUE), boss.fail(QUEUE, "$c", error="Meta API error 503")]
    boss.run(
        admin,
        [
            boss.send(QUEUE, c, singletonKey=boss.singleton_key(sets["C"]), label="c"),
            *failing * 3,  # three tries (Dotoro's: pg-boss's retry limit 2): failed
            boss.dotoro_send(sets["A"]),
            # B fails once: pg-boss counts the retry at its next fetch (its try 2).
            boss.dotoro_send(sets["B"], priority=5, label="b"),
            boss.fetch(QUEUE),
            boss.fail(QUEUE, "$b", error="Reddit Ads API error 429"),
        ],
    )
    with psycopg.connect(admin) as db:
        row = db.execute(
            "SELECT output->>'stack' FROM pgboss.job WHERE data->>'campaignSetId' = %s",
            (sets["C"],),
        ).fetchone()
    assert row is not None
    stack = row[0]
    m.run()
    m.wait(
        lambda s: (
            s.backend.queue is QueueSource.PGBOSS and len(s.pending) == 2 and len(s.failed) == 1
        )
    )
    rows = [x.value for x in m.app.markdown if x.value.startswith("**#")]
    assert rows[0].startswith("**#1** Set B")  # priority 5 first
    assert "try 2 of 3" in rows[0]
    assert rows[1].startswith("**#2** Set A")
    assert "retries and job ids come from the service" in m.texts()  # the header's note

    [failure] = [e for e in m.app.expander if e.label.startswith("Set C")]
    assert "Meta API error 503" in failure.label
    assert any("Tried 3 of 3 times." in x.value for x in failure.markdown)
    assert [c.value for c in failure.code] == ["Meta API error 503"]
    failure.toggle(key=f"stack-{m.snapshot().failed[0].key}").set_value(True).run()
    assert stack in [c.value for c in m.app.code]

    # The analysis page says how far back the table went at start (pg-boss keeps days).
    wait_until(lambda: runtime.services().recorder.queue_reach is not None, "the backfill")
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    assert not m.app.exception
    [reach] = [c.value for c in m.app.caption if "service's queue table" in c.value]
    assert reach.startswith("At start, the service's queue table (pg-boss) held 1 ended job, back")
