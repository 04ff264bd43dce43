"""Configuration of the bundled local Dotoro API: contract flavour, workload and faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Contract(StrEnum):
    """Which Dotoro to imitate (dotoro-api.md)."""

    HEAD = "head"  # the service as it is at commit 74a43e2, quirks included
    PLAN = "plan"  # what the design intended, plus the extensions of §3.6


@dataclass
class Faults:
    """Fault injection, adjustable while the server runs (tests flip these over real HTTP).

    Counters apply per stream connection; `error_rate` per request under /api/; the stream
    rates per stream connection, drawn from the server's seed (see `streams.stream_faults`).
    """

    drop_after_events: int = 0  # >0: end each stream after this many frames, no terminal event
    stall_streams: bool = False  # streams send `connected` then nothing, not even heartbeats
    malformed_events: bool = False  # each stream sends a malformed and an unknown event first
    drop_rate: float = 0.0  # fraction of streams that end after a random frame, mid-job
    malformed_rate: float = 0.0  # fraction of streams given a malformed and an unknown event
    error_rate: float = 0.0  # fraction of /api/ requests answered with `error_status`
    error_status: int = 500  # 500, 429 or 401
    delay_seconds: float = 0.0  # added before every /api/ response

    def update(self, values: dict[str, object]) -> None:
        """Apply a partial update; raises ValueError naming the bad field."""
        for name, value in values.items():
            if name not in self.__dataclass_fields__:
                raise ValueError(f"{name}: no such fault")
            current = getattr(self, name)
            try:
                if isinstance(current, bool):
                    if not isinstance(value, bool):
                        raise TypeError
                    coerced: object = value
                elif isinstance(current, int):
                    coerced = int(value)  # type: ignore[call-overload]
                else:
                    coerced = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ValueError(f"{name}: expected {type(current).__name__}") from None
            setattr(self, name, coerced)
        for rate in ("error_rate", "drop_rate", "malformed_rate"):
            if not 0.0 <= getattr(self, rate) <= 1.0:
                raise ValueError(f"{rate}: must be between 0 and 1")
        if self.error_status not in (401, 429, 500):
            raise ValueError("error_status: must be 401, 429 or 500")

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class ServerConfig:
    """Everything the CLI and the in-process starter can set."""

    contract: Contract = Contract.PLAN
    db_path: Path | None = None  # None: a private temporary file, gone with the process
    seed: int = 7
    simulate: bool = True  # generate a steady flow of syncs
    seed_history: bool = True  # 30 days of history on a fresh database
    workers: int = 3
    speed: float = 1.0  # >1 runs every job faster
    failure_rate: float = 1.0  # scales every failure probability (0 disables them)
    heartbeat_seconds: float = 15.0
    stream_timeout_seconds: float = 300.0
    job_timeout_seconds: float = 900.0  # pg-boss expiry: "handler execution exceeded 900s"
    rate_limit_per_minute: int = 100  # per client IP on /api/*, 0 disables (dotoro-api.md §1)
    session_token: str | None = None  # with team_id: enforce Better-Auth cookie and team (§2)
    team_id: str | None = None
    tick_seconds: float = 0.02
    # Also keep every job in a pg-boss-shaped table in this PostgreSQL (the schema is created
    # when missing), for the monitor's pg-boss source (SYNC_MONITOR_PGBOSS_URL, issue 12).
    pgboss_url: str | None = None
    faults: Faults = field(default_factory=Faults)

    def validate(self) -> None:
        """Raise ValueError naming the first bad setting."""
        if self.workers < 0:
            raise ValueError("workers must be >= 0")
        if self.speed <= 0:
            raise ValueError("speed must be > 0")
        if self.failure_rate < 0:
            raise ValueError("failure_rate must be >= 0")
        if self.heartbeat_seconds <= 0:
            raise ValueError("heartbeat_seconds must be > 0")
        if self.stream_timeout_seconds <= 0:
            raise ValueError("stream_timeout_seconds must be > 0")
        if (self.session_token is None) != (self.team_id is None):
            raise ValueError("session_token and team_id go together")
