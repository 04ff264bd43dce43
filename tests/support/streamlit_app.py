"""Serve the real app with `streamlit run` and drive it with Debian's Chromium (Playwright).

Shared by the browser tests, the browser benchmarks and docs/screenshots.py.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen

from tests.support.waiting import seconds, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
LOG_TAIL = 200  # lines of the server's log shown when a test fails
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


_handed_out: set[int] = set()


def _ephemeral() -> range:
    """The ports the system hands out for port 0 (Linux: ip_local_port_range)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_port() -> int:
    """A loopback port nothing listens on, for a server started later. Outside the system's
    ephemeral range: a port chosen here and bound a moment later could otherwise be handed to
    another server binding port 0 meanwhile (the local API, the OpenID provider), and the
    later one would fail to start. Never the same port twice in one test process."""
    ephemeral = _ephemeral()
    for _ in range(200):
        port = random.randint(10000, min(ephemeral.start, 65536) - 1)
        if port in _handed_out or port in ephemeral:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise AssertionError("no free loopback port outside the ephemeral range")


def chromium_path() -> str | None:
    """Debian's Chromium (CHROMIUM overrides); None when it is not installed."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


def streamlit_run(script: Path, port: int) -> list[str]:
    """The command that serves `script` as the tests do: on loopback, headless, no telemetry,
    no file watcher."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
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
    ]


def streamlit_app(api_url: str, **env: str) -> ContextManager[tuple[str, Popen[bytes]]]:
    """`streamlit run app.py` on a free port against `api_url`; yields (url, process). Its
    audit trail and history go to temporary files unless `env` names them."""
    return serve(api_url, env)


@contextmanager
def serve(
    api_url: str,
    env: dict[str, str],
    log: Path | None = None,
    expected_errors: tuple[str, ...] = (),
    *,
    port: int | None = None,
    secrets: str | None = None,
    failed: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[str, Popen[bytes]]]:
    """`streamlit_app`; with `log`, the server logs everything, Streamlit's and the
    monitor's, at debug level into that file. `port`: the app's (else a free one), for what
    must name it before it starts (a sign-in redirect_uri). `secrets`: the text of a
    secrets.toml (e.g. an [auth] section), the app's only secrets file then, so that a
    developer's own .streamlit/secrets.toml stays out of the test.

    The server's output is kept either way: when the block ends without an exception, an error
    the monitor logged, or a script error Streamlit caught, fails it (as the `logged_errors`
    fixture does in-process), unless it matches one of `expected_errors` (regular expressions).
    When the block raises, or `failed()` says the test failed (a fixture's server outlives the
    test's own block), the log's last lines are printed: the first thing to read of a failure.
    """
    port = free_port() if port is None else port
    scratch = tempfile.TemporaryDirectory(prefix="sync-monitor-app-")
    command = streamlit_run(APP, port)
    if secrets is not None:
        secrets_file = Path(scratch.name) / "secrets.toml"
        secrets_file.write_text(secrets)
        command += ["--secrets.files", str(secrets_file)]
    env = {
        "SYNC_MONITOR_AUDIT_PATH": str(Path(scratch.name) / "audit.sqlite3"),
        "SYNC_MONITOR_HISTORY_URL": f"sqlite:///{Path(scratch.name) / 'history.sqlite3'}",
        **env,
    }
    debug = ["--logger.level", "debug"] if log else []
    if log:
        env["SYNC_MONITOR_LOG_LEVEL"] = "debug"
    log = log or Path(scratch.name) / "server.log"
    with log.open("wb") as output:  # the child has its own copy
        proc = Popen(
            [*command, *debug],
            cwd=ROOT,
            env={**os.environ, "SYNC_MONITOR_API_URL": api_url, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(
            url + "/_stcore/health",
            "streamlit's health check",
            ok=lambda r: r.text == "ok",
            alive=lambda: proc.poll() is None,
        )
        try:
            yield url, proc
        except BaseException:
            stop(proc)
            _show_tail(log, url)
            raise
        stop(proc)
        if failed():
            _show_tail(log, url)
        errors = server_errors(log.read_text(errors="replace"), expected_errors)
        if errors:
            _show_errors(log, url)
        assert not errors, "the server logged errors:\n" + "\n".join(errors)
    finally:
        stop(proc)
        scratch.cleanup()


def _show_tail(log: Path, url: str) -> None:
    tail = log.read_text(errors="replace").splitlines()[-LOG_TAIL:]
    print(f"--- the monitor's log, last {len(tail)} lines ({url}):", *tail, sep="\n")


def _show_errors(log: Path, url: str, following: int = 40) -> None:
    """Each error line of the log with the lines after it (its traceback)."""
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if _ERROR.search(line):
            print(f"--- an error in the monitor's log ({url}):", sep="\n")
            print(*lines[i : i + following], sep="\n")


def stop(proc: Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(seconds(15))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(seconds(5))


# The error lines of the monitor and of the bundled API in-process ("<time> ERROR sync_monitor.…:
# …", runtime._LOG_FORMAT) and Streamlit's ("<time> ERROR   streamlit.…: Uncaught app
# execution"): a script's exception that nothing caught, a callback that failed.
_ERROR = re.compile(r"\b(ERROR|CRITICAL)\s+(sync_monitor|dotoro_local|streamlit)[\w.]*: ")


def server_errors(text: str, expected: tuple[str, ...] = ()) -> list[str]:
    """The error lines in a server's output, less those that match `expected`."""
    return [
        line
        for line in text.splitlines()
        if _ERROR.search(line) and not any(re.search(e, line) for e in expected)
    ]
