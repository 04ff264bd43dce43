"""The live page's protocol: what the server hands its browser components and what they report
back. One source for both languages: the components (ui/component/live.js, keeper.js) read
every name below from the data they are given (`NAMES`), never from copies of their own. Pure.

    server → live component   ComponentData (its `state`: push/payload.py), over Streamlit
    server → live component   the push route's messages (push/route.py, push/delta.py)
    live component → server   Report.PUSH (Works), Report.CANCEL (CancelAsked), Report.RETRY
                              (RetryAsked), Report.GROUP (GroupAsked), Report.BATCH
                              (BatchAsked), Report.TOKEN
    live component → keeper   Event.BEAT on the window, for each pushed message
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypedDict


class Mode(StrEnum):
    """How a viewer's live page is live."""

    PUSH = "push"  # the component draws all that is live; nothing reruns unless touched
    FALLBACK = "fallback"  # Streamlit draws everything, on timers


class Works(StrEnum):
    """What the live component reports of the push route from this browser."""

    ON = "on"
    OFF = "off"


class Report(StrEnum):
    """The components' state and trigger names (Streamlit's `on_<name>_change`)."""

    PUSH = "push"  # the live component's state: Works
    CANCEL = "cancel"  # its trigger: a confirmed cancel, CancelAsked
    RETRY = "retry"  # its trigger: a failure's Retry, RetryAsked
    GROUP = "group"  # its trigger: "Retry this group…", GroupAsked (the page shows the dry run)
    BATCH = "batch"  # its trigger: pause, resume or cancel of a group retry, BatchAsked
    TOKEN = "token"  # noqa: S105 (a name)  its trigger: a new push token, please


class Key(StrEnum):
    """Streamlit keys of the live page's parts."""

    COMPONENT = "live-component"
    LIVE = "live"  # the fragment of the component (the fallback: of the header and cards)
    SECTIONS = "sections"  # the fragment of the recent actions (the fallback: all below the cards)


class Event(StrEnum):
    """Events on the window between the components."""

    BEAT = "sync-monitor-beat"  # a pushed message arrived (the keeper checks in on it)


class Names(TypedDict):
    beat: str
    push: str
    cancel: str
    retry: str
    group: str
    batch: str
    token: str
    on: str
    off: str
    modePush: str


NAMES: Names = {
    "beat": Event.BEAT.value,
    "push": Report.PUSH.value,
    "cancel": Report.CANCEL.value,
    "retry": Report.RETRY.value,
    "group": Report.GROUP.value,
    "batch": Report.BATCH.value,
    "token": Report.TOKEN.value,
    "on": Works.ON.value,
    "off": Works.OFF.value,
    "modePush": Mode.PUSH.value,
}


# A sentence for the browser (words/status.py as_json): text pieces, and times as
# {"at": epoch ms or None, "date": bool}, which the browser words in the viewer's zone.
Sentence = list[str | dict[str, object]]


class Banner(TypedDict):
    level: str  # words/status.py Level
    words: Sentence


class Card(TypedDict):
    """One active sync's card: words/cards.py CardWords under its own names (a test holds them
    equal), with `started`, `eta_at` and `until` in place of `elapsed_s` and `eta_s`."""

    key: str
    job_id: str | None
    name: str
    full_name: str | None
    platform: str
    fraction: float | None  # None: no live progress from the backend
    progress: str
    bar_label: str  # the bar's accessible name
    elapsed_prefix: str
    started: int | None  # epoch ms, whole seconds; the browser counts the elapsed time
    until: int | None  # epoch ms: stale figures, whose elapsed time stops here; None: live
    rate: str | None  # "rate 4.0/min", where progress is known (then an ETA is said too)
    eta_at: int | None  # epoch ms, whole seconds: the estimated end, which the browser counts to
    tries: str | None
    failed: str | None
    stream: str | None
    stalled: str | None
    cancel: str  # words/cards.py CancelState
    cancel_note: str


class QueueRow(TypedDict):
    """One waiting sync (live/snapshot.py PendingView), worded; its times as epoch ms, which the
    browser turns into "waiting 3 min" and "starts in ~1 min" as the clock runs."""

    key: str
    position: int
    name: str  # never empty; at most NAME_LIMIT characters
    platform: str
    since: int  # queued at (or first seen, when `at_least`)
    at_least: bool  # no queue time from the backend: counted from first sight
    low: int | None  # estimated start, typical; None: no estimate
    high: int | None  # estimated start, slow
    free: bool  # a worker is free: it starts now (else never "now", however late)
    optimistic: bool  # queued again by this monitor's retry, not yet confirmed
    just_queued: bool
    tries: list[int] | None  # [this try, tries allowed], from pg-boss's table
    held: int | None  # pg-boss holds it back until then


class FailureRow(TypedDict):
    """One failure of the last 24 h (live/snapshot.py FailedView), worded as the page words it."""

    key: str
    set_id: str
    name: str  # never empty; at most NAME_LIMIT characters
    full_name: str | None  # the whole name as sent, where `name` had to cut it
    platform: str
    at: int | None  # failed at; None: the service did not say
    preview: str  # the error's first line, short, or that the service did not say why
    kind: str  # the category's label, or "No reason given"
    advice: str
    retry_helps: bool  # else Retry is offered "anyway", after a reconnect
    error: str | None  # the whole error as the service sent it
    stack: str | None
    tries: list[int] | None  # [tries made, tries allowed], from pg-boss's table
    retrying: bool  # a retry was sent; the service has not answered yet
    refused: str | None  # why the service refused a retry a moment ago


class GroupRow(TypedDict):
    """The failures of one cause (triage/groups.py FailureGroup), worded."""

    key: str
    label: str  # the category
    platform: str
    example: str  # the newest failure's error, short (or that the service did not say why)
    advice: str
    retry_helps: bool
    count: int  # failures
    sets: int  # campaign sets among them
    first: int | None  # epoch ms: the oldest failure (None: the service gave no times)
    last: int | None  # ... the newest
    members: list[str]  # the keys of its rows in `failures`, newest first
    state: str | None  # new, ongoing, regressed, escalating, resolved (the history's; None: unread)
    recovery: str | None  # how long its sets took to recover (median), where some did


class AttentionRow(TypedDict):
    """The triage line: what is failing, what is stuck, what waits longest."""

    causes: int
    failures: int
    stalled: int
    longest: str | None  # the name of the set waiting longest
    longest_since: int | None  # epoch ms: queued at (the browser counts the wait)


class BatchRow(TypedDict):
    """The group retry under way, or the last one (triage/batch.py BatchView)."""

    id: str
    what: str
    by: str
    state: str  # BatchState
    total: int  # sets in its plan
    done: int  # sets whose turn has come (retried, or found not failed any more)
    posted: int
    failed_again: int
    succeeded: int
    skipped: int  # left out by its dry run
    why: str | None  # why it stopped by itself
    next_at: int | None  # epoch ms of its next POST, while running
    held: str | None  # what holds it back (the service cannot be reached), while it does


class Summary(TypedDict):
    """What the summary charts draw (live/aggregates.py rows), for the component to draw."""

    states: list[list[str | int]]  # [state, platform label, syncs], now
    rates: list[list[str | int]]  # [platform label, finished, failed], last 24 h
    hours: list[int]  # the start of each of the last 12 hours, epoch ms (empty: none finished)
    throughput: list[list[str | int]]  # [index into hours, platform label, syncs finished]


class Other(TypedDict):
    """An active sync beyond the cards: one row of a table."""

    key: str
    name: str
    platform: str
    progress: str
    started: int | None  # epoch ms; the browser counts the running time
    elapsed_prefix: str


class Payload(TypedDict):
    """The state the live component draws (push/payload.py), the same for every viewer."""

    loaded: bool
    skeleton: bool
    live: bool
    line: Sentence
    updated: Sentence | None
    source: Sentence
    banner: Banner | None
    stale: Sentence | None
    counts: list[list[str | int]]  # [label, count]
    notes: str
    cards: list[Card]
    more: int  # active syncs beyond the cards
    others: list[Other]  # ... and their rows
    ended: dict[str, str]  # job id -> how it ended, for the screen-reader announcement
    until: int | None  # epoch ms: stale figures, whose times stop here; None: live
    queue: list[QueueRow]
    workers: int  # the estimates' assumption
    failures: list[FailureRow]
    groups: list[GroupRow]  # the failures by cause
    attention: AttentionRow
    batch: BatchRow | None
    held_back: str | None  # why actions cannot reach the service now (stale figures), if so
    summary: Summary


class Zone(TypedDict):
    """The viewer's zone as the server names it ("AEDT"), and its offset in minutes."""

    name: str
    offset: int


class ComponentData(TypedDict):
    """What the live component is mounted with, on each run of its fragment."""

    enabled: bool
    mode: str  # Mode
    paused: bool
    path: str  # the push route
    token: str
    tokenExpires: int  # epoch ms
    state: Payload | None  # the publisher's, for a first paint
    seq: int
    epoch: str
    zone: Zone
    colors: dict[str, str]  # the charts' platform colours, by label
    canAct: bool
    names: Names


class CancelAsked(TypedDict):
    job: str
    name: str


class RetryAsked(TypedDict):
    set: str
    name: str


class GroupAsked(TypedDict):
    keys: list[str]  # GroupRow keys


class BatchAsked(TypedDict):
    id: str
    do: str  # "pause", "resume" or "cancel"
