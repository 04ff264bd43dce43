"""Retry and cancel through the collector (issue 22), on a real PostgreSQL, against the local API
over HTTP: a Retry clicked on each replica reaches Dotoro exactly once, the answer comes back
to each click, and a viewer's click writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from sync_monitor.access import Caller, Role
from sync_monitor.fleet.actions import Executor, FleetActions
from sync_monitor.fleet.lease import Lease
from sync_monitor.fleet.requests import Requests
from tests.support.fleet import migrated_postgres
from tests.support.hub import hub_for, wait_for
from tests.support.local_api import Api
from tests.support.waiting import seconds

OPS = Caller("ops@example.com", Role.OPERATOR)
VIEWER = Caller("viewer@example.com", Role.VIEWER, why_read_only="Ask an operator.")


@pytest.fixture
def engine() -> Iterator[Engine]:
    with migrated_postgres() as engine:
        yield engine


def test_a_retry_clicked_on_every_replica_reaches_dotoro_once(api: Api, engine: Engine) -> None:
    api.set_workers(0)
    cs = api.create_set(name="Retry me", failed_error="Session has expired")
    term = Lease(engine, "replica-a", 30).take()
    assert term is not None
    requests = Requests(engine)
    with hub_for(api.url) as hub:
        wait_for(hub, lambda s: any(f.set_id == cs["setId"] for f in s.failed))
        executor = Executor(engine, requests, hub.actions, "replica-a", term.epoch).start()
        replicas = [FleetActions(requests, f"replica-{n}") for n in "abc"]
        try:
            clicks = [replica.retry(cs["setId"], OPS) for replica in replicas]
            results = [click.result(seconds(30)) for click in clicks]
        finally:
            executor.stop()
            for replica in replicas:
                replica.shutdown()

    assert all(r.ok for r in results), results
    assert len({r.job_id for r in results}) == 1  # one job queued, the same answer to each
    assert api.get("/_local/stats").json()[f"POST /api/v1/sync/{cs['setId']}/retry"] == 1


def test_a_retry_clicked_on_a_replica_that_had_not_heard_of_the_first_sends_nothing(
    api: Api, engine: Engine
) -> None:
    # The second tab still showed the failure: its click comes after the first retry was
    # answered and the poll confirmed it. Retrying a set that is no longer failed would queue it
    # twice.
    api.set_workers(0)
    cs = api.create_set(name="Retry me", failed_error="Session has expired")
    term = Lease(engine, "replica-a", 30).take()
    assert term is not None
    requests = Requests(engine)
    with hub_for(api.url) as hub:
        wait_for(hub, lambda s: any(f.set_id == cs["setId"] for f in s.failed))
        executor = Executor(engine, requests, hub.actions, "replica-a", term.epoch).start()
        b, c = FleetActions(requests, "replica-b"), FleetActions(requests, "replica-c")
        try:
            first = b.retry(cs["setId"], OPS).result(seconds(30))
            listed = lambda s: any(p.set_id == cs["setId"] and not p.optimistic for p in s.pending)  # noqa: E731
            wait_for(hub, listed)  # the poll confirmed it: the first retry is settled
            later = c.retry(cs["setId"], OPS).result(seconds(30))
        finally:
            executor.stop()
            b.shutdown()
            c.shutdown()

    assert first.ok
    assert (later.ok, later.message) == (
        True,
        "Already queued again a moment ago; nothing more was sent.",
    )
    assert api.get("/_local/stats").json()[f"POST /api/v1/sync/{cs['setId']}/retry"] == 1


def test_a_viewers_click_is_refused_where_it_was_made_and_writes_nothing(engine: Engine) -> None:
    replica = FleetActions(Requests(engine), "replica-b")

    result = replica.retry("set-1", VIEWER).result(seconds(10))

    assert not result.ok
    assert result.message == "Only operators may retry syncs. Ask an operator."
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM fleet_requests")).scalar() == 0
