"""What the header and the cards say, as data. Pure.

The same words serve the page Streamlit draws (the fallback, and AppTest) and the browser component
fed by the push channel, so both say the same thing. Clock times stay `At` segments: the payload is
built once per process, and each viewer sees times in their own zone (`say` formats them on the
server with the viewer's zone, the component in the browser with its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from sync_monitor.live.snapshot import Backend, BackendKind, Collector, QueueSource, Snapshot
from sync_monitor.text import clock, safe_url


@dataclass(frozen=True)
class At:
    """A clock time inside a sentence, shown in the viewer's zone."""

    when: datetime | None
    date: bool = False


@dataclass(frozen=True)
class Quoted:
    """Text from the backend (a message, its address): untrusted, never read as markup."""

    text: str


Words = tuple[str | Quoted | At, ...]


def say(words: Words, tz: tzinfo, escape: Callable[[str], str] = str) -> str:
    """The sentence, times in `tz`, and the backend's text through `escape` (for Markdown)."""
    return "".join(
        w
        if isinstance(w, str)
        else escape(w.text)
        if isinstance(w, Quoted)
        else clock(w.when, tz, date=w.date)
        for w in words
    )


def as_json(words: Words) -> list[str | dict[str, object]]:
    """The sentence for the browser: text pieces, and times as epoch milliseconds."""
    return [
        w
        if isinstance(w, str)
        else w.text
        if isinstance(w, Quoted)
        else {"at": None if w.when is None else round(w.when.timestamp() * 1000), "date": w.date}
        for w in words
    ]


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Banner:
    level: Level
    words: Words


def backend_line(backend: Backend) -> Words:
    """The connection state in words."""
    match backend.kind:
        case BackendKind.LIVE:
            return ("Live",)
        case BackendKind.CONNECTING:
            return ("Connecting…",)
        case BackendKind.UNREACHABLE if backend.attempt <= 1:
            return (f"Reconnecting (attempt {backend.attempt})",)
        case BackendKind.UNREACHABLE:
            return ("Unreachable since ", At(backend.since), f" (attempt {backend.attempt})")
        case BackendKind.RATE_LIMITED:
            return ("Rate-limited until ", At(backend.until))
        case BackendKind.DENIED:
            return ("Access denied",)


def first_answer_pending(snap: Snapshot) -> bool:
    """No figures yet, and the first answer is still on its way: the sections show a skeleton.
    (Without figures and with the backend down, they show nothing: the header tells it all.)"""
    return not snap.loaded and snap.backend.kind in (BackendKind.CONNECTING, BackendKind.LIVE)


def is_stale(snap: Snapshot) -> bool:
    """The figures on the page are the last known ones: the backend has stopped answering, or
    no poll has finished for a while."""
    return snap.loaded and snap.frozen_at is not None


def is_live(snap: Snapshot) -> bool:
    """The header's dot is green: the backend answers and the figures are fresh."""
    return snap.backend.kind is BackendKind.LIVE and snap.frozen_at is None


def status_line(snap: Snapshot) -> Words:
    """The header's connection state: the backend's, unless the polls themselves went quiet."""
    if snap.collector is not None and snap.collector.silent:
        return ("Collector silent since ", At(snap.collector.heard_at))
    if snap.loaded and snap.silent:
        return ("Not updating since ", At(snap.polled_at))
    return backend_line(snap.backend)


def source(backend: Backend, collector: Collector | None = None) -> Words:
    """Where the figures come from, for the header's status line (and, in a fleet, which
    replica collects them)."""
    what = "Bundled local API (simulated workload)" if backend.is_local else "Dotoro API"
    by: Words = () if collector is None else (", collected by ", Quoted(collector.name))
    return (f"{what} at ", Quoted(safe_url(backend.url)), *by)


def before_first_answer(backend: Backend) -> Banner:
    """The page before any figures: one sentence on what is happening, never zeros."""
    name = "the bundled local API" if backend.is_local else "the Dotoro API"
    url = Quoted(safe_url(backend.url))
    match backend.kind:
        case BackendKind.UNREACHABLE:
            hint: Words = (
                ()
                if backend.is_local
                else (" ", Quoted("If the address is wrong, set SYNC_MONITOR_API_URL."))
            )
            return Banner(
                Level.ERROR,
                (
                    f"Can't reach {name} at ",
                    url,
                    " since ",
                    At(backend.since),
                    f"; retrying (attempt {backend.attempt}). ",
                    Quoted(backend.message or ""),
                    *hint,
                ),
            )
        case BackendKind.RATE_LIMITED:
            return Banner(
                Level.WARNING,
                (
                    f"{name[0].upper()}{name[1:]} at ",
                    url,
                    " is rate-limiting this monitor until ",
                    At(backend.until),
                    "; the figures appear once it answers.",
                ),
            )
        case BackendKind.DENIED:
            return Banner(Level.ERROR, (Quoted(backend.message or "Access denied."),))
        case _:
            return Banner(Level.NOTE, (f"Connecting to {name} at ", url, "…"))


def banner(snap: Snapshot) -> Banner | None:
    """What is wrong with the backend now that figures are on the page, if anything."""
    backend = snap.backend
    if backend.kind is BackendKind.UNREACHABLE and backend.attempt > 1:
        # The message says what the fault is (no answer, timeout, server error, unreadable).
        return Banner(
            Level.ERROR,
            (
                "Since ",
                At(backend.since),
                ": ",
                Quoted(backend.message or ""),
                " The monitor keeps trying.",
            ),
        )
    if backend.kind is BackendKind.RATE_LIMITED:
        return Banner(
            Level.WARNING,
            (
                "The Dotoro API is rate-limiting this monitor until ",
                At(backend.until),
                ". Updates resume by themselves; nothing is lost.",
            ),
        )
    if backend.kind is BackendKind.DENIED:
        return Banner(Level.ERROR, (Quoted(backend.message or "Access denied."),))
    if snap.collector is not None and snap.collector.silent:
        return Banner(
            Level.WARNING,
            (
                "Nothing heard from the collecting replica ",
                Quoted(snap.collector.name),
                " since ",
                At(snap.collector.heard_at),
                ": the figures are from then. Another replica takes over once its lease runs "
                "out; the page carries on by itself.",
            ),
        )
    if snap.silent:
        return Banner(
            Level.WARNING,
            (
                "No status poll has finished since ",
                At(snap.polled_at),
                ": the Dotoro API may be slow to answer, or the monitor's poller stuck (its "
                "log says which).",
            ),
        )
    return None


def stale_note(snap: Snapshot) -> Words | None:
    if not is_stale(snap):
        return None
    return (
        "Stale: the last known figures, as of ",
        At(snap.polled_at, date=True),
        "; everything below is from then.",
    )


def counts(snap: Snapshot) -> tuple[tuple[str, int], ...]:
    return (
        ("Syncing now", len(snap.active)),
        ("Queued", len(snap.pending)),
        ("Failed (24 h)", len(snap.failed)),
    )


def held_back_by(backend: Backend) -> str | None:
    """What keeps the monitor from the service now (streams, actions), if the backend is it."""
    match backend.kind:
        case BackendKind.UNREACHABLE:
            return "the Dotoro API is down"
        case BackendKind.RATE_LIMITED:
            return "the Dotoro API is rate-limiting this monitor"
        case BackendKind.DENIED:
            return "the Dotoro API refuses this monitor's credentials"
        case _:
            return None


def notes(snap: Snapshot) -> str:
    said = []
    backend = snap.backend
    if backend.queue is QueueSource.PGBOSS:
        said.append("Queue order, retries and job ids come from the service's own queue (pg-boss).")
    elif backend.queue is QueueSource.PGBOSS_UNREADABLE:
        said.append(
            f"The service's queue database cannot be read: {backend.queue_problem}. The page "
            "shows what the API says until it can."
        )
    paused = held_back_by(backend) if backend.stale else None  # one failed poll: a reconnect
    if snap.streams_wanted and paused:
        # Not the budget's doing: name what holds the streams back (the banner says more).
        said.append(f"Live updates for {snap.streams_wanted} syncs are paused: {paused}.")
    elif snap.streams_waiting:
        said.append(
            f"Live updates for {snap.streams_live} of {snap.streams_wanted} syncs; the rest "
            "follow as the request budget allows."
        )
    if snap.malformed_events:
        said.append(f"{snap.malformed_events} unreadable stream events were skipped.")
    if snap.unknown_events:
        said.append(
            f"{snap.unknown_events} stream events of unknown types were ignored (newer service?)."
        )
    return " ".join(said)
