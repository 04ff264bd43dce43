"""Where a message goes (pure): channels as the settings write them.

A list of entries separated by commas or white space, each `kind=target`:
`slack=https://hooks.slack.com/services/…` (a Slack-compatible incoming webhook: Slack,
Mattermost, Rocket.Chat, Discord's /slack endpoint), `webhook=https://…` (a generic JSON POST),
`email=ops@acme.com` (through the SMTP settings). Webhook URLs are secrets: a channel's `name`
("Slack webhook 1") is what logs, pages and the deliveries' log say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    SLACK = "slack"
    WEBHOOK = "webhook"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {"slack": "Slack webhook", "webhook": "JSON webhook", "email": "e-mail"}[self.value]


@dataclass(frozen=True)
class Channel:
    kind: Kind
    name: str  # "Slack webhook 1", "e-mail to ops@acme.com": safe to log and show
    target: str = field(repr=False)  # the URL (a secret) or the address

    def __str__(self) -> str:
        return self.name


class ChannelError(ValueError):
    """An entry that is not a channel; the message never repeats a URL."""


MAX_ADDRESS = 254  # characters (RFC 5321's path, less its brackets)
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def parse(text: str | None) -> tuple[Channel, ...]:
    """The channels `text` lists (see the module's docstring); raises ChannelError."""
    channels: list[Channel] = []
    counts: dict[Kind, int] = {}
    for entry in (text or "").replace(",", " ").split():
        kind_text, sep, target = entry.partition("=")
        try:
            kind = Kind(kind_text.strip().lower())
        except ValueError:
            raise ChannelError(
                f"entry {len(channels) + 1} is not slack=URL, webhook=URL or email=ADDRESS"
            ) from None
        target = target.strip()
        if not sep or not target:
            raise ChannelError(f"entry {len(channels) + 1} ({kind.value}=) has nothing after =")
        if kind is Kind.EMAIL:
            if not _ADDRESS.match(target) or len(target) > MAX_ADDRESS:
                raise ChannelError(
                    f"entry {len(channels) + 1}: {target!r} is not an e-mail address"
                )
            channels.append(Channel(kind, f"e-mail to {target}", target))
            continue
        if not target.startswith(("http://", "https://")):
            raise ChannelError(
                f"entry {len(channels) + 1} ({kind.value}): the URL must start with http:// or https://"
            )
        counts[kind] = counts.get(kind, 0) + 1
        channels.append(Channel(kind, f"{kind.label} {counts[kind]}", target))
    return tuple(channels)
