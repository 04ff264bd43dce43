"""When a digest goes and which week it covers (pure), in the digest's time zone.

Each week (ISO week, Monday to Sunday, in the zone) has one slot: its weekday at its time. From
the slot on, the digest is due until the week ends, so a process that was down at the slot
sends it when it comes back within the same week; the deliveries' log (keyed by the slot's ISO
week) keeps it to once. A digest covers the 7 whole days before its slot's day: sent on Monday
morning, the ISO week just ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .config import Digest, When

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Period:
    start: datetime  # in UTC, inclusive
    end: datetime  # in UTC, exclusive

    def days(self, zone: tzinfo) -> str:
        """'30 Nov – 6 Dec 2026', in the zone (the last day is the day before the end)."""
        first = self.start.astimezone(zone)
        last = (self.end - timedelta(microseconds=1)).astimezone(zone)
        head = f"{first.day} {first:%b}" + (f" {first.year}" if first.year != last.year else "")
        return f"{head} – {last.day} {last:%b %Y}"


def week_start(now: datetime, zone: tzinfo) -> datetime:
    """Midnight starting the ISO week of `now` in `zone` (aware, in `zone`)."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return _local(monday, time(), zone)


def slot(when: When, zone: tzinfo, now: datetime) -> datetime:
    """The slot of the week `now` falls in (aware, in `zone`)."""
    day = week_start(now, zone).date() + timedelta(days=when.weekday)
    return _local(day, when.at, zone)


def due(digest: Digest, now: datetime) -> datetime | None:
    """This week's slot once it has come (the digest is then due, unless sent); else None."""
    this_week = slot(digest.when, digest.zone, now)
    return this_week if now >= this_week else None


def next_send(digest: Digest, now: datetime) -> datetime:
    """The next slot after `now` (this week's, or next week's once this week's has come)."""
    this_week = slot(digest.when, digest.zone, now)
    if now < this_week:
        return this_week
    return slot(digest.when, digest.zone, this_week + WEEK)


def key(digest: Digest, at: datetime) -> str:
    """The deliveries' key of the digest sent for the week of `at`: 'digest:<name>:2026-W49'."""
    year, week, _ = at.astimezone(digest.zone).isocalendar()
    return f"digest:{digest.name}:{year}-W{week:02d}"


def period(at: datetime, zone: tzinfo) -> Period:
    """The 7 whole days (in `zone`) before the day of `at`."""
    day = at.astimezone(zone).date()
    end = _local(day, time(), zone)
    return Period(
        _local(day - WEEK, time(), zone).astimezone(UTC),
        end.astimezone(UTC),
    )


def _local(day: date, at: time, zone: tzinfo) -> datetime:
    """The wall-clock `at` on `day` in `zone`; a time a clock change skips reads as after it."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=zone)
    # zoneinfo resolves a skipped or repeated wall time by `fold`; round-tripping through UTC
    # moves a skipped one forward, as a clock would read it.
    return aware.astimezone(UTC).astimezone(zone)
