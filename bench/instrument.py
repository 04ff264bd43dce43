"""Record when the local API's engine writes each progress event (for latency benchmarks)."""

from __future__ import annotations

import time
from collections.abc import Callable

from dotoro_local import LocalApiServer
from dotoro_local.engine import Engine


def record_progress_writes(
    server: LocalApiServer,
    clock: Callable[[], float] = time.perf_counter,
    total: int | None = None,
) -> dict[int, float]:
    """Campaigns done → when the engine wrote that `campaign_*` event, filled as it runs; only
    for jobs of `total` campaigns when given (one job to follow among several)."""
    written: dict[int, float] = {}

    def instrument(engine: Engine) -> None:
        original = engine._publish

        def publish(job_id: str, type_: str, data: dict[str, object]) -> None:
            original(job_id, type_, data)
            if type_.startswith("campaign_") and total in (None, data.get("total")):
                done = int(data["synced"]) + int(data["failed"])  # type: ignore[call-overload]
                written[done] = clock()

        engine._publish = publish  # type: ignore[method-assign]

    server.call(instrument)
    return written
