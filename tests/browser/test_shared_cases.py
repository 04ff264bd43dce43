"""The push component's half of the cases it shares with the server (tests/support/
shared_cases.json; the server's half is tests/unit/test_shared_cases.py): component/shared.js,
the very file the component is built from, run in Chromium in each case's time zone."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from sync_monitor.push.delta import diff

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "sync_monitor" / "ui" / "component" / "shared.js"
CASES: dict[str, Any] = json.loads((ROOT / "tests" / "support" / "shared_cases.json").read_text())

# Each case in the page, as the component meets it: `zone` set as the page hands it over.
RUN = """({durations, clocks, deltas, ranges = [], waits = [], agos = []}) => {
const NOON = Date.UTC(2026, 11, 5, 12);
return {
  durations: durations.map((c) => duration(c.seconds)),
  ranges: ranges.map((c) => shortRange(c.low, c.high)),
  waits: waits.map((c) => waitRange(c.low, c.high)),
  agos: agos.map((c) => relative(NOON - c.seconds * 1000, NOON)),
  clocks: clocks.map((c) => { zone = c.zone; return clock(Date.parse(c.at), c.date); }),
  deltas: deltas.map(([old, change]) => applyChange(old, change)),
};}"""


def run(browser: Browser, time_zone: str, cases: dict[str, list[Any]]) -> dict[str, list[Any]]:
    context = browser.new_context(timezone_id=time_zone, locale="en-US")
    try:
        page = context.new_page()
        page.set_content("<!doctype html><title>shared cases</title>")
        page.add_script_tag(content=SHARED.read_text())
        said: dict[str, list[Any]] = page.evaluate(RUN, cases)
        return said
    finally:
        context.close()


def test_the_component_says_and_applies_what_the_server_does(browser: Browser) -> None:
    """Any drift between the two sides fails it: these cases found one, 2.5 s read "2 s" on the
    server (Python rounds halves to even) and "3 s" in the browser."""
    wrong: list[str] = []
    deltas = [[c["old"], diff(c["old"], c["new"])] for c in CASES["delta"]]
    said = run(
        browser,
        "UTC",
        {
            "durations": CASES["duration"],
            "clocks": [],
            "deltas": deltas,
            "ranges": CASES["short_range"],
            "waits": CASES["wait_range"],
            "agos": CASES["relative"],
        },
    )
    for kind, name, words_of in (
        ("short_range", "shortRange", said["ranges"]),
        ("wait_range", "waitRange", said["waits"]),
        ("relative", "relative", said["agos"]),
    ):
        for case, words in zip(CASES[kind], words_of, strict=True):
            if words != case["said"]:
                wrong.append(f"{name}({case}): {words!r}")
    for case, words in zip(CASES["duration"], said["durations"], strict=True):
        if words != case["said"]:
            wrong.append(f"duration({case['seconds']}): {words!r}, not {case['said']!r}")
    for case, state in zip(CASES["delta"], said["deltas"], strict=True):
        if state != case["new"]:
            wrong.append(f"delta ({case['about']}): {state!r}")

    def zone_of(case: dict[str, Any]) -> str:
        return str(case["time_zone"])

    for time_zone, group in groupby(sorted(CASES["clock"], key=zone_of), key=zone_of):
        cases = list(group)
        shown = run(browser, time_zone, {"durations": [], "clocks": cases, "deltas": []})
        for case, words in zip(cases, shown["clocks"], strict=True):
            if words != case["said"]:
                wrong.append(f"clock({case['at']}, {time_zone}): {words!r}, not {case['said']!r}")
    assert wrong == []
