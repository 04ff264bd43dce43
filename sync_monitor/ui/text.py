"""Plain-text helpers: escaping backend text for Markdown labels, durations, times, ranges.

Backend text (set names, error messages) is untrusted: wherever Streamlit would read it as
Markdown (labels, toasts, progress text), it goes through `escape_markdown` first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from ..models import Platform

# Every character CommonMark, GFM and Streamlit's extensions (LaTeX $, :emoji:, colours) give
# meaning to, plus < and > so no HTML can form.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'])")


# GFM turns bare URLs, www. names and e-mail addresses into links, and backslashes cannot stop
# it: an invisible word joiner (U+2060) inside the trigger does.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)|(@)")
_JOINER = "\u2060"


def _break_autolink(match: re.Match[str]) -> str:
    word, at = match.group(1), match.group(2)
    return f"{word}{_JOINER}" if word else f"{_JOINER}{at}"


def escape_markdown(text: str | None) -> str:
    """`text` rendered literally where Streamlit reads Markdown (one line, specials escaped,
    no automatic links)."""
    if not text:
        return ""
    one_line = " ".join(text.split())  # newlines would start new blocks (headings, lists)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(_break_autolink, one_line))


def truncate(text: str | None, limit: int = 140) -> str:
    """First `limit` characters on one line, with an ellipsis when cut."""
    if not text:
        return ""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def duration(seconds: float | None) -> str:
    """'45 s', '3 min 20 s', '2 h 05 min'; '–' when unknown."""
    if seconds is None:
        return "–"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    minutes, sec = divmod(s, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s" if minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def wait_range(low: float | None, high: float | None) -> str:
    """An estimated start as a range: 'now', 'in ~1–3 min', or 'unknown'."""
    if low is None:
        return "unknown"
    if low <= 0 and (high is None or high <= 0):
        return "now"
    if high is None or round(high) <= round(low):
        return f"in ~{duration(low)}"
    return f"in ~{duration(low)} – {duration(high)}"


def relative(when: datetime | None, now: datetime) -> str:
    """'just now', '3 min ago', '2 h ago', '3 d ago'."""
    if when is None:
        return "time unknown"
    seconds = (now - when).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{round(seconds / 60)} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} d ago"


def clock(when: datetime | None) -> str:
    """Exact time, local to the server, e.g. '14:02:05 UTC, 29 Nov'."""
    if when is None:
        return "unknown"
    return when.strftime("%H:%M:%S %Z, %d %b").replace("  ", " ")


def rate(per_minute: float | None) -> str:
    if per_minute is None:
        return "–"
    return f"{per_minute:.0f}/min" if per_minute >= 10 else f"{per_minute:.1f}/min"


BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "primary"]
PLATFORM_BADGE: dict[Platform, BadgeColor] = {
    Platform.REDDIT: "orange",
    Platform.GOOGLE: "blue",
    Platform.META: "blue",
    Platform.OTHER: "gray",
}


def badge(platform: Platform) -> str:
    """The platform as a coloured badge in Markdown; the name is always in the text."""
    return f":{PLATFORM_BADGE[platform]}-badge[{platform.label}]"


def safe_url(url: str) -> str:
    """The backend's address for display: scheme, host, port and path, never a user:password
    or a query string (credentials must not reach the browser)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
