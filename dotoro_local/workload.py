"""The workload simulator's draws: campaign sets, timings, failures, arrivals and past jobs.

Everything random here draws from the `random.Random` it is given, so a seed fixes the workload.
The platforms' timings and real failure texts are in `platforms`.
"""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

from .platforms import CAMPAIGN_FAILURES, CAMPAIGN_SECONDS, JOB_FAILURES, PLATFORMS, FailureMode

__all__ = [
    "ad_account",
    "arrival_gap",
    "brand",
    "campaign_count",
    "campaign_failure",
    "campaign_seconds",
    "catalogue",
    "history",
    "job_failure",
    "new_id",
]

_BRANDS = (
    "Acme Outdoor",
    "Nimbus Coffee",
    "Lumen Skincare",
    "Peak Fitness",
    "Orbit Mobile",
    "Harbor Bank",
    "Fable Books",
    "Volt Energy",
    "Kite Travel",
    "Maple Home",
)
_THEMES = (
    "Black Friday Retargeting",
    "Q4 Holiday Promo",
    "Cyber Monday Prospecting",
    "Brand Awareness",
    "App Installs",
    "Lookalike Audiences",
    "Spring Launch",
    "Always-on Search",
    "Video Views",
    "Lead Gen",
)
_MARKETS = ("US", "UK", "DE", "FR", "CA", "AU", "EU", "Global")


def new_id(rng: random.Random) -> str:
    """A version-4 uuid drawn from `rng`, so that ids repeat for a seed."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def campaign_count(rng: random.Random) -> int:
    """A few to a few hundred, most sets small: log-uniform between 3 and 320."""
    return round(math.exp(rng.uniform(math.log(3), math.log(320))))


def catalogue(rng: random.Random, team_id: str, size: int = 36) -> list[dict[str, Any]]:
    """Campaign sets of one team: name, platform, campaign count and failure profile."""
    sets: list[dict[str, Any]] = []
    names: set[str] = set()
    while len(sets) < size:
        name = f"{rng.choice(_BRANDS)} – {rng.choice(_THEMES)} {rng.choice(_MARKETS)}"
        if name in names:
            continue
        names.add(name)
        platform = rng.choice(PLATFORMS)
        behaviour: dict[str, Any] = {"campaigns": campaign_count(rng)}
        roll = rng.random()
        if roll < 0.06:
            behaviour["expired_credentials"] = True  # always fails until reconnected
        new_id(rng)  # drawn as before (the set's own account), so a seed gives the same workload
        sets.append(
            {
                "id": new_id(rng),
                "team_id": team_id,
                "name": name,
                "platform": platform,
                # One set in twenty has no ad account: the service answers 400 to a sync. A
                # brand has one ad account per platform, its sets share it (a client's).
                "ad_account_id": None if roll > 0.95 else ad_account(team_id, name, platform),
                "behaviour": behaviour,
            }
        )
    return sets


def brand(set_name: str) -> str:
    """The brand a simulated set is for: its name up to the dash ("Acme Outdoor")."""
    return set_name.split(" – ", 1)[0]


def ad_account(team_id: str, set_name: str, platform: str) -> str:
    """The brand's ad account on `platform`: one id per team, brand and platform."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"dotoro-local:{team_id}:{brand(set_name)}:{platform}")
    )


def campaign_seconds(rng: random.Random, platform: str, speed: float) -> float:
    low, high = CAMPAIGN_SECONDS.get(platform, (0.2, 0.8))
    return rng.uniform(low, high) / speed


def job_failure(
    rng: random.Random, platform: str, behaviour: dict[str, Any], attempt: int, rate: float
) -> FailureMode | None:
    """Whether this attempt throws, and with what; retries of transient faults mostly succeed."""
    modes = JOB_FAILURES.get(platform, JOB_FAILURES["reddit"])
    if behaviour.get("expired_credentials"):
        return next(m for m in modes if m.kind == "auth")
    base = 0.07 if attempt == 0 else 0.25  # a transient fault often lasts past the retry
    if rng.random() < base * rate:
        return rng.choice([m for m in modes if m.transient])
    return None


def campaign_failure(rng: random.Random, platform: str, rate: float) -> FailureMode | None:
    if rng.random() < 0.02 * rate:
        return rng.choice(CAMPAIGN_FAILURES.get(platform, CAMPAIGN_FAILURES["reddit"]))
    return None


def arrival_gap(rng: random.Random, now: float, speed: float) -> float:
    """Seconds to the next queued sync: bursts at the top of each minute, calmer in between."""
    busy = (now % 60) < 20
    mean = 3.0 if busy else 9.0
    return rng.expovariate(1.0 / mean) / speed


def history(
    rng: random.Random, sets: list[dict[str, Any]], now: float, days: int = 30
) -> list[dict[str, Any]]:
    """Finished jobs of the last `days` days, weekday mornings busiest, as plain dicts."""
    jobs: list[dict[str, Any]] = []
    start = now - days * 86400
    day = start
    while day < now - 3600:
        weekday = int(day // 86400 + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        per_day = rng.randint(15, 30) if weekday >= 5 else rng.randint(50, 110)
        for _ in range(per_day):
            hour = min(23.9, max(0.0, rng.gauss(10.5, 3.5)))
            created = day + hour * 3600 + rng.uniform(0, 60)
            if created >= now - 3600:
                continue
            cs = rng.choice(sets)
            platform = cs["platform"]
            total = cs["behaviour"]["campaigns"]
            started = created + rng.expovariate(1 / 40)
            failure = job_failure(rng, platform, cs["behaviour"], 0, 1.0)
            failed_campaigns = sum(
                1 for _ in range(total) if campaign_failure(rng, platform, 1.0) is not None
            )
            duration = sum(campaign_seconds(rng, platform, 1.0) for _ in range(total))
            job: dict[str, Any] = {
                "id": new_id(rng),
                "set_id": cs["id"],
                "team_id": cs["team_id"],
                "platform": platform,
                "created_on": created,
                "started_on": started,
                "total": total,
                "retry_count": 0,
            }
            if failure is not None:
                done = rng.randint(0, total)
                job.update(
                    state="failed",
                    completed_on=started + duration * done / total,
                    synced=done,
                    failed=0,
                    error=failure.message,
                    retry_count=2,
                )
            else:
                job.update(
                    state="completed",
                    completed_on=started + duration,
                    synced=total - failed_campaigns,
                    failed=failed_campaigns,
                    error=None,
                )
            jobs.append(job)
        day += 86400
    return jobs
