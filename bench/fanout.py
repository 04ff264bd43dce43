"""Fan-out: what each open tab costs the one Streamlit process, pushed vs the timed fallback.

`streamlit run app.py` at the defaults against the local API with 10 active jobs; real Chromium
tabs (one browser) open on the live page at 1, 5, 10 and 25 tabs. At each count, over a window:
freshness in the first tab (a progress event written by the local API → the new count visible,
both on this machine's wall clock), the Streamlit process's CPU and RSS, and the requests per
minute the monitor sends the backend. Then the jobs are cancelled and the idle cost per tab is
measured (25 tabs against 1, nothing changing). The same for the fragment fallback
(SYNC_MONITOR_PUSH=false), in the same run. One command: `python bench/fanout.py` (< 10 min).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.instrument import record_progress_writes
from bench.record import percentile, record
from dotoro_local import Contract, LocalApiServer, ServerConfig
from tests.support.streamlit_app import CHROMIUM_ARGS, chromium_path, streamlit_app

JOBS, WATCHED_TOTAL, OTHERS_TOTAL = 10, 4999, 5000
SECONDS_EACH = 0.4
TABS = (1, 5, 10, 25)
WARMUP, WINDOW, IDLE_WINDOW = 4.0, 16.0, 12.0
TICKS = os.sysconf("SC_CLK_TCK")
# In the first tab: when each new count of the watched job first shows, wherever it is drawn
# (the push component's shadow root, or the page Streamlit draws).
OBSERVER = """(total) => {
  window.__seen = {};
  const re = new RegExp("(\\\\d+) of " + total + " campaigns synced");
  const roots = () => [document.body, ...[...document.querySelectorAll('*')]
    .filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  const look = () => {
    for (const root of roots()) {
      const m = root.textContent.match(re);
      if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = Date.now();
    }
  };
  const watch = (root) => new MutationObserver(look).observe(root,
    {subtree: true, childList: true, characterData: true, attributes: true});
  watch(document.body);
  const hooked = new Set();
  setInterval(() => {
    for (const r of roots()) if (!hooked.has(r)) { hooked.add(r); watch(r); }
  }, 200);
}"""


@dataclass
class Step:
    tabs: int
    p50_ms: float
    p95_ms: float
    seen: int
    cpu: float  # share of one core
    rss_mb: float
    requests_per_min: float


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def backend_requests(url: str) -> int:
    stats = requests.get(url + "/_local/stats", timeout=5).json()
    return sum(v for k, v in stats.items() if "/_local/" not in k and isinstance(v, int))


def wait(page: Page, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        page.wait_for_timeout(250)  # keeps Playwright's loop, and so every tab, serviced


def settle(pid: int, page: Page, quiet: float = 0.05, longest: float = 90.0) -> None:
    """Wait until the process has calmed down: under `quiet` of a core over 3 s."""
    end = time.monotonic() + longest
    while time.monotonic() < end:
        before, started = cpu_seconds(pid), time.monotonic()
        wait(page, 3.0)
        if (cpu_seconds(pid) - before) / (time.monotonic() - started) < quiet:
            return


def open_tab(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url, wait_until="commit", timeout=180_000)
    page.wait_for_selector("[data-testid='stApp']", timeout=180_000)
    return page


def measure(pid: int, api_url: str, first: Page, written: dict[int, float], tabs: int) -> Step:
    wait(first, WARMUP)
    first.evaluate("window.__seen = {}")
    cpu0, req0, t0, wall0 = (
        cpu_seconds(pid),
        backend_requests(api_url),
        time.monotonic(),
        time.time(),
    )
    wait(first, WINDOW)
    elapsed = time.monotonic() - t0
    cpu = (cpu_seconds(pid) - cpu0) / elapsed
    per_min = (backend_requests(api_url) - req0) / elapsed * 60
    seen = first.evaluate("window.__seen")
    fresh = [
        seen[str(n)] / 1000 - at for n, at in written.items() if str(n) in seen and at >= wall0
    ]
    ms = [max(0.0, f) * 1000 for f in fresh] or [float("nan")]
    return Step(
        tabs, statistics.median(ms), percentile(ms, 95), len(fresh), cpu, rss_mb(pid), per_min
    )


def run(browser: Browser, push: bool) -> tuple[list[Step], float]:
    config = ServerConfig(
        contract=Contract.PLAN, simulate=False, seed_history=False, workers=JOBS
    )  # the service's own 100 requests/min limit stays on
    env = {"SYNC_MONITOR_PUSH": "true" if push else "false"}
    with LocalApiServer(config) as server, streamlit_app(server.url, **env) as (url, proc):
        written = record_progress_writes(server, time.time, total=WATCHED_TOTAL)
        jobs = []
        for n in range(JOBS):
            total = WATCHED_TOTAL if n == 0 else OTHERS_TOTAL
            created = requests.post(
                server.url + "/_local/sets",
                timeout=5,
                json={
                    "name": f"Watched set {n + 1}",
                    "platform": ("reddit", "google", "meta")[n % 3],
                    "queue": True,
                    "behaviour": {"campaigns": total, "seconds_per_campaign": SECONDS_EACH},
                },
            ).json()
            jobs.append(created["jobId"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pages = [open_tab(context, url)]
        pages[0].evaluate(OBSERVER, WATCHED_TOTAL)
        steps = []
        for tabs in TABS:
            while len(pages) < tabs:
                pages.append(open_tab(context, url))
            step = measure(proc.pid, server.url, pages[0], written, tabs)
            steps.append(step)
            label = "push" if push else "fallback"
            print(
                f"{label:>8} {tabs:>2} tabs: fresh p50 {step.p50_ms:.0f} ms p95 {step.p95_ms:.0f}"
                f" ms (n={step.seen}), CPU {step.cpu * 100:.1f}%, RSS {step.rss_mb:.0f} MB, "
                f"{step.requests_per_min:.0f} backend requests/min",
                flush=True,
            )
        # Idle: nothing changes any more; what does a tab cost then? (Once every tab has drawn
        # the cancellations: each is a change that reruns every tab's sections once.)
        for job in jobs:
            requests.post(f"{server.url}/api/v1/sync/{job}/cancel", timeout=5)
        # (The fallback never calms down: its timers rerun every tab whatever changes.)
        settle(proc.pid, pages[0]) if push else wait(pages[0], 6.0)
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        wait(pages[0], IDLE_WINDOW)
        idle_many = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0)
        for page in pages[1:]:
            page.close()
        settle(proc.pid, pages[0]) if push else wait(pages[0], 6.0)
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        wait(pages[0], IDLE_WINDOW)
        idle_one = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0)
        context.close()
    per_idle_tab = (idle_many - idle_one) / (TABS[-1] - 1)
    print(f"{'push' if push else 'fallback':>8} idle: {share(per_idle_tab)} of a core per tab")
    return steps, per_idle_tab


def share(value: float) -> str:
    """A share of one core; a small negative figure (two noisy windows) reads as 0."""
    return f"{max(value, 0.0) * 100:.2f}%"


def ms(value: float) -> str:
    return "none shown" if value != value else f"{value:.0f} ms"  # NaN: no count shown at all


def table(steps: list[Step]) -> str:
    return "\n".join(
        f"| {s.tabs} | {ms(s.p50_ms)} | {ms(s.p95_ms)} | {s.seen} | {s.cpu * 100:.1f}% | "
        f"{s.rss_mb:.0f} MB | {s.requests_per_min:.0f} |"
        for s in steps
    )


def main() -> None:
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        pushed, push_idle = run(browser, push=True)
        timed, timed_idle = run(browser, push=False)
        browser.close()
    minutes = (time.monotonic() - started) / 60
    head = (
        "| tabs | freshness p50 | p95 | counts seen | server CPU | server RSS | backend req/min |"
    )
    rule = "|---|---|---|---|---|---|---|"
    ten = next(s for s in pushed if s.tabs == 10)
    record(
        "fanout",
        f"""## Fan-out: push vs the timed fallback, 1 to 25 tabs (issue 9)

`python bench/fanout.py` (this run: {minutes:.1f} min on this 2-core machine):
`streamlit run app.py` at the defaults against the local API with {JOBS} active jobs (one
event every {SECONDS_EACH} s each, the service's 100 requests/min limit on); Chromium tabs of one
browser on the live page. Per tab count, over {WINDOW:.0f} s after {WARMUP:.0f} s: freshness in the
first tab (a progress event written → its count visible, one wall clock), the Streamlit process's
CPU (share of one core, all threads) and RSS, and the requests per minute the monitor sent the
backend. Idle: the jobs cancelled, 25 tabs against 1 over {IDLE_WINDOW:.0f} s, per extra tab.

**Push** (the default):

{head}
{rule}
{table(pushed)}

Idle: **{share(push_idle)} of a core per additional tab**.

**Fallback** (`SYNC_MONITOR_PUSH=false`: fragments on 1 s and 3 s timers, as before issue 9):

{head}
{rule}
{table(timed)}

Idle: **{share(timed_idle)} of a core per additional tab**.

Targets: p95 ≤ 250 ms at 10 tabs (push: {ten.p95_ms:.0f} ms); ≤ 1 % of a core per additional
idle tab (push: {share(push_idle)}); backend requests per minute the same at 1 and 25 tabs
and under 100 (push: {pushed[0].requests_per_min:.0f} and {pushed[-1].requests_per_min:.0f}).
""",
    )


if __name__ == "__main__":
    main()
