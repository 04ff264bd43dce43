"""Local API: time from the engine writing an event to a requests + sseclient-py reader having it.

Target (issue 2): every event within 50 ms. Runs the server in-process so that both ends share
one monotonic clock.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import requests
import sseclient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import record, summary_ms, table_row
from dotoro_local import Contract, LocalApiServer, ServerConfig
from dotoro_local.engine import Engine

EVENTS = 300


def main() -> None:
    config = ServerConfig(
        contract=Contract.PLAN,
        simulate=False,
        seed_history=False,
        rate_limit_per_minute=0,
        workers=0,
    )
    written: dict[int, float] = {}
    lock = threading.Lock()

    def instrument(engine: Engine) -> None:
        original = engine._publish

        def publish(job_id: str, type_: str, data: dict[str, object]) -> None:
            original(job_id, type_, data)
            job = engine.store.get_job(job_id)
            assert job is not None
            with lock:
                written[job.seq] = time.perf_counter()

        engine._publish = publish  # type: ignore[method-assign]

    with LocalApiServer(config).start() as server:
        server.call(instrument)
        created = requests.post(
            server.url + "/_local/sets",
            timeout=5,
            json={
                "name": "bench",
                "queue": True,
                "behaviour": {"campaigns": EVENTS, "seconds_per_campaign": 0.01},
            },
        ).json()
        url = (
            f"{server.url}/api/v1/campaign-sets/{created['setId']}/sync-stream"
            f"?jobId={created['jobId']}"
        )
        response = requests.get(url, stream=True, timeout=(5, 45))
        requests.post(server.url + "/_local/workers", json={"workers": 1}, timeout=5)
        received: dict[int, float] = {}
        for event in sseclient.SSEClient(response.iter_content(None)).events():
            if event.id:
                received[int(event.id)] = time.perf_counter()
            if event.event == "completed":
                break
        response.close()
    latencies = [received[seq] - written[seq] for seq in received if seq in written]
    ms = [v * 1000 for v in latencies]
    print(f"local API write -> sseclient-py reader: {summary_ms(latencies)}")
    record(
        "local-api-latency",
        f"""## Local API: event write → sseclient-py reader (chunked)

`bench/local_api_latency.py`: one job of {EVENTS} campaigns at 10 ms each on the plan contract;
latency from the engine writing each event to a `requests` + `sseclient-py` reader holding it.
Target: every event within 50 ms.

| events | p50 | p95 | p99 | max |
|---|---|---|---|---|
{table_row(ms)}
""",
    )


if __name__ == "__main__":
    main()
