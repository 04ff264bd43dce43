"""Retry and cancel: idempotent, optimistic in the snapshot, confirmed or rolled back by the
service (dotoro-api.md §3.5, §3.6 ext).

The page sees them through `Actions`, a narrow interface: views never hold the hub itself.
They change the live state (state.py) and start the stream of a retried job (consumers.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sync_monitor.access import Action, ActionLog, Caller, Entry, Verdict
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.dotoro.errors import ApiError, describe
from sync_monitor.dotoro.models import StatusSummary

from .consumers import Consumers
from .state import LiveState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str
    job_id: str | None = None


class Actions(Protocol):
    """What a view may do to syncs, as `caller` (refused unless an operator)."""

    def retry(self, set_id: str, caller: Caller) -> Future[ActionResult]: ...

    def cancel(self, job_id: str, caller: Caller) -> Future[ActionResult]: ...


def _guarded(work: Callable[[], ActionResult]) -> ActionResult:
    """`work`'s result; a bug becomes a failed result (logged), never an exception on a page."""
    try:
        return work()
    except Exception:
        log.exception("an action failed unexpectedly")
        return ActionResult(False, "The monitor hit an unexpected error; see the server log.")


def done(result: ActionResult) -> Future[ActionResult]:
    future: Future[ActionResult] = Future()
    future.set_result(result)
    return future


def refused(
    what: Action,
    target: str,
    caller: Caller,
    audit: ActionLog | None,
    wall: Callable[[], datetime],
) -> Future[ActionResult] | None:
    """A refusal for a caller who may not act (logged and audited with who tried), else None."""
    if caller.may_act:
        return None
    log.warning("refused %s of %s: %s is a %s", what, target, caller.who, caller.role.value)
    message = f"Only operators may {what} syncs. {caller.why_read_only}".strip()
    if audit is not None:  # rate-limited: a viewer cannot flood the trail
        entry = Entry(wall(), caller.who, caller.role.value, what, target, Verdict.REFUSED, message)
        audit.refusal(entry)
    return done(ActionResult(False, message))


def _not_failed(status: StatusSummary | None, set_id: str) -> ActionResult | None:
    """Why a retry of `set_id` must not be sent now (it is not failed), else None."""
    if status is None or any(j.campaign_set_id == set_id for j in status.failed):
        return None
    if any(j.campaign_set_id == set_id for j in (*status.pending, *status.active)):
        return ActionResult(True, "Already queued again a moment ago; nothing more was sent.")
    return ActionResult(False, "This sync is not listed as failed now; nothing was sent.")


class SyncActions:
    """Retry and cancel; each runs on a small pool so a click never blocks a page run."""

    def __init__(
        self,
        state: LiveState,
        consumers: Consumers,
        client: DotoroClient,
        audit: ActionLog | None = None,
    ) -> None:
        self._state, self._consumers = state, consumers
        self._client, self._audit = client, audit
        self._recent: dict[str, Future[ActionResult]] = {}  # last action per target
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sync-action")

    def _audited(
        self, what: Action, target: str, caller: Caller, work: Callable[[], ActionResult]
    ) -> Callable[[], ActionResult]:
        """`work`, with its result written to the audit trail; a bug in `work` becomes a failed
        result (logged), audited as such."""

        def audited() -> ActionResult:
            result = _guarded(work)
            outcome = Verdict.DONE if result.ok else Verdict.FAILED
            log.info("%s of %s by %s: %s", what, target, caller.who, outcome)
            self._record(what, target, caller, outcome, result.message)
            return result

        return audited

    def _record(
        self, what: Action, target: str, caller: Caller, outcome: Verdict, message: str
    ) -> None:
        if self._audit is not None:
            entry = Entry(
                self._state.wall(), caller.who, caller.role.value, what, target, outcome, message
            )
            self._audit.record(entry)

    def _refused(self, what: Action, target: str, caller: Caller) -> Future[ActionResult] | None:
        return refused(what, target, caller, self._audit, self._state.wall)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _once(
        self, key: str, work: Callable[[], ActionResult], pending: Callable[[], bool]
    ) -> Future[ActionResult]:
        """Run `work` unless the same action is in flight or its effect still awaits the
        service's confirmation (`pending()`): a second click, or a click replayed by a rerun,
        then gets the first one's result instead of a second request. Called under the state's
        lock, which also guards `_recent`."""
        previous = self._recent.get(key)
        if previous is not None and (not previous.done() or pending()):
            return previous
        for old in [k for k, f in self._recent.items() if f.done()]:
            del self._recent[old]  # bounded: settled actions are forgotten
        future = self._pool.submit(work)  # audited: its own guard turns a bug into a result
        self._recent[key] = future
        return future

    def retry(self, set_id: str, caller: Caller) -> Future[ActionResult]:
        """Queue a new job for a failed set: shown as pending at once, confirmed or rolled
        back by the service's answer; the new job id is watched. Operators only."""
        refused = self._refused(Action.RETRY, set_id, caller)
        if refused is not None:
            return refused

        def work() -> ActionResult:
            try:
                queued = self._client.retry(set_id)
            except ApiError as exc:
                why = describe(exc, doing="The retry")
                with self._state.change() as tracker:
                    tracker.retry_refused(set_id, why, self._state.wall())
                return ActionResult(False, why)
            with self._state.change() as tracker:
                tracker.retry_queued(set_id, queued.job_id, self._state.wall())
            self._consumers.reconcile()
            return ActionResult(True, queued.message or "Sync queued again.", queued.job_id)

        with self._state.change() as tracker:
            stale = _not_failed(tracker.known.status, set_id)
            if stale is not None and not tracker.retry_pending(set_id):
                # Clicked on a page that had not yet heard of another retry (another tab, or in
                # a fleet another replica): a second POST would queue the set twice.
                verdict = Verdict.DONE if stale.ok else Verdict.FAILED
                self._record(Action.RETRY, set_id, caller, verdict, stale.message)
                return done(stale)
            future = self._once(
                f"retry:{set_id}",
                self._audited(Action.RETRY, set_id, caller, work),
                pending=lambda: tracker.retry_pending(set_id),
            )
            tracker.mark_retry(set_id, self._state.wall())
            return future

    def cancel(self, job_id: str, caller: Caller) -> Future[ActionResult]:
        """Cancel a job where the backend can (ext, §3.6); hidden at once, restored on failure.
        Operators only."""
        refused = self._refused(Action.CANCEL, job_id, caller)
        if refused is not None:
            return refused
        with self._state.reading() as tracker:
            can_cancel = tracker.known.features.cancel
        if not can_cancel:
            message = (
                "This backend cannot cancel syncs."
                if can_cancel is False
                else "Whether this backend can cancel is not known yet; try again in a moment."
            )
            self._record(Action.CANCEL, job_id, caller, Verdict.FAILED, message)
            return done(ActionResult(False, message))

        def work() -> ActionResult:
            try:
                self._client.cancel(job_id)
            except ApiError as exc:
                with self._state.change() as tracker:
                    tracker.cancel_refused(job_id)
                return ActionResult(False, describe(exc, doing="The cancel"))
            with self._state.change() as tracker:
                tracker.cancel_done(job_id, self._state.wall())
            consumer = self._consumers.of(job_id)
            if consumer is not None:
                consumer.stop()
            return ActionResult(True, "Sync cancelled.", job_id)

        with self._state.change() as tracker:
            future = self._once(
                f"cancel:{job_id}",
                self._audited(Action.CANCEL, job_id, caller, work),
                pending=lambda: tracker.cancel_pending(job_id),
            )
            tracker.mark_cancel(job_id)
            return future
