"""Soak: thousands of jobs through the local API under stream faults and backend restarts.

`python bench/soak.py [--jobs 2000]`: the local API (plan contract) runs the jobs with 10 % of
its streams dropped mid-job and 5 % given a malformed and an unknown event, and is stopped and
started again twice (same port, same SQLite file), while `streamlit run app.py` stays open on it
in one Chromium tab. Figures (issue 8): jobs whose final counts as the monitor saw them differ
from the service's (target 0), threads at the end against the start (target: back to baseline),
RSS growth of the Streamlit process (target under 30 MB).

The monitor's hub lives inside the Streamlit process, so the correctness figure comes from a
second hub in this process (`WatchingHub`) on the same API; the Streamlit process and its tab
give the resource figures. The driver (`SoakPlan`, `Soak`, `WatchingHub`, `compare`) lives in
tests/support/soak.py, shared with the short soak of tests/integration/test_soak.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.soak import Soak, SoakPlan, Tally, WatchingHub, compare, rss_mb


# -- the benchmark --------------------------------------------------------------------------
@dataclass
class Resources:
    threads_start: int = 0  # the bench process with its hub started and idle
    threads_end: int = 0  # once the hub's consumers have finished
    threads_stopped: int = 0  # after hub.stop()
    peak_streams: int = 0
    streamlit_warm: float = 0.0  # MB of RSS after warm-up (a tenth of the jobs queued)
    streamlit_end: float = 0.0
    streamlit_peak: float = 0.0
    bench_warm: float = 0.0
    bench_end: float = 0.0
    page_errors: list[str] = field(default_factory=list)


def run(plan: SoakPlan) -> tuple[Tally, str, Resources]:
    """The soak with `streamlit run app.py` open in a Chromium tab the whole time."""
    from playwright.sync_api import sync_playwright

    from tests.support.hub import wait_for
    from tests.support.streamlit_app import CHROMIUM_ARGS, chromium_path, streamlit_app

    res = Resources()
    began = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="soak-") as folder,
        Soak(plan, Path(folder) / "api.sqlite3") as soak,
        # The default budget (90/min) is for a real service; here it would hold most streams back.
        streamlit_app(soak.url, SYNC_MONITOR_REQUESTS_PER_MINUTE="10000") as (url, proc),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda exc: res.page_errors.append(str(exc)))
        page.goto(url, wait_until="commit", timeout=120_000)
        page.wait_for_selector("[data-testid='stMetric']", timeout=120_000)
        hub = WatchingHub(soak.url)
        hub.start()
        wait_for(hub, lambda s: s.polled_at is not None, timeout=30)
        res.threads_start = threading.active_count()
        soak.start()
        warm, last_print = False, time.monotonic()
        while not soak.done.is_set():
            page.wait_for_timeout(500)  # the tab stays open and serviced
            res.streamlit_peak = max(res.streamlit_peak, rss_mb(proc.pid))
            res.peak_streams = max(res.peak_streams, hub.consumers.alive())
            if not warm and len(soak.job_ids) >= plan.jobs // 10:
                warm, res.streamlit_warm, res.bench_warm = True, rss_mb(proc.pid), rss_mb()
            if time.monotonic() - last_print > 30:
                last_print = time.monotonic()
                print(
                    f"{last_print - began:4.0f} s: {len(soak.job_ids)} jobs queued, backend "
                    f"life {soak.lives}, {hub.consumers.alive()} streams in the bench hub, "
                    f"Streamlit RSS {rss_mb(proc.pid):.0f} MB",
                    flush=True,
                )
        soak.join()
        wait_for(hub, lambda s: hub.consumers.alive() == 0, timeout=120)
        res.threads_end = threading.active_count()
        page.wait_for_timeout(5000)  # the page goes on refreshing on the finished state
        page.wait_for_selector("[data-testid='stMetric']", timeout=30_000)
        res.streamlit_end, res.bench_end = rss_mb(proc.pid), rss_mb()
        tally = compare(hub, soak.rows())
        described = tally.describe(soak)
        hub.stop()
        res.threads_stopped = threading.active_count()
        browser.close()
    return tally, described, res


def body(
    plan: SoakPlan, tally: Tally, res: Resources, elapsed: float, command: str, described: str
) -> str:
    states = ", ".join(f"{n} {state}" for state, n in sorted(tally.states.items()))
    low, high = plan.campaigns
    kinds = ""
    examples = (
        "\nThe first mismatches, as the hub read them (`|` marks its connections) and as the "
        f"service wrote them:\n\n```\n{described}\n```\n"
        if described
        else ""
    )
    threads = (
        f"{res.threads_start} → **{res.threads_end}** (peak {res.peak_streams} streams; "
        f"{res.threads_stopped} after `hub.stop()`)"
    )
    growth = res.streamlit_end - res.streamlit_warm
    streamlit = (
        f"{res.streamlit_warm:.0f} → {res.streamlit_end:.0f} MB (**{growth:+.1f} MB**, "
        f"peak {res.streamlit_peak:.0f} MB)"
    )
    bench = (
        f"{res.bench_warm:.0f} → {res.bench_end:.0f} MB ({res.bench_end - res.bench_warm:+.1f} MB)"
    )
    return f"""## Soak: {plan.jobs:,} jobs, dropped streams, malformed events, two backend restarts

`{command}`: the local API (plan contract, {plan.workers} workers, speed {plan.speed:g},
{plan.sets} sets of {low}–{high} campaigns, the simulator's failure rates) runs {plan.jobs:,} jobs
with `drop_rate={plan.drop_rate}` (streams end mid-job with no terminal event) and
`malformed_rate={plan.malformed_rate}` (a malformed and an unknown event); it is stopped and started
again on the same port and SQLite file after each third of the jobs, {plan.down_seconds:g} s away.
`streamlit run app.py` is open on it in one Chromium tab the whole time. The monitor's hub lives in
the Streamlit process, so a second hub in the bench process (status poll every 0.5 s) watches the
same API for the correctness figure: per job it streamed to its final frame, the final progress it
held against the service's final row (state, synced, failed, total).

| figure | value | target |
|---|---|---|
| jobs run (the service's final states) | {tally.jobs:,} ({states}) | |
| jobs the hub streamed to their final frame | {tally.to_the_end:,} | |
| … whose final counts differ from the service's | **{len(tally.mismatches)}** {kinds} | 0 |
| jobs streamed, stream stopped before their end | {tally.stopped_early} | |
| jobs never streamed (finished between two polls) | {tally.never} | |
| bench process threads: hub started → its streams finished | {threads} | back to baseline |
| Streamlit RSS: after warm-up → end | {streamlit} | growth under 30 MB |
| bench process RSS: after warm-up → end | {bench} | |
| errors in the page | {len(res.page_errors)} | 0 |
| run time | {elapsed / 60:.1f} min | under 10 min |

Warm-up: until a tenth of the jobs were queued. The bench process also holds the local API (its
SQLite file grows by every job's events) and the soak's own record of every job's frames.
Seed {plan.seed} (the same for every backend life: a restarted engine draws new ids).
{examples}"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Soak the monitor (see bench/soak.py).")
    parser.add_argument("--jobs", type=int, default=SoakPlan.jobs)
    plan = SoakPlan(jobs=parser.parse_args(argv).jobs)
    began = time.monotonic()
    tally, described, res = run(plan)
    command = "python bench/soak.py" + (f" --jobs {plan.jobs}" if argv else "")
    text = body(plan, tally, res, time.monotonic() - began, command, described)
    print(text)
    for error in res.page_errors[:5]:
        print("page error:", error)
    from bench.record import record

    record("soak", text)


if __name__ == "__main__":
    main(sys.argv[1:])
