"""Two replicas of a fleet in one test process (issue 22), against the local API over HTTP and a
real PostgreSQL: one collects, both show its state, a Retry asked on the other reaches Dotoro
once, and when the collector stops the other takes over and carries on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

import pytest
from sqlalchemy import Engine

from sync_monitor.access import Caller, Role
from sync_monitor.dotoro.budget import RequestBudget
from sync_monitor.dotoro.client import PROBE_ID, DotoroClient
from sync_monitor.fleet.journal import Journal
from sync_monitor.fleet.lease import Lease
from sync_monitor.fleet.replica import NOT_COLLECTING, Replica
from sync_monitor.fleet.writer import Writer
from sync_monitor.live.hub import Hub
from sync_monitor.settings import load_settings
from sync_monitor.words.status import banner, say, source, status_line
from tests.support.fleet import migrated_postgres
from tests.support.local_api import Api
from tests.support.waiting import seconds, wait_until

OPS = Caller("ops@example.com", Role.OPERATOR)


@pytest.fixture
def engine() -> Iterator[Engine]:
    with migrated_postgres() as engine:
        yield engine


def replica(engine: Engine, api: Api, name: str) -> Replica:
    settings = load_settings(environ={}).model_copy(update={"poll_seconds": 0.5})
    client = DotoroClient(api.url, timeout=seconds(5), budget=RequestBudget(90, 40, 10))
    return Replica(
        engine,
        name,
        client,
        lambda: Hub(client, settings),
        elect=True,
        lease_seconds=3,
        per_minute=90,
    )


def shows(r: Replica, set_id: str) -> bool:
    return any(f.set_id == set_id for f in r.snapshot().failed)


def test_one_collects_every_replica_shows_its_state_and_another_takes_over(
    engine: Engine, plan: Api
) -> None:
    plan.set_workers(0)
    first = plan.create_set(name="Failed once", failed_error="Session has expired")
    replicas = [replica(engine, plan, name).start() for name in ("replica-a", "replica-b")]
    try:
        wait_until(lambda: all(shows(r, first["setId"]) for r in replicas), "both show it", 30)
        collecting = [r for r in replicas if r.hub is not None]
        assert len(collecting) == 1
        collector, other = collecting[0], next(r for r in replicas if r.hub is None)
        assert other.fence() == NOT_COLLECTING
        assert collector.fence() is None

        # The probe of cancel is a write: not before someone who may act opens a replica.
        probe = f"POST /api/v1/sync/{PROBE_ID}/cancel"
        assert probe not in plan.get("/_local/stats").json()
        other.operator_here()
        wait_until(lambda: probe in plan.get("/_local/stats").json(), "the collector probes", 30)

        retried = other.actions.retry(first["setId"], OPS).result(seconds(30))
        assert retried.ok, retried
        assert plan.get("/_local/stats").json()[f"POST /api/v1/sync/{first['setId']}/retry"] == 1

        collector.stop()
        wait_until(lambda: other.hub is not None, "the other takes over", 30)
        second = plan.create_set(name="Failed later", failed_error="Token expired")
        wait_until(lambda: shows(other, second["setId"]), "the new collector carries on", 30)
    finally:
        for r in replicas:
            r.stop()


def test_a_replica_names_the_collector_and_goes_stale_when_it_falls_silent(
    engine: Engine, plan: Api
) -> None:
    now = [1000.0]
    term = Lease(engine, "replica-a", ttl=30).take()
    assert term is not None
    hub_scene = Hub(DotoroClient(plan.url), load_settings(environ={}))
    Writer(hub_scene, Journal(engine, "replica-a"), term.epoch).write_once()
    follower = Replica(
        engine,
        "replica-b",
        DotoroClient(plan.url),
        lambda: hub_scene,
        elect=False,
        lease_seconds=3,
        per_minute=90,
        mono=lambda: now[0],
    )
    follower.follower.catch_up()

    heard = follower.snapshot()
    assert heard.collector is not None
    assert (heard.collector.name, heard.collector.silent) == ("replica-a", False)
    assert heard.frozen_at is None
    assert say(source(heard.backend, heard.collector), UTC).endswith("collected by replica-a")

    now[0] += 3.5  # no change, no beat: longer than the lease
    silent = follower.snapshot()
    assert silent.collector is not None
    assert silent.collector.silent
    assert silent.frozen_at == heard.collector.heard_at
    assert say(status_line(silent), UTC).startswith("Collector silent since ")
    trouble = banner(silent)
    assert trouble is not None
    assert say(trouble.words, UTC).startswith("Nothing heard from the collecting replica replica-a")
