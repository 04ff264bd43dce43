"""What each ad platform is like: how long a campaign takes to push, and the failure texts its
API returns (the real ones, so the monitor's failure categories meet what they will meet).
"""

from __future__ import annotations

from dataclasses import dataclass

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
