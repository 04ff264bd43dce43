"""Plain-language failure categories, from the platforms' own error texts (pure).

Each category says what to do; expired credentials say to reconnect the ad account rather
than inviting a retry that cannot succeed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

NO_REASON = "the service did not say why"  # a failure with no error text (the deployed service)


class CategoryKind(StrEnum):
    RATE_LIMIT = "rate_limit"
    CREDENTIALS = "credentials"
    VALIDATION = "validation"
    OUTAGE = "outage"
    TIMEOUT = "timeout"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Category:
    kind: CategoryKind
    label: str
    advice: str
    retry_helps: bool


RATE_LIMIT = Category(
    CategoryKind.RATE_LIMIT,
    "Rate limit",
    "The platform throttled the requests. Retry in a few minutes; a later retry usually succeeds.",
    True,
)
CREDENTIALS = Category(
    CategoryKind.CREDENTIALS,
    "Expired credentials",
    "The ad account's access has expired or was revoked. Reconnect the ad account in Dotoro, "
    "then retry: retrying before that cannot succeed.",
    False,
)
VALIDATION = Category(
    CategoryKind.VALIDATION,
    "Validation",
    "The platform rejected some settings or content (bid, budget, policy). Fix the campaign "
    "named in the error, then retry.",
    True,
)
OUTAGE = Category(
    CategoryKind.OUTAGE,
    "Platform outage",
    "The platform was unavailable or failing. Retry later; if it persists, check the "
    "platform's status page.",
    True,
)
TIMEOUT = Category(
    CategoryKind.TIMEOUT,
    "Timeout",
    "The sync took too long. Retry; if it keeps timing out, split the campaign set.",
    True,
)
UNKNOWN = Category(
    CategoryKind.UNKNOWN,
    "Unknown",
    "Read the error below. Retry once; if it fails again, contact support with the error text.",
    True,
)
NO_TEXT = Category(
    CategoryKind.UNKNOWN,
    "Unknown",
    "This backend does not report why syncs fail. Retry once; if it fails again, check the "
    "campaign set in Dotoro.",
    True,
)

# First match wins: throttling and credentials before the generic 4xx/5xx families.
_RULES: tuple[tuple[re.Pattern[str], Category], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), category)
    for pattern, category in (
        (
            r"\b429\b|rate.?limit|too many (requests|calls)|RESOURCE_EXHAUSTED|QuotaError|"
            r"\(#(4|17|32|613|80004)\)|request limit",
            RATE_LIMIT,
        ),
        (
            r"\b401\b|invalid_token|invalid_grant|UNAUTHENTICATED|OAuthException|access token|"
            r"token (has )?(expired|been expired)|revoked|session has expired|reconnect",
            CREDENTIALS,
        ),
        (r"DEADLINE_EXCEEDED|timed? ?out|timeout|execution exceeded", TIMEOUT),
        (
            r"\b5\d\d\b|service unavailable|\bUNAVAILABLE\b|temporarily unavailable|"
            r"INTERNAL|TRANSIENT|upstream|outage|is_transient",
            OUTAGE,
        ),
        (
            r"\b400\b|INVALID|below the minimum|too low|minimum|Invalid parameter|policy|"
            r"rejected|disapproved|not comply|validation",
            VALIDATION,
        ),
    )
)


def categorize(error: str | None) -> Category:
    """The category of a failure from its error text (None: the backend gave none, §3.4)."""
    if not error or not error.strip():
        return NO_TEXT
    for pattern, category in _RULES:
        if pattern.search(error):
            return category
    return UNKNOWN
