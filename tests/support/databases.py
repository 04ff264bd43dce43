"""Real databases for the history tests: a SQLite file, and a fresh PostgreSQL database on the
server `make test` starts (Debian's postgresql, see the Makefile's `postgres` target).

Without a PostgreSQL server the PostgreSQL tests skip with a message saying how to get one,
except under CI, where they must run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.support.waiting import seconds

# The role and password the Makefile's `postgres` target creates; override for another server.
ADMIN_URL = os.environ.get(
    "SYNC_MONITOR_TEST_POSTGRES_URL",
    "postgresql://sync_monitor:sync_monitor@127.0.0.1:5432/postgres",
)


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=round(seconds(3)))
    except psycopg.OperationalError as exc:
        reason = (
            f"no PostgreSQL server at {ADMIN_URL.split('@')[-1]} ({str(exc).strip()[:120]}); "
            "`make test` starts one as root, or set SYNC_MONITOR_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the PostgreSQL tests, not skip them")
        pytest.skip(reason)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database for one test; dropped after it. Yields its postgresql:// URL."""
    name = f"sync_monitor_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        # UTF-8 whatever the cluster's default (a container's cluster may be SQL_ASCII, where
        # psycopg would hand text back as bytes).
        admin.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty history database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.sqlite3'}"
    else:
        with postgres_database() as url:
            yield url
