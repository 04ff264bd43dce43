"""The few pieces of HTML the page needs where Streamlit has no element for them. Pure.

Every backend string goes through `html.escape` here: `st.html` is sanitised by DOMPurify, but
the page must not rely on that for text it never meant as markup.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Literal

from sync_monitor.dotoro.models import Platform

# The charts' platform colours (Altair's in the fallback, the push component's): brand-like, but
# far enough apart to tell Google from Meta; the legend always names them.
PLATFORM_COLORS = {"Reddit": "#ff4500", "Google": "#34a853", "Meta": "#0866ff", "Other": "#8c8c8c"}
BAR_FILL = "#3b82f6"  # 3:1 or better against both the light and the dark background
BAR_TRACK = "rgba(128, 128, 128, 0.25)"


def progress_bar(label: str, fraction: float | None, text: str) -> str:
    """A progress bar whose accessible name is `label` (its sync's: "Acme – Black Friday: 69 %",
    see words.cards.card_words), under its visible text. `fraction` None: indeterminate (the backend
    sends no live progress)."""
    if fraction is None:
        value, width = "", 0
    else:
        pct = round(min(1.0, max(0.0, fraction)) * 100)
        value, width = f' aria-valuenow="{pct}"', pct
    return (
        f'<div class="sm-progress"><p style="margin: 0 0 0.375rem 0">{escape(text)}</p>'
        f'<div role="progressbar" aria-label="{escape(label)}" aria-valuemin="0" '
        f'aria-valuemax="100"{value} style="height: 0.5rem; border-radius: 0.25rem; '
        f'background: {BAR_TRACK}; overflow: hidden">'
        f'<div style="width: {width}%; height: 100%; background: {BAR_FILL}"></div>'
        "</div></div>"
    )


def keyed(key: str) -> str:
    """The CSS selector of the element Streamlit keyed `key` (its frontend's own class rule)."""
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def heading(anchor: str) -> str:
    """The CSS selector of a heading by its text, as Streamlit anchors it ("Syncing now" →
    "#syncing-now")."""
    return "#" + re.sub(r"[^a-z0-9]+", "-", anchor.lower()).strip("-")


def focus_script(selectors: list[str], token: int) -> str:
    """A script that keeps the viewer's focus on the page through an action (for a minute):
    whenever the element it last saw focused has left the page and focus has fallen to the
    body, it focuses the first element present among `selectors` (an expander's summary, for an
    expander). It stops as soon as the viewer moves focus elsewhere, or a newer script (a higher
    `token`) takes over."""
    # The selectors come from keyed() and heading(): only [A-Za-z0-9_.#-], safe in a script.
    return (
        "<script>(() => {"
        f"const selectors = {json.dumps(selectors)}; const token = {int(token)};"
        "window.__smFocus = token; let held = document.activeElement;"
        "const started = Date.now();"
        "const attempt = () => {"
        "  if (window.__smFocus !== token) return;"
        "  const active = document.activeElement;"
        "  const lost = !active || active === document.body;"
        "  if (!lost && active !== held) return;"  # the viewer moved on
        "  if (lost && (!held || held === document.body || !held.isConnected)) {"
        "    const target = selectors.map(s => document.querySelector(s)).find(e => e);"
        "    if (target) {"
        "      const el = target.querySelector('summary') || target;"
        "      if (!el.hasAttribute('tabindex') && el.tabIndex < 0) {"
        "        el.setAttribute('tabindex', '-1');"
        "      }"
        "      el.focus(); held = el;"
        "    }"
        "  }"
        "  if (Date.now() - started < 60000) setTimeout(attempt, 100);"
        "};"
        "attempt();"
        "})();</script>"
    )


def focus_order(keys: list[str], index: int, section: str) -> tuple[str, ...]:
    """Where focus goes when an action on the item `keys[index]` takes the focused control away:
    the item itself while it is there, then the next item, else the previous one, else the
    section's heading."""
    around = keys[index : index + 2] + keys[max(0, index - 1) : index]
    return (*(keyed(k) for k in around), heading(section))


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
