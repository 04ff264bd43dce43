"""The live state the browser component draws: header, cards, queue and failures, worded, as
JSON-ready data. Pure.

Built once per published version for every viewer (the publisher), so nothing in it depends on a
viewer: times are epoch milliseconds the browser shows in its own zone, and an active sync's start
is sent instead of its elapsed time, which the browser keeps counting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import cast

from sync_monitor.history.groups import Cause
from sync_monitor.live.aggregates import hour_rows, rate_rows, state_rows
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.triage.groups import CauseState, attention, failure_groups
from sync_monitor.triage.progress import BatchView
from sync_monitor.words.cards import CardWords, card_words
from sync_monitor.words.status import (
    At,
    as_json,
    banner,
    before_first_answer,
    counts,
    first_answer_pending,
    held_back_by,
    is_live,
    notes,
    source,
    stale_note,
    status_line,
)

from .protocol import Card, Other, Payload, Summary
from .rows import attention_row, batch_row, failure_rows, group_row, queue_rows

ENDED_FOR_S = 120.0  # how long a job's end is kept for the component to announce it
MAX_CARDS = 24  # as the page: beyond this, the rest of the active syncs are in a table below


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _card(said: CardWords, as_of_ms: int, frozen: bool) -> Card:
    """A card as the page words it (CardWords, under its own names), for the browser: the start
    in place of the elapsed time and the moment of the ETA in place of its seconds, since the
    browser keeps counting (up to `until`, when the figures are stale)."""
    # Whole seconds: the start is fixed, but worked out again from each snapshot it would jitter.
    started = (
        None if said.elapsed_s is None else round((as_of_ms - _ms(said.elapsed_s)) / 1000) * 1000
    )
    eta_at = None if said.eta_s is None else round((as_of_ms + _ms(said.eta_s)) / 1000) * 1000
    timed = ("elapsed_s", "eta_s")
    card = {f.name: getattr(said, f.name) for f in fields(said) if f.name not in timed}
    card |= {
        "started": started,
        "eta_at": eta_at,
        "until": as_of_ms if frozen else None,
        "cancel": said.cancel.value,
    }
    return cast(Card, card)


def summary(snap: Snapshot) -> Summary:
    """What the summary charts draw, as rows (live/aggregates.py): counts, not times, so the
    state changes when they do."""
    hours = hour_rows(snap.finished, snap.taken_at)
    starts = sorted({r.hour for r in hours})
    index = {h: i for i, h in enumerate(starts)}
    return {
        "states": [[r.state, r.platform, r.syncs] for r in state_rows(snap)],
        "rates": [
            [r.platform, r.finished, r.failed] for r in rate_rows(snap.finished, snap.taken_at)
        ],
        "hours": [_ms(h.timestamp()) for h in starts],
        "throughput": [[index[r.hour], r.platform, r.syncs] for r in hours if r.syncs],
    }


def _other(said: CardWords, as_of_ms: int) -> Other:
    card = _card(said, as_of_ms, frozen=False)
    return {
        "key": said.key,
        "name": said.name,
        "platform": said.platform,
        "progress": said.progress,
        "started": card["started"],
        "elapsed_prefix": said.elapsed_prefix,
    }


def payload(
    snap: Snapshot,
    batch: BatchView | None = None,
    states: Mapping[Cause, CauseState] | None = None,
) -> Payload:
    """Everything the component draws, for one snapshot (and the group retry under way, or the
    last one; and what the history says of each cause failing now)."""
    as_of_ms, frozen = _ms(snap.as_of.timestamp()), snap.frozen_at is not None
    backend = snap.backend
    stale = stale_note(snap)
    trouble = banner(snap) if snap.loaded else before_first_answer(backend)
    cards = [_card(card_words(a, snap), as_of_ms, frozen) for a in snap.active[:MAX_CARDS]]
    groups = failure_groups(snap.failed)
    return {
        "loaded": snap.loaded,
        "skeleton": first_answer_pending(snap),
        "live": is_live(snap),
        "line": as_json(status_line(snap)),
        "updated": None if stale or snap.polled_at is None else as_json((At(snap.polled_at),)),
        "source": as_json(source(backend, snap.collector)),
        "banner": None
        if trouble is None
        else {"level": trouble.level.value, "words": as_json(trouble.words)},
        "stale": None if stale is None else as_json(stale),
        "counts": [list(c) for c in counts(snap)],
        "notes": notes(snap),
        "cards": cards,
        "more": max(0, len(snap.active) - MAX_CARDS),
        "others": [_other(card_words(a, snap), as_of_ms) for a in snap.active[MAX_CARDS:]],
        # How the syncs that left the cards ended, for the screen-reader announcement.
        "ended": {
            f.job_id: f.outcome.value
            for f in snap.finished
            if f.job_id is not None and (snap.taken_at - f.at).total_seconds() < ENDED_FOR_S
        },
        "until": as_of_ms if frozen else None,
        "queue": queue_rows(snap),
        "workers": snap.workers,
        "failures": failure_rows(snap),
        "groups": [group_row(g, (states or {}).get(g.cause)) for g in groups],
        "attention": attention_row(attention(snap, groups), snap.as_of),
        "batch": None if batch is None else batch_row(batch, snap),
        "held_back": held_back_by(backend) if frozen else None,
        "summary": summary(snap),
    }
