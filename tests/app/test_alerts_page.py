"""The Alerts page (AppTest): firing alerts first, then those that ended, with their times,
links and messages' fate; the deliveries with why one failed; channels by name, never their
secret URLs; the backend's words as plain text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sync_monitor import runtime
from tests.support.alerts import HOSTILE, SECRET, plant
from tests.support.apptest import Monitor

Factory = Callable[..., Monitor]


@pytest.fixture
def alerted(monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch) -> Monitor:
    """The app with a Slack channel (a secret URL), its evaluator quiet for the test (an
    hour between rounds), and alerts written to its history as the evaluator writes them."""
    monkeypatch.setenv("SYNC_MONITOR_ALERT_CHANNELS", f"slack=https://hooks.test/{SECRET}")
    monkeypatch.setenv("SYNC_MONITOR_ALERT_SECONDS", "3600")
    monkeypatch.setenv("SYNC_MONITOR_PUBLIC_URL", "https://sync.example.com")
    m = monitor_factory(workers=0)
    m.run()
    runtime.services().recorder.wait_tried(10)
    history = runtime.services().history()
    assert history is not None
    plant(history)
    m.app.switch_page("app_pages/alerts.py")
    m.run()
    return m


def test_firing_alerts_come_first_then_the_resolved_ones(alerted: Monitor) -> None:
    m = alerted
    assert not m.app.exception
    assert [e.value for e in m.app.error] == []
    headings = [h.value for h in m.app.subheader]
    assert headings == ["Firing now (2)", "Resolved", "Recent deliveries"]
    texts = m.texts()
    assert texts.index("A sync has waited 40 min") < texts.index("failed 3 times in a row")
    assert texts.index("failed 3 times in a row") < texts.index("Nothing finished for 45 min")
    assert "message held back (over the hourly cap)" in texts
    assert "end: message sent" in texts
    assert (
        "[Open the page filtered to it](https://sync.example.com/analysis?window=7d&set=s-1)"
        in texts
    )
    [warning] = [w.value for w in m.app.warning]
    assert warning.startswith("1 alert message held back in the last 24 hours")


def test_the_backends_words_are_plain_text(alerted: Monitor) -> None:
    texts = [t.value for t in alerted.app.text]
    assert f"“{HOSTILE}” (Meta) failed its last 3 syncs." in texts  # st.text: drawn as is
    titles = [md.value for md in alerted.app.markdown if "failed 3 times" in md.value]
    # Escaped Markdown: no bold, no tag, and the would-be link as inline code.
    assert titles == [
        r"**\<b\>Acme\<\/b\> \& \<@U123\> \*bold\* `[x](http://evil)` failed 3 times in a row**"
    ]


def test_deliveries_say_which_channel_and_why_one_failed_never_its_url(alerted: Monitor) -> None:
    [table] = alerted.app.dataframe
    rows = table.value.to_dict("records")
    assert rows[0]["Channel"] == "Slack webhook 1"
    assert rows[0]["Outcome"] == "Failed"
    assert rows[0]["Why it failed"] == "Slack webhook 1 answered 500"
    assert rows[0]["Message"].startswith("Alert: ")
    everything = alerted.texts() + str(rows)
    assert "Alerts go to Slack webhook 1" in everything
    assert SECRET not in everything


def test_alert_channels_that_are_not_stop_the_start_with_the_settings_name(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_ALERT_CHANNELS", f"slack=https://hooks.test/{SECRET} teams=x")
    m = monitor_factory(workers=0)
    m.run()
    [error] = [e.value for e in m.app.error]
    assert error.startswith(
        "The monitor is misconfigured: SYNC\\_MONITOR\\_ALERT\\_CHANNELS\\: entry 2 is not"
    )
    assert SECRET not in error


def test_without_a_channel_an_alert_is_said_to_be_listed_here_only(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_MONITOR_ALERT_SECONDS", "3600")
    m = monitor_factory(workers=0)
    m.run()
    runtime.services().recorder.wait_tried(10)
    history = runtime.services().history()
    assert history is not None
    plant(history)
    m.app.switch_page("app_pages/alerts.py")
    m.run()
    texts = m.texts()
    assert "No alert channels are set up (SYNC_MONITOR_ALERT_CHANNELS)" in texts
    assert "listed here only (no channel is set up)" in texts
    assert "message sent" not in texts
