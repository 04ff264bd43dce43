"""The AppTest harness: the real app.py run against the local API, and what the page says."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from streamlit.testing.v1 import AppTest

from sync_monitor import runtime
from sync_monitor.live.snapshot import Snapshot
from tests.support.local_api import Api
from tests.support.waiting import seconds


@dataclass
class Monitor:
    api: Api
    app: AppTest
    toasts: list[str] = field(default_factory=list)  # every toast shown so far

    def run(self) -> None:
        self.app.run()
        self.toasts += [t.value for t in self.app.toast]

    def click(self, key: str) -> None:
        self.app.button(key=key).click()
        self.run()

    def snapshot(self) -> Snapshot:
        return runtime.services().live.snapshot()

    def wait(self, predicate: Callable[[Snapshot], bool], timeout: float = 15.0) -> None:
        """Wait until the shared hub's snapshot satisfies `predicate`, then rerun the page."""
        hub = runtime.services().live
        deadline = time.monotonic() + seconds(timeout)
        version = -1
        while not predicate(hub.snapshot()):
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached: {hub.snapshot()}")
            version = hub.wait_for_change(max(version, hub.snapshot().version), 0.3)
        self.run()

    def wait_toast(self, text: str, timeout: float = 10.0) -> None:
        """Rerun until a toast containing `text` has shown: an action's toast comes on the
        first run after its result, which lands just after the state it changed."""
        deadline = time.monotonic() + seconds(timeout)
        while not any(text in t for t in self.toasts):
            if time.monotonic() > deadline:
                raise AssertionError(f"no toast with {text!r}: {self.toasts}")
            time.sleep(0.05)
            self.run()

    def texts(self) -> str:
        """Everything the page says, as one string."""
        parts = [
            e.value
            for kind in (
                "markdown",
                "caption",
                "text",
                "info",
                "success",
                "warning",
                "error",
                "code",
            )
            for e in getattr(self.app, kind)
        ]
        parts += [e.label for e in self.app.expander]
        parts += [e.label for e in self.app.button]
        parts += [str(e.proto.body) for e in self.app.get("html")]  # the cards' progress
        for table in self.app.table:
            parts += [str(v) for v in table.value.to_numpy().ravel()]
            parts += [str(c) for c in table.value.columns]
        return "\n".join(str(p) for p in parts)
