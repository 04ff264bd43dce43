"""Plain-language categories from the platforms' real error texts."""

from __future__ import annotations

import pytest

from sync_monitor.categories import categorize
from sync_monitor.local_api.workload import CAMPAIGN_FAILURES, JOB_FAILURES

EXPECTED_KIND = {
    "rate_limit": "rate_limit",
    "auth": "credentials",
    "validation": "validation",
    "policy": "validation",
    "outage": "outage",
    "timeout": "timeout",
}


@pytest.mark.parametrize(
    "mode",
    [m for modes in (*JOB_FAILURES.values(), *CAMPAIGN_FAILURES.values()) for m in modes],
    ids=lambda m: m.message[:40],
)
def test_every_simulated_platform_error_gets_its_category(mode: object) -> None:
    assert categorize(mode.message).kind == EXPECTED_KIND[mode.kind]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("(#17) User request limit reached", "rate_limit"),
        ("Error validating access token: Session has expired on Tuesday", "credentials"),
        ("invalid_grant: Token has been expired or revoked.", "credentials"),
        ("DEADLINE_EXCEEDED: Deadline Exceeded", "timeout"),
        ("502 Bad Gateway", "outage"),
        ("Something odd happened", "unknown"),
    ],
)
def test_real_world_texts(text: str, kind: str) -> None:
    assert categorize(text).kind == kind


def test_expired_credentials_do_not_invite_a_retry() -> None:
    category = categorize("Reddit Ads API error 401: invalid_token")
    assert not category.retry_helps
    assert "Reconnect the ad account" in category.advice


def test_no_error_text_says_the_backend_gives_none() -> None:
    category = categorize(None)
    assert category.kind == "unknown"
    assert "does not report" in category.advice
