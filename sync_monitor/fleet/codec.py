"""The snapshot as the collector publishes it to the other replicas, and back. Pure.

JSON by pydantic (a TypeAdapter over the snapshot's frozen dataclasses). Durations that follow
the clock (running for, waiting for, the ETA, the wait's range) travel as the moments they stand
for, in milliseconds, so that a sync's entry changes only when something about it changed, not
because the snapshot was taken later: the changes stay small. A replica reads them back against
the snapshot's own moment (`as_of`), and gets the same durations to the millisecond.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from sync_monitor.live.snapshot import Snapshot
from sync_monitor.push import delta

Encoded = dict[str, Any]
_SNAPSHOT = TypeAdapter(Snapshot)
KEYED = ("active", "pending", "failed")  # their items carry a "key"
RUNS = ("finished",)  # newest last, oldest dropped
# Per list, the durations sent as moments: +1 counts forward from as_of (an ETA), -1 back (a
# start). The moment's name replaces the duration's.
MOMENTS = {
    "active": {"elapsed_s": ("started_ms", -1), "eta_s": ("eta_ms", 1)},
    "pending": {
        "waiting_s": ("waiting_ms", -1),
        "wait_low_s": ("low_ms", 1),
        "wait_high_s": ("high_ms", 1),
    },
}


def encode(snapshot: Snapshot) -> Encoded:
    data: Encoded = _SNAPSHOT.dump_python(snapshot, mode="json")
    base = _ms(snapshot.as_of)
    for name, moments in MOMENTS.items():
        data[name] = [_to_moments(item, moments, base) for item in data[name]]
    return data


def decode(data: Encoded) -> Snapshot:
    base = _ms(datetime.fromisoformat(data["frozen_at"] or data["taken_at"]))  # as_of
    plain = dict(data)
    for name, moments in MOMENTS.items():
        plain[name] = [_from_moments(item, moments, base) for item in data[name]]
    return _SNAPSHOT.validate_python(plain)


def change(old: Encoded, new: Encoded) -> Encoded:
    """What turns `old` into `new` (`apply(old, change(old, new)) == new`)."""
    return delta.diff(old, new, keyed=KEYED, runs=RUNS)


def apply(old: Encoded, changed: Encoded) -> Encoded:
    return delta.apply(old, changed)


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _to_moments(item: Encoded, moments: dict[str, tuple[str, int]], base: int) -> Encoded:
    out = dict(item)
    for field, (moment, sign) in moments.items():
        seconds = out.pop(field)
        out[moment] = None if seconds is None else base + sign * round(seconds * 1000)
    return out


def _from_moments(item: Encoded, moments: dict[str, tuple[str, int]], base: int) -> Encoded:
    out = dict(item)
    for field, (moment, sign) in moments.items():
        at = out.pop(moment)
        out[field] = None if at is None else sign * (at - base) / 1000
    return out
