"""The SQLite tables of the local API and how their rows map to the dataclasses of `rows`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from .rows import CampaignSet, Job

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

JOB_COLUMNS = (
    "id, set_id, team_id, user_id, platform, state, retry_count, retry_limit, created_on, "
    "started_on, completed_on, synced, failed, total, skipped, errors, error, seq"
)
JOB_PLACEHOLDERS = ",".join("?" * len(JOB_COLUMNS.split(",")))


def marks(values: Sequence[object]) -> str:
    """One "?" per value, for an IN (...) clause."""
    return ",".join("?" * len(values))


def job_from_row(row: sqlite3.Row) -> Job:
    values = dict(row)
    values["errors"] = json.loads(values["errors"])
    return Job(**values)


def set_from_row(row: sqlite3.Row) -> CampaignSet:
    values = dict(row)
    values["behaviour"] = json.loads(values["behaviour"])
    return CampaignSet(**values)


def job_params(j: Job) -> tuple[Any, ...]:
    """The values of a job row, in the order of JOB_COLUMNS."""
    return (
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


def set_params(cs: CampaignSet) -> tuple[Any, ...]:
    """The values of a campaign set row, in the table's column order."""
    return (
        cs.id,
        cs.team_id,
        cs.name,
        cs.platform,
        cs.ad_account_id,
        cs.status,
        json.dumps(cs.behaviour),
        cs.created_at,
        cs.updated_at,
    )
