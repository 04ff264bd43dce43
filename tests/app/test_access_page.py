"""Who may act, on the page (issue 10, first part): without sign-in the monitor acts only on
loopback; shared on another address, or with SYNC_MONITOR_READ_ONLY, it is read-only, says so, and
the hub refuses a retry even when an operator's click is replayed after the page became read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import streamlit as st
from streamlit import config

from sync_monitor import runtime
from sync_monitor.dotoro.client import PROBE_ID
from tests.support.apptest import Monitor
from tests.support.waiting import wait_until

Factory = Callable[..., Monitor]
OUTAGE = "Reddit Ads API error 503: Service Unavailable"
SLOW = {"campaigns": 400, "seconds_per_campaign": 0.2}  # running for the whole test


@pytest.fixture
def address() -> Iterator[Callable[[str], None]]:
    """Set Streamlit's server.address for this test (process-wide), then put it back."""
    before = config.get_option("server.address")
    yield lambda value: config.set_option("server.address", value)
    config.set_option("server.address", before)


def retries(m: Monitor) -> list[str]:
    return [k for k in m.api.get("/_local/stats").json() if k.endswith("/retry")]


def writes(m: Monitor) -> dict[str, int]:
    """The requests to the Dotoro API that could change something (the test's own scripting
    of the local API, under /_local/, left out)."""
    stats: dict[str, int] = m.api.get("/_local/stats").json()
    return {
        k: n
        for k, n in stats.items()
        if k.split()[0] in ("POST", "PUT", "PATCH", "DELETE") and " /api/" in k
    }


def polls(m: Monitor) -> int:
    return int(m.api.get("/_local/stats").json().get("GET /api/v1/sync/status", 0))


@pytest.mark.parametrize("why", ["SYNC_MONITOR_READ_ONLY", "shared without sign-in"])
def test_where_nobody_may_act_the_monitor_sends_no_write_at_all(
    monitor_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    address: Callable[[str], None],
    why: str,
) -> None:
    """Not even the probe that tells whether the backend can cancel (a cancel of a job that
    does not exist): it waits for someone who may act, which never comes here."""
    if why == "SYNC_MONITOR_READ_ONLY":
        monkeypatch.setenv("SYNC_MONITOR_READ_ONLY", "true")
    else:
        address("0.0.0.0")
    m = monitor_factory(workers=1)
    m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.api.create_set(name="Running", queue=True, behaviour=SLOW)
    m.run()  # a viewer opens the page
    m.wait(lambda s: len(s.failed) == 1 and len(s.active) == 1)
    before = polls(m)
    wait_until(lambda: polls(m) >= before + 6, "six more polls")
    m.run()
    assert writes(m) == {}
    assert m.snapshot().features.cancel is None  # never asked


def test_an_operator_on_loopback_gets_cancel_from_one_probe(monitor_factory: Factory) -> None:
    m = monitor_factory(workers=1)
    m.api.create_set(name="Running", queue=True, behaviour=SLOW)
    m.run()  # the operator opens the page
    m.wait(lambda s: len(s.active) == 1 and s.features.cancel is True)
    before = polls(m)
    wait_until(lambda: polls(m) >= before + 4, "four more polls")
    assert writes(m) == {f"POST /api/v1/sync/{PROBE_ID}/cancel": 1}
    m.run()
    assert [p.proto.popover.label for p in m.app.get("popover")] == ["Cancel “Running”"]


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


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret",
    "client_id": "sync-monitor",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
}


def signed(m: Monitor, user: dict[str, object]) -> Monitor:
    m.app.secrets["auth"] = AUTH
    m.app.user = user
    return m


def test_signed_out_visitors_see_only_a_sign_in_page(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_OPERATORS", "ops@acme.com")
    m = signed(monitor_factory(workers=0), {"is_logged_in": False})
    m.api.create_set(name="Secret set", failed_error=OUTAGE)
    m.run()
    assert not m.app.exception
    assert [b.label for b in m.app.button] == ["Sign in"]
    assert "Secret set" not in m.texts()
    assert list(m.app.metric) == []


def test_sign_in_required_but_not_set_up_lets_nobody_in(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch, address: Callable[[str], None]
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_REQUIRE_SIGN_IN", "true")  # as the Dockerfile sets it
    address("0.0.0.0")
    m = monitor_factory(workers=0)
    m.api.create_set(name="Secret set", failed_error=OUTAGE)
    m.run()
    m.wait(lambda s: len(s.failed) == 1)  # the hub knows it; the page must not show it
    assert not m.app.exception
    assert [e.value for e in m.app.error] == [
        "This monitor requires sign-in (SYNC_MONITOR_REQUIRE_SIGN_IN), and none is set up: add "
        "an [auth] section to .streamlit/secrets.toml (see secrets.example.toml) and restart it."
    ]
    assert list(m.app.button) == []
    assert "Secret set" not in m.texts()
    assert list(m.app.metric) == []
    # Once [auth] is there, sign-in works as everywhere else.
    signed(m, {"is_logged_in": False}).run()
    assert [b.label for b in m.app.button] == ["Sign in"]


def test_people_not_on_the_lists_are_turned_away(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_OPERATORS", "ops@acme.com")
    monkeypatch.setenv("SYNC_MONITOR_VIEWERS", "@acme.com")
    m = signed(monitor_factory(workers=0), {"is_logged_in": True, "email": "eve@evil.org"})
    m.api.create_set(name="Secret set", failed_error=OUTAGE)
    m.run()
    assert [b.label for b in m.app.button] == ["Sign out"]
    assert any("is not on this monitor" in e.value for e in m.app.error)
    assert "Secret set" not in m.texts()


def test_a_signed_in_viewer_sees_everything_and_can_retry_nothing(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_OPERATORS", "ops@acme.com")
    monkeypatch.setenv("SYNC_MONITOR_VIEWERS", "@acme.com")
    m = signed(monitor_factory(workers=0), {"is_logged_in": True, "email": "am@acme.com"})
    m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.wait(lambda s: len(s.failed) == 1)
    assert "Signed in as `am@acme.com` (viewer)." in [c.value for c in m.app.caption]
    assert any("Broken" in e.label for e in m.app.expander)
    assert "Retry is for operators." in [c.value for c in m.app.caption]
    assert not [b for b in m.app.button if b.key and b.key.startswith("retry-")]


def test_a_signed_in_operator_retries(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_OPERATORS", "ops@acme.com")
    m = signed(monitor_factory(workers=0), {"is_logged_in": True, "email": "ops@acme.com"})
    cs = m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.wait(lambda s: len(s.failed) == 1)
    assert "Signed in as `ops@acme.com` (operator)." in [c.value for c in m.app.caption]
    m.click(f"retry-{cs['setId']}")
    m.wait(lambda s: len(s.pending) == 1)
    assert retries(m) == [f"POST /api/v1/sync/{cs['setId']}/retry"]
    [entry] = runtime.services().audit.recent(5)
    assert (entry.who, entry.role, entry.outcome) == ("ops@acme.com", "operator", "done")


def test_recent_actions_say_when_the_history_holding_the_trail_is_down(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trail lives in the history database; while that is down, an action is kept on this
    server and Recent actions shows it, saying why it shows only those."""
    m = monitor_factory(workers=0)
    monkeypatch.setenv("SYNC_MONITOR_HISTORY_URL", "postgresql://monitor:s3cret@127.0.0.1:1/h")
    cs = m.api.create_set(name="Broken", failed_error=OUTAGE)
    m.run()
    m.wait(lambda s: len(s.failed) == 1)
    m.click(f"retry-{cs['setId']}")
    m.wait(lambda s: len(s.pending) == 1)
    m.app.session_state["recent-actions"] = True  # the viewer opens "Recent actions"
    m.run()
    [note] = [c.value for c in m.app.caption if c.value.startswith("Showing only the actions")]
    assert "history database" in note
    assert "s3cret" not in note
    [table] = m.app.dataframe
    assert list(table.value["Action"]) == ["retry"]
    assert list(table.value["Result"]) == ["done"]


def test_clearing_streamlits_caches_starts_nothing_twice(monitor_factory: Factory) -> None:
    """Any browser can send Streamlit's clear-cache message: the process keeps its one hub,
    push secret and sign-in registry (issue 18: a new registry forgot every sign-out)."""
    m = monitor_factory()
    m.run()
    before = runtime.services()
    st.cache_resource.clear()
    st.cache_data.clear()
    m.run()
    after = runtime.services()
    assert after is before
    assert (after.live, after.signins, after.push_secret) == (
        before.live,
        before.signins,
        before.push_secret,
    )
