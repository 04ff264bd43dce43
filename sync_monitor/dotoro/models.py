"""Pydantic models for the JSON payloads of the Dotoro sync API, and the backend's features.

The models are tolerant where the service is loose (dotoro-api.md §3.4): unknown fields are
ignored, unknown platforms and states do not fail a parse, and counts that are missing or garbage
read as zero. Field names are snake_case; the wire names (camelCase) are aliases.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class Platform(StrEnum):
    """Ad platform of a campaign set; anything unrecognised reads as OTHER."""

    REDDIT = "reddit"
    GOOGLE = "google"
    META = "meta"
    OTHER = "other"

    @classmethod
    def _missing_(cls, value: object) -> "Platform":
        # The service may say "facebook" for Meta (dotoro-api.md §3.4); case is not guaranteed.
        text = value.strip().lower() if isinstance(value, str) else ""
        if text == "facebook":
            return cls.META
        return cls._value2member_map_.get(text, cls.OTHER)  # type: ignore[return-value]

    @classmethod
    def coerce(cls, value: object) -> "Platform":
        """Read any JSON value as a platform, never failing."""
        return value if isinstance(value, Platform) else cls._missing_(value)

    @property
    def label(self) -> str:
        """Name for display, e.g. "Meta"."""
        return self.value.capitalize()


class JobState(StrEnum):
    """pg-boss job state (dotoro-api.md §4), plus UNKNOWN for anything else the wire carries."""

    CREATED = "created"
    RETRY = "retry"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    # Not a pg-boss state: an unrecognised string maps here instead of failing the whole payload,
    # and it is not terminal, so the caller keeps cross-checking by polling (§3.2).
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> "JobState":
        text = value.strip().lower() if isinstance(value, str) else ""
        return cls._value2member_map_.get(text, cls.UNKNOWN)  # type: ignore[return-value]

    @classmethod
    def coerce(cls, value: object) -> "JobState":
        """Read any JSON value as a state, never failing (unknown → UNKNOWN)."""
        return value if isinstance(value, JobState) else cls._missing_(value)

    @property
    def final(self) -> bool:
        """True once the job can no longer change (completed, cancelled or failed)."""
        return self in (JobState.COMPLETED, JobState.CANCELLED, JobState.FAILED)


def _count(value: object) -> int:
    # Garbage, negatives, NaN and booleans read as 0 rather than failing a status payload.
    if isinstance(value, bool):
        return 0
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else 0


def _as_utc(value: datetime | None) -> datetime | None:
    # The service writes ISO-8601 with "Z"; a naive time is taken as UTC so comparisons never mix.
    if value is not None and value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


def _error_text(value: object) -> object:
    # A failed pg-boss job's error may be a serialized Error {"name","message","stack"} (§4).
    if isinstance(value, dict):
        value = value.get("message")
    return value if isinstance(value, str) and value else None


def _text_or_none(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _or_empty(kind: type) -> BeforeValidator:
    return BeforeValidator(lambda value: kind() if value is None else value)


Count = Annotated[int, BeforeValidator(_count)]
AwareDatetime = Annotated[datetime, AfterValidator(_as_utc)]
OptionalDatetime = Annotated[AwareDatetime | None, BeforeValidator(_blank_to_none)]
ErrorText = Annotated[str | None, BeforeValidator(_error_text)]
PlatformField = Annotated[Platform, BeforeValidator(Platform.coerce)]
StateField = Annotated[JobState, BeforeValidator(JobState.coerce)]


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class Progress(_Model):
    """Counts of campaigns of one sync; total == 0 means "unknown" (dotoro-api.md §3.4)."""

    synced: Count = 0
    failed: Count = 0
    total: Count = 0

    @model_validator(mode="before")
    @classmethod
    def _object_or_zeros(cls, data: Any) -> Any:
        return data if isinstance(data, dict | Progress) else {}

    @property
    def known(self) -> bool:
        """False when the total is zero: the service sends zeros when it does not know (§3.4)."""
        return self.total > 0

    @property
    def done(self) -> int:
        """Campaigns finished either way."""
        return self.synced + self.failed

    @property
    def fraction(self) -> float | None:
        """Share done in 0..1, or None when unknown (never "0 of 0")."""
        return min(1.0, self.done / self.total) if self.known else None


class SyncJob(_Model):
    """One row of GET /api/v1/sync/status (dotoro-api.md §3.4)."""

    id: str
    campaign_set_id: str
    campaign_set_name: Annotated[str, _or_empty(str)] = ""
    platform: PlatformField = Platform.OTHER
    state: StateField = JobState.UNKNOWN
    progress: Progress = Field(default_factory=Progress)
    error: ErrorText = None
    created_at: AwareDatetime
    started_at: OptionalDatetime = None
    completed_at: OptionalDatetime = None
    # Known only from pg-boss's own table (SYNC_MONITOR_PGBOSS_URL, issue 12), never from the
    # API: pg-boss's retries of this job, its place in the fetch order, when it may start at
    # the earliest, and a failure's stack.
    retry_count: int = 0
    retry_limit: int | None = None
    queue_rank: int | None = None
    start_after: OptionalDatetime = None
    error_stack: str | None = None
    # Whose set it is (issue 24's clients): the job data's team and ad account (§3.3). The API's
    # lists do not carry them (the bundled API's plan contract does, an extension); pg-boss's
    # table does.
    team_id: Annotated[str | None, BeforeValidator(_text_or_none)] = None
    ad_account_id: Annotated[str | None, BeforeValidator(_text_or_none)] = None

    @property
    def job_id(self) -> str | None:
        """The pg-boss job id, or None when the service filled `id` with the set id (§3.4)."""
        return None if self.id == self.campaign_set_id else self.id

    @property
    def key(self) -> str:
        """What identifies the row across polls: the job id when known, else the set id."""
        return self.job_id or self.campaign_set_id


JobList = Annotated[list[SyncJob], _or_empty(list)]


class StatusSummary(_Model):
    """GET /api/v1/sync/status: unordered, unpaginated lists (dotoro-api.md §3.4)."""

    active: JobList = Field(default_factory=list)
    pending: JobList = Field(default_factory=list)
    failed: JobList = Field(default_factory=list)


class QueuedJob(_Model):
    """202 answer of queue-sync (§3.1) and retry (§3.5); the only place a job id is learnt."""

    job_id: str
    status: str = "queued"
    message: Annotated[str, _or_empty(str)] = ""


class JobDetail(_Model):
    """GET /api/v1/jobs/{jobId} (dotoro-api.md §3.3); it carries no progress."""

    id: str
    name: Annotated[str, _or_empty(str)] = ""
    state: StateField = JobState.UNKNOWN
    data: Annotated[dict[str, Any], _or_empty(dict)] = Field(default_factory=dict)
    output: Any = None
    error: ErrorText = None
    started_at: OptionalDatetime = None
    completed_at: OptionalDatetime = None
    created_at: OptionalDatetime = None


class CancelResult(_Model):
    """200 answer of the cancel extension (dotoro-api.md §3.6, ext)."""

    job_id: str
    state: StateField = JobState.CANCELLED


class HistoryPage(_Model):
    """One page of GET /api/v1/sync/jobs (dotoro-api.md §3.6, ext of the local API)."""

    jobs: JobList = Field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class Features:
    """Extensions of §3.6 the backend offers, found by probing (an unknown route is a 404
    whose message starts with "Route not found").

    `cancel` is None until known: its probe is a write (a cancel of a job that does not exist),
    sent only once someone who may act has opened the monitor, never by a read-only one."""

    cancel: bool | None = None
    history: bool = False
