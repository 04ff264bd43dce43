"""A view's parameters as the analysis page's URL holds them, from a link copied from the page or
from a notebook's keywords (pure). They go through the page's own `view.parse` from here, so a
notebook and the page accept, and leave out, exactly the same values.

    View.from_url("http://host:8501/analysis?window=30d&platform=meta&compare=1")
    history.attempts(window="30d", platform="meta,reddit")
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TypedDict
from urllib.parse import parse_qs, urlsplit

Query = dict[str, list[str]]  # as `st.query_params.get_all` gives it the page: values by name
PAGE = "analysis"  # the analysis page's url_path (sync_monitor/entry.py): where its links lead


class ViewWarning(UserWarning):
    """A value of a view that cannot be read, left out as the analysis page leaves it out; the
    message is the note the page shows for it."""


class Filters(TypedDict, total=False):
    """A view as keywords, named as the page's URL parameters where Python allows: `set_id` for
    `set` (a builtin's name), `start` and `end` for `from` and `to` (`from` is a keyword). A list
    is a list of values or one string with commas, as in the URL; dates are UTC days."""

    window: str | None
    start: date | str | None
    end: date | str | None
    platform: str | Iterable[str] | None
    set_id: str | None
    category: str | Iterable[str] | None
    state: str | Iterable[str] | None
    compare: bool | str | None


def link_query(link: str) -> tuple[Query, list[str]]:
    """The query of a link copied from the page: the whole URL, a path with its query, or the
    query alone (with or without its "?"); and a note when the link leads to another page."""
    text = link.strip()
    if "?" not in text and "://" not in text and not text.startswith("/"):
        text = "?" + text  # the query alone
    split = urlsplit(text)
    notes = []
    page = split.path.rstrip("/").rsplit("/", 1)[-1]
    if split.path and page != PAGE:  # the root is the live page
        notes.append(
            f"The link leads to {split.path[:40]!r}, not to the analysis page (/{PAGE}): "
            "its query is read as the analysis page would read it."
        )
    # Blank values kept, as Streamlit's st.query_params keeps them (the page then skips them).
    return parse_qs(split.query, keep_blank_values=True), notes


def filters_query(filters: Filters) -> tuple[Query, list[str]]:
    """The URL query keywords stand for, and a note for what has no place in one."""
    unknown = sorted(set(filters) - Filters.__optional_keys__)
    if unknown:  # a misspelt filter would otherwise be ignored: the silent result of all rows
        known = ", ".join(Filters.__annotations__)
        raise TypeError(f"{unknown[0]}: not a filter of a view (the filters: {known})")
    notes = []
    window = filters.get("window")
    dated = filters.get("start") is not None or filters.get("end") is not None
    if dated and window is None:
        window = "custom"  # dates alone ask for a custom window
    elif dated and str(window) != "custom":
        notes.append(f"start and end are for window='custom', left out with {str(window)!r}.")
    query = {
        "window": _listed(window),
        "from": _listed(filters.get("start")),
        "to": _listed(filters.get("end")),
        "platform": _listed(filters.get("platform")),
        "set": _listed(filters.get("set_id")),
        "category": _listed(filters.get("category")),
        "state": _listed(filters.get("state")),
        "compare": _listed(filters.get("compare")),
    }
    return {name: values for name, values in query.items() if values}, notes


def _listed(value: object) -> list[str]:
    """A keyword's value as the URL's values of its parameter (the enums are str: their value)."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, datetime):  # its UTC day: the page's windows are whole UTC days
        return [(value.astimezone(UTC) if value.tzinfo else value).date().isoformat()]
    if isinstance(value, date):
        return [value.isoformat()]
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [str(value)]
    return [str(v) for v in value]


def warn(notes: Iterable[str], stacklevel: int = 1) -> None:
    """Each note as a `ViewWarning`, blamed on the caller `stacklevel` frames above the one that
    calls this (1: that caller's own line), as `warnings.warn` counts."""
    for note in notes:
        warnings.warn(note, ViewWarning, stacklevel=stacklevel + 1)
