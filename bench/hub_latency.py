"""Live engine: time from the local API writing a progress event to the hub's snapshot showing it.

Target (issue 3): p99 under 50 ms, on chunked streams and on non-chunked (close-delimited) ones,
which sseclient-py over a plain requests response would hold back in 128-byte reads.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.instrument import record_progress_writes
from bench.record import record, summary_ms, table_row
from dotoro_local import Contract, LocalApiServer, ServerConfig
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.live.hub import Hub
from sync_monitor.settings import load_settings
from tests.support.http10_proxy import Http10Proxy
from tests.support.hub import watching

CAMPAIGNS = 300


def run(chunked: bool) -> list[float]:
    config = ServerConfig(
        contract=Contract.PLAN,
        simulate=False,
        seed_history=False,
        rate_limit_per_minute=0,
        workers=1,
    )

    with LocalApiServer(config) as server:
        written = record_progress_writes(server)
        proxy = None if chunked else Http10Proxy(server.url).start()
        url = server.url if proxy is None else proxy.url
        hub = Hub(DotoroClient(url), load_settings(environ={}, poll_seconds=0.5)).start()
        seen: dict[int, float] = {}
        try:
            created = requests.post(
                server.url + "/_local/sets",
                timeout=5,
                json={
                    "name": "bench",
                    "queue": True,
                    "behaviour": {"campaigns": CAMPAIGNS, "seconds_per_campaign": 0.01},
                },
            ).json()
            job_id = created["jobId"]
            version = 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                version = hub.wait_for_change(version, 1.0)
                snap = hub.snapshot()
                now = time.perf_counter()
                live = watching(hub, job_id)
                cards = [a for a in snap.active if a.job_id == job_id]
                if cards:
                    seen.setdefault(cards[0].progress.done, now)
                if live is not None and live.outcome is not None:
                    break
        finally:
            hub.stop()
            if proxy is not None:
                proxy.stop()
    # Counts seen before the card first appeared measure the poll, not the stream: skip them.
    first = min(seen) if seen else 0
    return [seen[d] - written[d] for d in seen if d in written and d > first]


def main() -> None:
    threading.current_thread().name = "bench"
    rows = []
    for chunked in (True, False):
        latencies = run(chunked)
        label = "chunked" if chunked else "not chunked (HTTP/1.0, close-delimited)"
        print(f"{label}: {summary_ms(latencies)}")
        ms = [v * 1000 for v in latencies]
        rows.append(f"| {label} {table_row(ms)}")
    record(
        "hub-latency",
        f"""## Live engine: event write → hub snapshot

`bench/hub_latency.py`: one job of {CAMPAIGNS} campaigns at 10 ms each (plan contract); latency
from the local API writing each progress event to `Hub.snapshot()` showing the new count on the
job's card, read by a watcher woken by the hub's change signal. Target: p99 under 50 ms.

| stream | events | p50 | p95 | p99 | max |
|---|---|---|---|---|---|
{chr(10).join(rows)}
""",
    )


if __name__ == "__main__":
    main()
