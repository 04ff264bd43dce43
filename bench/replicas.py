"""Replicas: one against three, each `streamlit run app.py` with SYNC_MONITOR_COLLECTOR=elected
on one PostgreSQL, against the local API with the service's 100 requests/min limit (issue 22).

The fan-out scene (bench/fanout.py: a long watched sync beside short ones that keep finishing,
a queue kept at its length, failures), three Chromium tabs on each replica. Per fleet, over a
minute: freshness in every tab (a progress event of the watched sync written by the local API →
its count visible in that tab; on a follower the change goes collector → PostgreSQL → LISTEN →
its publisher), p50 and p95 over all tabs' samples, and the requests per minute the fleet sends
the backend. With three: the collector's process is then SIGKILLed, and the failover is timed
twice: until another replica holds the lease, and until every surviving tab shows a count
written after the kill.

`python bench/replicas.py` (about 6 min). The figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import signal
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout import (
    FAILURES,
    QUEUED_AT_START,
    WATCHED_TOTAL,
    backend_requests,
    feed,
    open_tab,
    scene,
    show,
    wait,
)
from bench.instrument import record_progress_writes
from bench.record import percentile, record
from dotoro_local import Contract, LocalApiServer, ServerConfig
from tests.support.databases import postgres_database
from tests.support.fleet import holder
from tests.support.streamlit_app import CHROMIUM_ARGS, chromium_path, streamlit_app

WORKERS, TABS_EACH, LEASE = 8, 3, 5.0
SETTLE, WARMUP, WINDOW = 45.0, 10.0, 60.0


@dataclass
class Fleet:
    replicas: int
    p50_ms: float
    p95_ms: float
    samples: int
    requests_per_min: float
    takeover_s: float | None = None  # SIGKILL → another replica holds the lease
    back_s: float | None = None  # SIGKILL → every surviving tab shows a newer count


def freshness(pages: list[Page], written: dict[int, float], since: float) -> list[float]:
    """Seconds from each count's write to its sight, in every tab, for counts written after
    `since` (wall clock)."""
    fresh: list[float] = []
    for page in pages:
        seen = page.evaluate("window.__seen")
        fresh += [
            seen[str(n)] / 1000 - at for n, at in written.items() if str(n) in seen and at >= since
        ]
    return [max(0.0, f) for f in fresh]


def run(browser: Browser, count: int) -> Fleet:
    config = ServerConfig(
        contract=Contract.PLAN, simulate=False, seed_history=False, workers=WORKERS
    )
    stop = threading.Event()
    with ExitStack() as stack:
        server = stack.enter_context(LocalApiServer(config))
        history = stack.enter_context(postgres_database())
        written = record_progress_writes(server, time.time, total=WATCHED_TOTAL)
        scene(server)
        threading.Thread(target=feed, args=(server, stop), daemon=True).start()
        stack.callback(stop.set)
        apps = {}
        for n in range(count):
            name = f"web-{n + 1}"
            env = {
                "SYNC_MONITOR_COLLECTOR": "elected",
                "SYNC_MONITOR_HISTORY_URL": history,
                "SYNC_MONITOR_REPLICA_NAME": name,
                "SYNC_MONITOR_LEASE_SECONDS": str(LEASE),
            }
            apps[name] = stack.enter_context(streamlit_app(server.url, **env))
        time.sleep(SETTLE)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        stack.callback(context.close)
        tabs = {
            name: [open_tab(context, url) for _ in range(TABS_EACH)]
            for name, (url, _) in apps.items()
        }
        pages = [p for each in tabs.values() for p in each]
        wait(pages[0], WARMUP)
        for page in pages:
            page.evaluate("window.__seen = {}")
        before, t0, wall0 = backend_requests(server.url)[0], time.monotonic(), time.time()
        wait(pages[0], WINDOW)
        per_min = (backend_requests(server.url)[0] - before) / (time.monotonic() - t0) * 60
        ms = [f * 1000 for f in freshness(pages, written, wall0)] or [float("nan")]
        fleet = Fleet(count, statistics.median(ms), percentile(ms, 95), len(ms), per_min)
        if count > 1:
            first = holder(history)
            assert first is not None, "nobody collects"
            apps[first][1].send_signal(signal.SIGKILL)
            killed, killed_wall = time.monotonic(), time.time()
            survivors = [p for name, each in tabs.items() if name != first for p in each]
            while holder(history) in (None, first):
                wait(survivors[0], 0.1)
            fleet.takeover_s = time.monotonic() - killed
            while not all(
                any(written.get(int(n), 0) > killed_wall for n in p.evaluate("window.__seen"))
                for p in survivors
            ):
                wait(survivors[0], 0.1)
            fleet.back_s = time.monotonic() - killed
    return fleet


def main() -> None:
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        fleets = []
        for count in (1, 3):
            fleet = run(browser, count)
            fleets.append(fleet)
            print(
                f"{count} replica(s): fresh p50 {show(fleet.p50_ms)} p95 {show(fleet.p95_ms)} "
                f"(n={fleet.samples}), {fleet.requests_per_min:.0f} backend requests/min"
                + (
                    f", takeover {fleet.takeover_s:.1f} s, tabs current again {fleet.back_s:.1f} s"
                    if fleet.takeover_s is not None and fleet.back_s is not None
                    else ""
                ),
                flush=True,
            )
        browser.close()
    minutes = (time.monotonic() - started) / 60
    rows = "\n".join(
        f"| {f.replicas} | {show(f.p50_ms)} | {show(f.p95_ms)} | {f.samples} | "
        f"{f.requests_per_min:.0f} | "
        + (f"{f.takeover_s:.1f} s | {f.back_s:.1f} s |" if f.takeover_s and f.back_s else "– | – |")
        for f in fleets
    )
    record(
        "replicas",
        f"""## Replicas: one against three, one collector

`python bench/replicas.py` (this run: {minutes:.1f} min on this 2-core machine): each replica
`streamlit run app.py` with `SYNC_MONITOR_COLLECTOR=elected` (lease {LEASE:.0f} s) on one
PostgreSQL, against the local API with the service's 100 requests/min limit, in the fan-out
scene ({WORKERS} workers, a long watched sync and short ones, a queue of {QUEUED_AT_START} kept
fed, {FAILURES} failures); {TABS_EACH} Chromium tabs on each replica. Over {WINDOW:.0f} s:
freshness in every tab (a progress event written by the local API → its count visible in that
tab; on the replicas that do not collect, by way of PostgreSQL: the journal's row, NOTIFY,
LISTEN, then that replica's push), the requests per minute the fleet sent the backend. With
three, the collector's process is then SIGKILLed: until another holds the lease, and until
every surviving tab shows a count written after the kill.

| replicas | freshness p50 | p95 | samples | backend req/min | takeover | tabs current again |
|---|---|---|---|---|---|---|
{rows}
""",
    )


if __name__ == "__main__":
    main()
