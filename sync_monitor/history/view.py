"""What the analysis page shows: a window, filters and the compare switch, read from and written
to the page's URL (pure). Every query value is untrusted: an invalid one is dropped with a note
that says which and why, never an exception."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sync_monitor.dotoro.models import Platform
from sync_monitor.words.categories import CategoryKind

from .attempt import Outcome


class Window(StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"
    QUARTER = "90d"
    CUSTOM = "custom"


SPANS = {
    Window.DAY: timedelta(hours=24),
    Window.WEEK: timedelta(days=7),
    Window.MONTH: timedelta(days=30),
    Window.QUARTER: timedelta(days=90),
}
DEFAULT_WINDOW = Window.WEEK
LONGEST_CUSTOM = timedelta(days=366)
MAX_VALUE = 200  # characters of a query value worth reading
PLATFORMS = (Platform.REDDIT, Platform.GOOGLE, Platform.META)


@dataclass(frozen=True)
class View:
    window: Window = DEFAULT_WINDOW
    start: date | None = None  # custom window: from this day (UTC) ...
    end: date | None = None  # ... to this day, inclusive
    platforms: tuple[Platform, ...] = ()  # empty: all
    set_id: str | None = None
    categories: tuple[str, ...] = ()
    states: tuple[Outcome, ...] = ()
    compare: bool = False

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """[start, end) of the window, in UTC."""
        if self.window is Window.CUSTOM and self.start and self.end:
            return (
                datetime.combine(self.start, time(), UTC),
                datetime.combine(self.end + timedelta(days=1), time(), UTC),
            )
        return now - SPANS.get(self.window, SPANS[DEFAULT_WINDOW]), now

    def previous(self, now: datetime) -> tuple[datetime, datetime]:
        """The period of the same length just before the window, for the comparison."""
        start, end = self.bounds(now)
        return start - (end - start), start

    def bucket(self, now: datetime) -> timedelta:
        """Hourly buckets over a day, daily beyond (an hour holds too few syncs for a rate)."""
        start, end = self.bounds(now)
        return timedelta(hours=1) if end - start <= timedelta(days=1) else timedelta(days=1)

    def name(self) -> str:
        """A file-name-safe name of the view: "sync-failures-7d-reddit-failed"."""
        parts = [self.window.value]
        if self.window is Window.CUSTOM and self.start and self.end:
            parts = [f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"]
        parts += [p.value for p in self.platforms] + list(self.categories)
        parts += [s.value for s in self.states]
        if self.set_id:
            parts.append("set")
        return "-".join(["sync-failures", *parts])


@dataclass
class Parsed:
    view: View
    notes: list[str] = field(default_factory=list)


def _values(raw: str | list[str] | None) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [v.strip() for item in items for v in str(item)[:MAX_VALUE].split(",") if v.strip()]


def _shown(value: str) -> str:
    return value[:40] + ("…" if len(value) > 40 else "")


def parse(query: Mapping[str, str | list[str]], today: date) -> Parsed:
    """The view a URL's query asks for; what cannot be read is left out, with a note."""
    out = Parsed(View())
    view = out.view
    notes = out.notes
    window = _values(query.get("window"))
    if window:
        try:
            view = replace(view, window=Window(window[0]))
        except ValueError:
            notes.append(f"Unknown window {_shown(window[0])!r}: showing the last 7 days.")
    if view.window is Window.CUSTOM:
        view = _custom(view, query, today, notes)
    platforms = []
    for value in _values(query.get("platform")):
        try:
            platform = Platform(value.lower())
        except ValueError:
            platform = Platform.OTHER
        if platform in PLATFORMS:
            platforms.append(platform)
        else:
            notes.append(f"Unknown platform {_shown(value)!r} left out of the filter.")
    categories = []
    for value in _values(query.get("category")):
        if value in CategoryKind.__members__.values():
            categories.append(value)
        else:
            notes.append(f"Unknown error category {_shown(value)!r} left out of the filter.")
    states = []
    for value in _values(query.get("state")):
        try:
            outcome = Outcome(value)
        except ValueError:
            outcome = None
        if outcome is not None and outcome.final:
            states.append(outcome)
        else:
            notes.append(f"Unknown final state {_shown(value)!r} left out of the filter.")
    set_ids = _values(query.get("set"))
    set_id = set_ids[0] if set_ids else None
    if set_id is not None and not all(c.isalnum() or c in "-_" for c in set_id):
        notes.append(f"Unreadable campaign set {_shown(set_id)!r} left out of the filter.")
        set_id = None
    compare = _values(query.get("compare"))
    if compare and compare[0] not in ("1", "0", "true", "false"):
        notes.append(f"Unknown compare value {_shown(compare[0])!r}: comparison off.")
    out.view = replace(
        view,
        platforms=tuple(dict.fromkeys(platforms)),
        categories=tuple(dict.fromkeys(categories)),
        states=tuple(dict.fromkeys(states)),
        set_id=set_id,
        compare=bool(compare) and compare[0] in ("1", "true"),
    )
    return out


def _custom(
    view: View, query: Mapping[str, str | list[str]], today: date, notes: list[str]
) -> View:
    days: list[date | None] = []
    for name in ("from", "to"):
        values = _values(query.get(name))
        try:
            days.append(date.fromisoformat(values[0]) if values else None)
        except ValueError:
            notes.append(f"Unreadable date {_shown(values[0])!r} for {name!r}.")
            days.append(None)
    start, end = days
    problem = None
    if start is None or end is None:
        problem = "A custom window needs both dates (from and to)"
    elif start > end:
        problem = "The custom window ends before it starts"
    elif start < today - LONGEST_CUSTOM:
        problem = "The custom window starts more than a year ago"
    elif end > today:
        problem = "The custom window ends in the future"
    if problem:
        notes.append(f"{problem}: showing the last 7 days.")
        return replace(view, window=DEFAULT_WINDOW)
    return replace(view, start=start, end=end)


def to_query(view: View) -> dict[str, str]:
    """The URL query that reproduces `view` (defaults left out, so links stay short)."""
    query: dict[str, str] = {}
    if view.window is not DEFAULT_WINDOW:
        query["window"] = view.window.value
    if view.window is Window.CUSTOM and view.start and view.end:
        query["from"], query["to"] = view.start.isoformat(), view.end.isoformat()
    if view.platforms:
        query["platform"] = ",".join(p.value for p in view.platforms)
    if view.set_id:
        query["set"] = view.set_id
    if view.categories:
        query["category"] = ",".join(view.categories)
    if view.states:
        query["state"] = ",".join(s.value for s in view.states)
    if view.compare:
        query["compare"] = "1"
    return query
