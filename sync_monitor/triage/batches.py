"""The process's group retries (issue 23): one at a time, kept after they end so that every
tab (and a tab opened later) sees how the last one went. Held by the shared services, so a
batch outlives the page that started it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sync_monitor.access import Action, ActionLog, Caller, Entry, Verdict
from sync_monitor.live.actions import Actions
from sync_monitor.live.snapshot import Snapshot

from .batch import Batch
from .plan import Plan
from .progress import BatchView

KEPT = 5  # ended batches kept for the page


class Batches:
    def __init__(
        self,
        actions: Actions,
        snapshot: Callable[[], Snapshot],
        audit: ActionLog | None,
        wall: Callable[[], datetime],
    ) -> None:
        self._actions, self._snapshot, self._audit, self._wall = actions, snapshot, audit, wall
        self._lock = threading.Lock()
        self._batches: list[Batch] = []  # newest last

    def start(self, plan: Plan, caller: Caller) -> tuple[Batch | None, str]:
        """Start working through `plan` as `caller`; the batch, or None and why not."""
        if not caller.may_act:
            message = f"Only operators may retry a group. {caller.why_read_only}".strip()
            if self._audit is not None:
                target = f"{plan.what} ({len(plan.items)} sets)"
                self._audit.refusal(
                    Entry(
                        self._wall(),
                        caller.who,
                        caller.role.value,
                        Action.GROUP_RETRY,
                        target,
                        Verdict.REFUSED,
                        message,
                    )
                )
            return None, message
        if not plan.items:
            return None, "Nothing to retry: every set of the group is skipped."
        with self._lock:
            running = next((b for b in self._batches if b.view().active), None)
            if running is not None:
                return None, (
                    f"A group retry is under way ({running.view().plan.what}): let it finish, "
                    "or cancel it first."
                )
            batch = Batch(plan, self._actions, self._snapshot, caller, self._audit, self._wall)
            self._batches = [*self._batches[-(KEPT - 1) :], batch]
        batch.start()
        return batch, f"Started: {len(plan.items)} sets, one every {plan.pace_s:g} s."

    def get(self, batch_id: str) -> Batch | None:
        with self._lock:
            return next((b for b in self._batches if b.id == batch_id), None)

    def latest(self) -> BatchView | None:
        """The batch under way, else the last one to end."""
        with self._lock:
            views = [b.view() for b in self._batches]
        return next((v for v in views if v.active), views[-1] if views else None)

    def stop(self) -> None:
        """End any batch under way (the process stops)."""
        with self._lock:
            batches = list(self._batches)
        for batch in batches:
            batch.halt()
