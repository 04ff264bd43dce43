"""Plain-text helpers: escaping backend text for Markdown labels, durations, times, ranges.

Backend text (set names, error messages) is untrusted: wherever Streamlit would read it as
Markdown (labels, toasts, progress text), it goes through `escape_markdown` first.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

# Every character CommonMark, GFM and Streamlit's extensions (LaTeX $, :emoji:, colours) give
# meaning to, plus < and > so no HTML can form, and / so ":material/x:" never reaches Streamlit's
# icon rewrite (it runs on the raw source).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'/])")

# Streamlit's Markdown rewrites some text *after* parsing, where backslash escapes no longer count:
# GFM autolinks bare URLs, www. names and e-mail addresses (remark-gfm), short codes become emoji,
# icons or a logo (:fire:, :material_x:, :streamlit:), and a lone -> becomes an arrow. None of
# these touch a code span, so a word that could trigger one is shown as inline code: no link, no
# picture, and copying it gives exactly the backend's text (no invisible characters).
_REWRITTEN = re.compile(
    r"(?i)://|www\.|[-.\w+]@[-\w]+\.[-\w]|:[\w+-]+:|^(?:<->|->|<-|--|>=|<=|~=)$"
)
_ICON_PREFIX = ":material/"  # Streamlit turns it into :material_ in the raw source, code or not


def _code_span(word: str) -> str:
    """`word` as inline code: a fence longer than any backtick run inside it."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", word)), default=0) + 1)
    pad = " " if word.startswith("`") or word.endswith("`") else ""  # CommonMark strips one
    return f"{fence}{pad}{word}{pad}{fence}"


def _literal_word(word: str) -> str:
    if not _REWRITTEN.search(word):
        return _MARKDOWN_SPECIAL.sub(r"\\\1", word)
    # ":material/" must stay outside the code span, escaped, or it would be rewritten inside it.
    return "\\:material\\/".join(_code_span(p) if p else "" for p in word.split(_ICON_PREFIX))


INLINE_LIMIT = 160  # backend text inside a sentence or label; the full text is a "show all" away
NAME_LIMIT = 120  # a set's name where it heads a card, a row or an expander

# Explicit bidi embeddings, overrides and isolates (the "Trojan Source" characters): a name
# starting with U+202E, shown beside the page's own words, reversed those too ("tiddeR · KO").
# Right-to-left names still read right to left: that comes from their letters, not from these.
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Characters with no width: a name made of them looks empty, two names that differ only by them
# look the same, and U+2060/U+FEFF join a long word so that nothing may break it. (ZWJ and ZWNJ
# stay: scripts and emoji need them.)
_INVISIBLE = "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"
# Control characters other than whitespace (which split() handles): shown as boxes, or not at all.
_CONTROLS = "".join(map(chr, [*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0xA0)]))
_DROP = str.maketrans("", "", _BIDI_CONTROLS + _INVISIBLE + _CONTROLS)


def plain(text: str | None) -> str:
    """Backend text as it may be shown among the page's own words: one line, whitespace runs as
    one space, without the characters that reorder, hide or glue the text around them."""
    if not text:
        return ""
    return " ".join(text.translate(_DROP).split())


def escape_markdown(text: str | None, limit: int = INLINE_LIMIT) -> str:
    """`text` rendered literally where Streamlit reads Markdown: one line of at most `limit`
    characters (an ellipsis when cut), specials escaped, words that Streamlit would turn into
    links or pictures as inline code. What a viewer copies from the page is `text` itself, as
    `plain` shows it."""
    # One line: newlines would start new blocks (headings, lists).
    return " ".join(_literal_word(word) for word in truncate(text, limit).split())


def quoted(name: str | None, limit: int = 40) -> str:
    """A set's name in quotes for a button label, escaped and kept short: '“Acme – Q4”'."""
    return f"“{escape_markdown(name, limit)}”" if plain(name) else "(unnamed)"


def truncate(text: str | None, limit: int = 140) -> str:
    """`plain(text)`, first `limit` characters, with an ellipsis when cut."""
    one_line = plain(text)
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def is_cut(text: str | None, limit: int) -> bool:
    """Whether `truncate(text, limit)` leaves something out (then the page offers "show all")."""
    return len(plain(text)) > limit


def storable(value: str, limit: int | None = None) -> str:
    """Text as both history databases take it: PostgreSQL refuses a NUL character (and would
    then refuse the whole batch, every time), and its short columns have a length."""
    clean = value.replace("\x00", "\ufffd")
    return clean if limit is None else clean[:limit]


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one starting with =, +, -, @ or a tab would
    be run as a formula when the file is opened ("=HYPERLINK(…)" in an error message), so it
    gets a leading apostrophe, as OWASP advises. Other text is unchanged."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _half_up(x: float) -> int:
    """`x` to the nearest whole number, halves up, as JavaScript's Math.round (the push component
    words the same times: component/shared.js), not Python's halves to even."""
    return math.floor(x + 0.5)


def duration(seconds: float | None) -> str:
    """'45 s', '3 min 20 s', '2 h 05 min'; '–' when unknown. Half a second rounds up, as in
    the push component (component/shared.js; tests/support/shared_cases.json)."""
    if seconds is None:
        return "–"
    s = max(0, _half_up(seconds))
    if s < 60:
        return f"{s} s"
    minutes, sec = divmod(s, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s" if minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def short_duration(seconds: float | None) -> str:
    """A duration for a narrow table cell: '45 s', '3 min', '2 h 05 min'; '–' when unknown."""
    if seconds is None:
        return "–"
    s = max(0, _half_up(seconds))
    if s < 60:
        return f"{s} s"
    minutes = (s + 30) // 60  # to the nearest minute, halves up
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def short_range(low: float | None, high: float | None) -> str:
    """An estimated start for a narrow table cell: 'now', '~45 s', '1–3 min', 'unknown'."""
    if low is None:
        return "unknown"
    if low <= 0 and (high is None or high <= 0):
        return "now"
    first = short_duration(low)
    last = short_duration(high) if high is not None else first
    if last == first:
        return f"~{first}"
    first_number, _, first_unit = first.partition(" ")
    last_number, _, last_unit = last.partition(" ")
    if first_unit == last_unit and first_unit in ("s", "min"):
        return f"{first_number}–{last_number} {last_unit}"
    return f"{first} – {last}"


def wait_range(low: float | None, high: float | None) -> str:
    """An estimated start as a range: 'now', 'in ~1–3 min', or 'unknown'."""
    if low is None:
        return "unknown"
    if low <= 0 and (high is None or high <= 0):
        return "now"
    if high is None or _half_up(high) <= _half_up(low):
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
        return f"{_half_up(seconds / 60)} min ago"
    if seconds < 86400:
        return f"{_half_up(seconds / 3600)} h ago"
    return f"{_half_up(seconds / 86400)} d ago"


def zone_name(when: datetime) -> str:
    """The zone of an aware `when`, named: 'AEDT', 'UTC', or 'UTC+05:30' where the zone has no
    abbreviation of its own (the tz database writes '-03' for those)."""
    abbreviation = when.tzname() or ""
    if abbreviation and abbreviation[0] not in "+-0123456789":
        return abbreviation
    offset = when.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(abs(offset), timedelta(hours=1))
    minutes = rest // timedelta(minutes=1)
    return f"UTC{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")


def clock(when: datetime | None, tz: tzinfo = UTC, *, date: bool = True) -> str:
    """Exact time in the viewer's zone `tz`, with the zone named: '14:02:05 AEDT, 29 Nov'
    ('14:02:05 AEDT' without the date)."""
    if when is None:
        return "unknown"
    local = when.astimezone(tz)
    shown = f"{local:%H:%M:%S} {zone_name(local)}"
    return f"{shown}, {local.day} {local:%b}" if date else shown


def rate(per_minute: float | None) -> str:
    if per_minute is None:
        return "–"
    return f"{per_minute:.0f}/min" if per_minute >= 10 else f"{per_minute:.1f}/min"


_CREDENTIALS = re.compile(r"[^\s'\"/@]+:[^\s'\"@]*@")


def without_credentials(message: str) -> str:
    """A driver's error message with any "user:password@" taken out (a database URL's, quoted
    back by the driver), so that it may be shown and logged."""
    return _CREDENTIALS.sub("", message)


def safe_url(url: str) -> str:
    """The backend's address for display: scheme, host, port and path, never a user:password
    or a query string (credentials must not reach the browser)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
