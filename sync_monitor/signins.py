"""Whether a browser's sign-in still holds, as the server last saw its cookies. Pure (the
caller passes the clock), and safe to share between threads.

Streamlit reads the sign-in cookie once, when a page's session connects: a tab keeps its
`st.user` after the cookie is gone (signed out in another tab, deleted by hand). So the server
asks the browser again. Its pages check in every `CHECK_IN_SECONDS` over plain HTTP, which
carries the cookies (push/route.py); a check-in that finds the sign-in gone or no longer let in
ends it (`end`), one that finds it as before confirms it (`confirm`), and so does a new session,
which has just shown its cookies. A browser is keyed by the digest of its cookies
(ui/cookies.py), so a new sign-in is a new key. The push stream and the actions go on only while
the sign-in holds: not ended, and confirmed within `HOLDS_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

CHECK_IN_SECONDS = 10.0  # how often a page checks in (component/keeper.js)
HOLDS_SECONDS = 30.0  # a sign-in not confirmed for this long no longer acts or receives
FORGET_SECONDS = 3600.0  # a browser not seen for this long is forgotten...
ENDED_KEPT_SECONDS = 31 * 86400.0  # ...but an ended sign-in is kept as long as its cookie lives
MOST = 100_000  # browsers remembered at most (the oldest go first)


@dataclass
class _Browser:
    confirmed: float
    ended: str | None = None  # why, once ended


class SignIns:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._browsers: dict[str, _Browser] = {}

    def confirm(self, browser: str) -> None:
        """The browser showed its sign-in cookie as before; an ended sign-in stays ended."""
        now = self._clock()
        with self._lock:
            known = self._browsers.pop(browser, None)
            if known is None:
                known = _Browser(now)
            elif known.ended is None:
                known.confirmed = now
            self._browsers[browser] = known  # newest last
            self._forget(now)

    def end(self, browser: str, why: str) -> None:
        """The sign-in of `browser` is over (`why`, in words for the page)."""
        now = self._clock()
        with self._lock:
            known = self._browsers.pop(browser, None) or _Browser(now)
            known.ended = known.ended or why
            known.confirmed = now
            self._browsers[browser] = known
            self._forget(now)

    def ended(self, browser: str) -> str | None:
        """Why the sign-in of `browser` has ended; None while it has not."""
        with self._lock:
            known = self._browsers.get(browser)
        return None if known is None else known.ended

    def standing(self, browser: str) -> str | None:
        """None while the sign-in of `browser` holds; else why not, in words."""
        now = self._clock()
        with self._lock:
            known = self._browsers.get(browser)
        if known is None:
            return "This browser's sign-in has not been confirmed."
        if known.ended is not None:
            return known.ended
        if now - known.confirmed > HOLDS_SECONDS:
            return (
                f"This browser's sign-in has not been confirmed for {HOLDS_SECONDS:.0f} s "
                "(the page stopped checking in)."
            )
        return None

    def _forget(self, now: float) -> None:
        """Drop browsers long gone (called under the lock; the dict is oldest first)."""
        while self._browsers:
            key, oldest = next(iter(self._browsers.items()))
            kept = ENDED_KEPT_SECONDS if oldest.ended else FORGET_SECONDS
            if now - oldest.confirmed <= kept and len(self._browsers) <= MOST:
                # Not necessarily the oldest of every kind: an ended one may wait behind a
                # live one. Bounded either way by MOST.
                return
            del self._browsers[key]
