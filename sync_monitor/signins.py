"""Whether a browser's sign-in still holds, as the server last saw its cookies. Pure (the
caller passes the clock), and safe to share between threads.

Streamlit reads the sign-in cookie once, when a page's session connects: a tab keeps its
`st.user` after the cookie is gone (signed out in another tab, deleted by hand). So the server
asks the browser again. Its pages check in every `CHECK_IN_SECONDS` over plain HTTP, which
carries the cookies (push/route.py); a check-in that finds the sign-in cookie gone or changed
ends that sign-in for good (`end`); one that finds it no longer let in (taken off the lists)
refuses it until a check-in finds it let in again (`refuse`); one that finds it as before
confirms it (`confirm`), and so does a session's first run, which has just shown its cookies
(`first_run`, once per session). A sign-in is keyed by the sign-in part of the browser's
digest (ui: cookies.browser_of), so a copy of the cookie replayed from another browser is known
as ended too, and a new sign-in is a new key. The push stream and the actions go on only while
the sign-in holds: not ended or refused, and confirmed within `HOLDS_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

CHECK_IN_SECONDS = 10.0  # how often a page checks in (component/keeper.js)
HOLDS_SECONDS = 30.0  # a sign-in not confirmed for this long no longer acts or receives
FORGET_SECONDS = 3600.0  # a sign-in not seen for this long is forgotten...
ENDED_KEPT_SECONDS = 31 * 86400.0  # ...but an ended one is kept as long as its cookie lives
MOST = 100_000  # live sign-ins and sessions remembered at most (the oldest go first)


def key(browser: str) -> str:
    """The sign-in part of a browser digest ("<device>-<sign-in>")."""
    return browser.rpartition("-")[2]


@dataclass
class _SignIn:
    confirmed: float
    ended: str | None = None  # why, once ended for good (its cookie gone or changed)
    refused: str | None = None  # why, while it is not let in (until a check-in lets it in)


class SignIns:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[str, _SignIn] = {}  # oldest first
        self._ended: dict[str, tuple[float, str]] = {}  # oldest first
        self._sessions: dict[str, float] = {}  # sessions whose first run confirmed them

    def first_run(self, session: str, browser: str) -> None:
        """A session's run: its first one confirms the cookies it connected with (later ones,
        and a session whose state was cleared, do not)."""
        now = self._clock()
        with self._lock:
            if session in self._sessions:
                return
            self._sessions[session] = now
            while len(self._sessions) > MOST:
                del self._sessions[next(iter(self._sessions))]
        self.confirm(browser)

    def confirm(self, browser: str) -> None:
        """The browser showed its sign-in cookie as before, let in: a refusal is over; an ended
        sign-in stays ended."""
        now = self._clock()
        signin = key(browser)
        with self._lock:
            if signin in self._ended:
                return
            known = self._live.pop(signin, None) or _SignIn(now)
            known.confirmed, known.refused = now, None
            self._live[signin] = known  # newest last
            self._forget(now)

    def refuse(self, browser: str, why: str) -> None:
        """The sign-in is not let in now (`why`, in words for the page)."""
        now = self._clock()
        with self._lock:
            known = self._live.setdefault(key(browser), _SignIn(now))
            known.refused = why

    def end(self, browser: str, why: str) -> None:
        """The sign-in of `browser` is over for good (`why`, in words for the page)."""
        now = self._clock()
        signin = key(browser)
        with self._lock:
            self._live.pop(signin, None)
            self._ended.setdefault(signin, (now, why))
            self._forget(now)

    def ended(self, browser: str) -> str | None:
        """Why the sign-in of `browser` is over for good; None while it is not."""
        with self._lock:
            over = self._ended.get(key(browser))
        return None if over is None else over[1]

    def standing(self, browser: str) -> str | None:
        """None while the sign-in of `browser` holds; else why not, in words."""
        over = self.ended(browser)
        if over is not None:
            return over
        now = self._clock()
        with self._lock:
            known = self._live.get(key(browser))
        if known is not None and known.refused is not None:
            return known.refused
        if known is None:
            return "This browser's sign-in has not been confirmed."
        if now - known.confirmed > HOLDS_SECONDS:
            return (
                f"This browser's sign-in has not been confirmed for {HOLDS_SECONDS:.0f} s "
                "(the page stopped checking in)."
            )
        return None

    def _forget(self, now: float) -> None:
        """Drop sign-ins long gone (called under the lock; each dict is oldest first). Ended
        ones are never dropped to make room: only when their cookie has expired."""
        while self._live:
            signin, oldest = next(iter(self._live.items()))
            if now - oldest.confirmed <= FORGET_SECONDS and len(self._live) <= MOST:
                break
            del self._live[signin]
        while self._ended:
            signin, (at, _) = next(iter(self._ended.items()))
            if now - at <= ENDED_KEPT_SECONDS:
                break
            del self._ended[signin]
