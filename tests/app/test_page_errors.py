"""A page names an error only as what it is (issue 17): a database that stops answering is said
to be one; a bug anywhere on a page is said to be a bug, with an error id that the server log
holds beside its traceback, and never passes for a database problem."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from types import ModuleType

import psycopg
import pytest

from sync_monitor.history import History
from sync_monitor.ui import analysis, analysis_tables, queue
from tests.support.apptest import Monitor
from tests.support.databases import ADMIN_URL, postgres_database
from tests.support.logs import LoggedErrors

Factory = Callable[..., Monitor]
BUG = re.compile(r"^Something went wrong on this page \(error id ([0-9a-f]{8})\)\.")


def a_bug(kind: type[Exception]) -> Callable[..., None]:
    """A stand-in that fails as a bug of ours would (each test its own kind: the same fault
    at the same place is logged with its traceback once in five minutes)."""

    def fails(*args: object, **kwargs: object) -> None:
        raise kind("'float' object has no attribute 'translate'")

    return fails


def shown_bug(m: Monitor, logged_errors: LoggedErrors, where: str, kind: type[Exception]) -> None:
    """The page says "something went wrong" with an id, the log has that id with the
    traceback, and nothing on the page blames the database."""
    assert not m.app.exception
    [said] = [e.value for e in m.app.error]
    found = BUG.match(said)
    assert found, said
    assert "database" not in said
    [logged] = logged_errors.matching(f"{where} failed \\(error id {found.group(1)}\\)")
    again = re.search(r"again, as under error id ([0-9a-f]{8})", logged.getMessage())
    if again:  # the page ran more than once: the first id has the traceback
        [logged] = logged_errors.matching(f"{where} failed \\(error id {again.group(1)}\\)$")
    assert logged.exc_info is not None
    assert logged.exc_info[0] is kind


@pytest.mark.parametrize(
    ("module", "part", "kind", "drawn"),
    [
        # The figures came before the bug.
        (analysis_tables, "tables", AttributeError, ["Syncs attempted"]),
        (analysis, "analysis", TypeError, []),  # the figures themselves
    ],
)
def test_a_bug_on_the_analysis_page_is_a_bug_not_a_database_problem(
    monitor_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    logged_errors: LoggedErrors,
    module: ModuleType,
    part: str,
    kind: type[Exception],
    drawn: list[str],
) -> None:
    logged_errors.expect("the Failure analysis page failed")
    m = monitor_factory(workers=0)
    m.run()
    monkeypatch.setattr(module, part, a_bug(kind))
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    shown_bug(m, logged_errors, "the Failure analysis page", kind)
    assert [x.label for x in m.app.metric][:1] == drawn


def test_a_bug_in_the_live_queue_leaves_the_header_and_says_so(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch, logged_errors: LoggedErrors
) -> None:
    logged_errors.expect("the live page's queue, failures and charts failed")
    m = monitor_factory(workers=0)
    m.api.create_set(name="Waiting", queue=True)
    monkeypatch.setattr(queue, "pending", a_bug(KeyError))
    m.run()
    m.wait(lambda s: len(s.pending) == 1)
    shown_bug(m, logged_errors, "the live page's queue, failures and charts", KeyError)
    assert [x.label for x in m.app.metric][:2] == ["Syncing now", "Queued"]


@pytest.fixture
def history_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the history."""
    with postgres_database() as url:
        yield url


def test_a_database_that_stops_answering_is_named_as_such(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch, history_url: str
) -> None:
    m = monitor_factory(workers=0)
    monkeypatch.setenv("SYNC_MONITOR_HISTORY_URL", history_url)
    m.run()
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    assert [e.value for e in m.app.error] == []
    # The database goes away: no new connection, and the ones open are ended.
    name = history_url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
    m.app.query_params.update({"window": "30d"})  # not a view computed already
    m.run()
    assert not m.app.exception
    [said] = [e.value for e in m.app.error]
    assert said.startswith("The history database did not answer: "), said
    assert "The live page is not affected" in said
    assert "sync_monitor:" not in said  # the URL's password (here the role's) is not shown


def test_a_bug_opening_the_history_is_a_bug_not_an_unreachable_database(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch, logged_errors: LoggedErrors
) -> None:
    logged_errors.expect("the history cannot be written")

    def fails(cls: type[History], url: str | None = None, *, migrate: bool = True) -> History:
        raise TypeError("a bug in opening the history")

    monkeypatch.setattr(History, "open", classmethod(fails))
    m = monitor_factory(workers=0)
    m.run()
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    [said] = [e.value for e in m.app.error]
    found = BUG.match(said)
    assert found, said
    [logged] = logged_errors.matching(f"the history cannot be written \\(error id {found[1]}\\)")
    assert logged.exc_info is not None
    assert logged.exc_info[0] is TypeError


def test_a_history_newer_than_the_monitor_is_unusable_not_unreachable(
    monitor_factory: Factory,
) -> None:
    m = monitor_factory(workers=0)
    path = os.environ["SYNC_MONITOR_HISTORY_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:  # as a later version of the monitor would leave it
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    m.run()
    m.app.switch_page("app_pages/analysis.py")
    m.run()
    [said] = [e.value for e in m.app.error]
    assert said.startswith("The history database cannot be used: its schema cannot be upgraded")
    assert "9999" in said  # the revision it found (escaped as Markdown)
