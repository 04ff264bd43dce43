"""The digests as SYNC_MONITOR_DIGESTS writes them (pure): a JSON list of objects

    {"name": "Acme accounts", "clients": ["Acme Outdoor", "acme-2"] or "*",
     "to": "email=am@acme.com slack=https://hooks.slack.com/…", "when": "mon 08:00"}

read once at start. A mistake stops start-up with a message naming the setting, the entry and
the field; it never repeats a channel's URL (a webhook's URL holds its secret)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from sync_monitor.notify.channels import Channel, ChannelError, parse
from sync_monitor.settings import Settings, SettingsError

SETTING = "SYNC_MONITOR_DIGESTS"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELDS = ("name", "clients", "to", "when")
NAME_LIMIT = 80
_WHEN = re.compile(r"^\s*([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class When:
    """A weekly time: a weekday (0 is Monday, as `date.weekday`) and a time of day."""

    weekday: int
    at: time

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday].capitalize()} {self.at:%H:%M}"


@dataclass(frozen=True)
class Digest:
    name: str
    clients: tuple[str, ...] | None  # client names or keys; None: every client ("*")
    channels: tuple[Channel, ...]
    when: When
    zone: ZoneInfo

    def includes(self, name: str, key: str) -> bool:
        """Whether the client named `name`, keyed `key`, is one of this digest's."""
        if self.clients is None:
            return True
        wanted = {c.casefold() for c in self.clients}
        return name.casefold() in wanted or key.casefold() in wanted


def parse_when(text: str) -> When:
    """'mon 08:00' (a weekday's first three letters or its whole name, then HH:MM, 24-hour);
    raises ValueError saying what it takes."""
    found = _WHEN.match(text)
    day = found.group(1).lower() if found else ""
    if not found or day not in WEEKDAYS:
        raise ValueError(f"{text!r} is not a weekday and a time such as 'mon 08:00'")
    hour, minute = int(found.group(2)), int(found.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: the time must be between 00:00 and 23:59")
    return When(WEEKDAYS.index(day), time(hour, minute))


def read(text: str | None, zone: ZoneInfo) -> tuple[Digest, ...]:
    """The digests `text` lists (None or blank: none); raises SettingsError."""
    if text is None or not text.strip():
        return ()
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{SETTING}: not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(entries, list):
        raise SettingsError(f"{SETTING}: must be a JSON list of digests ([{{...}}, ...])")
    digests: list[Digest] = []
    for number, entry in enumerate(entries, start=1):
        digest = _entry(entry, number, zone)
        if any(d.name.casefold() == digest.name.casefold() for d in digests):
            raise SettingsError(f"{SETTING}: entry {number} (name): {digest.name!r} is taken")
        digests.append(digest)
    return tuple(digests)


def from_settings(config: Settings) -> tuple[Digest, ...]:
    """The digests the settings configure; raises SettingsError."""
    text = config.digests.get_secret_value() if config.digests else None
    return read(text, ZoneInfo(config.digest_timezone))


def _entry(entry: Any, number: int, zone: ZoneInfo) -> Digest:
    where = f"{SETTING}: entry {number}"
    if not isinstance(entry, dict):
        raise SettingsError(f"{where}: must be an object with {', '.join(FIELDS)}")
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise SettingsError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    missing = [f for f in FIELDS if f not in entry]
    if missing:
        raise SettingsError(f"{where} ({missing[0]}): missing")
    name = entry["name"]
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_LIMIT:
        raise SettingsError(f"{where} (name): must be text of 1 to {NAME_LIMIT} characters")
    return Digest(
        " ".join(name.split()),
        _clients(entry["clients"], where),
        _channels(entry["to"], where),
        _when(entry["when"], where),
        zone,
    )


def _clients(value: Any, where: str) -> tuple[str, ...] | None:
    if value == "*":
        return None
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(c, str) and c.strip() for c in value)
    ):
        raise SettingsError(f'{where} (clients): must be "*" or a list of client names or keys')
    return tuple(c.strip() for c in value)


def _channels(value: Any, where: str) -> tuple[Channel, ...]:
    if not isinstance(value, str):
        raise SettingsError(f'{where} (to): must be text such as "email=am@acme.com"')
    try:
        found = parse(value)
    except ChannelError as exc:  # its message never repeats a URL
        raise SettingsError(f"{where} (to): {exc}") from None
    if not found:
        raise SettingsError(f"{where} (to): names no channel")
    return found


def _when(value: Any, where: str) -> When:
    try:
        return parse_when(value if isinstance(value, str) else repr(value))
    except ValueError as exc:
        raise SettingsError(f"{where} (when): {exc}") from None
