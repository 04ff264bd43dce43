"""A group retry's dry run (issue 23): which sets one POST each would retry, which are skipped and
why, and how long it takes at the pace kept for actions. Pure.

The plan is a snapshot of set ids taken when the operator looks: a batch works through exactly
these, never "while any failure is left" (Sidekiq's retry-all looped on jobs that kept failing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync_monitor.dotoro.budget import ACTION_ROOM, WINDOW
from sync_monitor.dotoro.models import Platform
from sync_monitor.live.snapshot import Snapshot

from .groups import FailureGroup

# One POST per this many seconds: the requests kept each minute for actions (budget.py), so a
# batch never makes a person's own click wait, and retries reach the platform spread out
# rather than all at once (retries fired together fail together).
PACE_S = WINDOW / ACTION_ROOM


@dataclass(frozen=True)
class Item:
    """A set to retry once."""

    set_id: str
    name: str
    platform: Platform
    label: str  # its cause's category


@dataclass(frozen=True)
class Skipped:
    set_id: str
    name: str
    why: str


@dataclass(frozen=True)
class Plan:
    what: str  # the groups picked, in words
    jobs: int  # failed jobs in the groups
    items: tuple[Item, ...]
    skipped: tuple[Skipped, ...]
    pace_s: float = PACE_S

    @property
    def seconds(self) -> float:
        """From the first POST (at once) to the last."""
        return max(0, len(self.items) - 1) * self.pace_s


def plan(snap: Snapshot, groups: Iterable[FailureGroup], pace_s: float = PACE_S) -> Plan:
    """The dry run of retrying `groups` (each set once, however many its failures), as of `snap`."""
    picked = list(groups)
    busy = {a.set_id: "syncing now" for a in snap.active}
    busy |= {p.set_id: "already queued again" for p in snap.pending}
    retrying = {f.set_id for f in snap.failed if f.retrying}
    items: list[Item] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for group in picked:
        for failure in group.failures:
            if failure.set_id in seen:
                continue  # one POST per set, however many of its failures are picked
            seen.add(failure.set_id)
            why = None
            if not group.retry_helps:
                why = f"{group.label.lower()}: reconnect the ad account in Dotoro, then retry"
            elif failure.set_id in busy:
                why = busy[failure.set_id]
            elif failure.set_id in retrying:
                why = "a retry is on its way"
            if why is None:
                items.append(Item(failure.set_id, failure.name, failure.platform, group.label))
            else:
                skipped.append(Skipped(failure.set_id, failure.name, why))
    what = (
        f"{picked[0].label} on {picked[0].platform.label}"
        if len(picked) == 1
        else f"{len(picked)} causes"
    )
    jobs = sum(g.count for g in picked)
    return Plan(what, jobs, tuple(items), tuple(skipped), pace_s)
