"""The page in the states around the data: before the first answer, with the backend down after
it, and the queue's overflow table (AppTest against the local API over real HTTP)."""

from __future__ import annotations

from collections.abc import Callable

from sync_monitor.live.snapshot import BackendKind, Snapshot
from tests.support.apptest import Monitor

Factory = Callable[..., Monitor]


def down(attempts: int) -> Callable[[Snapshot], bool]:
    return lambda s: s.backend.kind is BackendKind.UNREACHABLE and s.backend.attempt >= attempts


def test_unreachable_from_the_start_is_one_sentence_without_zeros(
    unreachable_monitor: Monitor,
) -> None:
    m = unreachable_monitor
    m.wait(down(2))
    assert not m.app.exception
    [error] = m.app.error
    port = m.api.url.rsplit(":", 1)[1]
    assert error.value.startswith("Can't reach the Dotoro API at `http://127.0.0.1:")
    assert f":{port}` since " in error.value
    assert "; retrying (attempt " in error.value
    assert error.value.endswith("\\. If the address is wrong, set SYNC\\_MONITOR\\_API\\_URL\\.")
    assert not m.app.metric  # no 0 / 0 / 0 before any figure is known
    text = m.texts()
    assert "Loading" not in text  # no skeleton that never resolves
    assert "not yet" not in text
    assert [h.value for h in m.app.subheader] == []  # no empty sections under the sentence
    assert len(m.app.get("vega_lite_chart")) == 0


def test_down_after_a_first_poll_shows_the_last_figures_marked_stale(
    monitor_factory: Factory,
) -> None:
    m = monitor_factory(workers=0)
    m.api.create_set(name="Waiting", platform="meta", queue=True)
    m.api.create_set(name="Broken", failed_error="Reddit Ads API error 503: Service Unavailable")
    m.wait(lambda s: len(s.pending) == 1 and len(s.failed) == 1)
    assert any("updated" in e.value for e in m.app.markdown)
    polled = m.snapshot().polled_at
    m.api.set_faults(error_rate=1.0, error_status=500)
    m.wait(down(2))
    assert not m.app.exception
    metrics = {e.label: e.value for e in m.app.metric}
    assert metrics == {"Syncing now": "0", "Queued": "1", "Failed (24 h)": "1"}
    [stale] = [c.value for c in m.app.caption if "Stale" in c.value]
    assert polled is not None
    assert f"as of {polled:%H:%M:%S} UTC" in stale  # AppTest has no browser zone: UTC
    # The words match the fault: the service answers, with a server error.
    assert any("had a server error" in e.value for e in m.app.error)
    assert not any(" · updated " in e.value for e in m.app.markdown)  # not claimed fresh
    assert "Waiting" in m.texts()  # the last known sections stay
    # A retry could not reach the service: the button stays in its place, disabled, with why.
    [retry] = [b for b in m.app.button if b.label.startswith("Retry “")]
    assert retry.disabled
    assert "Retry is unavailable: the Dotoro API is down." in [c.value for c in m.app.caption]


def test_queue_rest_is_a_table_with_every_column_and_short_values(
    monitor_factory: Factory,
) -> None:
    m = monitor_factory(workers=0)
    names = [f"Queued set {i}" for i in range(6)]
    for name in names:
        m.api.create_set(name=name, platform="google", queue=True)
    m.wait(lambda s: len(s.pending) == 6)
    assert any(c.value == "3 more in the queue." for c in m.app.caption)
    m.app.session_state["queue-more"] = True  # the viewer opens the expander
    m.run()
    [table] = m.app.table
    frame = table.value
    assert list(frame.columns) == ["\\#", "Campaign set", "Platform", "Waiting", "Starts"]
    assert list(frame["\\#"]) == ["4", "5", "6"]
    assert list(frame["Campaign set"]) == names[3:]
    assert set(frame["Platform"]) == {"Google"}
    assert all(len(v) <= 12 for v in (*frame["Waiting"], *frame["Starts"]))


def test_a_retry_shows_on_its_failure_then_above_the_queue_table(
    monitor_factory: Factory,
) -> None:
    m = monitor_factory(workers=0)
    for i in range(5):
        m.api.create_set(name=f"Queued set {i}", platform="google", queue=True)
    cs = m.api.create_set(name="Retried", failed_error="Reddit Ads API error 503")
    m.wait(lambda s: len(s.pending) == 5 and len(s.failed) == 1)
    m.api.set_faults(delay_seconds=1.5)  # the service takes its time to answer
    m.click(f"retry-{cs['setId']}")
    # Where the viewer clicked: the failure, marked as retrying, its button still there.
    assert any("Retrying…" in c.value for c in m.app.caption)
    assert any("Retried" in e.label for e in m.app.expander)
    assert m.app.button(key=f"retry-{cs['setId']}").label == "Retry “Retried”"
    # Queued (202), not yet listed by a poll: above the table, not at #6 inside it.
    m.wait(lambda s: any(p.optimistic for p in s.pending))
    rows = [e.value for e in m.app.markdown if "Retried" in e.value]
    assert len(rows) == 1
    assert rows[0].startswith("**#6** Retried")
    assert "by your retry" in rows[0]  # confirming, or just queued: highlighted either way
