"""Clients' boards built by hand for the digest's tests, from the clients' own types."""

from __future__ import annotations

from datetime import datetime, timedelta

from sync_monitor.clients.status import Board, Client, SetState, SetStatus
from sync_monitor.dotoro.models import Platform

__all__ = ["Board", "Client", "late", "up_to_date"]


def late(set_id: str, name: str, platform: Platform, now: datetime) -> SetStatus:
    """Last synced 3 h before `now`, usually every hour."""
    return SetStatus(
        set_id,
        name,
        platform,
        SetState.LATE,
        "Late: last synced 3 h ago, usually every hour",
        last_success=now - timedelta(hours=3),
        usual_s=3600,
    )


def up_to_date(set_id: str, name: str, platform: Platform, now: datetime) -> SetStatus:
    """Synced 12 minutes before `now`."""
    return SetStatus(
        set_id,
        name,
        platform,
        SetState.UP_TO_DATE,
        "Up to date (synced 12 min ago)",
        last_success=now - timedelta(minutes=12),
        usual_s=3600,
    )
