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
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen
from typing import IO

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


def streamlit_app(api_url: str, **env: str) -> ContextManager[tuple[str, Popen[bytes]]]:
    """`streamlit run app.py` on a free port against `api_url`; yields (url, process). Its
    audit trail and history go to temporary files unless `env` names them."""
    return serve(api_url, env)


@contextmanager
def serve(
    api_url: str, env: dict[str, str], log: Path | None = None
) -> Iterator[tuple[str, Popen[bytes]]]:
    """`streamlit_app`; with `log`, the server logs everything, Streamlit's and the
    monitor's, at debug level into that file."""
    port = free_port()
    scratch = tempfile.TemporaryDirectory(prefix="sync-monitor-app-")
    env = {
        "SYNC_MONITOR_AUDIT_PATH": str(Path(scratch.name) / "audit.sqlite3"),
        "SYNC_MONITOR_HISTORY_URL": f"sqlite:///{Path(scratch.name) / 'history.sqlite3'}",
        **env,
    }
    debug = ["--logger.level", "debug"] if log else []
    if log:
        env["SYNC_MONITOR_LOG_LEVEL"] = "debug"
    output: IO[bytes] | int = log.open("wb") if log else subprocess.DEVNULL
    proc = Popen(
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
            *debug,
        ],
        cwd=ROOT,
        env={**os.environ, "SYNC_MONITOR_API_URL": api_url, **env},
        stdout=output,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )
    if not isinstance(output, int):
        output.close()  # the child has its own copy
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
