"""Choosing the collector on a real PostgreSQL (issue 22): one replica collects at a time; when
it stops, another takes over at once; when it dies (no release), within the lease's time; a
collector whose renewal fails stops collecting at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from sync_monitor.fleet.election import Election
from sync_monitor.fleet.lease import Lease, Term
from tests.support.fleet import migrated_postgres
from tests.support.waiting import wait_until

TTL = 1.5


class Replica:
    def __init__(self, engine: Engine, name: str) -> None:
        self.name = name
        self.terms: list[Term] = []
        self.deposed: list[str] = []
        self.election = Election(Lease(engine, name, TTL), self.terms.append, self.deposed.append)

    @property
    def collecting(self) -> bool:
        return self.election.collecting()


@pytest.fixture
def engine() -> Iterator[Engine]:
    with migrated_postgres() as engine:
        yield engine


def test_one_replica_collects_and_another_takes_over_when_it_stops(engine: Engine) -> None:
    replicas = [Replica(engine, f"replica-{n}") for n in "abc"]
    for replica in replicas:
        replica.election.start()
    try:
        wait_until(lambda: sum(r.collecting for r in replicas) == 1, "one collects")
        first = next(r for r in replicas if r.collecting)
        for _ in range(2):  # it stays the one through renewals
            before = first.election.term
            wait_until(lambda: first.election.term != before, "renewed")  # noqa: B023
            assert [r.collecting for r in replicas].count(True) == 1
            assert first.collecting
        stopped_at = time.monotonic()
        first.election.stop()
        assert first.deposed == ["this replica is stopping"]
        wait_until(lambda: any(r.collecting for r in replicas if r is not first), "taken over")
        taken_in = time.monotonic() - stopped_at
        second = next(r for r in replicas if r.collecting)
        assert second.terms[0].epoch == first.terms[0].epoch + 1
        assert taken_in < 10  # let go, not waited out (generous: the machine may be busy)
    finally:
        for replica in replicas:
            replica.election.stop()


def test_a_collector_that_dies_is_replaced_within_the_lease_time(engine: Engine) -> None:
    a, b = Replica(engine, "replica-a"), Replica(engine, "replica-b")
    a.election.once()
    assert a.collecting
    b.election.start()
    try:
        # a dies: it neither renews nor lets go. b takes over once the lease has run out.
        wait_until(lambda: b.collecting, "b collects", timeout=30)
        assert not a.collecting  # by a's own clock its term has run out too
        assert b.terms[0].epoch == a.terms[0].epoch + 1
    finally:
        b.election.stop()


def test_a_collector_whose_renewal_fails_stops_collecting_at_once(engine: Engine) -> None:
    a = Replica(engine, "replica-a")
    a.election.once()
    assert a.collecting
    engine.dispose()
    with engine.begin() as db:  # the lease table gone: every renewal fails from now on
        db.exec_driver_sql("ALTER TABLE fleet_lease RENAME TO fleet_lease_away")

    a.election.once()

    assert not a.collecting
    assert a.deposed == ["its lease could not be renewed (ProgrammingError)"]


def test_a_standby_tries_again_when_the_holders_lease_runs_out_not_a_third_later(
    engine: Engine,
) -> None:
    a = Election(Lease(engine, "replica-a", 1.5), lambda term: None, lambda why: None)
    b = Election(Lease(engine, "replica-b", 30), lambda term: None, lambda why: None)
    a.once()
    b.once()
    assert a.collecting()
    assert not b.collecting()

    assert 0 < b.pause() <= 1.6  # a's lease ends within 1.5 s: b's third would be 10 s
    assert a.pause() == 0.5  # the holder renews every third of its own
