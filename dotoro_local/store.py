"""SQLite persistence of the local API: campaign sets, pg-boss-like jobs and their stream events.

One connection, used only from the server's event loop thread, so no locking is needed here.
The tables and the row mapping are in `schema`; the dataclasses in `rows`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from .rows import LIVE_STATES, CampaignSet, Job, StoredEvent
from .schema import (
    JOB_COLUMNS,
    JOB_PLACEHOLDERS,
    SCHEMA,
    job_from_row,
    job_params,
    marks,
    set_from_row,
    set_params,
)


class JobMirror(Protocol):
    """Where jobs are written as well (pgboss_mirror.PgBossMirror)."""

    def inserted(self, jobs: Iterable[Job]) -> None: ...

    def updated(self, job_id: str, fields: dict[str, Any]) -> None: ...


class Store:
    """Typed access to the SQLite file; callers commit through `commit()` once per batch."""

    def __init__(self, path: Path, mirror: JobMirror | None = None) -> None:
        self.path = path
        self.mirror = mirror  # --pgboss-url: every job also written to a pg-boss table
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._db.execute("BEGIN")

    def commit(self) -> None:
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    def close(self) -> None:
        self._db.execute("COMMIT")
        self._db.close()

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- campaign sets ----------------------------------------------------------------------
    def insert_set(self, cs: CampaignSet) -> None:
        self._db.execute(
            "INSERT INTO campaign_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", set_params(cs)
        )

    def get_set(self, set_id: str) -> CampaignSet | None:
        row = self._db.execute("SELECT * FROM campaign_sets WHERE id = ?", (set_id,)).fetchone()
        return None if row is None else set_from_row(row)

    def sets(self) -> list[CampaignSet]:
        return [
            set_from_row(r) for r in self._db.execute("SELECT * FROM campaign_sets ORDER BY name")
        ]

    def sets_with_status(
        self, statuses: Sequence[str], updated_since: float = 0.0
    ) -> list[CampaignSet]:
        # ORDER BY id: uuids, so no meaningful order, as the service promises none (§3.4).
        rows = self._db.execute(
            f"SELECT * FROM campaign_sets WHERE status IN ({marks(statuses)}) AND updated_at >= ? "
            "ORDER BY id",
            (*statuses, updated_since),
        )
        return [set_from_row(r) for r in rows]

    def set_status(self, set_id: str, status: str, now: float) -> None:
        self._db.execute(
            "UPDATE campaign_sets SET status = ?, updated_at = ? WHERE id = ?",
            (status, now, set_id),
        )

    # -- jobs -------------------------------------------------------------------------------
    def insert_jobs(self, jobs: Iterable[Job]) -> None:
        rows = list(jobs)
        self._db.executemany(
            f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({JOB_PLACEHOLDERS})",
            (job_params(j) for j in rows),
        )
        if self.mirror is not None:
            self.mirror.inserted(rows)

    def get_job(self, job_id: str) -> Job | None:
        row = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?",
            (job_id,),
        ).fetchone()
        return None if row is None else job_from_row(row)

    def update_job(self, job_id: str, **fields: Any) -> None:
        if self.mirror is not None:
            self.mirror.updated(job_id, fields)
        if "errors" in fields:
            fields["errors"] = json.dumps(fields["errors"])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(
            f"UPDATE jobs SET {assignments} WHERE id = ?",
            (*fields.values(), job_id),
        )

    def jobs_in_states(self, states: Sequence[str]) -> list[Job]:
        # Queue order of pg-boss: oldest first (no priorities in this queue).
        rows = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE state IN ({marks(states)}) "
            "ORDER BY created_on, id",
            tuple(states),
        )
        return [job_from_row(r) for r in rows]

    def latest_failed_jobs(self, since: float) -> list[Job]:
        """Failed jobs finished since `since` whose set has not been synced again since."""
        rows = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs j WHERE state = 'failed' AND completed_on >= ? "
            "AND NOT EXISTS (SELECT 1 FROM jobs n WHERE n.set_id = j.set_id "
            "AND n.created_on > j.created_on) ORDER BY id",
            (since,),
        )
        return [job_from_row(r) for r in rows]

    def live_jobs_of_set(self, set_id: str) -> list[Job]:
        rows = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE set_id = ? AND state IN ({marks(LIVE_STATES)})",
            (set_id, *LIVE_STATES),
        )
        return [job_from_row(r) for r in rows]

    def history(
        self,
        *,
        since: float | None,
        until: float | None,
        states: Sequence[str],
        platforms: Sequence[str],
        after: tuple[float, str] | None,
        limit: int,
    ) -> list[Job]:
        """Jobs newest first, keyset-paginated on (created_on, id)."""
        where: list[str] = []
        args: list[Any] = []
        if since is not None:
            where.append("created_on >= ?")
            args.append(since)
        if until is not None:
            where.append("created_on < ?")
            args.append(until)
        if states:
            where.append(f"state IN ({marks(states)})")
            args.extend(states)
        if platforms:
            where.append(f"platform IN ({marks(platforms)})")
            args.extend(platforms)
        if after is not None:
            where.append("(created_on < ? OR (created_on = ? AND id < ?))")
            args.extend((after[0], after[0], after[1]))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs {clause} ORDER BY created_on DESC, id DESC LIMIT ?",
            (*args, limit),
        )
        return [job_from_row(r) for r in rows]

    def dump(self) -> list[tuple[Any, ...]]:
        """Every job row, for determinism checks."""
        return [tuple(r) for r in self._db.execute(f"SELECT {JOB_COLUMNS} FROM jobs ORDER BY id")]

    # -- events -----------------------------------------------------------------------------
    def append_event(self, job_id: str, seq: int, type_: str, data: str) -> None:
        self._db.execute(
            "INSERT INTO job_events (job_id, seq, type, data) VALUES (?, ?, ?, ?)",
            (job_id, seq, type_, data),
        )
        self._db.execute("UPDATE jobs SET seq = ? WHERE id = ?", (seq, job_id))

    def events_after(self, job_id: str, seq: int) -> list[StoredEvent]:
        rows = self._db.execute(
            "SELECT seq, type, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq",
            (job_id, seq),
        )
        return [StoredEvent(int(r["seq"]), str(r["type"]), str(r["data"])) for r in rows]

    def prune_events(self, finished_before: float) -> None:
        """Forget the event log of jobs finished long ago; their final state stays in `jobs`."""
        self._db.execute(
            "DELETE FROM job_events WHERE job_id IN (SELECT id FROM jobs "
            "WHERE completed_on IS NOT NULL AND completed_on < ?)",
            (finished_before,),
        )
