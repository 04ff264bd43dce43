"""Retries and cancels through the collector, on a real PostgreSQL (issue 22): asked on any
replica, taken exactly once by the collector that holds the lease, answered back; a request an
old collector took and never answered is never made again."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from sync_monitor.access import Action, Caller, Role
from sync_monitor.fleet.lease import Lease, Term
from sync_monitor.fleet.requests import UNKNOWN, Outcome, Request, Requests
from tests.support.fleet import migrated_postgres
from tests.support.waiting import wait_until

OPERATOR = Caller("ops@example.com", Role.OPERATOR)


@pytest.fixture
def engine() -> Iterator[Engine]:
    with migrated_postgres() as engine:
        yield engine


def term_of(engine: Engine, holder: str, ttl: float = 30) -> Term:
    term = Lease(engine, holder, ttl).take()
    assert term is not None
    return term


def test_a_request_asked_anywhere_is_taken_once_and_answered(engine: Engine) -> None:
    requests = Requests(engine)
    term = term_of(engine, "replica-a")
    asked = requests.ask("replica-b", OPERATOR, Action.RETRY, "set-1")

    taken = requests.take("replica-a", term.epoch)
    assert taken == [Request(asked, OPERATOR, Action.RETRY, "set-1")]
    assert requests.take("replica-a", term.epoch) == []  # once
    assert requests.outcome(asked) is None

    requests.answer(asked, Outcome(True, "Queued.", "job-9"))
    requests.answer(asked, Outcome(False, "a second answer changes nothing"))
    assert requests.outcome(asked) == Outcome(True, "Queued.", "job-9")


def test_only_the_collector_holding_the_lease_takes_requests(engine: Engine) -> None:
    requests = Requests(engine)
    term = term_of(engine, "replica-a")
    requests.ask("replica-c", OPERATOR, Action.CANCEL, "job-1")

    assert requests.take("replica-b", term.epoch) == []  # not the holder
    assert requests.take("replica-a", term.epoch + 1) == []  # not its epoch
    assert len(requests.take("replica-a", term.epoch)) == 1


def test_racing_takers_make_each_request_exactly_once(engine: Engine) -> None:
    requests = Requests(engine)
    term = term_of(engine, "replica-a")
    asked = {requests.ask("replica-b", OPERATOR, Action.RETRY, f"set-{n}") for n in range(40)}
    start = threading.Barrier(4)
    taken: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        start.wait()
        for _ in range(10):
            got = requests.take("replica-a", term.epoch)
            with lock:
                taken.extend(r.id for r in got)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(taken) == sorted(asked)


def test_a_request_an_old_collector_took_and_never_answered_is_answered_not_made(
    engine: Engine,
) -> None:
    requests = Requests(engine)
    old = term_of(engine, "replica-a", ttl=0.2)
    asked = requests.ask("replica-b", OPERATOR, Action.RETRY, "set-1")
    assert len(requests.take("replica-a", old.epoch)) == 1  # ... and then replica-a died
    new: list[Term] = []

    def took() -> bool:
        term = Lease(engine, "replica-b", 30).take()
        new.extend([term] if term else [])
        return term is not None

    wait_until(took, "replica-b takes the lease over")

    assert requests.take("replica-b", new[0].epoch) == []
    assert requests.abandon(new[0].epoch) == 1
    assert requests.outcome(asked) == Outcome(False, UNKNOWN)
