"""The audit trail: who retried or cancelled what, when, and with what result (issue 10).

Kept in a local SQLite file (`SYNC_MONITOR_AUDIT_PATH`, `data/audit.sqlite3` by default) until the
history database exists, so that it survives restarts. Writes go through one writer thread, in
order, so that an action's result never waits for the disk; reads see every write made before
them. One short connection per statement: actions are rare, and no connection is shared.
"""

from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,        -- ISO 8601, UTC
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,    -- retry | cancel
    target TEXT NOT NULL,    -- the campaign set id (retry) or job id (cancel)
    outcome TEXT NOT NULL,   -- done | failed | refused
    message TEXT NOT NULL
)
"""
COLUMNS = ("at", "who", "role", "action", "target", "outcome", "message")


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    role: str
    action: str
    target: str
    outcome: str
    message: str


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-writer")
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(SCHEMA)

    def _connect(self) -> closing[sqlite3.Connection]:
        return closing(sqlite3.connect(self.path, timeout=5))

    def close(self) -> None:
        """Finish the writes in hand; later records are dropped (logged)."""
        self._writer.shutdown(wait=True)

    def record(self, entry: Entry) -> None:
        """Queue one entry for writing; a failure to write is logged, never raised."""
        row = (entry.at.astimezone(UTC).isoformat(), *(getattr(entry, c) for c in COLUMNS[1:]))
        try:
            self._writer.submit(self._write, row, entry)
        except RuntimeError:  # closed: the process is stopping
            log.warning("audit trail closed: %s of %s not recorded", entry.action, entry.target)

    def _write(self, row: tuple[str, ...], entry: Entry) -> None:
        try:
            with self._connect() as db, db:
                db.execute(
                    f"INSERT INTO actions ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.Error:
            log.exception(
                "could not write the audit entry for %s of %s", entry.action, entry.target
            )

    def recent(self, limit: int = 20) -> list[Entry]:
        """The newest entries first (after the writes queued before this call)."""
        with suppress(RuntimeError):  # closed: everything is written already
            self._writer.submit(lambda: None).result(timeout=10)
        try:
            with self._connect() as db:
                rows = db.execute(
                    f"SELECT {', '.join(COLUMNS)} FROM actions ORDER BY id DESC LIMIT ?", (limit,)
                ).fetchall()
        except sqlite3.Error:
            log.exception("could not read the audit trail")
            return []
        return [Entry(datetime.fromisoformat(r[0]), *r[1:]) for r in rows]
