"""Clients' boards built by hand for the digest's tests, shaped as sync_monitor/clients/status.py
gives them (Board, Client, SetStatus): the digest reads only these fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sync_monitor.dotoro.models import Platform


@dataclass(frozen=True)
class SetStatus:
    set_id: str
    name: str
    platform: Platform
    state: str
    words: str


@dataclass(frozen=True)
class Client:
    key: str
    name: str
    sets: tuple[SetStatus, ...]


@dataclass(frozen=True)
class Board:
    at: datetime
    clients: tuple[Client, ...]

    def late(self) -> list[tuple[Client, SetStatus]]:
        return [(c, s) for c in self.clients for s in c.sets if s.state == "late"]
