"""Each alert's life (pure): it fires once (one message when it starts), stays quiet while it
fires (its detail kept up to date), and says when it is over ("Resolved: …"). At most `cap`
messages go out per hour across every rule; one over the cap is held back (the Alerts page
says so and counts them), and an alert whose start was held ends without a message, since
nobody heard of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .conditions import Condition, Rule, Verdict


class Notice(StrEnum):
    """What came of one of an alert's two messages."""

    SENT = "sent"  # handed to the channels (the deliveries say how each did)
    HELD = "held"  # over the hourly cap: not sent
    NONE = "none"  # nothing to say: its start was held, so nobody heard of it


@dataclass(frozen=True)
class Alert:
    key: str
    rule: Rule
    title: str
    detail: str
    link: str
    started_at: datetime
    fired: Notice
    ended_at: datetime | None = None
    resolved: Notice | None = None  # None while it fires

    @property
    def firing(self) -> bool:
        return self.ended_at is None

    @property
    def uid(self) -> str:
        """This firing's name, for the deliveries' log: the key and its start (epoch ms)."""
        return f"{self.key}@{round(self.started_at.timestamp() * 1000)}"


@dataclass(frozen=True)
class Plan:
    started: tuple[Alert, ...] = ()  # new: their start sent or held
    changed: tuple[Alert, ...] = ()  # still firing, their words changed: quiet
    ended: tuple[Alert, ...] = ()  # over: their end sent, held, or none

    @property
    def messages(self) -> list[tuple[Alert, bool]]:
        """(alert, is its end) for each message to send, in the plan's order."""
        return [(a, False) for a in self.started if a.fired is Notice.SENT] + [
            (a, True) for a in self.ended if a.resolved is Notice.SENT
        ]


def plan(
    firing: Sequence[Alert],
    verdicts: Sequence[Verdict],
    now: datetime,
    sent_last_hour: int,
    cap: int,
) -> Plan:
    """What changes now: alerts that start (conditions with no firing alert), alerts that end
    (firing ones whose rule gave a verdict without their key: a rule that cannot tell ends
    nothing), and those whose words changed. New alerts take the hour's room first (a new
    problem matters more than news that one is over)."""
    room = max(0, cap - sent_last_hour)

    def notice() -> Notice:
        """A message sent while the hour has room for it, held back once it has none."""
        nonlocal room
        if room == 0:
            return Notice.HELD
        room -= 1
        return Notice.SENT

    by_key = {a.key: a for a in firing}
    judged = {v.rule for v in verdicts}
    holding: dict[str, Condition] = {c.key: c for v in verdicts for c in v.conditions}
    started, changed = [], []
    for key, c in holding.items():
        alert = by_key.get(key)
        if alert is None:
            started.append(Alert(key, c.rule, c.title, c.detail, c.link, now, notice()))
        elif (alert.title, alert.detail, alert.link) != (c.title, c.detail, c.link):
            changed.append(replace(alert, title=c.title, detail=c.detail, link=c.link))
    ended = []
    for alert in firing:
        if alert.rule not in judged or alert.key in holding:
            continue
        # An alert whose start was held ends without a word: nobody heard of it.
        resolved = notice() if alert.fired is Notice.SENT else Notice.NONE
        ended.append(replace(alert, ended_at=now, resolved=resolved))
    return Plan(tuple(started), tuple(changed), tuple(ended))
