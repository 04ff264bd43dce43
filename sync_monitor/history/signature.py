"""Error signatures: an error message with what varies between occurrences taken out (pure).

"Reddit Ads API error 429: retry after 6 s (request 9f2c…)" and "… retry after 30 s (request
b81e…)" are one cause; grouping failures by signature counts causes, not messages.
"""

from __future__ import annotations

import re

SIGNATURE_LIMIT = 200  # characters kept: a signature names a cause, it does not quote it

# Order matters: quoted values and ids first (they may hold digits); numbers come last.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\"[^\"]*\"|“[^”]*”|'[^'\s][^']*'"), "<value>"),  # quoted values
    (re.compile(r"https?://\S+"), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"), "<email>"),
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<id>",
    ),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I), "<id>"),  # hex ids
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
)


_NUMBER = re.compile(r"[+-]?\b\d+(?:[.,]\d+)*")
_STATUS_BEFORE = re.compile(r"\b(?:error|status|http|code)[\s:]*$", re.I)


def _number(match: re.Match[str]) -> str:
    """A number becomes <n>, but not an HTTP status after "error", "status", "HTTP" or "code":
    a 429 and a 503 are different causes."""
    number = match.group()
    before = match.string[max(0, match.start() - 12) : match.start()]
    if number.isdigit() and 100 <= int(number) <= 599 and _STATUS_BEFORE.search(before):
        return number
    return "<n>"


def signature(error: str | None) -> str:
    """The normalized form of `error`: quoted values, URLs, e-mails, ids, times and numbers
    replaced by placeholders, whitespace collapsed, lower case. "" when there is no text."""
    if not error or not error.strip():
        return ""
    text = " ".join(error.split())
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    text = _NUMBER.sub(_number, text)
    # Runs of placeholders ("<n> <n>", "<n>.<n>") are one varying part.
    text = re.sub(r"<(\w+)>(?:[\s.,:/-]*<\1>)+", r"<\1>", text)
    return text.lower()[:SIGNATURE_LIMIT]
