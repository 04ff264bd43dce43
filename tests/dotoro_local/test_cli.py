"""The `sync-monitor-api` command: first line is the URL, Ctrl-C stops it, state persists."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.waiting import seconds, wait_for_http


@contextmanager
def cli(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dotoro_local", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.match(r"(http://127\.0\.0\.1:\d+)\s", first)
        assert match, first
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(seconds(10))
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def wait_ready(url: str) -> None:
    wait_for_http(url + "/_local/info", f"{url} answering", timeout=20)


def test_console_script_is_installed() -> None:
    assert (
        shutil.which("sync-monitor-api")
        or (Path(sys.executable).parent / "sync-monitor-api").exists()
    )


def test_prints_url_first_and_stops_cleanly_on_ctrl_c_with_a_stream_open(tmp_path: Path) -> None:
    args = ("--db", str(tmp_path / "x.sqlite3"), "--contract", "head", "--workers", "0")
    with cli(*args) as (proc, url):
        wait_ready(url)
        assert requests.get(url + "/api/v1/sync/status", timeout=seconds(5)).status_code == 200
        cs = requests.post(
            url + "/_local/sets", json={"name": "x", "queue": True}, timeout=seconds(5)
        ).json()
        stream = requests.get(
            f"{url}/api/v1/campaign-sets/{cs['setId']}/sync-stream?jobId={cs['jobId']}",
            stream=True,
            timeout=seconds(5),
        )
        proc.send_signal(signal.SIGINT)
        assert proc.wait(seconds(15)) == 0
        stream.close()
        assert proc.stderr is not None
        errors = proc.stderr.read()
        assert "Traceback" not in errors
        assert "ERROR" not in errors


def test_jobs_and_history_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "keep.sqlite3")
    args = ("--db", db, "--no-simulate", "--workers", "0")
    with cli(*args) as (proc, url):
        wait_ready(url)
        created = requests.post(
            url + "/_local/sets", json={"name": "Keep me", "queue": True}, timeout=seconds(5)
        ).json()
        history = requests.get(
            url + "/api/v1/sync/jobs", params={"limit": 500}, timeout=seconds(5)
        ).json()["jobs"]
        proc.send_signal(signal.SIGINT)
        proc.wait(seconds(15))
    with cli(*args) as (proc, url):
        wait_ready(url)
        job = requests.get(
            f"{url}/api/v1/jobs/{created['jobId']}", headers={"x-user-id": "u"}, timeout=seconds(5)
        ).json()
        assert job["state"] == "created"
        assert job["data"]["campaignSetId"] == created["setId"]
        again = requests.get(
            url + "/api/v1/sync/jobs", params={"limit": 500}, timeout=seconds(5)
        ).json()["jobs"]
        assert [j["id"] for j in again] == [j["id"] for j in history]
        proc.send_signal(signal.SIGINT)


def test_bad_arguments_are_refused_with_a_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dotoro_local",
            "--speed",
            "0",
            "--db",
            str(tmp_path / "x.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=seconds(30),
        check=False,
    )
    assert proc.returncode == 2
    assert "speed must be > 0" in proc.stderr
