"""SQLite persistence of the local API: campaign sets, pg-boss-like jobs and their stream events.

One connection, used only from the server's event loop thread, so no locking is needed here.
Times are epoch seconds (floats); the HTTP layer turns them into ISO-8601.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign_sets (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,            -- reddit | google | meta
    ad_account_id TEXT,
    status TEXT NOT NULL DEFAULT 'draft', -- draft | pending | syncing | synced | failed | conflict
    behaviour TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT,
    platform TEXT NOT NULL,
    state TEXT NOT NULL,               -- created | retry | active | completed | cancelled | failed
    retry_count INTEGER NOT NULL DEFAULT 0,
    retry_limit INTEGER NOT NULL DEFAULT 2,
    created_on REAL NOT NULL,
    started_on REAL,
    completed_on REAL,
    synced INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_on);
CREATE INDEX IF NOT EXISTS jobs_by_set ON jobs (set_id, created_on);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_on, id);
CREATE TABLE IF NOT EXISTS job_events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

QUEUED_STATES = ("created", "retry")  # waiting for a worker (pg-boss)
LIVE_STATES = (*QUEUED_STATES, "active")  # not finished: cancel still applies


@dataclass(frozen=True)
class CampaignSet:
    id: str
    team_id: str
    name: str
    platform: str
    ad_account_id: str | None
    status: str
    behaviour: dict[str, Any]
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Job:
    id: str
    set_id: str
    team_id: str
    user_id: str | None
    platform: str
    state: str
    retry_count: int
    retry_limit: int
    created_on: float
    started_on: float | None
    completed_on: float | None
    synced: int
    failed: int
    total: int
    skipped: int
    errors: list[dict[str, str]]
    error: str | None
    seq: int


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    type: str
    data: str  # compact JSON, exactly as written on the wire


_JOB_COLUMNS = (
    "id, set_id, team_id, user_id, platform, state, retry_count, retry_limit, created_on, "
    "started_on, completed_on, synced, failed, total, skipped, errors, error, seq"
)


def _job(row: sqlite3.Row) -> Job:
    values = dict(row)
    values["errors"] = json.loads(values["errors"])
    return Job(**values)


def _set(row: sqlite3.Row) -> CampaignSet:
    values = dict(row)
    values["behaviour"] = json.loads(values["behaviour"])
    return CampaignSet(**values)


class Store:
    """Typed access to the SQLite file; callers commit through `commit()` once per batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
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
            "INSERT INTO campaign_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cs.id,
                cs.team_id,
                cs.name,
                cs.platform,
                cs.ad_account_id,
                cs.status,
                json.dumps(cs.behaviour),
                cs.created_at,
                cs.updated_at,
            ),
        )

    def get_set(self, set_id: str) -> CampaignSet | None:
        row = self._db.execute("SELECT * FROM campaign_sets WHERE id = ?", (set_id,)).fetchone()
        return None if row is None else _set(row)

    def sets(self) -> list[CampaignSet]:
        return [_set(r) for r in self._db.execute("SELECT * FROM campaign_sets ORDER BY name")]

    def sets_with_status(
        self, statuses: Sequence[str], updated_since: float = 0.0
    ) -> list[CampaignSet]:
        marks = ",".join("?" * len(statuses))
        # ORDER BY id: uuids, so no meaningful order, as the service promises none (§3.4).
        rows = self._db.execute(
            f"SELECT * FROM campaign_sets WHERE status IN ({marks}) AND updated_at >= ? "
            "ORDER BY id",
            (*statuses, updated_since),
        )
        return [_set(r) for r in rows]

    def set_status(self, set_id: str, status: str, now: float) -> None:
        self._db.execute(
            "UPDATE campaign_sets SET status = ?, updated_at = ? WHERE id = ?",
            (status, now, set_id),
        )

    # -- jobs -------------------------------------------------------------------------------
    def insert_jobs(self, jobs: Iterable[Job]) -> None:
        self._db.executemany(
            f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES ({','.join('?' * 18)})",
            (
                (
                    j.id,
                    j.set_id,
                    j.team_id,
                    j.user_id,
                    j.platform,
                    j.state,
                    j.retry_count,
                    j.retry_limit,
                    j.created_on,
                    j.started_on,
                    j.completed_on,
                    j.synced,
                    j.failed,
                    j.total,
                    j.skipped,
                    json.dumps(j.errors),
                    j.error,
                    j.seq,
                )
                for j in jobs
            ),
        )

    def get_job(self, job_id: str) -> Job | None:
        row = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?",
            (job_id,),
        ).fetchone()
        return None if row is None else _job(row)

    def update_job(self, job_id: str, **fields: Any) -> None:
        if "errors" in fields:
            fields["errors"] = json.dumps(fields["errors"])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(
            f"UPDATE jobs SET {assignments} WHERE id = ?",
            (*fields.values(), job_id),
        )

    def jobs_in_states(self, states: Sequence[str]) -> list[Job]:
        marks = ",".join("?" * len(states))
        # Queue order of pg-boss: oldest first (no priorities in this queue).
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state IN ({marks}) ORDER BY created_on, id",
            tuple(states),
        )
        return [_job(r) for r in rows]

    def latest_failed_jobs(self, since: float) -> list[Job]:
        """Failed jobs finished since `since` whose set has not been synced again since."""
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs j WHERE state = 'failed' AND completed_on >= ? "
            "AND NOT EXISTS (SELECT 1 FROM jobs n WHERE n.set_id = j.set_id "
            "AND n.created_on > j.created_on) ORDER BY id",
            (since,),
        )
        return [_job(r) for r in rows]

    def live_jobs_of_set(self, set_id: str) -> list[Job]:
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE set_id = ? "
            f"AND state IN ({','.join('?' * len(LIVE_STATES))})",
            (set_id, *LIVE_STATES),
        )
        return [_job(r) for r in rows]

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
            where.append(f"state IN ({','.join('?' * len(states))})")
            args.extend(states)
        if platforms:
            where.append(f"platform IN ({','.join('?' * len(platforms))})")
            args.extend(platforms)
        if after is not None:
            where.append("(created_on < ? OR (created_on = ? AND id < ?))")
            args.extend((after[0], after[0], after[1]))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs {clause} ORDER BY created_on DESC, id DESC LIMIT ?",
            (*args, limit),
        )
        return [_job(r) for r in rows]

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

    def dump(self) -> list[tuple[Any, ...]]:
        """Every job row, for determinism checks."""
        return [tuple(r) for r in self._db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs ORDER BY id")]
