"""Who may act, on the page (issue 10, first part): without sign-in the monitor acts only on
loopback; shared on another address, or with SYNC_MONITOR_READ_ONLY, it is read-only, says so, and
the hub refuses a retry even when an operator's click is replayed after the page became read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from streamlit import config

from tests.support.apptest import Monitor

Factory = Callable[..., Monitor]
OUTAGE = "Reddit Ads API error 503: Service Unavailable"


@pytest.fixture
def address() -> Iterator[Callable[[str], None]]:
    """Set Streamlit's server.address for this test (process-wide), then put it back."""
    before = config.get_option("server.address")
    yield lambda value: config.set_option("server.address", value)
    config.set_option("server.address", before)


def retries(m: Monitor) -> list[str]:
    return [k for k in m.api.get("/_local/stats").json() if k.endswith("/retry")]


def test_on_loopback_by_default_the_page_may_retry(monitor_factory: Factory) -> None:
    assert config.get_option("server.address") == "127.0.0.1"  # .streamlit/config.toml
    m = monitor_factory(workers=0)
    cs = m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.wait(lambda s: len(s.failed) == 1)
    assert not [c.value for c in m.app.caption if c.value.startswith("Read")]
    m.click(f"retry-{cs['setId']}")
    m.wait(lambda s: len(s.pending) == 1)
    assert retries(m) == [f"POST /api/v1/sync/{cs['setId']}/retry"]


def test_shared_beyond_loopback_without_sign_in_it_is_read_only(
    monitor_factory: Factory, address: Callable[[str], None]
) -> None:
    address("0.0.0.0")
    m = monitor_factory(workers=0)
    m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.wait(lambda s: len(s.failed) == 1)
    captions = [c.value for c in m.app.caption]
    assert any(c.startswith("Read-only: the monitor listens beyond this machine") for c in captions)
    assert "Retry is for operators." in captions
    assert not [b for b in m.app.button if b.key and b.key.startswith("retry-")]


def test_read_only_forced_on_loopback(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_READ_ONLY", "true")
    m = monitor_factory(workers=0)
    m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.wait(lambda s: len(s.failed) == 1)
    assert "Read-only: SYNC_MONITOR_READ_ONLY is set." in [c.value for c in m.app.caption]
    assert not [b for b in m.app.button if b.key and b.key.startswith("retry-")]


def test_a_replayed_operator_click_is_refused_once_the_page_is_read_only(
    monitor_factory: Factory, address: Callable[[str], None]
) -> None:
    m = monitor_factory(workers=0)
    cs = m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.wait(lambda s: len(s.failed) == 1)
    button = m.app.button(key=f"retry-{cs['setId']}")  # drawn for an operator
    address("0.0.0.0")  # ... and now the monitor is shared: everyone is a viewer
    button.click()
    m.run()
    assert retries(m) == []
    m.wait_toast("Only operators may retry syncs")
