"""The collector's lease on a real PostgreSQL (issue 22): one holder at a time, taken only once
expired, each taking a new epoch, renewed only by its holder and epoch, on the database's clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sync_monitor.fleet.lease import MARGIN, Lease, Term
from sync_monitor.history import History
from tests.support.fleet import migrated_postgres
from tests.support.waiting import wait_until


@pytest.fixture
def engine() -> Iterator[Engine]:
    with migrated_postgres() as engine:
        yield engine


def test_one_holder_at_a_time_and_a_new_epoch_each_time_it_changes_hands(engine: Engine) -> None:
    a, b = Lease(engine, "replica-a", ttl=30), Lease(engine, "replica-b", ttl=30)

    term = a.take()
    assert term is not None
    assert term.epoch == 1
    assert b.take() is None  # held, and not expired
    assert a.take() is None  # not even its holder takes it twice: it renews
    renewed = a.renew(term)
    assert renewed is not None
    assert renewed.epoch == 1

    a.release(renewed)
    taken = b.take()
    assert taken is not None
    assert taken.epoch == 2
    assert a.renew(renewed) is None  # the old term is gone for good
    holder = b.current()
    assert holder is not None
    assert (holder.holder, holder.epoch, holder.live) == ("replica-b", 2, True)


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew_it(engine: Engine) -> None:
    a, b = Lease(engine, "replica-a", ttl=0.3), Lease(engine, "replica-b", ttl=30)
    old = a.take()
    assert old is not None

    taken: list[Term] = []

    def took() -> bool:
        term = b.take()
        taken.extend([term] if term else [])
        return term is not None

    wait_until(took, "b takes the expired lease")

    assert taken[0].epoch == old.epoch + 1
    assert a.renew(old) is None
    assert b.renew(taken[0]) is not None


def test_of_many_replicas_racing_for_a_free_lease_exactly_one_gets_it(engine: Engine) -> None:
    leases = [Lease(engine, f"replica-{n}", ttl=30) for n in range(8)]
    start = threading.Barrier(len(leases))
    terms: list[Term | None] = [None] * len(leases)

    def race(n: int) -> None:
        start.wait()
        terms[n] = leases[n].take()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(len(leases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(t is not None for t in terms) == 1


def test_a_holder_counts_itself_the_holder_only_within_its_term_by_its_own_clock(
    engine: Engine,
) -> None:
    now = [1000.0]
    lease = Lease(engine, "replica-a", ttl=10, mono=lambda: now[0])
    term = lease.take()

    assert lease.holds(term)
    now[0] += 10 * (1 - MARGIN) - 0.01
    assert lease.holds(term)
    now[0] += 0.02  # before the database's expiry: a renewal that went unanswered counts
    assert not lease.holds(term)
    assert not lease.holds(None)


def test_the_lease_refuses_sqlite(tmp_path: Path) -> None:
    history = History.open(f"sqlite:///{tmp_path / 'history.sqlite3'}")
    with pytest.raises(ValueError, match="needs PostgreSQL, not sqlite"):
        Lease(history.engine, "replica-a", ttl=30)
