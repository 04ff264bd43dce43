"""The words of an active sync's card and of a queued sync's row (pure): shared by the page
Streamlit draws and the push component, so that both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from enum import StrEnum

from sync_monitor.live.jobstate import StreamKind
from sync_monitor.live.snapshot import ActiveView, PendingView, Snapshot
from sync_monitor.text import NAME_LIMIT, clock, duration, is_cut, plain, rate, truncate

from .status import held_back_by


def queue_note(item: PendingView, tz: tzinfo) -> str:
    """What pg-boss's table adds to a queued sync: its retry, and a start held back."""
    said = []
    if item.tries is not None and item.tries[0] > 1:
        said.append(f"try {item.tries[0]} of {item.tries[1]}")
    if item.not_before is not None:
        said.append(f"held until {clock(item.not_before, tz, date=False)}")
    return " · ".join(said)


class CancelState(StrEnum):
    OFFERED = "offered"
    CANCELLING = "cancelling"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class CardWords:
    """One active sync's card, worded."""

    key: str
    job_id: str | None
    name: str  # never empty: "Unnamed set" stands in; at most NAME_LIMIT characters
    full_name: str | None  # the whole name, where `name` had to cut it ("show all")
    platform: str
    fraction: float | None  # None: the backend sends no live progress
    progress: str  # "69% · 11 of 16 campaigns synced"
    bar_label: str  # the bar's accessible name: "Acme – Black Friday: 69 %"
    elapsed_prefix: str  # "Elapsed" or "Running for at least" (no start time from the backend)
    elapsed_s: float | None  # as of the snapshot's figures; the component counts on while live
    rate: str | None  # "rate 4.0/min", where progress is known (then an ETA is said too)
    eta_s: float | None  # as of the snapshot's figures; the component counts it down
    tries: str | None  # "try 2 of 3": pg-boss retried it
    failed: str | None
    stream: str | None
    stalled: str | None
    cancel: CancelState
    cancel_note: str


def figures(said: CardWords, elapsed_s: float | None, eta_s: float | None) -> list[str]:
    """A card's line of figures, with its running time and ETA as of a moment: "Elapsed 1 min
    20 s · rate 4.0/min · ETA 1 min 15 s · try 2 of 3" (the push component says the same from
    the times it counts: component/live_cards.js)."""
    said_eta = [f"ETA {duration(eta_s)}"] if said.rate is not None else []
    parts = [f"{said.elapsed_prefix} {duration(elapsed_s)}", *filter(None, [said.rate])]
    return [*parts, *said_eta, *filter(None, [said.tries])]


def card_words(card: ActiveView, snap: Snapshot) -> CardWords:
    name = truncate(card.name, NAME_LIMIT) or "Unnamed set"
    p = card.progress
    if p.known and p.fraction is not None:
        fraction: float | None = min(1.0, max(0.0, p.fraction))
        pct = round((fraction or 0.0) * 100)
        progress = f"{pct}% · {p.done} of {p.total} campaigns synced"
        bar_label = f"{name}: {pct} %"
    else:
        fraction = None
        progress = "Syncing – live progress not available from this backend"
        bar_label = f"{name}: progress not available"
    retried = card.tries is not None and card.tries[0] > 1  # by pg-boss (issue 12)
    stream = card.stream
    stream_words = None
    if stream is not None and stream.kind is StreamKind.RECONNECTING:
        stream_words = f"live updates reconnecting (attempt {stream.attempt})"
    elif stream is not None and stream.kind is StreamKind.FAILED:
        stream_words = f"live updates unavailable: {stream.reason}"
    if card.cancelling:
        cancel, note = CancelState.CANCELLING, "Cancelling…"
    elif snap.features.cancel is None:  # not known (not asked: nobody here may cancel)
        cancel, note = CancelState.UNAVAILABLE, ""
    elif not snap.features.cancel:
        cancel, note = CancelState.UNAVAILABLE, "Cancel is not available on this backend."
    elif card.job_id is None:
        cancel, note = (
            CancelState.UNAVAILABLE,
            "Cancel needs the job id, which this backend does not report.",
        )
    elif snap.frozen_at is not None and (cause := held_back_by(snap.backend)):
        cancel, note = CancelState.UNAVAILABLE, f"Cancel is unavailable: {cause}."
    else:
        cancel, note = CancelState.OFFERED, ""
    return CardWords(
        key=card.key,
        job_id=card.job_id,
        name=name,
        full_name=plain(card.name) if is_cut(card.name, NAME_LIMIT) else None,
        platform=card.platform.label,
        fraction=fraction,
        progress=progress,
        bar_label=bar_label,
        elapsed_prefix="Running for at least" if card.elapsed_at_least else "Elapsed",
        elapsed_s=card.elapsed_s,
        rate=f"rate {rate(card.rate_per_min)}" if p.known else None,
        eta_s=card.eta_s if p.known else None,
        tries=f"try {card.tries[0]} of {card.tries[1]}" if retried and card.tries else None,
        failed=f"{p.failed} failed" if p.failed else None,
        stream=stream_words,
        stalled=(
            f"No progress for over {duration(snap.stall_seconds)}: this sync may be stuck."
            if card.stalled
            else None
        ),
        cancel=cancel,
        cancel_note=note,
    )
