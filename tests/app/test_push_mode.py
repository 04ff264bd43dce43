"""The live page in push mode, as AppTest sees it (no browser runs the component): Streamlit
draws the charts, and leaves the header, cards, queue and failures to the component, which it
hands the worded state, a token for this session, and the route's path."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from sync_monitor import cookies
from sync_monitor.push import route, token
from sync_monitor.push.payload import MAX_CARDS
from sync_monitor.push.protocol import NAMES, Mode
from tests.support.apptest import Monitor

Factory = Callable[..., Monitor]
SECRET = "push-secret-for-tests-only-0123456789"
SESSION = "dotoro-session-cookie-value-0123456789"


def test_push_mode_hands_all_that_is_live_to_the_component(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = monitor_factory(workers=1)
    monkeypatch.setenv("SYNC_MONITOR_PUSH", "true")  # read when the services start, below
    monkeypatch.setenv("SYNC_MONITOR_PUSH_SECRET", SECRET)
    monkeypatch.setenv("SYNC_MONITOR_SESSION_TOKEN", SESSION)
    m.api.create_set(
        name="Holiday Promo",
        platform="google",
        queue=True,
        behaviour={"campaigns": 400, "seconds_per_campaign": 0.05},
    )
    m.api.create_set(name="Waiting set", platform="meta", queue=True)
    m.api.create_set(name="Broken set", platform="reddit", failed_error="500 upstream outage")
    m.wait(lambda s: len(s.active) == 1 and len(s.pending) == 1 and len(s.failed) == 1)
    assert not m.app.exception
    text = m.texts()
    # The cards, the queue and the failures: drawn by the component, not by Streamlit.
    assert "campaigns synced" not in text
    assert "Waiting set" not in text
    assert "Broken set" not in text
    assert [e.label for e in m.app.expander if "Broken set" in e.label] == []
    assert list(m.app.metric) == []  # the header's counts: drawn by the component
    assert m.app.subheader.values == []  # the queue, failures and charts: by the component too
    assert not [e for e in m.app if getattr(e, "type", "") == "arrow_vega_lite_chart"]
    components = {
        e.proto.component_name: e for e in m.app if getattr(e, "type", "") == "bidi_component"
    }
    assert sorted(components) == ["sync_monitor_live"], components
    component = components["sync_monitor_live"]
    data = json.loads(component.proto.json)
    assert data["path"] == route.PATH
    assert data["mode"] == Mode.PUSH
    # Every name the component shares with the page comes from the one protocol module.
    assert data["names"] == NAMES
    # Bound to this browser's cookies (AppTest has none: an empty jar's digest).
    browser = cookies.browser_of(SECRET.encode(), {})
    assert token.check(SECRET.encode(), data["token"], browser, time.time()) is not None
    assert [c["name"] for c in data["state"]["cards"]] == ["Holiday Promo"]
    state = data["state"]
    assert state["counts"] == [["Syncing now", 1], ["Queued", 1], ["Failed (24 h)", 1]]
    assert [(r["position"], r["name"], r["platform"]) for r in state["queue"]] == [
        (1, "Waiting set", "Meta")
    ]
    [failure] = state["failures"]
    assert (failure["name"], failure["kind"], failure["retry_helps"]) == (
        "Broken set",
        "Platform outage",
        True,
    )
    assert ["Failed (24 h)", "Reddit", 1] in state["summary"]["states"]
    assert SESSION not in component.proto.json  # no Dotoro credential travels to the browser


@pytest.mark.parametrize("push", [True, False], ids=["push", "fallback"])
def test_the_syncs_beyond_the_cards_are_counted_once(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch, push: bool
) -> None:
    """Pushed, the component says "2 more active syncs, in the table below." and draws the
    table: Streamlit draws neither. Without push, Streamlit says it and draws the table."""
    m = monitor_factory(workers=MAX_CARDS + 2)
    monkeypatch.setenv("SYNC_MONITOR_PUSH", "true" if push else "false")
    monkeypatch.setenv("SYNC_MONITOR_PUSH_SECRET", SECRET)
    for n in range(MAX_CARDS + 2):
        m.api.create_set(name=f"Set {n}", queue=True, behaviour={"campaigns": 400})
    m.wait(lambda s: len(s.active) == MAX_CARDS + 2)
    assert not m.app.exception
    captions = [c.value for c in m.app.caption if "more active syncs" in c.value]
    tables = [e.label for e in m.app.expander if e.label == "The other active syncs"]
    if push:
        [component] = [
            e
            for e in m.app
            if getattr(e, "type", "") == "bidi_component"
            and e.proto.component_name == "sync_monitor_live"
        ]
        state = json.loads(component.proto.json)["state"]
        assert state["more"] == 2
        assert len(state["others"]) == 2
        assert captions == []
        assert tables == []
    else:
        assert captions == ["2 more active syncs:"]
        assert tables == ["The other active syncs"]
