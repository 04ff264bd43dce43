"""Browser tests: the real app under `streamlit run`, driven by Debian's Chromium (Playwright).

No Chromium: the tests are skipped on a workstation, and fail under CI (CI set), which must
never pass by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from dotoro_local import Contract, ServerConfig
from tests.support.browser import Live
from tests.support.local_api import quiet_config, running
from tests.support.streamlit_app import CHROMIUM_ARGS, chromium_path, serve
from tests.support.waiting import ms

POLL_SECONDS = "0.5"
# Playwright's own default for `expect` is 5 s: too short for a busy machine.
expect.set_options(timeout=ms(15))
VIEWPORT = {"width": 1400, "height": 1800}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        reason = "Chromium not found (apt-get install chromium, or set CHROMIUM to its path)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests, not skip them")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Mark a test whose body failed, for its fixtures' teardown (the server's log)."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
def live(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Live]]:
    """Start a local API (plan contract unless `contract=`), the app, and a fresh page."""
    with ExitStack() as stack:

        def start(
            contract: Contract = Contract.PLAN,
            app_env: dict[str, str] | None = None,
            app_log: Path | None = None,
            defaults: bool = False,
            app_port: int | None = None,
            app_secrets: str | None = None,
            **config: Any,
        ) -> Live:
            """`defaults`: the bundled API and the monitor as `make run` starts them (the
            workload simulator, 30 seeded days, the monitor's own poll interval). `app_port`,
            `app_secrets`: the app's port and its secrets.toml text (`serve`'s `port`,
            `secrets`), e.g. for sign-in (tests/support/oidc.py)."""
            if defaults:
                api = stack.enter_context(running(ServerConfig(contract=contract, **config)))
                env = app_env or {}
            else:
                api = stack.enter_context(running(quiet_config(contract=contract, **config)))
                env = {"SYNC_MONITOR_POLL_SECONDS": POLL_SECONDS, **(app_env or {})}
            url, _ = stack.enter_context(
                serve(
                    api.url,
                    env,
                    app_log,
                    port=app_port,
                    secrets=app_secrets,
                    failed=lambda: request.node.stash.get(FAILED, False),
                )
            )
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            stack.callback(context.close)
            context.set_default_timeout(ms(20))
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            return Live(api, url, page, errors)

        yield start
