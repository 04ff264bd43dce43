"""What the analysis page shows: a window, filters and the compare switch, read from and written
to the page's URL (pure). Every query value is untrusted: an invalid one is dropped with a note
that says which and why, never an exception.

A notebook reads views through the same `parse` (`View.from_url`, `View.of`, the filters of
`History.attempts` and `History.analysis`), so Python and the page agree on every value; there
the notes are `ViewWarning`s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Unpack

from sync_monitor.dotoro.models import Platform
from sync_monitor.words.categories import CategoryKind

from .attempt import Outcome
from .params import Filters, filters_query, link_query, warn


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
STATES = tuple(o for o in Outcome if o.final)


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

    @classmethod
    def from_url(cls, link: str, *, today: date | None = None) -> View:
        """The view the analysis page shows for `link`, copied from the page: the whole URL
        (`http://host:8501/analysis?window=30d&compare=1`) or its query. A value the page leaves
        out with a note is left out with that note as a `ViewWarning` (`read_url`: the notes as
        a list). `today`: the UTC day the page would be opened (a custom window's bounds)."""
        parsed = read_url(link, today or datetime.now(UTC).date())
        warn(parsed.notes, stacklevel=2)
        return parsed.view

    @classmethod
    def of(cls, *, today: date | None = None, **filters: Unpack[Filters]) -> View:
        """The view of the page's filters given as keywords (`window="30d"`, `platform="meta,
        reddit"`, `start=date(2026, 1, 1)`, ...), read as the page reads its URL: an unknown
        value is left out with a `ViewWarning`, as the page leaves it out with a note."""
        parsed = read_filters(filters, today or datetime.now(UTC).date())
        warn(parsed.notes, stacklevel=2)
        return parsed.view

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


def _known(values: Iterable[str]) -> str:
    *most, last = values
    return f"{', '.join(most)} or {last}"


def _first(query: Mapping[str, str | list[str]], name: str, notes: list[str]) -> list[str]:
    """The first value of a parameter that takes one, with a note for any others."""
    values = _values(query.get(name))
    if len(values) > 1:
        notes.append(f"{name} takes one value: {_shown(', '.join(values[1:]))!r} left out.")
    return values[:1]


def read_url(link: str, today: date) -> Parsed:
    """The view the analysis page shows for a link copied from it, and the page's notes."""
    query, notes = link_query(link)
    parsed = parse(query, today)
    parsed.notes[:0] = notes
    return parsed


def read_filters(filters: Filters, today: date) -> Parsed:
    """The view of the page's filters given as keywords, and the page's notes."""
    query, notes = filters_query(filters)
    parsed = parse(query, today)
    parsed.notes[:0] = notes
    return parsed


def parse(query: Mapping[str, str | list[str]], today: date) -> Parsed:
    """The view a URL's query asks for; what cannot be read is left out, with a note."""
    out = Parsed(View())
    view = out.view
    notes = out.notes
    window = _first(query, "window", notes)
    if window:
        try:
            view = replace(view, window=Window(window[0]))
        except ValueError:
            notes.append(
                f"Unknown window {_shown(window[0])!r}: showing the last 7 days "
                f"(window: {_known(Window)})."
            )
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
            notes.append(
                f"Unknown platform {_shown(value)!r} left out of the filter "
                f"(platform: {_known(PLATFORMS)})."
            )
    categories = []
    for value in _values(query.get("category")):
        if value in CategoryKind.__members__.values():
            categories.append(value)
        else:
            notes.append(
                f"Unknown error category {_shown(value)!r} left out of the filter "
                f"(category: {_known(CategoryKind)})."
            )
    states = []
    for value in _values(query.get("state")):
        try:
            outcome = Outcome(value)
        except ValueError:
            outcome = None
        if outcome is not None and outcome.final:
            states.append(outcome)
        else:
            notes.append(
                f"Unknown final state {_shown(value)!r} left out of the filter "
                f"(state: {_known(STATES)})."
            )
    set_ids = _first(query, "set", notes)
    set_id = set_ids[0] if set_ids else None
    if set_id is not None and not all(c.isalnum() or c in "-_" for c in set_id):
        notes.append(
            f"Unreadable campaign set {_shown(set_id)!r} left out of the filter "
            "(set: an id of letters, digits, - and _)."
        )
        set_id = None
    compare = _first(query, "compare", notes)
    if compare and compare[0] not in ("1", "0", "true", "false"):
        notes.append(
            f"Unknown compare value {_shown(compare[0])!r}: comparison off (compare: 1 or 0)."
        )
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
        values = _first(query, name, notes)
        try:
            days.append(date.fromisoformat(values[0]) if values else None)
        except ValueError:
            notes.append(f"Unreadable date {_shown(values[0])!r} for {name!r} (YYYY-MM-DD).")
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


def chosen(view: View | None, filters: Filters, now: datetime) -> View:
    """The view a reading asks for: `view`, else its filters read as the page reads its URL,
    a `ViewWarning` for each value left out, blamed on the line that called the reading."""
    if view is None:
        parsed = read_filters(filters, now.astimezone(UTC).date())
        warn(parsed.notes, stacklevel=3)
        return parsed.view
    if filters:  # which would win is a guess: the caller says
        raise TypeError(f"view: given with filters ({', '.join(filters)}); pass one or the other")
    return view
