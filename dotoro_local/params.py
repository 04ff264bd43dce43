"""Reading request parameters: uuids, ISO-8601 timestamps and the history listing's cursor."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime


def is_uuid(text: str | None) -> bool:
    if not text or len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def encode_cursor(created_on: float, job_id: str) -> str:
    """An opaque keyset cursor on (created_on, id) for GET /api/v1/sync/jobs (ext, §3.6)."""
    return base64.urlsafe_b64encode(f"{created_on!r}|{job_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[float, str]:
    """The (created_on, id) of a cursor; ValueError, binascii.Error or UnicodeDecodeError."""
    created, _, job_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
    return float(created), job_id
