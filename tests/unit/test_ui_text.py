"""Plain-text helpers of the UI: escaping backend text, durations, ranges, times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from sync_monitor.ui.text import (
    duration,
    escape_markdown,
    relative,
    safe_url,
    truncate,
    wait_range,
)

JOINER = "\u2060"


@pytest.mark.parametrize("special", list("\\`*_{}[]()#+-.!|<>~$:=^&\"'"))
def test_every_markdown_special_is_escaped(special: str) -> None:
    assert escape_markdown(f"a{special}b") == f"a\\{special}b"


def test_links_images_and_html_lose_their_syntax() -> None:
    text = "[x](http://e.x) ![i](http://e.x/i.png) <b>bold</b> **b** :red[r] $x^2$"
    escaped = escape_markdown(text)
    assert "](" not in escaped.replace("\\]\\(", "")
    assert "<b>" not in escaped
    assert "\\*\\*b\\*\\*" in escaped


@pytest.mark.parametrize(
    "text",
    ["see https://evil.example/a", "www.evil.example", "mail boss@evil.example", "ftp://x.example"],
)
def test_bare_urls_and_addresses_cannot_autolink(text: str) -> None:
    escaped = escape_markdown(text)
    # GFM autolinks need these triggers intact; a word joiner breaks them invisibly.
    assert not re.search(r"(?i)(https?|ftp|www)\\?[:.]|[^\u2060]@", escaped)
    assert escaped.replace(JOINER, "").replace("\\", "") == text


def test_newlines_cannot_start_new_blocks() -> None:
    assert escape_markdown("line\n# heading\n- item") == "line \\# heading \\- item"


def test_empty_and_none_are_empty() -> None:
    assert escape_markdown(None) == ""
    assert escape_markdown("") == ""


def test_truncate_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert truncate("short") == "short"
    cut = truncate("x" * 300, 50)
    assert len(cut) == 50
    assert cut.endswith("…")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0, "0 s"),
        (44.6, "45 s"),
        (200, "3 min 20 s"),
        (900, "15 min"),
        (7500, "2 h 05 min"),
    ],
)
def test_duration(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (None, None, "unknown"),
        (0, 0, "now"),
        (0, None, "now"),
        (60, 180, "in ~1 min 00 s – 3 min 00 s"),
        (30, 30, "in ~30 s"),
        (30, None, "in ~30 s"),
    ],
)
def test_wait_range(low: float | None, high: float | None, text: str) -> None:
    assert wait_range(low, high) == text


def test_relative_times() -> None:
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    assert relative(None, now) == "time unknown"
    assert relative(now - timedelta(seconds=10), now) == "just now"
    assert relative(now - timedelta(minutes=3), now) == "3 min ago"
    assert relative(now - timedelta(hours=5), now) == "5 h ago"
    assert relative(now - timedelta(days=2), now) == "2 d ago"


def test_backend_line_says_reconnecting_first_then_unreachable_since() -> None:
    from sync_monitor.snapshot import Backend, BackendKind
    from sync_monitor.ui.header import backend_line

    since = datetime(2026, 11, 29, 14, 2, tzinfo=UTC)
    assert backend_line(Backend(BackendKind.LIVE)) == "Live"
    assert backend_line(Backend(BackendKind.UNREACHABLE, since=since, attempt=1)) == (
        "Reconnecting (attempt 1)"
    )
    assert backend_line(Backend(BackendKind.UNREACHABLE, since=since, attempt=4)).startswith(
        "Unreachable since 14:02:00"
    )
    assert backend_line(Backend(BackendKind.RATE_LIMITED, until=since)).startswith(
        "Rate-limited until 14:02:00"
    )


def test_displayed_backend_address_never_carries_credentials() -> None:
    assert safe_url("https://ops:s3cret@dotoro.example:8443/api?token=abc") == (
        "https://dotoro.example:8443/api"
    )
    assert safe_url("http://127.0.0.1:3001") == "http://127.0.0.1:3001"
