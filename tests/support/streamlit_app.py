"""Serve the real app with `streamlit run` and drive it with Debian's Chromium (Playwright).

Shared by the browser tests, the browser benchmarks and docs/screenshots.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def chromium_path() -> str | None:
    """Debian's Chromium (CHROMIUM overrides); None when it is not installed."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


@contextmanager
def streamlit_app(api_url: str, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run app.py` on a free port against `api_url`; yields (url, process). Its
    audit trail goes to a temporary file unless `env` names one."""
    port = free_port()
    scratch = tempfile.TemporaryDirectory(prefix="sync-monitor-app-")
    env = {"SYNC_MONITOR_AUDIT_PATH": str(Path(scratch.name) / "audit.sqlite3"), **env}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, "SYNC_MONITOR_API_URL": api_url, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/_stcore/health", timeout=1).text == "ok":
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        scratch.cleanup()
