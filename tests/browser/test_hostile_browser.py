"""Hostile backend text in a real browser (issue 10): a set name and an error made of Markdown,
HTML, scripts, URLs, 200 KB of text, a right-to-left override and zero-width characters show as
literal text, create no link, image or element, and do not break the layout of a phone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from sync_monitor.text import NAME_LIMIT, plain, truncate
from tests.support.browser import Live
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
SLOW = {"campaigns": 400, "seconds_per_campaign": 0.1}
PARTS = (
    "**bold**",
    "[click me](https://evil.example/a)",
    "![img](https://evil.example/x.png)",
    "<b>html</b>",
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "https://bare.evil.example/path",
    "javascript:window.__pwned=1",
    "[js](javascript:window.__pwned=2)",
)
RLO = "\u202eKO sync"  # would read "cnys OK", and turn the page's own words around it
INVISIBLE = "zero\u200bwidth\u2060joined\ufeff"
# A word longer than a phone is wide, first, so that it is in every cut of the name.
NAME = " ".join(("Y" * 90, *PARTS, RLO, INVISIBLE, "w" * 200_000))
ERROR = " ".join((*PARTS, RLO, INVISIBLE, *(["z" * 99] * 2_000)))
# Links or pictures the page made of backend text (the page's own heading anchors are "#…").
MADE = (
    "a[href*='evil'], a[href^='javascript'], img[src*='evil'], img[src='x'], b, "
    "[data-testid='stApp'] script"
)


def _text(locator: Locator) -> str:
    """Exactly the text in the element (inner_text would collapse and reorder nothing, but it
    drops what CSS hides)."""
    text: str = locator.evaluate("el => el.textContent")
    return text


def _past_the_edge(page: Page) -> list[str]:
    """The visible elements, in the document and in the component's shadow root, whose box
    reaches past the viewport's right edge or which cut off their content's right side: a word
    too long for a phone shows up here either way."""
    found: list[str] = page.evaluate(
        """() => {
            const out = [];
            const walk = (root) => {
                for (const el of root.querySelectorAll("*")) {
                    if (el.shadowRoot) walk(el.shadowRoot);
                    const box = el.getBoundingClientRect();
                    if (box.width === 0 || box.height === 0) continue;
                    const name = `${el.tagName}.${el.className}`;
                    if (box.right > window.innerWidth + 0.5) {
                        out.push(`${name} reaches ${Math.round(box.right)} px`);
                    }
                    // Wider inside than out, and not scrollable: the rest of its text is cut
                    // off. (Not counted: icon glyphs, and what is hidden on purpose until it
                    // has focus, like "Skip to main content".)
                    const style = getComputedStyle(el);
                    const x = style.overflowX;
                    const hidden = style.clip !== "auto" || style.clipPath !== "none"
                        || style.opacity === "0" || !el.textContent.trim();
                    if ((x === "hidden" || x === "clip") && !hidden
                        && el.scrollWidth > el.clientWidth + 1) {
                        const cut = el.scrollWidth - el.clientWidth;
                        out.push(`${name} cuts ${cut} px: ${el.textContent.slice(0, 60)}`);
                    }
                }
            };
            walk(document);
            return out;
        }"""
    )
    return found


def _show_all(within: Locator) -> None:
    within.get_by_role("button", name=re.compile(r"^Show all \(")).click()


def test_hostile_name_and_error_are_literal_text_and_fit_a_phone(live: Start) -> None:
    m = live()
    m.api.create_set(name=NAME, platform="meta", failed_error=ERROR)
    m.api.create_set(name=NAME, platform="reddit", behaviour=SLOW, queue=True)
    with m.viewer(viewport={"width": 375, "height": 900}) as page:
        # The card (the push component): the name cut, and all of it one click away.
        card = page.locator(".sm-card").first
        expect(card.locator(".sm-name")).to_have_text(truncate(NAME, NAME_LIMIT), timeout=ms(20))
        full = card.locator(".sm-full")
        expect(full).to_be_hidden()
        card.get_by_role("button", name="Show all").click()
        expect(full).to_be_visible()
        assert _text(full) == plain(NAME)

        # The failure: the label carries the name cut and the error's start, as text.
        failure = m.failure("Y" * 90, page)
        expect(failure).to_have_count(1, timeout=ms(20))
        summary = failure.locator("summary")
        label = _text(summary)
        assert truncate(NAME, NAME_LIMIT)[:-1] in label, label[:300]
        assert " · Meta · " in label
        summary.click()
        code = failure.locator("pre:visible")
        expect(code).to_have_count(1)
        assert _text(code).rstrip("\n") == ERROR[:2_000] + "…"
        _show_all(failure)
        expect(code).to_have_count(2)  # the name, then the error, as the service sent them
        assert [_text(c).rstrip("\n") for c in code.all()] == [NAME, ERROR]
        m.wait_idle(page=page)

        # Nothing made of it: no link, picture, bold, element or script, anywhere on the page
        # (Playwright's CSS reaches into the component's shadow root).
        expect(page.locator(MADE)).to_have_count(0)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        # The override and the invisible characters stay out of the page's own lines: the
        # words after the name read as they should ("· Meta ·", not "ateM ·").
        for line in (label, _text(card.locator(".sm-name")), _text(full)):
            assert not any(c in line for c in "\u202e\u200b\u2060\ufeff"), line[:200]
        assert "KO sync zerowidthjoined" in _text(full)

        # And the phone's layout holds: nothing reaches past 375 px, the card stays a card.
        assert _past_the_edge(page) == []
        box = card.bounding_box()
        assert box is not None
        assert box["width"] <= 375, box
        assert box["height"] < 900, box
    assert m.page_errors == []
