"""The hosted profile started as the image would start it (the Dockerfile's CMD and ENV; the
image itself cannot be built here): Streamlit's health route answers the image's HEALTHCHECK,
and without an [auth] section nobody gets in, whatever the backend holds."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.dockerfile import ROOT, image
from tests.support.local_api import Api, quiet_config, running
from tests.support.streamlit_app import free_port
from tests.support.waiting import ms, seconds, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def api() -> Iterator[Api]:
    with running(quiet_config(workers=0)) as started:
        yield started


def test_the_image_start_command_serves_health_and_lets_nobody_in_without_sign_in(
    api: Api, browser: Browser, tmp_path: Path
) -> None:
    docker = image()
    port = str(free_port())
    start = [sys.executable, "-m", *[port if a == "8501" else a for a in docker.cmd]]
    health = [sys.executable, *[a.replace(":8501/", f":{port}/") for a in docker.health_cmd[1:]]]
    api.create_set(name="Secret set", failed_error="boom")
    env = {
        **os.environ,
        **docker.env,
        "SYNC_MONITOR_API_URL": api.url,
        "SYNC_MONITOR_AUDIT_PATH": str(tmp_path / "audit.sqlite3"),
        "SYNC_MONITOR_HISTORY_URL": f"sqlite:///{tmp_path / 'history.sqlite3'}",
    }
    server = subprocess.Popen(
        start, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:

        def healthy() -> bool:
            assert server.poll() is None, "the start command exited"
            return subprocess.run(health, capture_output=True, check=False).returncode == 0

        wait_until(healthy, "the image's health check", timeout=60, every=0.5)

        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}")
            expect(page.get_by_text("This monitor requires sign-in")).to_be_visible(timeout=ms(30))
            # The monitor has read the backend (the set is in its hub): still nothing shown.
            wait_until(
                lambda: "GET /api/v1/sync/status" in api.get("/_local/stats").json(), "a poll"
            )
            page.reload()
            expect(page.get_by_text("This monitor requires sign-in")).to_be_visible()
            expect(page.get_by_text("Secret set")).to_have_count(0)
            expect(page.get_by_role("button")).to_have_count(0)
        finally:
            context.close()
    finally:
        server.terminate()
        server.wait(seconds(15))
