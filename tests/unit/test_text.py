"""Plain-text helpers of the UI: escaping backend text, durations, ranges, times."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from sync_monitor.dotoro.models import Features
from sync_monitor.live.snapshot import Backend, BackendKind, Snapshot
from sync_monitor.text import (
    INLINE_LIMIT,
    NAME_LIMIT,
    clock,
    duration,
    escape_markdown,
    is_cut,
    plain,
    quoted,
    relative,
    safe_url,
    short_duration,
    short_range,
    spreadsheet_safe,
    truncate,
    wait_range,
    zone_name,
)
from sync_monitor.ui.markup import focus_order, focus_script, heading, keyed, progress_bar
from sync_monitor.words.status import notes

CODE_SPAN = re.compile(r"(`+)( ?)(.*?)\2\1(?!`)")
HOSTILE = [
    "see https://evil.example/a and www.evil.example",
    "mail boss@evil.example now",
    "Request to https://example.com/x failed: HTTP 500",
    "[x](http://e.x) ![i](http://e.x/i.png) <b>bold</b> **b** :red[r] $x^2$",
    ":fire: :material_delete: :streamlit: :material/delete: x:material/fire:y",
    "a -> b <-> c -- d >= e",
    "`https://tick.example` and ``http://two.example``",
    "  spaced\n# heading\n- item  ",
]


def shown(escaped: str) -> str:
    """What a viewer sees (and copies) of escaped Markdown: code spans verbatim, escapes
    resolved."""
    parts = CODE_SPAN.split(escaped)
    out = []
    for i in range(0, len(parts), 4):
        out.append(re.sub(r"\\(.)", r"\1", parts[i]))
        if i + 3 < len(parts):
            out.append(parts[i + 3])
    return "".join(out)


def outside_code(escaped: str) -> str:
    return CODE_SPAN.sub(" ", escaped)


@pytest.mark.parametrize("special", list("\\`*_{}[]()#+-.!|<>~$:=^&\"'/"))
def test_every_markdown_special_is_escaped(special: str) -> None:
    assert escape_markdown(f"a{special}b") == f"a\\{special}b"


def test_links_images_and_html_lose_their_syntax() -> None:
    text = "[x](http://e.x) ![i](http://e.x/i.png) <b>bold</b> **b** :red[r] $x^2$"
    escaped = outside_code(escape_markdown(text))
    assert "](" not in escaped.replace("\\]\\(", "")
    assert "<b>" not in escaped
    assert "\\*\\*b\\*\\*" in escaped


@pytest.mark.parametrize("text", HOSTILE)
def test_a_viewer_sees_and_copies_exactly_the_text(text: str) -> None:
    escaped = escape_markdown(text)
    assert shown(escaped) == " ".join(text.split())
    assert not re.search("[\u200b-\u200d\u2060\ufeff]", escaped)  # nothing invisible


@pytest.mark.parametrize(
    "text",
    [
        "see https://evil.example/a",
        "www.evil.example",
        "mail boss@evil.example",
        "ftp://x.example",
        "HTTP://LOUD.EXAMPLE",
    ],
)
def test_what_streamlit_would_autolink_is_inline_code(text: str) -> None:
    # GFM links bare URLs in text nodes after escapes are resolved; code spans are not text.
    escaped = escape_markdown(text)
    assert not re.search(r"(?i)://|www\\?\.|@", outside_code(escaped)), escaped
    assert CODE_SPAN.search(escaped)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        (":fire:", "`:fire:`"),  # remark-emoji
        ("x:material_delete:", "`x:material_delete:`"),  # Streamlit's icons
        (":material/delete:", "\\:material\\/delete\\:"),  # rewritten in the raw source
        ("http://a/:material/b:", "`http://a/`\\:material\\/`b:`"),  # a URL holding one
        ("->", "`->`"),  # Streamlit's arrows
        ("x->y", "x\\-\\>y"),  # only a lone arrow is rewritten
        ("HTTP 500", "HTTP 500"),  # no joiner: nothing to defuse
    ],
)
def test_words_streamlit_would_rewrite(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_backticks_in_a_code_span_get_a_longer_fence() -> None:
    assert escape_markdown("`https://x.example`") == "`` `https://x.example` ``"
    assert escape_markdown("a``b@c.de") == "```a``b@c.de```"


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
    from sync_monitor.words.status import backend_line, say

    def line(backend: Backend) -> str:
        return say(backend_line(backend), UTC)

    since = datetime(2026, 11, 29, 14, 2, tzinfo=UTC)
    assert line(Backend(BackendKind.LIVE)) == "Live"
    assert line(Backend(BackendKind.UNREACHABLE, since=since, attempt=1)) == (
        "Reconnecting (attempt 1)"
    )
    assert line(Backend(BackendKind.UNREACHABLE, since=since, attempt=4)).startswith(
        "Unreachable since 14:02:00"
    )
    assert line(Backend(BackendKind.RATE_LIMITED, until=since)).startswith(
        "Rate-limited until 14:02:00"
    )


def test_displayed_backend_address_never_carries_credentials() -> None:
    assert safe_url("https://ops:s3cret@dotoro.example:8443/api?token=abc") == (
        "https://dotoro.example:8443/api"
    )
    assert safe_url("http://127.0.0.1:3001") == "http://127.0.0.1:3001"


NOON_UTC = datetime(2026, 11, 29, 3, 2, 5, tzinfo=UTC)  # 14:02:05 in Sydney (summer time)


@pytest.mark.parametrize(
    ("tz", "text"),
    [
        (UTC, "03:02:05 UTC, 29 Nov"),
        (ZoneInfo("Australia/Sydney"), "14:02:05 AEDT, 29 Nov"),
        (ZoneInfo("Asia/Kolkata"), "08:32:05 IST, 29 Nov"),
        (ZoneInfo("America/Sao_Paulo"), "00:02:05 UTC-03, 29 Nov"),  # the tz database says -03
        (timezone(timedelta(hours=5, minutes=45)), "08:47:05 UTC+05:45, 29 Nov"),
    ],
)
def test_clock_shows_the_time_in_the_viewers_zone_and_names_it(tz: timezone, text: str) -> None:
    assert clock(NOON_UTC, tz) == text


def test_clock_defaults_to_utc_and_can_leave_out_the_date() -> None:
    assert clock(NOON_UTC) == "03:02:05 UTC, 29 Nov"
    assert clock(NOON_UTC, ZoneInfo("Australia/Sydney"), date=False) == "14:02:05 AEDT"
    assert clock(None) == "unknown"
    winter = datetime(2026, 6, 1, 3, tzinfo=UTC).astimezone(ZoneInfo("Australia/Sydney"))
    assert zone_name(winter) == "AEST"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (44.6, "45 s"), (150, "3 min"), (3599, "1 h 00 min"), (7500, "2 h 05 min")],
)
def test_short_duration(seconds: float | None, text: str) -> None:
    assert short_duration(seconds) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (None, None, "unknown"),
        (0, 0, "now"),
        (30, None, "~30 s"),
        (45, 45, "~45 s"),
        (10, 40, "10–40 s"),
        (60, 180, "1–3 min"),
        (30, 90, "30 s – 2 min"),
        (1800, 4000, "30 min – 1 h 07 min"),
    ],
)
def test_short_range_fits_a_narrow_cell(low: float | None, high: float | None, text: str) -> None:
    assert short_range(low, high) == text


def test_quoted_names_are_escaped_and_short() -> None:
    assert quoted("Acme – Q4") == "“Acme – Q4”"
    assert quoted("**x**") == "“\\*\\*x\\*\\*”"
    assert quoted("x" * 100).endswith("…”")
    assert quoted("  ") == "(unnamed)"


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(markup)
    return parsed


def test_progress_bar_carries_its_name_and_value() -> None:
    label = "Acme Outdoor – Black Friday: 69 %"
    parsed = parse(progress_bar(label, 0.6871, "69% · 11 of 16"))
    [bar] = [attrs for tag, attrs in parsed.tags if attrs.get("role") == "progressbar"]
    assert bar["aria-label"] == "Acme Outdoor – Black Friday: 69 %"
    assert bar["aria-valuenow"] == "69"
    assert (bar["aria-valuemin"], bar["aria-valuemax"]) == ("0", "100")
    assert "".join(parsed.text) == "69% · 11 of 16"


def test_progress_bar_without_live_progress_is_indeterminate() -> None:
    label = "Unnamed set: progress not available"
    parsed = parse(progress_bar(label, None, "Syncing – live progress not available"))
    [bar] = [attrs for tag, attrs in parsed.tags if attrs.get("role") == "progressbar"]
    assert bar["aria-label"] == label
    assert "aria-valuenow" not in bar


def test_progress_bar_escapes_hostile_names() -> None:
    hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    parsed = parse(progress_bar(f"{hostile}: 50 %", 0.5, hostile))
    assert [tag for tag, _ in parsed.tags] == ["div", "p", "div", "div"]  # nothing injected
    [bar] = [attrs for tag, attrs in parsed.tags if attrs.get("role") == "progressbar"]
    assert bar["aria-label"] == f"{hostile}: 50 %"
    assert "".join(parsed.text) == hostile


def test_focus_targets_are_selectors_safe_in_a_script() -> None:
    assert keyed("failed-3f2a") == ".st-key-failed-3f2a"
    assert keyed('x"</script><b>') == ".st-key-x---script--b-"
    assert heading("Failed in the last 24 hours") == "#failed-in-the-last-24-hours"
    # Itself while it is there, then the next, else the previous, else the section's heading.
    assert focus_order(["a", "b", "c"], 1, "Queue") == (
        ".st-key-b",
        ".st-key-c",
        ".st-key-a",
        "#queue",
    )
    assert focus_order(["a", "b"], 1, "Queue") == (".st-key-b", ".st-key-a", "#queue")
    assert focus_order(["a"], 0, "Queue") == (".st-key-a", "#queue")
    script = focus_script(list(focus_order(["a", "b"], 0, "Queue")), 7)
    assert script.count("<script>") == 1
    assert script.count("</script>") == 1
    assert '[".st-key-a", ".st-key-b", "#queue"]' in script
    assert "const token = 7;" in script


def test_plain_drops_what_reorders_hides_or_glues_text() -> None:
    # An override would turn the page's own words after the name around ("tiddeR · KO").
    assert plain("\u202eKO sync\u202c · Reddit") == "KO sync · Reddit"
    assert plain("\u2066a\u2069 \u2067b\u2069 \u2068c\u2069 \u202ad\u202b\u202d") == "a b c d"
    # Zero-width and joining characters: a name made of them is no name at all.
    assert plain("zero\u200bwidth\u2060joined\ufeff") == "zerowidthjoined"
    assert plain("\u200b\u2060\ufeff") == ""
    assert quoted("\u200b\u2060") == "(unnamed)"
    # Control characters go; whitespace runs (newlines too) become one space.
    assert plain("bell\x07 and\x00 nul\x9b\n\tnext   line") == "bell and nul next line"
    # What scripts and emoji need stays: ZWJ, ZWNJ, right-to-left letters.
    assert plain("👩\u200d💻 می\u200cخواهم שלום") == "👩\u200d💻 می\u200cخواهم שלום"


def test_long_backend_text_is_cut_with_an_ellipsis_everywhere_it_is_inline() -> None:
    long = "word " * 10_000
    shown = escape_markdown(long)
    assert len(shown) <= INLINE_LIMIT
    assert shown.endswith("…")
    assert len(escape_markdown(long, NAME_LIMIT)) <= NAME_LIMIT
    assert escape_markdown("short and sweet") == "short and sweet"
    assert is_cut("x" * (NAME_LIMIT + 1), NAME_LIMIT)
    assert not is_cut("x" * NAME_LIMIT + "\u200b", NAME_LIMIT)  # what is shown counts


def test_csv_cells_that_a_spreadsheet_would_run_are_kept_as_text() -> None:
    assert spreadsheet_safe('=HYPERLINK("https://evil.example","x")') == (
        '\'=HYPERLINK("https://evil.example","x")'
    )
    assert [spreadsheet_safe(c) for c in ("+1", "-1", "@SUM(A1)", "\tx")] == [
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
    ]
    assert spreadsheet_safe("Reddit 503") == "Reddit 503"
    assert spreadsheet_safe("") == ""


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        (BackendKind.UNREACHABLE, "the Dotoro API is down"),
        (BackendKind.RATE_LIMITED, "the Dotoro API is rate-limiting this monitor"),
        (BackendKind.DENIED, "the Dotoro API refuses this monitor's credentials"),
    ],
)
def test_streams_held_back_by_the_backend_are_not_blamed_on_the_budget(
    kind: BackendKind, cause: str
) -> None:
    """During an outage every stream waits; the note names the outage, not the request budget."""
    now = datetime(2026, 11, 29, 14, 2, tzinfo=UTC)
    held = Snapshot(
        taken_at=now,
        version=1,
        backend=Backend(kind, attempt=2),
        features=Features(),
        polled_at=now,
        loaded=True,
        streams_wanted=40,
        streams_live=0,
        streams_waiting=40,
    )
    said = notes(held)
    assert f"Live updates for 40 syncs are paused: {cause}." in said
    assert "budget" not in said
    live = replace(held, backend=Backend(BackendKind.LIVE), streams_live=30, streams_waiting=10)
    assert "Live updates for 30 of 40 syncs; the rest follow as the request budget allows." in (
        notes(live)
    )


def test_polls_gone_quiet_say_so_in_the_header_not_live() -> None:
    """The backend is not down, but no poll has finished since 14:01:20: the header does not
    say Live, and the banner says where to look."""
    from sync_monitor.words.status import banner, is_live, say, status_line

    polled = datetime(2026, 11, 29, 14, 1, 20, tzinfo=UTC)
    quiet = Snapshot(
        taken_at=polled + timedelta(seconds=40),
        version=1,
        backend=Backend(BackendKind.LIVE),
        features=Features(),
        polled_at=polled,
        loaded=True,
        frozen_at=polled,
    )
    assert say(status_line(quiet), UTC) == "Not updating since 14:01:20 UTC"
    assert not is_live(quiet)
    said = banner(quiet)
    assert said is not None
    assert say(said.words, UTC).startswith("No status poll has finished since 14:01:20 UTC: the")
    fresh = replace(quiet, frozen_at=None)
    assert (say(status_line(fresh), UTC), is_live(fresh), banner(fresh)) == ("Live", True, None)
