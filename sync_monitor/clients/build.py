"""The clients' board from what the history says of each set and what runs now (pure).

A client is a name: the settings' (SYNC_MONITOR_CLIENT_NAMES, by ad account or team), so that
an operator can put one brand's accounts on several platforms under one client. An ad account
without a name is a client of its own ("Unnamed client 2"); sets whose owner nobody said (the
service as deployed lists no job data) are the team's, named by the team's entry, else "All
campaign sets" (or "Other campaign sets" beside named clients). No UUID is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sync_monitor.dotoro.models import Platform
from sync_monitor.history.sets import SetFacts
from sync_monitor.live.snapshot import ActiveView, FailedView, PendingView, Snapshot

from .status import LATE_AFTER, MIN_SUCCESSES, Board, Client, SetState, SetStatus, cause, say

ORDER = (
    SetState.FAILING,
    SetState.LATE,
    SetState.SYNCING,
    SetState.WAITING,
    SetState.NEVER,
    SetState.UP_TO_DATE,
)


@dataclass(frozen=True)
class _Set:
    set_id: str
    name: str
    platform: Platform
    account: str | None  # its ad account, when known
    team: str | None  # its team, when known
    facts: SetFacts | None


def build(
    facts: Iterable[SetFacts],
    snap: Snapshot | None,
    names: Mapping[str, str],
    now: datetime,
    team_id: str | None = None,
) -> Board:
    """The board as of `now`: every set the history or the live state knows, by client."""
    known: dict[str, _Set] = {}
    for f in facts:
        platform = Platform.coerce(f.platform)
        known[f.set_id] = _Set(f.set_id, f.name, platform, f.ad_account_id, f.team_id, f)
    if snap is not None:
        seen = [(v.set_id, v.name, v.platform) for v in snap.active]
        seen += [(v.set_id, v.name, v.platform) for v in snap.pending]
        seen += [(v.set_id, v.name, v.platform) for v in snap.failed]
        for set_id, name, platform in seen:
            if set_id not in known:
                known[set_id] = _Set(set_id, name, platform, None, None, None)
            elif not known[set_id].name:
                known[set_id] = replace(known[set_id], name=name)
        for o in snap.owners:
            old = known.get(o.set_id)
            if old is not None and old.account is None and old.team is None:
                known[o.set_id] = replace(old, account=o.ad_account_id, team=o.team_id)
    groups: dict[str, list[SetStatus]] = {}
    live = _Now.of(snap)
    # Numbered in the accounts' order, so that a client keeps its number (and its link) from
    # one board to the next.
    accounts = sorted({s.account for s in known.values() if s.account and s.account not in names})
    unnamed = {a: f"Unnamed client {n}" for n, a in enumerate(accounts, 1)}
    named = any(s.account in names or s.team in names for s in known.values())
    for s in known.values():
        name = _client_name(s, names, unnamed, team_id, named)
        groups.setdefault(name, []).append(status_of(s, live, now))
    clients = []
    keys: set[str] = set()
    for name, sets in sorted(groups.items()):  # sorted: a key's suffix (acme-2) lasts
        sets.sort(key=lambda x: (ORDER.index(x.state), x.name.lower()))
        clients.append(Client(_key(name, keys), name, tuple(sets)))
    clients.sort(key=lambda c: (-c.trouble, c.name.lower()))
    return Board(now, tuple(clients))


def _client_name(
    s: _Set,
    names: Mapping[str, str],
    unnamed: dict[str, str],
    team_id: str | None,
    named: bool,
) -> str:
    """Its ad account's name, else an unnamed account's number, else its team's name (the
    set's own team, else the monitor's), else the sets nobody named."""
    if s.account is not None:
        return names.get(s.account) or unnamed[s.account]
    team = s.team or team_id
    if team is not None and team in names:
        return names[team]
    return "Other campaign sets" if named or unnamed else "All campaign sets"


def _key(name: str, taken: set[str]) -> str:
    """The client's key in its link: its name in lower case, words (in any script) joined by
    dashes: "Acme Outdoor" → acme-outdoor, "Café Noir" → café-noir."""
    base = re.sub(r"[\W_]+", "-", name.lower()).strip("-") or "client"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    taken.add(key)
    return key


@dataclass(frozen=True)
class _Now:
    """What runs now, by set (the first listed of each): looked up once per set."""

    active: Mapping[str, ActiveView]
    pending: Mapping[str, PendingView]
    failed: Mapping[str, FailedView]

    @classmethod
    def of(cls, snap: Snapshot | None) -> _Now:
        if snap is None:
            return cls({}, {}, {})
        return cls(
            {v.set_id: v for v in reversed(snap.active)},
            {v.set_id: v for v in reversed(snap.pending)},
            {v.set_id: v for v in reversed(snap.failed)},
        )


def status_of(s: _Set, live: _Now, now: datetime) -> SetStatus:
    """One set's state: the live state first (syncing, waiting, failing now), then its history."""
    f = s.facts
    last = f.last_success if f else None
    usual = _usual(f)
    base = SetStatus(s.set_id, s.name, s.platform, SetState.UP_TO_DATE, "", last, usual)
    found = _live(base, s, live) or _from_history(base, f, now)
    return replace(found, words=say(found, now))


def _usual(f: SetFacts | None) -> float | None:
    if f is None or f.successes < MIN_SUCCESSES or not f.first_success:
        return None
    if f.last_success_began is None:
        return None
    span = (f.last_success_began - f.first_success).total_seconds()
    return span / (f.successes - 1) if span > 0 else None


def _live(base: SetStatus, s: _Set, live: _Now) -> SetStatus | None:
    running = live.active.get(s.set_id)
    if running is not None:
        return replace(base, state=SetState.SYNCING, progress=running.progress.fraction)
    waiting = live.pending.get(s.set_id)
    if waiting is not None:
        return replace(base, state=SetState.WAITING, position=waiting.position)
    failed = live.failed.get(s.set_id)
    if failed is not None:
        latest = base.last_success
        if latest is None or failed.failed_at is None or failed.failed_at > latest:
            since = s.facts.failing_since if s.facts else None
            return replace(
                base,
                state=SetState.FAILING,
                failing_since=since or failed.failed_at,
                cause=cause(failed.error, s.platform),
            )
    return None


def _from_history(base: SetStatus, f: SetFacts | None, now: datetime) -> SetStatus:
    if f is not None and f.last_state == "failed":
        return replace(
            base,
            state=SetState.FAILING,
            failing_since=f.failing_since,
            cause=cause(f.last_error, base.platform),
        )
    if base.last_success is None:
        return replace(base, state=SetState.NEVER)
    usual = base.usual_s
    if usual is not None and (now - base.last_success).total_seconds() > LATE_AFTER * usual:
        return replace(base, state=SetState.LATE)
    return base
