"""AppTest runs of the real app.py against the local API over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dotoro_local import Contract, ServerConfig
from sync_monitor import runtime
from tests.support.apptest import Monitor
from tests.support.local_api import Api, quiet_config, running
from tests.support.waiting import seconds

APP = Path(__file__).resolve().parents[2] / "app.py"


def _monitor(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: Api, poll_seconds: str | None = "0.5"
) -> Monitor:
    """The app, fresh services, pointed at `api` (polling every `poll_seconds`; None: as the
    monitor does by default)."""
    monkeypatch.setenv("SYNC_MONITOR_API_URL", api.url)
    if poll_seconds is not None:
        monkeypatch.setenv("SYNC_MONITOR_POLL_SECONDS", poll_seconds)
    # AppTest has no browser to run the push component: these tests read the page as Streamlit
    # draws it (the fallback). The push mode is tested in a real browser.
    monkeypatch.setenv("SYNC_MONITOR_PUSH", "false")
    monkeypatch.setenv("SYNC_MONITOR_AUDIT_PATH", str(tmp_path / "audit.sqlite3"))
    monkeypatch.setenv("SYNC_MONITOR_HISTORY_URL", f"sqlite:///{tmp_path / 'history.sqlite3'}")
    runtime.shutdown()
    return Monitor(api, AppTest.from_file(str(APP), default_timeout=seconds(30)))


@pytest.fixture
def monitor_factory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., Monitor]]:
    stack: list[object] = []

    def make(contract: Contract = Contract.PLAN, **config: object) -> Monitor:
        server = running(quiet_config(contract=contract, **config))
        api = server.__enter__()
        stack.append(server)
        return _monitor(monkeypatch, tmp_path, api)

    yield make
    runtime.shutdown()
    for server in reversed(stack):
        server.__exit__(None, None, None)  # type: ignore[attr-defined]


@pytest.fixture
def unreachable_monitor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Monitor]:
    """The app against an address nothing listens on (a local API started, then stopped)."""
    with running(quiet_config()) as api:
        pass
    yield _monitor(monkeypatch, tmp_path, api)
    runtime.shutdown()


@pytest.fixture
def default_scene(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Monitor]:
    """The app as `make run` starts it: the bundled API with its defaults (plan contract, the
    workload simulator on, 30 days of seeded history) and the monitor with its own."""
    with running(ServerConfig()) as api:
        yield _monitor(monkeypatch, tmp_path, api, poll_seconds=None)
        runtime.shutdown()
