"""Typed events of the sync stream and a pure decoder from (event type, data) to them.

The decoder never raises (dotoro-api.md §3.2: a client must survive whatever the stream sends).
A frame it cannot read becomes `Malformed`, an event type it does not know becomes `Unknown`.
Terminal frames (`completed`, `error`, `cancelled`) are never downgraded to `Malformed` when their
JSON is valid: their type is the fact the caller needs, an odd payload only loses detail.
"""

import json
import logging
import math
from dataclasses import dataclass
from typing import Any

from .models import JobState, Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CampaignError:
    """One failed campaign listed in a late-attach `completed` output (§3.2)."""

    campaign_id: str
    message: str


@dataclass(frozen=True, slots=True)
class Connected:
    """Sent on attach while the job is not finished; the state may already be `cancelled`."""

    job_id: str
    state: JobState


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    """The job's counts changed (the first one, on start, has total 0 = unknown)."""

    progress: Progress


@dataclass(frozen=True, slots=True)
class CampaignSynced:
    """One campaign reached the platform (declared, not emitted by the real service, §3.2)."""

    campaign_id: str
    platform_id: str | None
    progress: Progress


@dataclass(frozen=True, slots=True)
class CampaignFailed:
    """One campaign failed (declared, not emitted by the real service, §3.2)."""

    campaign_id: str
    error: str
    progress: Progress


@dataclass(frozen=True, slots=True)
class Completed:
    """The job succeeded; `progress` is None when the payload did not say how far it got."""

    progress: Progress | None
    skipped: int = 0
    errors: tuple[CampaignError, ...] = ()


@dataclass(frozen=True, slots=True)
class StreamError:
    """An attempt failed; pg-boss may still retry the job (§3.2), so this is not final."""

    message: str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Keep-alive every 15 s (§3.2)."""


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The job was cancelled (ext: only the local API emits it, §3.6)."""


@dataclass(frozen=True, slots=True)
class Unknown:
    """An event type this client does not know; to be ignored (§3.2)."""

    event_type: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """A known event whose data could not be read."""

    event_type: str
    reason: str


StreamEvent = (
    Connected
    | ProgressUpdate
    | CampaignSynced
    | CampaignFailed
    | Completed
    | StreamError
    | Heartbeat
    | Cancelled
    | Unknown
    | Malformed
)

GENERIC_ERROR = "The sync job failed."


class _BadData(Exception):
    """Internal: the data of a known event has the wrong shape."""


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _BadData(f"{key} is not a number")
    return max(0, int(value))


def _progress(obj: dict[str, Any]) -> Progress:
    return Progress(
        synced=_int(obj, "synced"), failed=_int(obj, "failed"), total=_int(obj, "total")
    )


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    # Ids may arrive as numbers from other backends; anything else is a wrong shape.
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise _BadData(f"{key} is missing")
    return str(value)


def _completed(obj: dict[str, Any]) -> Completed:
    if "value" not in obj:
        try:
            return Completed(_progress(obj))
        except _BadData:
            return Completed(None)
    # Late attach: the pg-boss output wraps the handler's result list (§3.2). A batch of one job
    # is the only shape whose counts are surely this job's; anything else gives no progress.
    value = obj["value"]
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        return Completed(None)
    result: dict[str, Any] = value[0]
    try:
        synced, failed, skipped = (_int(result, k) for k in ("synced", "failed", "skipped"))
    except _BadData:
        return Completed(None)
    raw_errors = result.get("errors")
    errors = tuple(
        CampaignError(str(e.get("campaignId", "")), str(e.get("message", "")))
        for e in (raw_errors if isinstance(raw_errors, list) else [])
        if isinstance(e, dict)
    )
    total = synced + failed + skipped
    return Completed(Progress(synced=synced, failed=failed, total=total), skipped, errors)


def _decode_object(event_type: str, obj: dict[str, Any]) -> StreamEvent:
    if event_type == "connected":
        state = obj.get("state")
        if not isinstance(state, str):
            raise _BadData("state is missing")
        return Connected(_text(obj, "jobId"), JobState.coerce(state))
    if event_type == "progress":
        return ProgressUpdate(_progress(obj))
    if event_type == "campaign_synced":
        platform_id = obj.get("platformId")
        return CampaignSynced(
            _text(obj, "campaignId"),
            str(platform_id) if isinstance(platform_id, str | int) and platform_id != "" else None,
            _progress(obj),
        )
    if event_type == "campaign_failed":
        error = obj.get("error")
        message = error if isinstance(error, str) and error else "Campaign sync failed."
        return CampaignFailed(_text(obj, "campaignId"), message, _progress(obj))
    if event_type == "completed":
        return _completed(obj)
    error = obj.get("error")  # event_type == "error"
    return StreamError(error if isinstance(error, str) and error.strip() else GENERIC_ERROR)


_JSON_TYPES = frozenset(
    {"connected", "progress", "campaign_synced", "campaign_failed", "completed", "error"}
)


def decode_event(event_type: str, data: str) -> StreamEvent:
    """Turn one SSE event (its `event` field and its `data`) into a typed event; never raises."""
    if event_type == "heartbeat":
        # The real service sends "data: " with a trailing space (§3.2); whatever it carries,
        # a heartbeat only says the connection is alive.
        return Heartbeat()
    if event_type == "cancelled":
        return Cancelled()
    if event_type not in _JSON_TYPES:
        # "" is the WHATWG default type "message"; the service never sends it (§3.2, §6).
        return Unknown(event_type or "message")
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError):
        return Malformed(event_type, "data is not valid JSON")
    if not isinstance(obj, dict):
        if event_type == "error":
            return StreamError(GENERIC_ERROR)
        if event_type == "completed":
            return Completed(None)
        return Malformed(event_type, "data is not a JSON object")
    try:
        return _decode_object(event_type, obj)
    except _BadData as bad:
        return Malformed(event_type, str(bad))
    except Exception as unexpected:  # belt and braces: the contract here is "never raises"
        # Data _decode_object should have turned into _BadData: a bug of ours, so logged.
        log.exception("decoding a %r event failed unexpectedly", event_type[:40])
        return Malformed(event_type, f"unreadable data ({type(unexpected).__name__})")
