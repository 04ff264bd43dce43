"""What the history says of each cause now failing (issue 23): new, ongoing, regressed,
escalating, resolved, and how long its sets took to recover (history/groups.py). Read by one
thread per process once a minute, for every tab: never once per viewer or per push."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from sync_monitor.history import History
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.history.groups import Cause
from sync_monitor.history.store import describe
from sync_monitor.history.view import View, Window

from .groups import CauseState

log = logging.getLogger(__name__)
EVERY_S = 60.0  # the states move with days and weeks of history: a minute is fresh enough
SOON_S = 5.0  # ... but until the history is first read (it opens after the process starts)


class GroupStates:
    def __init__(self, history: Callable[[], History | None], every: float = EVERY_S) -> None:
        self._history, self.every = history, every
        self._found: Mapping[Cause, CauseState] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="group-states", daemon=True)

    def start(self) -> GroupStates:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def get(self) -> Mapping[Cause, CauseState]:
        return self._found

    def _run(self) -> None:
        while not self._stop.is_set():
            read = False
            try:
                read = self.refresh()
            except Exception:  # a bug: logged, and the live page carries on without states
                log.exception("could not read the failure groups' states")
            self._stop.wait(self.every if read else min(self.every, SOON_S))

    def refresh(self) -> bool:
        """Read the states again; False when the history could not be read."""
        history = self._history()
        if history is None:  # not open yet, or cannot be: the recorder says why
            return False
        try:
            groups = history.error_groups(View(window=Window.DAY))
        except NOT_ANSWERING as exc:
            log.warning("the history did not answer for the failure groups: %s", describe(exc))
            return False
        self._found = {g.cause: CauseState(g.state.value, g.time_to_recovery) for g in groups}
        return True
