"""Plain-language categories from the platforms' real error texts."""

from __future__ import annotations

import pytest

from dotoro_local.platforms import CAMPAIGN_FAILURES, JOB_FAILURES
from sync_monitor.words.categories import CategoryKind, categorize

EXPECTED_KIND = {  # the simulator's failure modes → the page's categories
    "rate_limit": CategoryKind.RATE_LIMIT,
    "auth": CategoryKind.CREDENTIALS,
    "validation": CategoryKind.VALIDATION,
    "policy": CategoryKind.VALIDATION,
    "outage": CategoryKind.OUTAGE,
    "timeout": CategoryKind.TIMEOUT,
}


@pytest.mark.parametrize(
    "mode",
    [m for modes in (*JOB_FAILURES.values(), *CAMPAIGN_FAILURES.values()) for m in modes],
    ids=lambda m: m.message[:40],
)
def test_every_simulated_platform_error_gets_its_category(mode: object) -> None:
    assert categorize(mode.message).kind is EXPECTED_KIND[mode.kind]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("(#17) User request limit reached", CategoryKind.RATE_LIMIT),
        ("Error validating access token: Session has expired on Tuesday", CategoryKind.CREDENTIALS),
        ("invalid_grant: Token has been expired or revoked.", CategoryKind.CREDENTIALS),
        ("DEADLINE_EXCEEDED: Deadline Exceeded", CategoryKind.TIMEOUT),
        ("502 Bad Gateway", CategoryKind.OUTAGE),
        ("Something odd happened", CategoryKind.UNKNOWN),
    ],
)
def test_real_world_texts(text: str, kind: CategoryKind) -> None:
    assert categorize(text).kind is kind


def test_expired_credentials_do_not_invite_a_retry() -> None:
    category = categorize("Reddit Ads API error 401: invalid_token")
    assert not category.retry_helps
    assert "Reconnect the ad account" in category.advice


def test_no_error_text_says_the_backend_gives_none() -> None:
    category = categorize(None)
    assert category.kind is CategoryKind.UNKNOWN
    assert "does not report" in category.advice
