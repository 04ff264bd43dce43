"""CPU that each additional viewer costs the Streamlit server while watching 10 active jobs, with
the timed fallback (SYNC_MONITOR_PUSH=false, the page before issue 9; push: bench/fanout.py).

`streamlit run app.py` against the local API with 10 long jobs; 0, 1, 5 and 10 Chromium pages
open on the live page; the server process's own CPU time (/proc) over a fixed window each.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import requests
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import record
from dotoro_local import Contract, LocalApiServer, ServerConfig
from tests.support.streamlit_app import CHROMIUM_ARGS, chromium_path, streamlit_app

JOBS, WINDOW, WARMUP = 10, 20.0, 6.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its threads, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(pid: int, pages: list[Page]) -> float:
    """Server CPU share (cores) over WINDOW seconds, after WARMUP."""
    end = time.monotonic() + WARMUP
    while time.monotonic() < end:
        for page in pages[:1]:
            page.wait_for_timeout(200)
        if not pages:
            time.sleep(0.2)
    before, started = cpu_seconds(pid), time.monotonic()
    end = started + WINDOW
    while time.monotonic() < end:
        if pages:
            pages[0].wait_for_timeout(500)  # keeps Playwright's loop (and every page) serviced
        else:
            time.sleep(0.5)
    return (cpu_seconds(pid) - before) / (time.monotonic() - started)


def main() -> None:
    config = ServerConfig(
        contract=Contract.PLAN,
        simulate=False,
        seed_history=False,
        rate_limit_per_minute=0,
        workers=JOBS,
    )
    results: dict[int, float] = {}
    with (
        LocalApiServer(config) as server,
        streamlit_app(server.url, SYNC_MONITOR_PUSH="false") as (url, proc),
    ):
        for n in range(JOBS):
            requests.post(
                server.url + "/_local/sets",
                timeout=5,
                json={
                    "name": f"Watched set {n + 1}",
                    "platform": ("reddit", "google", "meta")[n % 3],
                    "queue": True,
                    "behaviour": {"campaigns": 5000, "seconds_per_campaign": 0.4},
                },
            )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            pages: list[Page] = []
            for viewers in (0, 1, 5, 10):
                while len(pages) < viewers:
                    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                    page.goto(url, wait_until="commit", timeout=120_000)
                    page.wait_for_selector("[data-testid='stApp']", timeout=120_000)
                    pages.append(page)
                results[viewers] = measure(proc.pid, pages)
                print(f"{viewers:>2} viewers: server CPU {results[viewers] * 100:.1f}% of a core")
            browser.close()
    per_viewer = (results[10] - results[1]) / 9
    print(f"each additional viewer: {per_viewer * 100:.1f}% of a core")
    rows = "\n".join(f"| {v} | {c * 100:.1f}% |" for v, c in results.items())
    record(
        "viewer-cpu",
        f"""## Live page, timed fallback: server CPU per viewer, 10 active jobs

`bench/viewer_cpu.py`: `streamlit run app.py` with `SYNC_MONITOR_PUSH=false` (the fragment-only
page of before issue 9; push figures: the fan-out section) against the local API with
{JOBS} active jobs streaming progress; Chromium pages open on the live page; the Streamlit
process's CPU (user + system, all threads) over {WINDOW:.0f} s after {WARMUP:.0f} s of warm-up.
0 viewers is the shared hub alone (one poller, {JOBS} stream consumers).

| viewers | server CPU (share of one core) |
|---|---|
{rows}

Each additional viewer costs about **{per_viewer * 100:.1f}% of a core** ((10 viewers − 1) / 9).
Issue 9's push replaces this per-viewer cost (see the fan-out section).
""",
    )


if __name__ == "__main__":
    main()
