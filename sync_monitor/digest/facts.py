"""The week's figures per campaign set as the history gives them to a digest (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Finished:
    """A set's attempts of the week that finished, by how."""

    set_id: str
    completed: int
    failed: int


@dataclass(frozen=True)
class Failed:
    """A set's failures of the week with one cause (category × signature × platform)."""

    set_id: str
    platform: str
    category: str
    signature: str
    count: int
    last: datetime
    error: str | None  # one of their texts (the backend's words: plain text only)
