"""What a new collector inherits of its predecessor's request budget. Pure.

The service allows 100 requests a minute per client address, and the replicas share one: the
new collector counts the requests its predecessor last said it had sent (with each published
change), and, for the time after that until the predecessor's lease ran out (when it may have
gone on calling the service without being able to say so, cut off from the database), as many
as its budget would have let it send.
"""

from __future__ import annotations

import math

from sync_monitor.dotoro.budget import WINDOW


def inherited(spent_ms: list[int], heard_ms: int, expired_ms: int, per_minute: int) -> list[int]:
    """The moments (epoch ms) to count as sent: `spent_ms` as last heard at `heard_ms`, and
    the most the predecessor could have sent from then until its lease expired at `expired_ms`
    (spread evenly, at its full rate: so many at most, never fewer)."""
    unheard = max(0, expired_ms - heard_ms)
    count = min(per_minute, math.ceil(per_minute * unheard / (WINDOW * 1000)))
    step = unheard / count if count else 0
    assumed = [heard_ms + round(step * (n + 1)) for n in range(count)]
    return sorted([*spent_ms, *assumed])
