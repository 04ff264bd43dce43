"""How the history connects: its URL (SQLite under data/ by default, psycopg 3 for
PostgreSQL), SQLite's pragmas, PostgreSQL's small pool and statement timeout; and which errors
mean that the database did not answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

DEFAULT_PATH = Path("data/history.sqlite3")
# A database that did not answer: down, unreachable, timing out, locked, its connection lost.
# Any other error is not the database's doing (a bug of ours, a schema out of step) and must
# never be worded as if it were.
NOT_ANSWERING: tuple[type[SQLAlchemyError], ...] = (OperationalError, InterfaceError, PoolTimeout)


def engine_url(url: str | None) -> str:
    """SQLAlchemy's URL for a setting: unset → the SQLite file under data/; postgresql:// →
    the psycopg 3 driver."""
    if not url:
        DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_PATH}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def connect(url: str | None) -> Engine:
    target = engine_url(url)
    if target.startswith("sqlite"):
        engine = create_engine(target, connect_args={"timeout": 10})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            # WAL: the page reads while the recorder writes.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(
        target,
        pool_size=2,
        max_overflow=1,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "options": "-c statement_timeout=15000"},
    )


@contextmanager
def one_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection whose work, schema changes included, commits or rolls back as one.

    pysqlite opens a transaction only before INSERT, UPDATE or DELETE, so a migration's
    CREATE, ALTER and DROP statements would each commit alone, and a process stopped halfway
    would leave the schema half changed under the old revision. SQLAlchemy's recipe for
    pysqlite: the driver opens no transaction of its own, and one BEGIN IMMEDIATE (one writer
    at a time) holds everything. PostgreSQL's DDL is transactional already."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        level = driver.isolation_level
        driver.isolation_level = None  # no transaction is open on a fresh connection
        try:
            with connection.begin():
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        finally:
            driver.isolation_level = level
