"""A history that gives every state of the error groups (issue 23), for the integration tests
and the analysis page's AppTests alike: attempts relative to `now`, and each cause's state in
the 7-day window ending then."""

from __future__ import annotations

from datetime import datetime, timedelta

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, Outcome
from sync_monitor.history.groups import ESCALATION_MIN, GroupState

RATE_LIMIT = "Reddit Ads API error 429: retry after 6 s"
OUTAGE = "Meta API error 503: Service Unavailable"
INVALID = "Google Ads API error 400: invalid bid 1.50"
TIMEOUT = "Request timed out after 30 s"
OVERLOAD = "Meta API error 500: overloaded"

# Each cause's signature and its state in the 7 days before `now`.
STATES = {
    "reddit ads api error 429: retry after <n> s": GroupState.NEW,
    "meta api error 503: service unavailable": GroupState.ONGOING,
    "google ads api error 400: invalid bid <n>": GroupState.REGRESSED,
    "request timed out after <n> s": GroupState.RESOLVED,
    "meta api error 500: overloaded": GroupState.ESCALATING,
}
RECOVERY = timedelta(hours=2)  # the resolved cause's one recovery


def attempt(
    now: datetime, set_id: str, platform: Platform, hours_ago: float, error: str | None
) -> Attempt:
    """A two-minute sync that began `hours_ago` before `now`: failed with `error`, or
    completed."""
    began = now - timedelta(hours=hours_ago)
    return Attempt(
        key=f"job:{set_id}-{hours_ago}",
        set_id=set_id,
        set_name=f"Name of {set_id}",
        platform=platform,
        state=Outcome.COMPLETED if error is None else Outcome.FAILED,
        at=began,
        queued_at=began,
        started_at=began,
        finished_at=began + timedelta(minutes=2),
        error=error,
    )


def each_state(now: datetime) -> list[Attempt]:
    """Attempts whose causes are, in the 7 days before `now`, each in one state (`STATES`)."""

    def at(set_id: str, platform: Platform, hours_ago: float, error: str | None) -> Attempt:
        return attempt(now, set_id, platform, hours_ago, error)

    r, m, g = Platform.REDDIT, Platform.META, Platform.GOOGLE
    return [
        # new: first seen 30 h ago, its set still failing
        at("new", r, 30, RATE_LIMIT),
        at("new", r, 20, RATE_LIMIT),
        # ongoing: seen 10 days ago too
        at("ongoing", m, 24 * 10, OUTAGE),
        at("ongoing", m, 5, OUTAGE),
        # regressed: failed, completed, failed again (that one in the window)
        at("regressed", g, 24 * 12, INVALID),
        at("regressed", g, 24 * 11, None),
        at("regressed", g, 10, INVALID),
        # resolved: from the first failure's end to the success's end, RECOVERY
        at("resolved", r, 40, TIMEOUT),
        at("resolved", r, 39, TIMEOUT),
        at("resolved", r, 38, None),
        at("resolved", r, 37, None),
        # escalating: one a day in the 7 days before the last day (the oldest before the
        # window: not new), then ESCALATION_MIN + 1 in the last day
        *(at(f"old-{d}", m, 24 * d + 12, OVERLOAD) for d in range(1, 8)),
        *(at(f"hot-{i}", m, 1 + i, OVERLOAD) for i in range(ESCALATION_MIN + 1)),
        # noise: a set that never failed; a cancelled sync (not a success)
        at("noise", r, 3, None),
        Attempt(
            key="job:cancelled",
            set_id="new",
            set_name="Name of new",
            platform=r,
            state=Outcome.CANCELLED,
            at=now - timedelta(hours=25),
        ),
    ]
