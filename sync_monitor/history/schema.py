"""The history's tables, for SQLAlchemy Core; the migrations in migrations/versions create them.

Times are UTC epoch milliseconds (BIGINT): one representation in SQLite and PostgreSQL, cheap
to index, to compare and to bucket in SQL, and read into pandas without parsing text.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()
HOUR_MS = 3_600_000  # the `hour` column: at_ms // HOUR_MS

attempts = Table(
    "attempts",
    metadata,
    Column("key", String(200), primary_key=True),  # "job:<id>" or "set:<set id>:<start ms>"
    Column("set_id", String(100), nullable=False),
    Column("set_name", Text, nullable=False),
    Column("platform", String(20), nullable=False),
    Column("job_id", String(100)),
    Column("attempt", Integer, nullable=False),
    Column("at_ms", BigInteger, nullable=False),  # when it began (queued, started, first seen)
    Column("hour", BigInteger),  # at_ms // 3,600,000: what the aggregates group by, unsorted
    Column("queued_ms", BigInteger),
    Column("started_ms", BigInteger),
    Column("finished_ms", BigInteger),
    Column("run_s", Integer),  # whole seconds from started to finished (for the histograms)
    Column("wait_s", Integer),  # whole seconds from queued to started
    Column("state", String(20), nullable=False),
    Column("synced", Integer),
    Column("failed", Integer),
    Column("total", Integer),
    Column("error", Text),
    Column("category", String(30), nullable=False),
    Column("signature", String(200), nullable=False),
    Column("source", String(20), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    # The set's attempt just before this one failed: this one retries it (kept by the store).
    Column("retry", Boolean, nullable=False, server_default=false()),
    Index("ix_attempts_hours", "hour", "platform", "state", "retry", "at_ms", "set_id"),
    Index("ix_attempts_runs", "platform", "run_s", "state", "at_ms", "hour"),
    Index("ix_attempts_waits", "platform", "wait_s", "state", "at_ms", "hour"),
    Index("ix_attempts_set_hour", "set_id", "at_ms", "state", "hour"),
    Index(
        "ix_attempts_failed",
        "state",
        "at_ms",
        "signature",
        "platform",
        "category",
        "set_id",
        "hour",
    ),
    Index("ix_attempts_open", "state"),
    Index("ix_attempts_updated", "updated_ms", "set_id"),  # the sets changed since (clients)
)

COLUMNS = tuple(c.name for c in attempts.columns)

# Each campaign set's latest name, for the set filter (kept by History.record).
campaign_sets = Table(
    "campaign_sets",
    metadata,
    Column("set_id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    # Its owner as Dotoro names it (issue 24's clients), where the API or the queue said.
    Column("team_id", String(100)),
    Column("ad_account_id", String(100)),
)

# The audit trail (issue 10): who retried or cancelled what, when, and with what result. In the
# history database, so that every replica of a shared deployment writes to one trail.
audit = Table(
    "audit",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("uid", String(64), nullable=False, unique=True),  # kept when moved from a fallback
    Column("at_ms", BigInteger, nullable=False),
    Column("who", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(20), nullable=False),  # retry | cancel
    Column("target", String(200), nullable=False),  # the set id (retry) or job id (cancel)
    Column("outcome", String(20), nullable=False),  # done | failed | refused
    Column("message", Text, nullable=False),
    Index("ix_audit_at", "at_ms", "id"),
)

# What the monitor sent (issue 24): one row per message and channel. The unique key claims a
# message once per deployment (a digest's week, an alert's firing), whichever replica sends it.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("kind", String(20), nullable=False),  # alert | digest
    Column("key", String(300), nullable=False),
    Column("channel", String(400), nullable=False),  # the channel's name, never its URL
    Column("at_ms", BigInteger, nullable=False),
    Column("outcome", String(20), nullable=False),  # claimed | sent | failed
    Column("message", Text, nullable=False),
    UniqueConstraint("kind", "key", "channel", name="uq_deliveries_once"),
    Index("ix_deliveries_at", "at_ms"),
)

# The alerts (issue 24): one row per firing, from its start to its end. `open_key` is the
# condition's key while it fires and NULL once it ended: unique, so two evaluators (a failover's
# old and new collector) cannot open the same alert twice. `fired` and `resolved` say what came
# of its two messages: sent (handed to the channels), held (over the hourly cap), none (nothing
# to say: the start was held, so nobody heard of it).
alerts = Table(
    "alerts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("key", String(300), nullable=False),  # e.g. failure-rate:reddit
    Column("open_key", String(300), unique=True),
    Column("rule", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("started_ms", BigInteger, nullable=False),
    Column("ended_ms", BigInteger),
    Column("fired", String(10), nullable=False),  # sent | held
    Column("resolved", String(10)),  # sent | held | none; NULL while it fires
    Column("updated_ms", BigInteger, nullable=False),
    Index("ix_alerts_started", "started_ms"),
    Index("ix_alerts_ended", "ended_ms"),
)
