"""The audit trail: who retried or cancelled what, when, and with what result (issue 10).

Kept in the history database (`SYNC_MONITOR_HISTORY_URL`: SQLite by default, PostgreSQL for a
shared deployment, where every replica writes to one trail). While that cannot be reached (at
start, before the recorder has opened it, or while it is down) entries go to a local SQLite
file (`SYNC_MONITOR_AUDIT_PATH`, `data/audit.sqlite3`) and move into the history as soon as it
answers; so do the entries earlier versions kept in that file. Nothing is lost and nothing is
counted twice: each entry has a uid, and a move inserts what the history lacks, then deletes
it from the file.

Writes go through one writer thread, in order, so that an action's result never waits for a
disk; reads see every write made before them.

Refusals cannot flood it (issue 18): `refusal` writes a caller's refused attempts of one kind
one by one up to a few a minute, and the rest as one line when that minute is over
(refusals.py). Reads keep operators' actions apart from
refusals, so a viewer's attempts never push them out of "Recent actions".
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from sync_monitor.access import Action, Entry, Verdict
from sync_monitor.refusals import Limiter
from sync_monitor.text import storable

from .engines import NOT_ANSWERING
from .schema import audit

log = logging.getLogger(__name__)

FALLBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,        -- ISO 8601, UTC
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,    -- retry | cancel
    target TEXT NOT NULL,    -- the campaign set id (retry) or job id (cancel)
    outcome TEXT NOT NULL,   -- done | failed | refused
    message TEXT NOT NULL,
    uid TEXT                 -- absent from files written before the trail moved (issue 10)
)
"""
COLUMNS = ("at", "who", "role", "action", "target", "outcome", "message")
INSERT_LOCAL = f"INSERT INTO actions ({', '.join(COLUMNS)}, uid) VALUES ({', '.join('?' * 8)})"
MOVE_BATCH = 500  # entries moved from the fallback file per statement
REFUSALS_SHOWN = 5  # refusals a read returns beside the actions

History = Callable[[], Engine | None]  # the history database's engine, while it can be used


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _row(entry: Entry) -> dict[str, Any]:
    """The entry as the history stores it: no NUL, nothing longer than its column (a target
    comes from the page, which a crafted message can fill), so that no entry is refused."""
    row: dict[str, Any] = {"uid": storable(entry.uid, 64), "at_ms": _ms(entry.at)}
    for name in COLUMNS[1:]:
        row[name] = storable(getattr(entry, name), getattr(audit.c[name].type, "length", None))
    return row


@dataclass(frozen=True)
class Trail:
    entries: list[Entry]  # actions done or failed: never crowded out by refusals
    problem: str | None  # why only the entries kept on this server are shown, if they are
    refused: list[Entry] = field(default_factory=list)  # the newest refusals


class AuditLog:
    def __init__(self, path: Path, history: History | None = None) -> None:
        self.path = path
        self._history: History = history or (lambda: None)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-writer")
        self._refusals: Limiter[Entry] = Limiter()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._local() as db, db:
            db.execute(FALLBACK_SCHEMA)
            if "uid" not in {r[1] for r in db.execute("PRAGMA table_info(actions)")}:
                db.execute("ALTER TABLE actions ADD COLUMN uid TEXT")
        self._submit(self._move)

    def use_history(self, history: History) -> None:
        """Keep the trail in the history database from now on (the recorder opens it after the
        hub, which records actions, has started); what the file holds moves there."""
        self._history = history
        self._submit(self._move)

    def _local(self) -> closing[sqlite3.Connection]:
        return closing(sqlite3.connect(self.path, timeout=5))

    def _engine(self) -> Engine | None:
        try:
            return self._history()
        except Exception:  # whatever went wrong there, the file keeps the entry
            log.exception("the history database is not available to the audit trail")
            return None

    def _submit(self, work: Callable[[], None]) -> None:
        with suppress(RuntimeError):  # closed: the process is stopping
            self._writer.submit(work)

    def close(self) -> None:
        """Write the refusals held back, finish the writes in hand; later records are dropped
        (logged)."""
        for summary in self._refusals.due(None):
            self.record(summary)
        self._writer.shutdown(wait=True)

    def refusal(self, entry: Entry) -> bool:
        """Record a refused attempt, as many as `refusals.LISTED` per caller, kind and minute;
        the rest of that minute become one entry when it is over. True when it was listed."""
        written = self._refusals.admit(entry)
        for each in written:
            self.record(each)
        return any(each is entry for each in written)

    def record(self, entry: Entry) -> None:
        """Queue one entry for writing; a failure to write is logged, never raised."""
        try:
            self._writer.submit(self._write, entry)
        except RuntimeError:  # closed: the process is stopping
            log.warning("audit trail closed: %s of %s not recorded", entry.action, entry.target)

    def _write(self, entry: Entry) -> None:
        engine = self._engine()
        if engine is not None:
            try:
                self._insert(engine, [_row(entry)])
            except SQLAlchemyError as exc:
                if isinstance(exc, NOT_ANSWERING):
                    log.warning(
                        "audit entries wait in %s for now: %s", self.path, type(exc).__name__
                    )
                else:  # not the database's doing: the traceback tells what
                    log.exception("audit entries wait in %s for now", self.path)
            else:
                self._move()
                return
        at = entry.at.astimezone(UTC).isoformat()
        row = (at, *(getattr(entry, c) for c in COLUMNS[1:]), entry.uid)
        try:
            with self._local() as db, db:
                db.execute(INSERT_LOCAL, row)
        except sqlite3.Error:  # neither database: the log is all that is left
            log.exception(
                "could not write the audit entry for %s of %s", entry.action, entry.target
            )

    @staticmethod
    def _insert(engine: Engine, rows: list[dict[str, Any]]) -> None:
        """Insert `rows`, skipping uids the trail has already (a move that was interrupted)."""
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        with engine.begin() as connection:
            connection.execute(
                dialect.insert(audit).on_conflict_do_nothing(index_elements=["uid"]), rows
            )

    def _move(self) -> None:
        """Move what the fallback file holds into the history database, oldest first."""
        engine = self._engine()
        if engine is None:
            return
        try:
            while True:
                with self._local() as db:
                    rows = db.execute(
                        f"SELECT id, uid, {', '.join(COLUMNS)} FROM actions ORDER BY id LIMIT ?",
                        (MOVE_BATCH,),
                    ).fetchall()
                if not rows:
                    return
                self._insert(engine, [_moved(r) for r in rows])
                with self._local() as db, db:
                    db.executemany("DELETE FROM actions WHERE id = ?", [(r[0],) for r in rows])
                log.info("moved %d audit entries from %s into the history", len(rows), self.path)
        except (SQLAlchemyError, sqlite3.Error) as exc:  # the file keeps them; moved next time
            if isinstance(exc, NOT_ANSWERING):
                log.warning("audit entries stay in %s for now: %s", self.path, type(exc).__name__)
            else:  # not a database that did not answer: the traceback tells what
                log.exception("audit entries stay in %s for now", self.path)

    def recent(self, limit: int = 20) -> list[Entry]:
        """The newest entries first, refusals included (after the writes queued before this
        call)."""
        return self.read(limit, None).entries

    def read(self, limit: int = 20, refused: int | None = REFUSALS_SHOWN) -> Trail:
        """The newest entries first, from the history and from the fallback file, after the
        writes queued before this call; and, when the history's part could not be read, why.
        With `refused` a number, `entries` are the newest actions that were not refused and
        `refused` the newest refusals, that many; with None, `entries` are all kinds."""
        for summary in self._refusals.due(datetime.now(UTC)):
            self.record(summary)
        # Closed: everything is written already. Slow (a database timing out): show what is
        # there now; the writes in hand appear on the next read.
        with suppress(RuntimeError, TimeoutError):
            self._writer.submit(lambda: None).result(timeout=10)
        if refused is None:
            return self._read(limit, None)
        actions = self._read(limit, False)
        refusals = self._read(refused, True)
        return Trail(actions.entries, actions.problem or refusals.problem, refusals.entries)

    def _read(self, limit: int, refused: bool | None) -> Trail:
        """`read` of one kind: refusals (True), the rest (False) or all (None)."""
        found: list[Entry] = []
        problem: str | None = "the history database is not open yet"
        engine = self._engine()
        if engine is not None:
            query = (
                select(audit.c.uid, audit.c.at_ms, *(audit.c[c] for c in COLUMNS[1:]))
                .order_by(audit.c.at_ms.desc(), audit.c.id.desc())
                .limit(limit)
            )
            if refused is not None:
                query = query.where(
                    audit.c.outcome == Verdict.REFUSED
                    if refused
                    else audit.c.outcome != Verdict.REFUSED
                )
            try:
                with engine.connect() as connection:
                    found += [_from_history(r) for r in connection.execute(query)]
                problem = None
            except NOT_ANSWERING as exc:
                log.warning("could not read the audit trail in the history: %s", type(exc).__name__)
                problem = "the history database cannot be reached"
            except SQLAlchemyError as exc:  # not the database's doing: a bug, or a schema
                log.exception("could not read the audit trail in the history")
                problem = f"the trail in the history could not be read ({type(exc).__name__})"
        local = self._read_local(limit, refused)
        if local and problem is None:
            self._submit(self._move)
        return Trail(_newest(found + local, limit), problem)

    def _read_local(self, limit: int, refused: bool | None) -> list[Entry]:
        where = "" if refused is None else f"WHERE outcome {'=' if refused else '!='} ?"
        params: tuple[Any, ...] = (limit,) if refused is None else (Verdict.REFUSED, limit)
        try:
            with self._local() as db:
                rows = db.execute(
                    f"SELECT id, uid, {', '.join(COLUMNS)} FROM actions {where} "
                    "ORDER BY id DESC LIMIT ?",
                    params,
                ).fetchall()
        except sqlite3.Error:
            log.exception("could not read the audit trail's fallback file")
            return []
        return [_from_local(r) for r in rows]


def _moved(row: tuple[Any, ...]) -> dict[str, Any]:
    return _row(_from_local(row))


def _from_local(row: tuple[Any, ...]) -> Entry:
    """An entry of the fallback file; one written before entries had uids gets a stable one."""
    key, uid, at, who, role, action, target, outcome, message = row
    when = datetime.fromisoformat(at)
    uid = uid or f"file-{key}-{at}"
    return Entry(when, who, role, Action(action), target, Verdict(outcome), message, uid)


def _from_history(row: Any) -> Entry:
    uid, at_ms, who, role, action, target, outcome, message = row
    when = datetime.fromtimestamp(at_ms / 1000, UTC)
    return Entry(when, who, role, Action(action), target, Verdict(outcome), message, uid)


def _newest(entries: Iterable[Entry], limit: int) -> list[Entry]:
    unique = {e.uid: e for e in entries}
    return sorted(unique.values(), key=lambda e: e.at, reverse=True)[:limit]
