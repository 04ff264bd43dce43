"""The workload simulator's vocabulary: campaign sets, timings and the platforms' own failures.

Everything random here draws from the `random.Random` it is given, so a seed fixes the workload.
The error texts are the ones these platforms' APIs actually return, so the monitor's failure
categories and the demo look like a real Monday morning.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from typing import Any

PLATFORMS = ("reddit", "google", "meta")

# Seconds one campaign takes to push, per platform (low, high), at speed 1.
CAMPAIGN_SECONDS: dict[str, tuple[float, float]] = {
    "reddit": (0.25, 0.9),
    "google": (0.15, 0.6),
    "meta": (0.3, 1.1),
}


@dataclass(frozen=True)
class FailureMode:
    kind: str  # rate_limit | auth | validation | policy | outage | timeout
    message: str
    transient: bool  # a retry may succeed


# Whole-job failures: the handler throws, pg-boss retries (dotoro-api.md §4).
JOB_FAILURES: dict[str, tuple[FailureMode, ...]] = {
    "reddit": (
        FailureMode(
            "rate_limit",
            "Reddit Ads API error 429: Too Many Requests. "
            "Rate limit exceeded, retry after 60 seconds.",
            True,
        ),
        FailureMode(
            "auth",
            "Reddit Ads API error 401: invalid_token. The OAuth access token "
            "has expired and the refresh token was revoked.",
            False,
        ),
        FailureMode(
            "outage",
            "Reddit Ads API error 503: Service Unavailable. "
            "upstream connect error or disconnect/reset before headers.",
            True,
        ),
        FailureMode("timeout", "handler execution exceeded 900s", True),
    ),
    "google": (
        FailureMode(
            "rate_limit",
            "Google Ads API RESOURCE_EXHAUSTED: Too many requests. "
            "Retry in 30 seconds. (QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED)",
            True,
        ),
        FailureMode(
            "auth",
            "Google Ads API UNAUTHENTICATED: invalid_grant: Token has been expired or revoked.",
            False,
        ),
        FailureMode(
            "outage",
            "Google Ads API UNAVAILABLE: The service is currently "
            "unavailable. (InternalError.TRANSIENT_ERROR)",
            True,
        ),
        FailureMode("timeout", "Google Ads API DEADLINE_EXCEEDED: Deadline Exceeded", True),
    ),
    "meta": (
        FailureMode(
            "rate_limit",
            "(#80004) There have been too many calls to this ad-account. "
            "Wait a bit and try again. (code 17, subcode 2446079)",
            True,
        ),
        FailureMode(
            "auth",
            "Error validating access token: Session has expired. "
            "(OAuthException, code 190, subcode 463)",
            False,
        ),
        FailureMode(
            "outage", "(#2) Service temporarily unavailable (code 2, is_transient: true)", True
        ),
        FailureMode("timeout", "handler execution exceeded 900s", True),
    ),
}

# Per-campaign rejections: the job goes on, the campaign counts as failed.
CAMPAIGN_FAILURES: dict[str, tuple[FailureMode, ...]] = {
    "reddit": (
        FailureMode(
            "validation",
            "INVALID_BID: bid_value 0.10 is below the minimum of 0.20 USD for CPC bidding.",
            False,
        ),
        FailureMode(
            "policy",
            "Ad rejected: violates Reddit Advertising Policy (prohibited financial products).",
            False,
        ),
    ),
    "google": (
        FailureMode(
            "validation",
            "CampaignBudgetError.MONEY_AMOUNT_LESS_THAN_CURRENCY_MINIMUM_CPC"
            ": The budget is below the minimum for the currency.",
            False,
        ),
        FailureMode(
            "policy",
            "PolicyFindingError.POLICY_FINDING: The resource has been "
            "disapproved since the policy summary includes policy topics of type "
            "PROHIBITED.",
            False,
        ),
    ),
    "meta": (
        FailureMode(
            "validation",
            "Invalid parameter: Your budget is too low. The minimum "
            "budget for this ad set is $1.00. (code 100, subcode 1885272)",
            False,
        ),
        FailureMode(
            "policy",
            "Ad Rejected: Your ad doesn't comply with our Advertising Standards (code 368).",
            False,
        ),
    ),
}

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
        sets.append(
            {
                "id": new_id(rng),
                "team_id": team_id,
                "name": name,
                "platform": platform,
                # One set in twenty has no ad account: the service answers 400 to a sync.
                "ad_account_id": None if roll > 0.95 else new_id(rng),
                "behaviour": behaviour,
            }
        )
    return sets


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
