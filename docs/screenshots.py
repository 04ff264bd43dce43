"""Screenshots of the live page for the docs: `python docs/screenshots.py`.

Starts the bundled local API in-process with a scripted busy scene (six syncs running on the
three platforms, one with rejected campaigns, a queue of seven, four failures with the
platforms' own error texts, 30 days of history for the charts), serves the real app with
`streamlit run`, and writes, with Debian's Chromium:

    docs/screenshot-light.png    1400 px wide, light colour scheme
    docs/screenshot-dark.png     1400 px wide, dark colour scheme (the theme follows the system)
    docs/screenshot-mobile.png   375 px wide
    docs/screenshot-head.png     1400 px wide, light, against the head contract (the service as
                                 deployed: no job ids, no live progress, no times or reasons)
    docs/screenshot-analysis.png 1400 px wide, light: the failure analysis of the last 7 of the
                                 30 seeded days against the 7 before (`--analysis-only` writes
                                 just this one)
    docs/screenshot-clients.png  375 px wide: the Clients page searched for one brand, its sets
                                 in words, named as `make run` names them (`--clients-only`
                                 writes just this one)

Streamlit scrolls inside its own container, so a full-page shot alone would cut the page: each
shot first grows the viewport to the height of the page's content.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dotoro_local import Contract  # noqa: E402
from dotoro_local.engine import Engine  # noqa: E402
from dotoro_local.platforms import CAMPAIGN_FAILURES, JOB_FAILURES  # noqa: E402
from tests.support.local_api import Api, quiet_config, running  # noqa: E402
from tests.support.streamlit_app import CHROMIUM_ARGS, chromium_path, streamlit_app  # noqa: E402

OUT = ROOT / "docs"
Scheme = Literal["light", "dark"]
WORKERS = 6

# (name, platform, campaigns, seconds per campaign, campaign indexes that are rejected)
# After RUN_SECONDS the scene's clock stops (see freeze_after): the fractions below are then
# 69 %, 39 %, 83 %, 11 %, 59 % and 13 %, however slow the machine.
RUN_SECONDS = 20.0
RUNNING: list[tuple[str, str, int, float, list[int]]] = [
    ("Acme Outdoor – Black Friday Retargeting US", "reddit", 64, 0.45, []),
    ("Nimbus Coffee – Q4 Holiday Promo UK", "google", 320, 0.16, []),
    ("Lumen Skincare – Lookalike Audiences EU", "meta", 120, 0.2, [2, 5, 9, 14, 21]),
    ("Peak Fitness – App Installs DE", "meta", 210, 0.9, []),
    ("Orbit Mobile – Cyber Monday Prospecting CA", "google", 85, 0.4, []),
    ("Volt Energy – Always-on Search AU", "reddit", 150, 1.0, []),
]
QUEUED: list[tuple[str, str, int]] = [
    ("Harbor Bank – Lead Gen US", "google", 40),
    ("Fable Books – Spring Launch UK", "meta", 18),
    ("Kite Travel – Video Views FR", "reddit", 75),
    ("Maple Home – Brand Awareness CA", "google", 260),
    ("Acme Outdoor – Q4 Holiday Promo DE", "reddit", 12),
    ("Nimbus Coffee – App Installs Global", "meta", 96),
    ("Peak Fitness – Black Friday Retargeting EU", "google", 140),
]


def job_error(platform: str, kind: str) -> str:
    return next(m.message for m in JOB_FAILURES[platform] if m.kind == kind)


FAILED: list[tuple[str, str, str]] = [
    ("Orbit Mobile – Lookalike Audiences US", "reddit", job_error("reddit", "rate_limit")),
    ("Harbor Bank – Brand Awareness AU", "google", job_error("google", "auth")),
    ("Lumen Skincare – Video Views FR", "meta", job_error("meta", "outage")),
    ("Kite Travel – Always-on Search DE", "meta", job_error("meta", "timeout")),
]


def freeze_after(api: Api, seconds: float) -> None:
    """Stop the simulation's clock `seconds` from now: no sync advances, ends or starts after.

    The shots then show the same scene whatever the time they take (a loaded machine, a slow
    first page load), instead of syncs that finished or a queue that drained meanwhile.
    """
    stop_at = time.time() + seconds

    def install(engine: Engine) -> None:
        engine.clock = lambda: min(time.time(), stop_at)

    api.server.call(install)


def build_scene(api: Api) -> None:
    """The busy Monday morning the screenshots show."""
    for name, platform, error in FAILED:
        api.create_set(name=name, platform=platform, failed_error=error)
    rejected = next(m.message for m in CAMPAIGN_FAILURES["meta"] if m.kind == "validation")
    for name, platform, campaigns, seconds, bad in RUNNING:
        behaviour: dict[str, Any] = {"campaigns": campaigns, "seconds_per_campaign": seconds}
        if bad:
            behaviour.update(fail_campaigns=bad, campaign_error=rejected)
        api.create_set(name=name, platform=platform, behaviour=behaviour, queue=True)
    for name, platform, campaigns in QUEUED:
        behaviour = {"campaigns": campaigns, "seconds_per_campaign": 0.5}
        api.create_set(name=name, platform=platform, behaviour=behaviour, queue=True)


def wait_ready(page: Page, head: bool = False) -> None:
    """Every section drawn with data, every chart rendered, no script run in progress. On head
    there is no live progress, no error text and no history: one chart (syncs by state)."""
    page.wait_for_selector("[data-testid='stApp']")
    if head:
        expect(page.get_by_text("live progress not available").first).to_be_visible(timeout=30_000)
    else:
        expect(page.get_by_text("of 320 campaigns synced")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(re.compile(r"\d+ (campaigns )?failed"))).to_be_visible()
    cards = page.locator(".sm-card:not(.sm-placeholder)")  # the push component's cards
    expect(cards).to_have_count(len(RUNNING), timeout=30_000)
    expect(page.get_by_text(f"#{min(3, len(QUEUED))}", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stExpander").filter(has_text=FAILED[0][0])).to_be_visible()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(1 if head else 3, timeout=30_000)
    for chart in charts.all():
        expect(chart.locator("svg, canvas").first).to_be_attached(timeout=30_000)
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")


def content_height(page: Page) -> int:
    """Bottom of everything Streamlit drew, including what its own container has scrolled."""
    height: int = page.evaluate(
        """() => {
            const blocks = document.querySelector("[data-testid='stMainBlockContainer']");
            const content = blocks.firstElementChild || blocks;
            const main = document.querySelector("[data-testid='stMain']");
            const scrolled = main ? main.scrollTop : 0;
            return Math.ceil(content.getBoundingClientRect().bottom + scrolled + window.scrollY);
        }"""
    )
    return height


def fit_to_content(page: Page, width: int) -> None:
    """Size the viewport to the content, so nothing scrolls inside Streamlit's container."""
    for _ in range(5):
        height = max(600, content_height(page) + 48)
        if page.viewport_size == {"width": width, "height": height}:
            return
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)  # let the layout settle (charts resize) before measuring again


def is_dark(page: Page) -> bool:
    """Whether the app is drawn on a dark background."""
    luminance: float = page.evaluate(
        """() => {
            const bg = getComputedStyle(document.querySelector("[data-testid='stApp']"))
                .backgroundColor.match(/\\d+/g).map(Number);
            return (0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2]) / 255;
        }"""
    )
    return luminance < 0.3


def open_page(
    browser: Browser, url: str, *, width: int, scheme: Scheme, mobile: bool, head: bool = False
) -> Page:
    """A page on the app in a fresh browser context, every section loaded."""
    context = browser.new_context(
        viewport={"width": width, "height": 2000},
        color_scheme=scheme,
        is_mobile=mobile,
        has_touch=mobile,
    )
    page = context.new_page()
    page.goto(url)
    wait_ready(page, head)
    return page


def capture(page: Page, path: Path, width: int, head: bool = False) -> None:
    """Open the newest failure, fit the viewport to the page, and write the PNG."""
    # The expanded failure shows the category, the advice, the full error and Retry.
    failure = page.get_by_test_id("stExpander").filter(has_text=FAILED[-1][0])
    if failure.locator("details[open]").count() == 0:
        failure.locator("summary").click()
    if head:  # the service as deployed gives no error text (§3.4)
        expect(failure.get_by_text("did not say when")).to_be_visible()
    else:
        expect(failure.get_by_test_id("stCode")).to_be_visible()
    page.mouse.move(0, 0)  # no hover effects in the picture
    fit_to_content(page, width)
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    print(f"wrote {path.relative_to(ROOT)} ({width}×{page.viewport_size['height']})")  # type: ignore[index]
    page.context.close()


def main() -> None:
    chromium = chromium_path()
    if chromium is None:
        sys.exit("Chromium not found: apt-get install chromium (or set CHROMIUM).")
    config = quiet_config(contract=Contract.PLAN, workers=WORKERS, seed_history=True)
    # Frozen syncs make no progress: no "stalled" warning on them in the pictures.
    app_env = {"SYNC_MONITOR_STALL_SECONDS": "3600"}
    with running(config) as api:
        freeze_after(api, RUN_SECONDS)
        build_scene(api)
        frozen_at = time.monotonic() + RUN_SECONDS
        with streamlit_app(api.url, **app_env) as (url, _), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                # The first viewer starts the app's hub: open it at once, so the hub sees the
                # syncs progress (and has a rate and an ETA for each) before the clock stops.
                light = open_page(browser, url, width=1400, scheme="light", mobile=False)
                time.sleep(max(0.0, frozen_at + 1 - time.monotonic()))
                capture(light, OUT / "screenshot-light.png", 1400)
                mobile = open_page(browser, url, width=375, scheme="light", mobile=True)
                capture(mobile, OUT / "screenshot-mobile.png", 375)
                dark = open_page(browser, url, width=1400, scheme="dark", mobile=False)
                if not is_dark(dark):
                    sys.exit(
                        "The app stays light for a viewer whose system is dark, so "
                        "docs/screenshot-dark.png was not written. A [theme] option without "
                        "`base` in .streamlit/config.toml pins Streamlit's light theme: set "
                        "colours under [theme.light] and [theme.dark] instead."
                    )
                capture(dark, OUT / "screenshot-dark.png", 1400)
                analysis_shot(browser, url)
            finally:
                browser.close()
    head_shot(chromium, app_env)
    clients_only(chromium)


def analysis_shot(browser: Browser, url: str) -> None:
    """The failure analysis of the last 7 days, compared with the 7 before, as a shared link
    opens it: the history the recorder filled from the backend's listing of its jobs."""
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, color_scheme="light")
    page = context.new_page()
    page.goto(f"{url}/analysis?window=7d&compare=1")
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(3, timeout=60_000)
    for chart in charts.all():
        expect(chart.locator("svg, canvas").first).to_be_attached(timeout=30_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
    page.mouse.move(0, 0)
    fit_to_content(page, 1400)
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")
    path = OUT / "screenshot-analysis.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    print(f"wrote {path.relative_to(ROOT)} (1400×{page.viewport_size['height']})")  # type: ignore[index]
    context.close()


def analysis_only(chromium: str) -> None:
    config = quiet_config(contract=Contract.PLAN, workers=WORKERS, seed_history=True)
    with running(config) as api:
        build_scene(api)
        with streamlit_app(api.url) as (url, _), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                analysis_shot(browser, url)
            finally:
                browser.close()


def clients_shot(browser: Browser, url: str) -> None:
    """The Clients page on a phone, searched for one brand: its sets and their states."""
    context = browser.new_context(
        viewport={"width": 375, "height": 2000}, color_scheme="light", is_mobile=True
    )
    page = context.new_page()
    page.goto(f"{url}/clients")
    expect(page.get_by_test_id("stExpander").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Reading the sync history")).to_have_count(0, timeout=60_000)
    page.get_by_placeholder("Client or campaign name").press_sequentially("nimbus", delay=40)
    expect(page.get_by_test_id("stExpander")).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("button", name="Open this client alone")).to_be_visible()
    page.mouse.move(0, 0)
    fit_to_content(page, 375)
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached")
    path = OUT / "screenshot-clients.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    print(f"wrote {path.relative_to(ROOT)} (375×{page.viewport_size['height']})")  # type: ignore[index]
    context.close()


def clients_only(chromium: str) -> None:
    """The busy scene with 30 seeded days, its ad accounts named as `make run` names them."""
    config = quiet_config(contract=Contract.PLAN, workers=WORKERS, seed_history=True)
    with running(config) as api:
        build_scene(api)
        names = json.dumps(api.server.ad_account_names())
        env = {"SYNC_MONITOR_CLIENT_NAMES": names, "SYNC_MONITOR_STALL_SECONDS": "3600"}
        with streamlit_app(api.url, **env) as (url, _), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                clients_shot(browser, url)
            finally:
                browser.close()


def head_shot(chromium: str, app_env: dict[str, str]) -> None:
    """The same scene against the service as deployed (no job ids, no progress, no times)."""
    config = quiet_config(contract=Contract.HEAD, workers=WORKERS, seed_history=False)
    with running(config) as api:
        freeze_after(api, RUN_SECONDS)
        build_scene(api)
        frozen_at = time.monotonic() + RUN_SECONDS
        with streamlit_app(api.url, **app_env) as (url, _), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = open_page(browser, url, width=1400, scheme="light", mobile=False, head=True)
                time.sleep(max(0.0, frozen_at + 1 - time.monotonic()))
                capture(page, OUT / "screenshot-head.png", 1400, head=True)
            finally:
                browser.close()


if __name__ == "__main__":
    if sys.argv[1:] in (["--head-only"], ["--analysis-only"], ["--clients-only"]):
        found = chromium_path()
        if found is None:
            sys.exit("Chromium not found: apt-get install chromium (or set CHROMIUM).")
        if sys.argv[1] == "--head-only":
            head_shot(found, {"SYNC_MONITOR_STALL_SECONDS": "3600"})
        elif sys.argv[1] == "--clients-only":
            clients_only(found)
        else:
            analysis_only(found)
    else:
        main()
