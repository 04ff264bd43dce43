"""The collector's journal on a real PostgreSQL (issue 22): what the collector publishes, every
follower sees, in order, across a lost connection, a late start and a new collector; a
collector that lost its lease writes nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import Engine

from sync_monitor.dotoro.models import JobState, Progress
from sync_monitor.fleet.follower import Follower
from sync_monitor.fleet.journal import Journal
from sync_monitor.fleet.lease import Lease, Term
from sync_monitor.fleet.writer import Writer
from sync_monitor.live.snapshot import Snapshot
from tests.support.fleet import migrated_postgres
from tests.support.rows import AT, NOW, built, known, row, status
from tests.support.waiting import wait_until


class Scene:
    """The collector's state, changed by the test: a sync's progress and the queue."""

    def __init__(self) -> None:
        self.synced, self.waiting, self.version = 0, 5, 1
        self.changed = threading.Condition()

    def step(self) -> None:
        with self.changed:
            self.synced, self.waiting, self.version = (
                self.synced + 1,
                self.waiting - 1,
                self.version + 1,
            )
            self.changed.notify_all()

    def snapshot(self) -> Snapshot:
        active = (row(1, progress=Progress(synced=self.synced, total=50), started_at=NOW),)
        pending = tuple(row(n, state=JobState.CREATED) for n in range(10, 10 + self.waiting))
        moment = replace(AT, now=NOW + timedelta(seconds=self.version), version=self.version)
        return built(known(status(active, pending)), moment)

    def wait_for_change(self, version: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.version > version, timeout)
            return self.version


def same(a: Snapshot | None, b: Snapshot) -> bool:
    return a is not None and replace(a, version=0) == replace(b, version=0)


@pytest.fixture
def engine() -> Iterator[Engine]:
    with migrated_postgres() as engine:
        yield engine


def collector(engine: Engine, scene: Scene, holder: str = "replica-a") -> tuple[Term, Writer]:
    term = Lease(engine, holder, ttl=30).take()
    assert term is not None
    return term, Writer(scene, Journal(engine, holder), term.epoch, interval=0.01).start()


def test_every_follower_sees_what_the_collector_publishes_in_order(engine: Engine) -> None:
    scene = Scene()
    _, writer = collector(engine, scene)
    followers = [Follower(engine, Journal(engine, f"replica-{n}")).start() for n in "bc"]
    try:
        for _ in range(4):
            scene.step()
            for follower in followers:
                wait_until(lambda: same(follower.snapshot(), scene.snapshot()), "in step")  # noqa: B023
    finally:
        writer.stop()
        for follower in followers:
            follower.stop()


def test_a_follower_that_lost_its_connection_misses_nothing(engine: Engine) -> None:
    scene = Scene()
    _, writer = collector(engine, scene)
    follower = Follower(engine, Journal(engine, "replica-b"), every=30).start()
    try:
        wait_until(lambda: same(follower.snapshot(), scene.snapshot()), "the first state")
        admin = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as db:
            killed = db.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND datname = current_database()"
            ).fetchone()
        assert killed == (1,)
        for _ in range(3):
            scene.step()
        wait_until(lambda: same(follower.snapshot(), scene.snapshot()), "caught up", timeout=30)
    finally:
        writer.stop()
        follower.stop()


def test_followers_learn_what_the_collector_spent_of_the_request_budget(engine: Engine) -> None:
    scene, spent = Scene(), [1_000]
    term = Lease(engine, "replica-a", ttl=30).take()
    assert term is not None
    writer = Writer(scene, Journal(engine, "replica-a"), term.epoch, spent=lambda: list(spent))
    writer.write_once()
    spent.append(2_000)  # a request, and nothing else changed
    assert writer.write_once() is not None

    follower = Follower(engine, Journal(engine, "replica-b"))
    follower.catch_up()

    assert follower.spent == [1_000, 2_000]


def test_a_late_follower_starts_from_the_saved_state_when_older_changes_are_gone(
    engine: Engine,
) -> None:
    scene = Scene()
    term = Lease(engine, "replica-a", ttl=30).take()
    assert term is not None
    journal = Journal(engine, "replica-a")
    writer = Writer(scene, journal, term.epoch, save_every=0, spent=lambda: [5])
    writer.write_once()
    scene.step()
    writer.write_once()
    with engine.begin() as db:  # what pruning does once the state has moved past them
        db.exec_driver_sql("DELETE FROM fleet_events WHERE id < (SELECT max(id) FROM fleet_events)")

    follower = Follower(engine, Journal(engine, "replica-b"))
    follower.catch_up()

    assert same(follower.snapshot(), scene.snapshot())
    assert follower.spent == [5]


def test_a_collector_whose_lease_was_taken_over_writes_nothing_more(engine: Engine) -> None:
    scene = Scene()
    old = Lease(engine, "replica-a", ttl=0.2).take()
    assert old is not None
    writer = Writer(scene, Journal(engine, "replica-a"), old.epoch)
    assert writer.write_once() is not None
    new: list[Term] = []

    def took() -> bool:
        term = Lease(engine, "replica-b", ttl=30).take()
        new.extend([term] if term else [])
        return term is not None

    wait_until(took, "replica-b takes the expired lease")
    scene.step()

    assert writer.write_once() is None
    assert writer.fenced.is_set()
    follower = Follower(engine, Journal(engine, "replica-c"))
    follower.catch_up()
    assert follower.heard is not None
    assert follower.heard.epoch == old.epoch  # nothing of the step: it was never written
    assert not same(follower.snapshot(), scene.snapshot())

    Writer(scene, Journal(engine, "replica-b"), new[0].epoch).write_once()
    follower.catch_up()
    assert follower.heard.epoch == new[0].epoch
    assert same(follower.snapshot(), scene.snapshot())
