"""Retry and cancel in a fleet: any replica asks (`FleetActions`, the page's `Actions`), the
collector makes them (`Executor`) through the same `SyncActions` as a single process (roles
checked again, one request per click however often it is asked, audited), and the answer goes
back to the tab that clicked.

The clicked replica refuses a viewer itself (audited there): a viewer's click writes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Engine

from sync_monitor.access import Action, ActionLog, Caller
from sync_monitor.live.actions import ActionResult, Actions, refused

from .listen import Listening
from .requests import ASKED, Outcome, Request, Requests

log = logging.getLogger(__name__)
PATIENCE = 60.0  # seconds a click waits for the collector's answer
NO_ANSWER = (
    "No collecting replica answered within a minute: the action may still be made. Check the "
    "queue before trying again."
)


class FleetActions:
    """The page's actions on a replica of a fleet: a request for the collector, then its answer."""

    def __init__(
        self,
        requests: Requests,
        replica: str,
        audit: ActionLog | None = None,
        *,
        every: float = 0.2,
        patience: float = PATIENCE,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._requests, self.replica, self._audit = requests, replica, audit
        self.every, self.patience, self._wall = every, patience, wall
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fleet-action")

    def retry(self, set_id: str, caller: Caller) -> Future[ActionResult]:
        return self._ask(Action.RETRY, set_id, caller)

    def cancel(self, job_id: str, caller: Caller) -> Future[ActionResult]:
        return self._ask(Action.CANCEL, job_id, caller)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _ask(self, what: Action, target: str, caller: Caller) -> Future[ActionResult]:
        refusal = refused(what, target, caller, self._audit, self._wall)
        if refusal is not None:
            return refusal
        return self._pool.submit(self._answer, what, target, caller)

    def _answer(self, what: Action, target: str, caller: Caller) -> ActionResult:
        try:
            asked = self._requests.ask(self.replica, caller, what, target)
        except Exception:
            log.exception("could not ask the collector to %s %s", what, target)
            return ActionResult(
                False, "The shared database did not take the request; nothing was sent."
            )
        deadline = time.monotonic() + self.patience
        while time.monotonic() < deadline:
            try:
                outcome = self._requests.outcome(asked)
            except Exception:
                log.exception("could not read the collector's answer to request %s", asked)
                outcome = None
            if outcome is not None:
                return ActionResult(outcome.ok, outcome.message, outcome.job_id)
            time.sleep(self.every)
        return ActionResult(False, NO_ANSWER)


class Executor:
    """The collector's side: takes the requests asked on any replica and makes them."""

    def __init__(
        self,
        engine: Engine,
        requests: Requests,
        actions: Actions,
        holder: str,
        epoch: int,
        *,
        every: float = 1.0,
        operator_here: Callable[[], None] = lambda: None,
    ) -> None:
        self._requests, self._actions = requests, actions
        self.holder, self.epoch = holder, epoch
        # Told once someone who may act has opened any replica (the hub's probes that write).
        self._operator_here, self._operator_told = operator_here, False
        self._listening = Listening(
            engine, ASKED, self.run_once, every=every, name="fleet-executor"
        )

    def start(self) -> Executor:
        answered = self._requests.abandon(self.epoch)
        if answered:
            log.warning("answered %s request(s) an earlier collector took and left", answered)
        self._listening.start()
        return self

    def stop(self) -> None:
        self._listening.stop()

    def run_once(self) -> int:
        """Make every request not yet taken; how many."""
        if not self._operator_told and self._requests.operator_noted():
            self._operator_told = True
            self._operator_here()
        taken = self._requests.take(self.holder, self.epoch)
        for request in taken:
            self._requests.answer(request.id, self._make(request))
        return len(taken)

    def _make(self, request: Request) -> Outcome:
        act = self._actions.retry if request.action is Action.RETRY else self._actions.cancel
        try:
            result = act(request.target, request.caller).result(timeout=PATIENCE)
        except Exception:
            log.exception("request %s (%s) failed unexpectedly", request.id, request.action)
            return Outcome(False, "The monitor hit an unexpected error; see the server log.")
        return Outcome(result.ok, result.message, result.job_id)
