"""What a page says when drawing it fails. A database that did not answer is named as such by the
page that reads it (`history.store.NOT_ANSWERING`); anything else is a bug, and is never worded as
if it were something else: it is logged with its traceback under a short error id, and the page
shows that id, so that the viewer can quote it and ops can find the traceback in the server log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

log = logging.getLogger(__name__)


def bug(exc: BaseException, where: str) -> str:
    """Log `exc` with its traceback and show the viewer a sentence with its error id."""
    error_id = uuid.uuid4().hex[:8]
    log.error("%s failed (error id %s)", where, error_id, exc_info=exc)
    st.error(
        f"Something went wrong on this page (error id {error_id}). It is a fault of the "
        "monitor, logged with that id for the ops team; reloading the page may help.",
        icon=":material/bug_report:",
    )
    return error_id


@contextmanager
def reported(where: str) -> Iterator[None]:
    """Run a page (or a fragment of one): a bug in it ends it with `bug`'s sentence, never
    Streamlit's error page. Streamlit's own st.stop and st.rerun pass through (they are not
    Exceptions)."""
    try:
        yield
    except Exception as exc:
        bug(exc, where)
