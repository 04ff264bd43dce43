"""A short soak of the hub: a few hundred jobs, dropped streams, malformed events and a backend
restart (the full soak, with a browser open, is bench/soak.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.support.hub import wait_for
from tests.support.soak import Soak, SoakPlan, WatchingHub, compare

SHORT = SoakPlan(jobs=200, workers=10, speed=6.0, campaigns=(3, 30), sets=30, restarts=1)


@pytest.mark.timeout(300)
def test_every_job_streamed_to_its_end_has_the_service_final_counts(tmp_path: Path) -> None:
    with Soak(SHORT, tmp_path / "api.sqlite3") as soak:
        hub = WatchingHub(soak.url)
        hub.start()
        try:
            wait_for(hub, lambda s: s.polled_at is not None)
            baseline = {t.name for t in threading.enumerate()}
            soak.start()
            wait_for(hub, lambda s: soak.done.is_set(), timeout=240)
            soak.join()
            assert soak.lives == 2  # one restart
            wait_for(hub, lambda s: hub.consumers.alive() == 0, timeout=60)
            tally = compare(hub, soak.rows())
            left = {t.name for t in threading.enumerate()} - baseline
        finally:
            hub.stop()
        assert tally.jobs == SHORT.jobs
        assert tally.to_the_end >= SHORT.jobs // 2  # most jobs were watched, not a few
        assert not left  # no consumer (nor anything else) outlives its job
        assert not tally.mismatches, tally.describe(soak)
