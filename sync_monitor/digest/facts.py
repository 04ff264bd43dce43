"""What a digest is made of (pure): the week's figures per campaign set as the history gives
them, and the narrow view of the clients' board the digest reads (clients/status.py's Board,
Client and SetStatus satisfy it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sync_monitor.dotoro.models import Platform


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


class SetLike(Protocol):
    @property
    def set_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def platform(self) -> Platform: ...
    @property
    def words(self) -> str: ...


class ClientLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def sets(self) -> Sequence[SetLike]: ...


class BoardLike(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def clients(self) -> Sequence[ClientLike]: ...
    def late(self) -> Sequence[tuple[ClientLike, SetLike]]: ...
