"""What the history says of one campaign set, for the clients page (pure): read by
client_queries.py, worded by clients/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SetFacts:
    set_id: str
    name: str
    platform: str
    team_id: str | None
    ad_account_id: str | None
    successes: int  # in the last 30 days
    first_success: datetime | None  # the oldest of those
    last_success: datetime | None  # the newest success ever recorded (when it finished)
    last_success_began: datetime | None
    last_state: str | None  # the newest finished attempt's: completed, failed, cancelled
    last_error: str | None
    failing_since: datetime | None  # the first failure after the last success
