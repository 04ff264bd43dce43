"""Error groups over time (issue 23): failures grouped by cause (category × signature ×
platform), each with its counts, its state and how long its sets took to recover (pure).

Definitions (docs/operating.md, "Error groups over time", says the same to the operator). The
window is [start, end); `end` is "now" for a rolling window. Finished means completed or failed
(a cancelled sync is a decision, not an outcome, as in the analysis figures).

- **resolved**: every set that failed with the cause in the window has, as of `end`, a latest
  finished attempt that completed (a set that now fails for another reason keeps it open);
- **regressed**: a set failed with the cause, then completed, then failed with it again, that
  last failure in the window (the earlier two may be up to LOOKBACK before it);
- **new**: first seen in the window: no failure with the cause in the LOOKBACK before it;
- **escalating**: in the day before `end` at least max(ESCALATION_MIN, ESCALATION_FACTOR × its
  daily mean over the 7 days before that day);
- **ongoing**: none of these.

One state per group, the first that holds in that order (`Group.state`); the facts behind it
(`new`, `regressed`, `escalating`, `resolved`) stay readable for a view that shows several.
A **recovery** is one set's episode with the cause: from the end of its first failure with it
after the set's previous success to the end of its next success; `time_to_recovery` is the
median over the group's episodes that had a failure in the window and have recovered.

Two ways in, one rule: `groups_of` takes plain attempts (the live page's, a test's); `states`
takes the same facts already aggregated (the history does that in SQL: group_queries.py): each
cause's counts (`Tally`) and each set's failures grouped by the success that came next
(`Stretch`), from which regressions, recoveries and what still fails follow.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby
from typing import NamedTuple, Protocol

from .attempt import Outcome

DAY = timedelta(days=1)
WEEK = timedelta(days=7)  # the escalation's baseline: the 7 days before the last day
LOOKBACK = timedelta(days=30)  # how far before the window "new", regressions and episodes look
ESCALATION_MIN = 5  # failures in a day below this never escalate: one or two are noise
ESCALATION_FACTOR = 3.0  # times the baseline's daily mean
FINISHED = (Outcome.COMPLETED.value, Outcome.FAILED.value)
# One reach back (`reach`) covers the escalation's baseline too, whatever the window.
assert LOOKBACK >= WEEK + DAY


class GroupState(StrEnum):
    """In the order in which they are decided: the first that holds is the state (URGENCY is
    the order in which they are listed)."""

    RESOLVED = "resolved"
    REGRESSED = "regressed"
    NEW = "new"
    ESCALATING = "escalating"
    ONGOING = "ongoing"


# Listed most urgent first: a fix that did not hold, a rise, something never seen, the rest.
URGENCY = (
    GroupState.REGRESSED,
    GroupState.ESCALATING,
    GroupState.NEW,
    GroupState.ONGOING,
    GroupState.RESOLVED,
)


class Cause(NamedTuple):
    category: str
    signature: str
    platform: str


@dataclass(frozen=True)
class Tally:
    """One cause's failures, counted (what the history's SQL returns per group)."""

    cause: Cause
    failures: int  # in the window
    sets: int  # sets with one of them
    first: datetime  # the first and last of them
    last: datetime
    today: int  # in the day before the window's end
    week: int  # in the 7 days before that day
    before: int  # in the LOOKBACK before the window


@dataclass(frozen=True)
class Stretch:
    """A set's failures with one cause between two of its successes: those after which the
    same success came first (`fixed_at`), or none has yet."""

    set_id: str
    cause: Cause
    first_at: datetime  # when the first and the last of them began
    last_at: datetime
    first_end: datetime  # when the earliest of them ended (began, where that is unknown)
    fixed_at: datetime | None  # when the set's next success began; None: none yet
    fixed_end: datetime | None  # when that success ended (began, where that is unknown)


class Sighting(Protocol):
    """An attempt as `groups_of` reads it (`Attempt` is one)."""

    @property
    def set_id(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def finished_at(self) -> datetime | None: ...


def escalating(today: int, week: int) -> bool:
    """Whether `today` failures are well above a level of `week` failures in 7 days."""
    return today >= max(ESCALATION_MIN, ESCALATION_FACTOR * week / (WEEK / DAY))


@dataclass(frozen=True)
class Group:
    tally: Tally
    regressed: bool
    failing_sets: int  # of its sets, those whose latest finished attempt failed
    recoveries: tuple[timedelta, ...]  # one per recovered episode

    @property
    def cause(self) -> Cause:
        return self.tally.cause

    @property
    def new(self) -> bool:
        return self.tally.before == 0

    @property
    def escalating(self) -> bool:
        return escalating(self.tally.today, self.tally.week)

    @property
    def resolved(self) -> bool:
        return self.failing_sets == 0

    @property
    def state(self) -> GroupState:
        facts = {
            GroupState.RESOLVED: self.resolved,
            GroupState.REGRESSED: self.regressed,
            GroupState.NEW: self.new,
            GroupState.ESCALATING: self.escalating,
        }
        return next((state for state, holds in facts.items() if holds), GroupState.ONGOING)

    @property
    def time_to_recovery(self) -> timedelta | None:
        """The median of the recoveries; None when no set has recovered yet."""
        if not self.recoveries:
            return None
        ordered = sorted(self.recoveries)
        middle = len(ordered) // 2
        # statistics.median is typed for numbers only; the same rule on timedeltas.
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def reach(start: datetime) -> datetime:
    """The earliest attempt the groups of a window starting at `start` depend on."""
    return start - LOOKBACK


@dataclass
class _Seen:
    """What the walk over the sets' stretches found for one cause."""

    regressed: bool = False
    failing: int = 0  # sets with a failure in the window whose latest finished attempt failed
    recoveries: list[timedelta] = field(default_factory=list)


def _walk(stretches: Sequence[Stretch], start: datetime, seen: defaultdict[Cause, _Seen]) -> None:
    """One set's stretches into `seen`."""
    failing = any(s.fixed_at is None for s in stretches)  # no success after its last failure
    for cause, of_cause in groupby(sorted(stretches, key=_order), key=lambda s: s.cause):
        found = None
        for n, stretch in enumerate(of_cause):
            if stretch.last_at < start:
                continue  # an episode before the window: only there to show a regression
            found = seen[cause]
            # A stretch of the cause after the first: a success came between.
            found.regressed |= n > 0
            if stretch.fixed_end is not None:
                found.recoveries.append(max(timedelta(0), stretch.fixed_end - stretch.first_end))
        if found is not None and failing:
            found.failing += 1


def _order(stretch: Stretch) -> tuple[Cause, bool, datetime]:
    """By cause, then as they happened: each stretch ends with its success, the unfixed last."""
    return stretch.cause, stretch.fixed_at is None, stretch.fixed_at or stretch.first_at


def states(tallies: Iterable[Tally], stretches: Iterable[Stretch], start: datetime) -> list[Group]:
    """The groups of `tallies`, their states from the `stretches` (those from `reach(start)` to
    the window's end of the sets that failed in the window, ordered by set), most urgent first,
    then most failures."""
    seen: defaultdict[Cause, _Seen] = defaultdict(_Seen)
    for _, of_set in groupby(stretches, key=lambda r: r.set_id):
        _walk(list(of_set), start, seen)
    groups = []
    for tally in tallies:
        found = seen.get(tally.cause, _Seen())
        groups.append(Group(tally, found.regressed, found.failing, tuple(found.recoveries)))
    return sorted(
        groups, key=lambda g: (URGENCY.index(g.state), -g.tally.failures, -g.tally.last.timestamp())
    )


def groups_of(attempts: Iterable[Sighting], start: datetime, end: datetime) -> list[Group]:
    """The error groups of the window [start, end) from plain attempts (those from `reach(start)`
    on are needed; others are ignored), as `History.error_groups` finds them in SQL."""
    rows = sorted(
        (a for a in attempts if a.state in FINISHED and reach(start) <= a.at < end),
        key=lambda a: (a.set_id, a.at),
    )
    return states(_tallies(rows, start, end), _stretches(rows), start)


def _cause(a: Sighting) -> Cause | None:
    return Cause(a.category, a.signature, str(a.platform)) if a.state == "failed" else None


def _tallies(rows: Sequence[Sighting], start: datetime, end: datetime) -> list[Tally]:
    by_cause: defaultdict[Cause, list[Sighting]] = defaultdict(list)
    for row in rows:
        cause = _cause(row)
        if cause is not None:
            by_cause[cause].append(row)
    tallies = []
    for cause, failures in by_cause.items():
        inside = [f for f in failures if f.at >= start]
        if not inside:
            continue
        tallies.append(
            Tally(
                cause=cause,
                failures=len(inside),
                sets=len({f.set_id for f in inside}),
                first=min(f.at for f in inside),
                last=max(f.at for f in inside),
                today=sum(f.at >= end - DAY for f in failures),
                week=sum(end - DAY - WEEK <= f.at < end - DAY for f in failures),
                before=sum(f.at < start for f in failures),
            )
        )
    return tallies


def _stretches(rows: Sequence[Sighting]) -> list[Stretch]:
    """Each set's failures grouped by cause and the success that came next (`rows` ordered by
    set and time), as the history's SQL groups them."""
    stretches = []
    for set_id, of_set in groupby(rows, key=lambda a: a.set_id):
        attempts = list(of_set)
        successes = [a for a in attempts if _cause(a) is None]
        begins = [a.at for a in successes]
        members: defaultdict[tuple[Cause, int], list[Sighting]] = defaultdict(list)
        for a in attempts:
            cause = _cause(a)
            if cause is not None:  # the first success that began after it
                members[cause, bisect_right(begins, a.at)].append(a)
        for (cause, n), failures in members.items():
            fixed = successes[n] if n < len(successes) else None
            stretches.append(
                Stretch(
                    set_id=set_id,
                    cause=cause,
                    first_at=failures[0].at,
                    last_at=failures[-1].at,
                    first_end=min(_ended(f) for f in failures),
                    fixed_at=None if fixed is None else fixed.at,
                    fixed_end=None if fixed is None else _ended(fixed),
                )
            )
    return stretches


def _ended(a: Sighting) -> datetime:
    return a.finished_at or a.at
