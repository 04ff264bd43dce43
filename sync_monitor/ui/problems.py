"""What a page says when drawing it fails. A database that did not answer is named as such by the
page that reads it (`history.engines.NOT_ANSWERING`); anything else is a bug, and is never worded as
if it were something else: it is logged with its traceback under a short error id, and the page
shows that id, so that the viewer can quote it and ops can find the traceback in the server log.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from sync_monitor.history import History
from sync_monitor.history.recorder import Recorder
from sync_monitor.text import escape_markdown

log = logging.getLogger(__name__)


REPEAT_WINDOW = 300.0  # seconds: the same fault again within this is logged without traceback
_first: dict[tuple[str, str, int], tuple[float, str]] = {}  # fault's place -> (when, error id)
_lock = threading.Lock()


def bug(exc: BaseException, where: str) -> str:
    """Log `exc` with its traceback and show the viewer a sentence with its error id. The same
    fault again (a fragment on a timer, many viewers) is logged in one line naming the first
    error id, whose traceback is in the log: one traceback, not one a second per viewer."""
    error_id = uuid.uuid4().hex[:8]
    frames = traceback.extract_tb(exc.__traceback__)
    place = (type(exc).__name__, frames[-1].filename, frames[-1].lineno or 0) if frames else None
    now = time.monotonic()
    with _lock:
        seen = _first.get(place) if place else None
        if place and (seen is None or now - seen[0] > REPEAT_WINDOW):
            if len(_first) > 1000:
                _first.clear()
            _first[place] = (now, error_id)
            seen = None
    if seen is None:
        log.error("%s failed (error id %s)", where, error_id, exc_info=exc)
    else:
        log.error(
            "%s failed (error id %s): %s again, as under error id %s (traceback there)",
            where,
            error_id,
            type(exc).__name__,
            seen[1],
        )
    logged(error_id)
    return error_id


def logged(error_id: str) -> None:
    """Say that something went wrong, under `error_id`: a bug logged with its traceback."""
    st.error(
        f"Something went wrong on this page (error id {error_id}). It is a fault of the "
        "monitor, logged with that id for the ops team; reloading the page may help.",
        icon=":material/bug_report:",
    )


@contextmanager
def reported(where: str) -> Iterator[None]:
    """Run a page (or a fragment of one): a bug in it ends it with `bug`'s sentence, never
    Streamlit's error page. Streamlit's own st.stop and st.rerun pass through (they are not
    Exceptions)."""
    try:
        yield
    except Exception as exc:
        bug(exc, where)


def history_of(recorder: Recorder, needed_for: str) -> History:
    """The history, or the page stops saying why not: a bug by its error id (never as the
    database's doing); a database that cannot be reached, or used, with the reason.
    `needed_for`: a sentence saying what on this page is made from it."""
    recorder.wait_tried(10)  # only ever waits just after the process started
    history = recorder.history
    if history is None and recorder.fault:
        logged(recorder.fault)
        st.stop()
    if history is None:
        problem = recorder.problem or "it is still being opened"
        state = "cannot be reached" if recorder.unreachable else "cannot be used"
        st.error(
            f"The history database {state}: {escape_markdown(problem, 300)}. {needed_for} "
            "This page comes back by itself.",
            icon=":material/database:",
        )
        st.stop()
    return history
