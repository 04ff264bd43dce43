"""The history store: attempts in SQLite (default) or PostgreSQL, through SQLAlchemy Core, with
the schema kept by Alembic migrations applied at open.

    history = History.open("postgresql://monitor@db/sync")   # or None: data/history.sqlite3
    frame = history.attempts(window="7d", platform="reddit,meta")
    print(history.analysis(View(window=Window.MONTH, compare=True)).figures)
    print(history.analysis(View.from_url(link_copied_from_the_page)).figures)
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Unpack

import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Engine, false, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from sync_monitor.history import compute, group_queries, queries
from sync_monitor.text import without_credentials

from .analysis import Analysis
from .attempt import Attempt, to_ms
from .engines import NOT_ANSWERING, connect, one_transaction
from .groups import Group
from .params import Filters
from .rows import FINAL, as_row, from_row, is_final
from .schema import attempts, campaign_sets
from .view import View, chosen

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATING = threading.Lock()


class HistoryUnavailable(Exception):
    """The history database cannot be opened or read; the message says which and why, without
    the URL's password. `reached`: it answered, but cannot be used as it is (its schema)."""

    def __init__(self, message: str, *, reached: bool = False) -> None:
        super().__init__(message)
        self.reached = reached


class History:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.token = uuid.uuid4().hex  # names this store in caches (ids of objects recycle)

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> History:
        """The history at `url` (unset: data/history.sqlite3), its schema brought up to date."""
        try:
            history = cls(connect(url))
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            # A malformed URL, an unknown or missing driver: say so, never the URL.
            raise HistoryUnavailable(
                f"the history URL cannot be used ({type(exc).__name__})"
            ) from None
        if migrate:
            try:
                history.migrate()
            except NOT_ANSWERING as exc:
                history.close()
                raise HistoryUnavailable(describe(exc)) from None
            except CommandError as exc:  # e.g. a schema newer than this monitor knows
                history.close()
                why = f"its schema cannot be upgraded ({exc})"[:300]
                raise HistoryUnavailable(why, reached=True) from None
            except SQLAlchemyError as exc:  # it answered, and refused a step (an object in the
                # way, a permission): the schema is out of step with this monitor's migrations
                log.exception("the history's schema could not be upgraded")
                history.close()
                why = f"its schema cannot be upgraded ({describe(exc)})"[:300]
                raise HistoryUnavailable(why, reached=True) from None
            except BaseException:  # not the database's doing: the caller says it is a bug
                history.close()
                raise
        return history

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        # Alembic keeps its migration context in module globals: one migration at a time per
        # process (the recorder's thread and a notebook's History.open may both migrate).
        with _MIGRATING, one_transaction(self.engine) as connection:
            if connection.dialect.name == "postgresql":  # and one at a time across replicas
                connection.execute(text("SELECT pg_advisory_xact_lock(7150411)"))
                # A migration of a big table may take longer than a query is allowed to.
                connection.execute(text("SET LOCAL statement_timeout = 0"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        """Where the history is, for the page: the database's kind and name, no credentials."""
        url = self.engine.url
        return f"{url.get_backend_name()} {url.database or ''}".strip()

    # -- recording ---------------------------------------------------------------------------

    def record(self, items: Sequence[Attempt]) -> None:
        """Insert or update attempts by key: seeing one again changes it, never adds it twice.
        A final state is never undone by a late sighting of the attempt still running."""
        if not items:
            return
        now = to_ms(datetime.now(UTC))
        rows = [as_row(a, now) for a in items]
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(attempts)
        new = insert.excluded
        old = attempts.c
        keep_final = is_final(old.state) & ~is_final(new.state)
        upsert = insert.on_conflict_do_update(
            index_elements=[old.key],
            set_={
                # An unknown name (a job from the queue before the API listed its set) never
                # replaces a known one.
                "set_name": func.coalesce(func.nullif(new.set_name, ""), old.set_name),
                "platform": new.platform,
                "job_id": func.coalesce(old.job_id, new.job_id),
                "queued_ms": func.coalesce(old.queued_ms, new.queued_ms),
                "started_ms": func.coalesce(old.started_ms, new.started_ms),
                "finished_ms": func.coalesce(old.finished_ms, new.finished_ms),
                # Whole seconds between the times as they are now kept (integer division).
                "run_s": (
                    func.coalesce(old.finished_ms, new.finished_ms)
                    - func.coalesce(old.started_ms, new.started_ms)
                )
                // 1000,
                "wait_s": (
                    func.coalesce(old.started_ms, new.started_ms)
                    - func.coalesce(old.queued_ms, new.queued_ms)
                )
                // 1000,
                "state": queries.case_when(keep_final, old.state, new.state),
                "synced": func.coalesce(new.synced, old.synced),
                "failed": func.coalesce(new.failed, old.failed),
                "total": func.coalesce(new.total, old.total),
                "error": func.coalesce(new.error, old.error),
                "category": queries.case_when(keep_final, old.category, new.category),
                "signature": queries.case_when(keep_final, old.signature, new.signature),
                "updated_ms": new.updated_ms,
            },
        )
        # Each set's name from its latest sighting (as the rows hold it, cleaned).
        names = {r["set_id"]: r["set_name"] for r in rows if r["set_name"]}
        name_rows = [{"set_id": k, "name": v, "updated_ms": now} for k, v in names.items()]
        sets = dialect.insert(campaign_sets)
        rename = sets.on_conflict_do_update(
            index_elements=[campaign_sets.c.set_id],
            set_={"name": sets.excluded.name, "updated_ms": sets.excluded.updated_ms},
        )
        rows.sort(key=lambda r: str(r["key"]))  # replicas writing together lock in one order
        with self.engine.begin() as connection:
            connection.execute(upsert, rows)
            if name_rows:
                connection.execute(rename, name_rows)
            _renumber(connection, rows)

    def open_attempts(self) -> list[Attempt]:
        """Attempts not yet finished: where the recorder picks up after a restart."""
        with self.engine.connect() as connection:
            found = connection.execute(select(attempts).where(attempts.c.state.not_in(FINAL)))
            return [from_row(r._mapping) for r in found]

    def latest_by_set(self, set_ids: Iterable[str]) -> dict[str, Attempt]:
        """The newest attempt of each of `set_ids` (those with any)."""
        wanted = list(set(set_ids))
        latest: dict[str, Attempt] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                rows = connection.execute(
                    select(attempts)
                    .where(attempts.c.set_id.in_(wanted[start : start + 500]))
                    .order_by(attempts.c.at_ms)
                )
                for row in rows:
                    latest[row.set_id] = from_row(row._mapping)
        return latest

    # -- reading -----------------------------------------------------------------------------

    def attempts(
        self,
        view: View | None = None,
        *,
        now: datetime | None = None,
        limit: int | None = None,
        **filters: Unpack[Filters],
    ) -> pd.DataFrame:
        """The attempts of a view, or of the page's filters as keywords (`window="30d",
        platform="meta,reddit"`: see `View.of`, whose warnings these give), newest first, one
        row each, times as UTC timestamps."""
        now = now or datetime.now(UTC)
        view = chosen(view, filters, now)
        start, end = view.bounds(now)
        query = queries.filtered(select(attempts), view, start, end)
        # Newest first by hour, then time: the hour leads an index, so the newest `limit`
        # rows are found without sorting the window.
        query = query.order_by(
            attempts.c.hour.desc(), attempts.c.at_ms.desc(), attempts.c.key
        ).limit(limit)
        with self.engine.connect() as connection:
            frame = pd.read_sql(query, connection)
        return queries.readable(frame)

    def analysis(
        self, view: View | None = None, now: datetime | None = None, **filters: Unpack[Filters]
    ) -> Analysis:
        """Every figure, chart and table of the analysis page for `view`, or for the page's
        filters as keywords (`window="30d", compare=True`: see `View.of`)."""
        started = time.perf_counter()
        now = now or datetime.now(UTC)
        view = chosen(view, filters, now)
        result = compute.analysis(self.engine, view, now)
        log.debug("analysis of %s in %.0f ms", view.name(), (time.perf_counter() - started) * 1e3)
        return result

    def error_groups(self, view: View, now: datetime | None = None) -> list[Group]:
        """The failures of `view` grouped by cause, with their states (issue 23: groups.py)."""
        return group_queries.error_groups(self.engine, view, now or datetime.now(UTC))

    def sets(self) -> list[tuple[str, str]]:
        """(id, latest name) of every campaign set in the history, by name."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(campaign_sets.c.set_id, campaign_sets.c.name))
            return sorted(((r[0], r[1]) for r in rows), key=lambda r: (r[1].lower(), r[0]))

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(attempts)).scalar_one())


def _renumber(connection: Any, rows: list[dict[str, Any]]) -> None:
    """Number each set's attempts 1, 2, … by when they began, and say of each whether it
    retries a failure (the attempt just before it failed): an attempt recorded late (from the
    backend's history, after a restart) takes its place among the others, and one that fails
    makes the next a retry. Only attempts that began at or after the earliest one just written
    can change (a row's `at_ms` never changes once written), so a set's long past is not read
    again on every poll."""
    earlier = attempts.alias("earlier")
    before = (earlier.c.at_ms < attempts.c.at_ms) | (
        (earlier.c.at_ms == attempts.c.at_ms) & (earlier.c.key < attempts.c.key)
    )
    number = (
        select(func.count() + 1)
        .where(earlier.c.set_id == attempts.c.set_id, before)
        .scalar_subquery()
    )
    retry = func.coalesce(
        select(earlier.c.state == queries.FAILED)
        .where(earlier.c.set_id == attempts.c.set_id, before)
        .order_by(earlier.c.at_ms.desc(), earlier.c.key.desc())
        .limit(1)
        .scalar_subquery(),
        false(),
    )
    since: dict[str, int] = {}
    for row in rows:
        set_id, at = str(row["set_id"]), int(row["at_ms"])
        since[set_id] = min(at, since.get(set_id, at))
    ids = sorted(since)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for column, value in (("attempt", number), ("retry", retry)):
            connection.execute(
                update(attempts)
                .where(attempts.c.set_id.in_(chunk))
                .where(attempts.c.at_ms >= min(since[s] for s in chunk))
                # No write (no dead row) where nothing changes.
                .where(attempts.c[column] != value)
                .values({column: value})
            )


def describe(exc: SQLAlchemyError) -> str:
    """What went wrong, in a sentence without the URL (which may hold a password)."""
    original = getattr(exc, "orig", None) or exc
    said = without_credentials(str(original).strip())
    return (said.splitlines()[0] if said else type(exc).__name__)[:300]
