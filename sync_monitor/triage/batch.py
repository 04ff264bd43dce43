"""A group retry, worked through on the server (issue 23): one POST per set of its plan, paced,
with pause and cancel, surviving the page that started it; it stops by itself when most of the
retried syncs fail again.

Each retry goes through the page's own `Actions` (roles checked again, a set not failed any
more gets no POST, each audited); the batch's start, pause, resume, cancel and stop are audited
too. The thread is a named daemon that waits on its condition, never on `sleep`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sync_monitor.access import Action, ActionLog, Caller, Entry, Verdict
from sync_monitor.live.actions import Actions
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.words.status import held_back_by

from .plan import Item, Plan
from .progress import Answer, BatchState, BatchView, Sent, outcomes, should_stop

log = logging.getLogger(__name__)
ANSWER_S = 90.0  # the longest a retry's answer is waited for (a fleet's collector: 60 s)
HELD_CHECK_S = 2.0  # how often a batch held back by an unreachable service looks again


class Batch:
    def __init__(
        self,
        plan: Plan,
        actions: Actions,
        snapshot: Callable[[], Snapshot],
        caller: Caller,
        audit: ActionLog | None,
        wall: Callable[[], datetime],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._actions, self._snapshot, self._caller = actions, snapshot, caller
        self._audit, self._wall, self._clock = audit, wall, clock
        self._changed = threading.Condition()
        self._view = BatchView(
            f"batch-{uuid.uuid4().hex[:8]}", plan, caller.who, wall(), BatchState.RUNNING, ()
        )
        self._thread = threading.Thread(
            target=self._run, name=f"group-retry-{self._view.id}", daemon=True
        )

    @property
    def id(self) -> str:
        return self._view.id

    def view(self) -> BatchView:
        with self._changed:
            return self._view

    def start(self) -> Batch:
        p = self._view.plan
        self._record(
            Verdict.DONE,
            f"Started: {len(p.items)} sets of {p.what}, one every {p.pace_s:g} s"
            + (f" ({len(p.skipped)} skipped)." if p.skipped else "."),
        )
        self._thread.start()
        return self

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    # -- an operator's controls ------------------------------------------------------------

    def pause(self, caller: Caller) -> str:
        return self._control(caller, BatchState.RUNNING, BatchState.PAUSED, "Paused")

    def resume(self, caller: Caller) -> str:
        return self._control(caller, BatchState.PAUSED, BatchState.RUNNING, "Resumed")

    def cancel(self, caller: Caller) -> str:
        with self._changed:
            state = self._view.state
        if state not in (BatchState.RUNNING, BatchState.PAUSED):
            return f"The group retry has already {_ended(state)}."
        return self._control(caller, state, BatchState.CANCELLED, "Cancelled")

    def halt(self) -> None:
        """The process stops: a batch under way ends here (audited as the monitor's doing)."""
        with self._changed:
            if not self._view.active:
                return
            self._view = replace(self._view, state=BatchState.CANCELLED, next_at=None)
            message = (
                f"Cancelled: the monitor stopped after {len(self._view.sent)} of "
                f"{len(self._view.plan.items)}."
            )
            self._changed.notify_all()
        self._record(Verdict.FAILED, message)

    def _control(self, caller: Caller, was: BatchState, now: BatchState, done: str) -> str:
        if not caller.may_act:
            message = f"Only operators may pause or cancel a group retry. {caller.why_read_only}"
            self._record(Verdict.REFUSED, message.strip(), caller)
            return message.strip()
        with self._changed:
            if self._view.state is not was:
                return f"The group retry is {self._view.state.value}; nothing changed."
            self._view = replace(self._view, state=now, next_at=None)
            message = f"{done} after {len(self._view.sent)} of {len(self._view.plan.items)}."
            self._changed.notify_all()
        self._record(Verdict.DONE, message, caller)
        return message

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._work()
        except Exception:
            log.exception("the group retry %s failed unexpectedly", self.id)
            self._end(BatchState.STOPPED, "the monitor hit an unexpected error (see its log)")

    def _work(self) -> None:
        items = self.view().plan.items
        last: float | None = None
        for item in items:
            if not self._turn(last):
                return
            found = outcomes(self.view().sent, self._snapshot())
            if should_stop(found):
                judged = found.failed_again + found.succeeded
                self._end(
                    BatchState.STOPPED,
                    f"{found.failed_again} of the {judged} retried syncs whose end is known "
                    "failed again; retrying the rest would likely fail too",
                )
                return
            if not self._reachable():
                return
            result = self._retry(item)
            last = self._clock() if result is not None else last
            with self._changed:
                sent = Sent(item, self._wall(), result)
                self._view = replace(self._view, sent=(*self._view.sent, sent))
        self._end(BatchState.DONE, None)

    def _turn(self, last: float | None) -> bool:
        """Wait while paused and until the pace allows the next POST; False once cancelled."""
        with self._changed:
            while True:
                state = self._view.state
                if state is BatchState.CANCELLED:
                    return False
                due = None if last is None else last + self._view.plan.pace_s
                now = self._clock()
                if state is BatchState.RUNNING and (due is None or now >= due):
                    self._view = replace(self._view, next_at=None)
                    return True
                if state is BatchState.RUNNING and due is not None:
                    at = self._wall() + timedelta(seconds=due - now)
                    self._view = replace(self._view, next_at=at)
                self._changed.wait(None if due is None or state is BatchState.PAUSED else due - now)

    def _reachable(self) -> bool:
        """Wait while the service cannot be reached (a retry would only fail: the plan's sets
        are kept for when it is back), saying why; False once cancelled."""
        while True:
            snap = self._snapshot()
            held = held_back_by(snap.backend) if snap.frozen_at is not None else None
            with self._changed:
                if self._view.state is BatchState.CANCELLED:
                    return False
                if self._view.held != held:
                    self._view = replace(self._view, held=held)
                if held is None:
                    return True
                self._changed.wait(HELD_CHECK_S)

    def _retry(self, item: Item) -> Answer | None:
        """One POST for the set, unless it is not failed any more (another retry came first)."""
        if not any(f.set_id == item.set_id for f in self._snapshot().failed):
            return None
        future = self._actions.retry(item.set_id, self._caller)
        try:
            result = future.result(timeout=ANSWER_S)
        except TimeoutError:
            return Answer(False, "No answer in time: the retry may still be made.")
        return Answer(result.ok, result.message, result.job_id)

    def _end(self, state: BatchState, why: str | None) -> None:
        with self._changed:
            if self._view.state is BatchState.CANCELLED:
                return
            self._view = replace(self._view, state=state, why=why, next_at=None)
            view = self._view
            self._changed.notify_all()
        if state is BatchState.DONE:
            message = f"Done: {view.posted} of {len(view.plan.items)} sets retried."
        else:
            message = f"Stopped by itself after {len(view.sent)} of {len(view.plan.items)}: {why}."
        self._record(Verdict.DONE if state is BatchState.DONE else Verdict.FAILED, message)

    def _record(self, verdict: Verdict, message: str, caller: Caller | None = None) -> None:
        who = caller or self._caller
        log.info("group retry %s by %s: %s", self.id, who.who, message)
        if self._audit is not None:
            entry = Entry(
                self._wall(), who.who, who.role.value, Action.GROUP_RETRY, self.id, verdict, message
            )
            if verdict is Verdict.REFUSED:
                self._audit.refusal(entry)
            else:
                self._audit.record(entry)


def _ended(state: BatchState) -> str:
    return {BatchState.CANCELLED: "been cancelled", BatchState.STOPPED: "stopped"}.get(
        state, "finished"
    )
