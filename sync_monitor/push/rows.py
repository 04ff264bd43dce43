"""The queue and the failures as the live component draws them: worded once for every viewer,
with times as epoch milliseconds that the browser words in its viewer's zone and counts on from.
Pure.

Nothing here follows the clock: a row changes only when what the service says of it changes, so
time passing pushes nothing (issue 21). An estimated start is sent as a moment, not as "in 2 min";
it is rounded to ESTIMATE_STEP_S, since it is worked out again from every snapshot and would
otherwise jitter by milliseconds, each jitter a message to every tab.
"""

from __future__ import annotations

from datetime import datetime

from sync_monitor.live.snapshot import FailedView, PendingView, Snapshot
from sync_monitor.text import NAME_LIMIT, duration, is_cut, truncate
from sync_monitor.triage.groups import Attention, CauseState, FailureGroup
from sync_monitor.triage.progress import BatchView, outcomes
from sync_monitor.words.categories import NO_REASON, categorize

from .protocol import AttentionRow, BatchRow, FailureRow, GroupRow, QueueRow

ESTIMATE_STEP_S = 5  # estimated starts are sent to this many seconds


def _ms(when: datetime) -> int:
    return round(when.timestamp() * 1000)


def _step(seconds: float, step: float) -> int:
    return round(seconds / step) * round(step * 1000)


def queue_row(item: PendingView, as_of: datetime) -> QueueRow:
    base = as_of.timestamp()
    low = None if item.wait_low_s is None else _step(base + item.wait_low_s, ESTIMATE_STEP_S)
    high = None if item.wait_high_s is None else _step(base + item.wait_high_s, ESTIMATE_STEP_S)
    return {
        "key": item.key,
        "position": item.position,
        "name": truncate(item.name, NAME_LIMIT) or "Unnamed set",
        "platform": item.platform.label,
        # Whole seconds: the start is fixed, but worked out again from each snapshot.
        "since": _step(base - item.waiting_s, 1),
        "at_least": item.waiting_at_least,
        "low": low,
        "high": high,
        "free": item.wait_low_s is not None and item.wait_low_s <= 0,
        "optimistic": item.optimistic,
        "just_queued": item.just_queued,
        "tries": None if item.tries is None else list(item.tries),
        "held": None if item.not_before is None else _ms(item.not_before),
    }


def failure_row(item: FailedView) -> FailureRow:
    category = categorize(item.error)
    return {
        "key": item.key,
        "set_id": item.set_id,
        "name": truncate(item.name, NAME_LIMIT) or "Unnamed set",
        # As the service sent it, beside the error (a code block, exact when copied).
        "full_name": item.name if is_cut(item.name, NAME_LIMIT) else None,
        "platform": item.platform.label,
        "at": None if item.failed_at is None else _ms(item.failed_at),
        # The service as deployed gives neither (§3.4): said in words, never "unknown — Unknown".
        "preview": truncate(item.error, 80) if item.error else NO_REASON,
        "kind": category.label if item.error else "No reason given",
        "advice": category.advice,
        "retry_helps": category.retry_helps,
        "error": item.error,
        "stack": item.stack,
        "tries": None if item.tries is None else list(item.tries),
        "retrying": item.retrying,
        "refused": item.refused,
    }


def queue_rows(snap: Snapshot) -> list[QueueRow]:
    return [queue_row(p, snap.as_of) for p in snap.pending]


def failure_rows(snap: Snapshot) -> list[FailureRow]:
    return [failure_row(f) for f in snap.failed]


def _ms_or_none(when: datetime | None) -> int | None:
    return None if when is None else _ms(when)


def group_row(group: FailureGroup, known: CauseState | None = None) -> GroupRow:
    """`known`: what the history says of the cause, when it has been read."""
    return {
        "key": group.key,
        "label": group.label,
        "platform": group.platform.label,
        "example": group.example,
        "advice": group.advice,
        "retry_helps": group.retry_helps,
        "count": group.count,
        "sets": len(group.set_ids),
        "first": _ms_or_none(group.first_at),
        "last": _ms_or_none(group.last_at),
        "members": [f.key for f in group.failures],
        "state": None if known is None else known.state,
        "recovery": None
        if known is None or known.recovery is None
        else duration(known.recovery.total_seconds()),
    }


def attention_row(found: Attention, as_of: datetime) -> AttentionRow:
    longest = found.longest
    return {
        "causes": found.causes,
        "failures": found.failures,
        "stalled": found.stalled,
        "longest": None if longest is None else truncate(longest.name, NAME_LIMIT) or "Unnamed set",
        # Whole seconds, as the queue's rows: worked out again from every snapshot.
        "longest_since": None
        if longest is None
        else _step(as_of.timestamp() - longest.waiting_s, 1),
    }


def batch_row(view: BatchView, snap: Snapshot) -> BatchRow:
    found = outcomes(view.sent, snap)
    return {
        "id": view.id,
        "what": view.plan.what,
        "by": view.by,
        "state": view.state.value,
        "total": len(view.plan.items),
        "done": len(view.sent),
        "posted": view.posted,
        "failed_again": found.failed_again,
        "succeeded": found.succeeded,
        "skipped": len(view.plan.skipped),
        "why": view.why,
        "next_at": _ms_or_none(view.next_at),
        "held": view.held,
    }
