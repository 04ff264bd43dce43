"""The live page, run by AppTest against the local API over real HTTP, in both contracts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dotoro_local import Contract
from tests.support.apptest import Monitor

Factory = Callable[..., Monitor]
HOSTILE = (
    "**bold** [click me](https://evil.example) ![img](https://evil.example/x.png) "
    "<script>alert(1)</script> <b>html</b> :red[red] $x^2$"
)


def test_every_section_renders_live_data(monitor_factory: Factory) -> None:
    m = monitor_factory(workers=1)
    m.api.create_set(
        name="Holiday Promo",
        platform="google",
        queue=True,
        behaviour={"campaigns": 400, "seconds_per_campaign": 0.05},
    )
    m.api.create_set(name="Waiting set", platform="meta", queue=True)
    m.api.create_set(
        name="Broken set",
        failed_error="Google Ads API RESOURCE_EXHAUSTED: Too many requests. Retry in 30 seconds.",
    )
    m.wait(
        lambda s: (
            len(s.active) == 1
            and len(s.pending) == 1
            and len(s.failed) == 1
            and s.active[0].progress.done > 0
        )
    )
    assert not m.app.exception
    text = m.texts()
    assert "Holiday Promo" in text
    assert " of 400 campaigns synced" in text
    assert "#1" in text
    assert "Waiting set" in text
    assert any("Broken set" in e.label for e in m.app.expander)
    assert "Rate limit." in text  # the plain-language category
    metrics = {e.label: e.value for e in m.app.metric}
    assert metrics == {"Syncing now": "1", "Queued": "1", "Failed (24 h)": "1"}
    assert chart_count(m) >= 1
    # Each chart says what it counts and over which window (and in which zone its hours are).
    captions = [c.value for c in m.app.caption]
    assert "Syncs right now, by state and platform (failed: in the last 24 h)." in captions
    assert any(c.startswith("Failed share of the ") and "last 24 h" in c for c in captions)
    assert any("per hour, last 12 h; hours in UTC" in c for c in captions)


@pytest.mark.parametrize("contract", [Contract.HEAD, Contract.PLAN])
def test_empty_states(monitor_factory: Factory, contract: Contract) -> None:
    m = monitor_factory(contract)
    m.wait(lambda s: s.loaded)
    text = m.texts()
    assert "Nothing is syncing right now." in text
    assert "The queue is empty" in text
    assert "No failed syncs in the last 24 hours." in text
    assert not m.app.exception


def test_head_says_what_it_knows_of_times_and_reasons(monitor_factory: Factory) -> None:
    """On head, createdAt is the set's creation, startedAt and error are never sent (§3.4): the
    page says "at least", and says the service gave no reason or time, instead of inventing."""
    m = monitor_factory(Contract.HEAD, workers=1)
    m.api.create_set(
        name="Running set", queue=True, behaviour={"campaigns": 300, "seconds_per_campaign": 0.1}
    )
    m.api.create_set(name="Waiting set", platform="meta", queue=True)
    m.api.create_set(name="Failed set", failed_error="Reddit Ads API error 503")
    m.wait(lambda s: len(s.active) == 1 and len(s.pending) == 1 and len(s.failed) == 1)
    text = m.texts()
    assert "Running for at least" in text
    assert "queued for at least" in text
    assert "since the monitor saw it" in text
    assert "the service did not say why" in text
    assert "time not given" in text
    assert "The service did not say when it failed." in text
    assert "there are no start estimates" in text
    assert "unknown" not in text.lower()
    assert "waiting " not in text  # no wait counted from the set's creation, no start estimate


def test_head_shows_no_live_progress_instead_of_zero_of_zero(monitor_factory: Factory) -> None:
    m = monitor_factory(Contract.HEAD, workers=1)
    m.api.create_set(
        name="Busy", queue=True, behaviour={"campaigns": 300, "seconds_per_campaign": 0.1}
    )
    m.run()  # the (loopback) operator opens the page: cancel is asked about
    m.wait(lambda s: len(s.active) == 1 and s.features.cancel is False)
    text = m.texts()
    assert "live progress not available from this backend" in text
    assert "0 of 0" not in text
    assert "Cancel is not available on this backend." in text


def test_unreachable_backend_is_a_banner_not_a_traceback(monitor_factory: Factory) -> None:
    m = monitor_factory()
    m.wait(lambda s: s.loaded)
    m.api.server.stop()
    m.wait(lambda s: s.backend.kind == "unreachable" and s.backend.attempt >= 2)
    assert not m.app.exception
    assert any("could not be reached" in e.value for e in m.app.error)
    assert "Unreachable since" in m.texts()


def test_rate_limit_is_a_banner(monitor_factory: Factory) -> None:
    m = monitor_factory()
    m.wait(lambda s: s.loaded)
    m.api.set_faults(error_rate=1.0, error_status=429)
    m.wait(lambda s: s.backend.kind == "rate_limited")
    assert any("rate-limiting this monitor" in e.value for e in m.app.warning)


@pytest.mark.parametrize("contract", [Contract.HEAD, Contract.PLAN])
def test_retry_posts_once_moves_the_item_and_toasts(
    monitor_factory: Factory, contract: Contract
) -> None:
    m = monitor_factory(contract, workers=0)
    cs = m.api.create_set(
        name="Retry me", failed_error="Reddit Ads API error 503: Service Unavailable"
    )
    m.wait(lambda s: len(s.failed) == 1)
    m.click(f"retry-{cs['setId']}")
    m.wait(lambda s: not s.failed and len(s.pending) == 1)  # queued once the service said so
    assert all("Retry me" not in e.label for e in m.app.expander)
    assert "Retry me" in m.texts()  # now in the queue
    m.wait(lambda s: len(s.pending) == 1 and not s.pending[0].optimistic)
    assert m.api.get("/_local/stats").json()[f"POST /api/v1/sync/{cs['setId']}/retry"] == 1
    m.wait_toast("Retry of Retry me: done.")
    assert all("Retry me" not in e.label for e in m.app.expander)


@pytest.mark.parametrize("contract", [Contract.HEAD, Contract.PLAN])
def test_failed_retry_rolls_back_with_a_toast(monitor_factory: Factory, contract: Contract) -> None:
    m = monitor_factory(contract, workers=0)
    cs = m.api.create_set(name="No account", failed_error="boom", ad_account=False)
    m.wait(lambda s: len(s.failed) == 1)
    m.click(f"retry-{cs['setId']}")
    # Rolled back: the failure is back with the service's reason, and nothing is queued.
    m.wait(lambda s: len(s.failed) == 1 and s.failed[0].refused is not None and not s.pending)
    m.wait_toast("ad account")
    assert any("failed" in t and "ad account" in t for t in m.toasts)
    assert any("No account" in e.label for e in m.app.expander)


def test_expired_credentials_ask_to_reconnect_not_to_retry(monitor_factory: Factory) -> None:
    m = monitor_factory()
    cs = m.api.create_set(
        name="Old token",
        failed_error="Error validating access token: "
        "Session has expired. (OAuthException, code 190, subcode 463)",
    )
    m.wait(lambda s: len(s.failed) == 1)
    assert "Reconnect the ad account" in m.texts()
    retry = m.app.button(key=f"retry-{cs['setId']}")
    assert retry.label == "Retry “Old token” anyway"  # named after its sync
    assert retry.proto.type == "secondary"  # looks like a button, not a link


def test_cancel_needs_confirmation_and_cancels(monitor_factory: Factory) -> None:
    m = monitor_factory(workers=1)
    cs = m.api.create_set(
        name="Long one", queue=True, behaviour={"campaigns": 1000, "seconds_per_campaign": 0.05}
    )
    m.run()  # the (loopback) operator opens the page: cancel is asked about
    m.wait(lambda s: len(s.active) == 1 and s.features.cancel is True)
    state = m.api.job_state(cs["jobId"])
    assert state == "active"  # nothing happens before the confirmation
    m.click(f"confirm-cancel-{cs['jobId']}")
    m.wait(lambda s: not s.active)
    assert m.api.job_state(cs["jobId"]) == "cancelled"
    m.wait_toast("Cancel of Long one: done.")
    assert "Nothing is syncing right now." in m.texts()


@pytest.mark.parametrize("contract", [Contract.HEAD, Contract.PLAN])
def test_hostile_backend_text_is_shown_literally(
    monitor_factory: Factory, contract: Contract
) -> None:
    m = monitor_factory(contract)
    m.api.create_set(name=HOSTILE, failed_error=HOSTILE)
    m.wait(lambda s: len(s.failed) == 1)
    [expander] = [e for e in m.app.expander if e.label != "Recent actions"]
    assert "\\*\\*bold\\*\\*" in expander.label  # escaped: Markdown would render it bold
    assert "\\<script\\>" in expander.label
    assert "\\[click `me](https://evil.example)`" in expander.label  # a URL: code, no link
    if contract is Contract.PLAN:
        assert [c.value for c in m.app.code] == [HOSTILE]  # the full text, verbatim
        assert m.app.code[0].language in ("", None, "plaintext")


def test_pause_freezes_the_page(monitor_factory: Factory) -> None:
    m = monitor_factory()
    m.wait(lambda s: s.loaded)
    m.app.toggle(key="paused").set_value(True).run()
    assert "Paused: the page shows the moment you paused." in m.texts()
    m.api.create_set(name="Arrives while paused", failed_error="x")
    m.wait(lambda s: len(s.failed) == 1)
    assert "Arrives while paused" not in m.texts()
    m.app.toggle(key="paused").set_value(False).run()
    assert any("Arrives while paused" in e.label for e in m.app.expander)


def test_settings_error_names_the_setting(
    monitor_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = monitor_factory()
    monkeypatch.setenv("SYNC_MONITOR_POLL_SECONDS", "often")
    m.app.run()
    assert not m.app.exception
    assert any("SYNC\\_MONITOR\\_POLL\\_SECONDS" in e.value for e in m.app.error)


def chart_count(m: Monitor) -> int:
    """Vega-Lite charts anywhere on the page."""

    def walk(node: object) -> int:
        kind = getattr(node, "type", "")
        count = 1 if "vega" in str(kind).lower() else 0
        children = getattr(node, "children", {})
        return count + sum(walk(c) for c in children.values())

    return walk(m.app._tree)


def test_failures_are_grouped_by_cause_with_retry_this_group_for_operators(
    monitor_factory: Factory,
) -> None:
    m = monitor_factory(workers=0)
    for n in range(3):
        m.api.create_set(
            name=f"Search {n}",
            platform="reddit",
            failed_error=f"Reddit Ads API error 429: too many requests (request 9f2c77aa0{n})",
        )
    m.api.create_set(name="Meta one", platform="meta", failed_error=HOSTILE)
    m.wait(lambda s: len(s.failed) == 4)
    assert not m.app.exception
    lines = [
        e.value for e in m.app.markdown if " · Reddit** — " in e.value or " · Meta** — " in e.value
    ]
    assert lines[0].startswith("**Rate limit · Reddit** — 3 failures")  # the most failures first
    assert "\\*\\*bold\\*\\*" in lines[1]  # the cause's error, escaped: never Markdown
    assert len([b for b in m.app.button if b.label == "Retry this group…"]) == 2
    # Each failure keeps its own disclosure, under its cause.
    assert len([e for e in m.app.expander if e.label != "Recent actions"]) == 4
