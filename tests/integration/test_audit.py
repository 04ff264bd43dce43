"""The audit trail against real databases and the local API over real HTTP: every retry and
cancel, done, failed or refused, with who asked, kept in the history database (SQLite and
PostgreSQL) across a restart, in a local file while that cannot be reached, and moved in
afterwards without losing or doubling an entry."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select

from sync_monitor.access import Action, Caller, Entry, Role, Verdict, without_sign_in
from sync_monitor.history import History
from sync_monitor.history.audit import AuditLog
from sync_monitor.history.schema import audit
from tests.support.databases import database
from tests.support.hub import hub_for, wait_for
from tests.support.local_api import Api
from tests.support.waiting import seconds

OPERATOR = Caller("ops@example.com", Role.OPERATOR)


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with database(request.param, tmp_path) as url, History.open(url) as opened:
        yield opened


def in_file(path: Path) -> int:
    with sqlite3.connect(path) as db:
        count: int = db.execute("SELECT count(*) FROM actions").fetchone()[0]
    return count


def in_history(history: History) -> int:
    with history.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit)).scalar_one())


def entry(n: int, outcome: Verdict = Verdict.DONE) -> Entry:
    at = datetime(2026, 11, 30, 12, tzinfo=UTC) + timedelta(seconds=n)
    return Entry(at, f"ops{n}@example.com", "operator", Action.RETRY, f"set-{n}", outcome, f"#{n}")


def test_every_action_is_audited_with_who_and_the_result(
    plan: Api, tmp_path: Path, history: History
) -> None:
    path = tmp_path / "audit.sqlite3"
    broken = plan.create_set(name="Broken", failed_error="Session has expired")
    gone = plan.create_set(name="No account", failed_error="boom", ad_account=False)
    first = AuditLog(path, lambda: history.engine)
    with hub_for(plan.url, {"audit": first}) as hub:
        wait_for(hub, lambda s: len(s.failed) == 2)
        assert hub.actions.retry(broken["setId"], OPERATOR).result(seconds(10)).ok
        refused_by_service = hub.actions.retry(gone["setId"], OPERATOR).result(seconds(10))
        assert not refused_by_service.ok
        viewer = without_sign_in(read_only=True, address="127.0.0.1")
        assert not hub.actions.retry(broken["setId"], viewer).result(seconds(10)).ok

    first.close()
    # A new process, the same history: nothing lost, and all of it in the history's trail.
    second = AuditLog(tmp_path / "other.sqlite3", lambda: history.engine)
    entries = second.recent(10)
    second.close()
    assert [(e.who, e.role, e.action, e.target, e.outcome) for e in entries] == [
        ("anyone", "viewer", "retry", broken["setId"], "refused"),
        ("ops@example.com", "operator", "retry", gone["setId"], "failed"),
        ("ops@example.com", "operator", "retry", broken["setId"], "done"),
    ]
    assert entries[0].message.startswith("Only operators may retry syncs.")
    assert entries[1].message == refused_by_service.message
    assert all(e.at.tzinfo is not None for e in entries)
    assert (in_history(history), in_file(path)) == (3, 0)


def test_a_viewer_cannot_flood_the_trail_nor_push_operators_actions_out_of_sight(
    plan: Api, tmp_path: Path, history: History
) -> None:
    """Issue 18: 60 crafted cancels in 23 s wrote 58 rows with ids the viewer chose, and
    operators' actions left "Recent actions". Now: a few rows and one summary, apart."""
    broken = plan.create_set(name="Broken", failed_error="Session has expired")
    trail = AuditLog(tmp_path / "audit.sqlite3", lambda: history.engine)
    viewer = Caller("viewer@acme.com", Role.VIEWER, "You are signed in as a viewer.")
    with hub_for(plan.url, {"audit": trail}) as hub:
        wait_for(hub, lambda s: len(s.failed) == 1)
        assert hub.actions.retry(broken["setId"], OPERATOR).result(seconds(10)).ok
        for n in range(60):
            assert not hub.actions.cancel(f"crafted-{n}", viewer).result(seconds(10)).ok
        shown = trail.read(20)
        assert [(e.who, e.outcome) for e in shown.entries] == [("ops@example.com", "done")]
        assert [e.target for e in shown.refused] == ["crafted-2", "crafted-1", "crafted-0"]
    trail.close()  # the minute is not over: the rest are summed up now, not lost
    again = AuditLog(tmp_path / "other.sqlite3", lambda: history.engine)
    refused = again.read(20).refused
    again.close()
    assert refused[0].message.startswith("57 more refused cancels by viewer@acme.com")
    assert in_history(history) == 1 + 3 + 1


def test_entries_wait_in_the_file_while_the_history_cannot_be_reached_then_move_in(
    tmp_path: Path, history: History
) -> None:
    path = tmp_path / "audit.sqlite3"
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'history.sqlite3'}")
    reachable: dict[str, Engine | None] = {"engine": None}  # not open yet, down, then back
    trail = AuditLog(path, lambda: reachable["engine"])
    trail.record(entry(1))
    first = trail.read(10)
    assert [e.target for e in first.entries] == ["set-1"]
    assert first.problem == "the history database is not open yet"
    reachable["engine"] = unreachable
    trail.record(entry(2, Verdict.FAILED))
    down = trail.read(10)
    assert [e.target for e in down.entries] == ["set-2", "set-1"]
    assert down.problem == "the history database cannot be reached"
    assert in_file(path) == 2

    reachable["engine"] = history.engine  # back: the next write moves the waiting ones in
    trail.record(entry(3))
    back = trail.read(10)
    trail.close()
    assert back.problem is None
    assert [(e.target, e.outcome) for e in back.entries] == [
        ("set-3", "done"),
        ("set-2", "failed"),
        ("set-1", "done"),
    ]
    assert (in_history(history), in_file(path)) == (3, 0)


def test_a_move_cut_short_counts_nothing_twice(tmp_path: Path, history: History) -> None:
    path = tmp_path / "audit.sqlite3"
    trail = AuditLog(path)  # no history yet: both entries wait in the file
    trail.record(entry(1))
    trail.record(entry(2))
    trail.close()
    shutil.copy(path, tmp_path / "before-the-move.sqlite3")
    AuditLog(path, lambda: history.engine).close()  # moves them in at start
    assert (in_history(history), in_file(path)) == (2, 0)
    # A process stopped between the insert and the delete: the file still holds them.
    shutil.copy(tmp_path / "before-the-move.sqlite3", path)
    again = AuditLog(path, lambda: history.engine)
    assert [e.target for e in again.recent(10)] == ["set-2", "set-1"]
    again.close()
    assert (in_history(history), in_file(path)) == (2, 0)


def test_the_file_an_earlier_version_wrote_moves_into_the_history(
    tmp_path: Path, history: History
) -> None:
    path = tmp_path / "audit.sqlite3"
    with sqlite3.connect(path) as db:  # the schema before the trail moved: no uid
        db.execute(
            "CREATE TABLE actions (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
            "who TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, "
            "outcome TEXT NOT NULL, message TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO actions (at, who, role, action, target, outcome, message) VALUES "
            "('2026-11-01T09:00:00+00:00', 'a@x.io', 'operator', 'cancel', 'job-1', 'done', ''),"
            "('2026-11-01T09:05:00+00:00', 'anyone', 'viewer', 'retry', 'set-1', 'refused', 'no')"
        )
    trail = AuditLog(path, lambda: history.engine)
    entries = trail.recent(10)
    trail.close()
    assert [(e.who, e.action, e.outcome) for e in entries] == [
        ("anyone", "retry", "refused"),
        ("a@x.io", "cancel", "done"),
    ]
    assert entries[0].at == datetime(2026, 11, 1, 9, 5, tzinfo=UTC)
    assert (in_history(history), in_file(path)) == (2, 0)


def test_replicas_sharing_a_history_write_one_trail(tmp_path: Path, history: History) -> None:
    one = AuditLog(tmp_path / "one.sqlite3", lambda: history.engine)
    two = AuditLog(tmp_path / "two.sqlite3", lambda: history.engine)
    one.record(entry(1))
    assert [e.target for e in one.recent(10)] == ["set-1"]
    two.record(entry(2))
    assert [e.target for e in two.recent(10)] == ["set-2", "set-1"]
    assert [e.target for e in one.recent(10)] == ["set-2", "set-1"]
    one.close()
    two.close()


def test_hostile_text_is_stored_not_refused(tmp_path: Path, history: History) -> None:
    """A target from a crafted page message and a service message with a NUL: the history
    keeps the entry (PostgreSQL would refuse the NUL and the length), nothing waits for ever."""
    path = tmp_path / "audit.sqlite3"
    trail = AuditLog(path, lambda: history.engine)
    at = datetime(2026, 11, 30, 12, tzinfo=UTC)
    trail.record(
        Entry(at, "ops@x.io", "operator", Action.RETRY, "x" * 5000, Verdict.FAILED, "bad\x00byte")
    )
    [kept] = trail.recent(5)
    trail.close()
    assert (kept.target, kept.message) == ("x" * 200, "bad\ufffdbyte")
    assert (in_history(history), in_file(path)) == (1, 0)
