"""The alerts' pure core: each rule, the lifecycle (fire once, quiet while firing, resolved,
the hourly cap) and the messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync_monitor.alerts import lifecycle
from sync_monitor.alerts.conditions import Condition, Rule, Thresholds, Verdict
from sync_monitor.alerts.evaluator import channels_of
from sync_monitor.alerts.lifecycle import Alert, Notice
from sync_monitor.alerts.message import delivery_key, message
from sync_monitor.alerts.rules import (
    PlatformCounts,
    Streak,
    client_late,
    fails_in_a_row,
    failure_rate,
    long_wait,
    nothing_finished,
    rate_limits,
)
from sync_monitor.dotoro.models import Platform
from sync_monitor.live.snapshot import BackendKind
from sync_monitor.settings import SettingsError, load_settings
from tests.support.alerts import (
    HOSTILE,
    board,
    finished,
    queued,
    running,
    snapshot,
)

NOW = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
URL = "https://sync.example.com"
T = Thresholds(nothing_finished_minutes=30, wait_minutes=20, fails_in_a_row=3, min_finished=10)


def reddit(
    finished: int, failed: int, usual_finished: int = 1000, usual_failed: int = 50
) -> PlatformCounts:
    return PlatformCounts(Platform.REDDIT, finished, failed, usual_finished, usual_failed)


# -- failure rate -----------------------------------------------------------------------------


def test_the_failure_rate_limits_sit_above_the_usual_level_with_a_lower_one_to_end() -> None:
    assert rate_limits(0.05, T) == pytest.approx((0.25, 0.15))  # usual + 20 and + 10 points
    assert rate_limits(0.30, T) == pytest.approx((0.60, 0.45))  # twice and 1.5 times usual
    assert rate_limits(0.70, T) == pytest.approx((1.0, 1.0))  # never above all failing


def test_the_failure_rate_fires_well_above_its_usual_level_and_links_to_the_platform() -> None:
    verdict = failure_rate([reddit(20, 6)], set(), T, URL)  # 30 % against a usual 5 %
    (condition,) = verdict.conditions
    assert condition.key == "failure-rate:reddit"
    assert condition.title == "Reddit failure rate high: 30 %"
    assert condition.detail == (
        "Reddit: 6 of 20 syncs failed in the last hour (30 %); usually 5 % "
        "(of 1000 over the 7 days before)."
    )
    assert condition.link == f"{URL}/analysis?window=24h&platform=reddit"


def test_the_failure_rate_needs_its_minimum_count_of_finished_attempts() -> None:
    assert failure_rate([reddit(9, 9)], set(), T, URL).conditions == ()


def test_the_failure_rate_has_hysteresis_once_firing() -> None:
    between = [reddit(20, 4)]  # 20 %: under the 25 % that fires, over the 15 % that ends
    assert failure_rate(between, set(), T, URL).conditions == ()
    assert len(failure_rate(between, {"failure-rate:reddit"}, T, URL).conditions) == 1
    below = [reddit(20, 2)]  # 10 %
    assert failure_rate(below, {"failure-rate:reddit"}, T, URL).conditions == ()


def test_the_failure_rate_of_a_platform_without_a_usual_level_counts_from_zero() -> None:
    (condition,) = failure_rate([reddit(10, 3, 0, 0)], set(), T, URL).conditions
    assert "no finished syncs in the 7 days before to compare with" in condition.detail


# -- the live state -----------------------------------------------------------------------------


def test_nothing_finished_fires_when_syncs_run_and_none_finished_for_the_limit() -> None:
    snap = snapshot(NOW, (running(1, NOW, 45 * 60, HOSTILE), running(2, NOW, 600)))
    verdict = nothing_finished(snap, T, URL)
    assert verdict is not None
    (condition,) = verdict.conditions
    assert condition.key == "nothing-finished"
    assert condition.title == "Nothing finished for 45 min"
    assert f"the longest running is “{HOSTILE}” (Meta, 45 min)" in condition.detail
    assert condition.link == f"{URL}/"


def test_nothing_finished_counts_from_the_last_finish_when_it_is_later() -> None:
    recently = snapshot(NOW, (running(1, NOW, 3600),), done=(finished(NOW - timedelta(minutes=5)),))
    assert nothing_finished(recently, T, URL) == Verdict(Rule.NOTHING_FINISHED)
    long_ago = snapshot(NOW, (running(1, NOW, 3600),), done=(finished(NOW - timedelta(hours=2)),))
    verdict = nothing_finished(long_ago, T, URL)
    assert verdict is not None
    assert verdict.conditions[0].title == "Nothing finished for 1 h 00 min"


def test_nothing_running_is_nothing_stuck() -> None:
    assert nothing_finished(snapshot(NOW), T, URL) == Verdict(Rule.NOTHING_FINISHED)


def test_a_stale_live_state_tells_nothing_so_firing_alerts_stay() -> None:
    stale = snapshot(NOW, (running(1, NOW, 3600),), kind=BackendKind.UNREACHABLE, attempt=3)
    assert nothing_finished(stale, T, URL) is None
    assert long_wait(stale, T, URL) is None


def test_a_long_wait_names_the_longest_queued_set() -> None:
    snap = snapshot(
        NOW, pending=(queued(1, NOW, 21 * 60), queued(2, NOW, 50 * 60, HOSTILE), queued(3, NOW, 60))
    )
    verdict = long_wait(snap, T, URL)
    assert verdict is not None
    (condition,) = verdict.conditions
    assert condition.key == "long-wait"
    assert condition.title == "A sync has waited 50 min to start"
    assert condition.detail == (
        f"“{HOSTILE}” (Google) has waited 50 min in the queue, 3 queued in all; "
        "1 more waiting over 20 min."
    )
    short = snapshot(NOW, pending=(queued(1, NOW, 19 * 60),))
    assert long_wait(short, T, URL) == Verdict(Rule.LONG_WAIT)


# -- fails in a row, a client late -----------------------------------------------------------


def test_a_set_failing_k_times_in_a_row_fires_with_its_last_error_and_links_to_the_set() -> None:
    streaks = [
        Streak("s-1", HOSTILE, Platform.META, 3, NOW, "Meta API error 190: token expired"),
        Streak("s-2", "Two", Platform.META, 2, NOW, None),
    ]
    (condition,) = fails_in_a_row(streaks, T, URL).conditions
    assert condition.key == "fails-in-a-row:s-1"
    assert condition.title == f"{HOSTILE} failed 3 times in a row"
    assert condition.detail.endswith("The last error: Meta API error 190: token expired")
    assert condition.link == f"{URL}/analysis?window=7d&set=s-1"


def test_a_client_late_is_one_alert_per_client_with_a_link_to_its_page() -> None:
    late = board(
        NOW,
        ("acme co", "Acme", "Q4", "Late: last synced 3 h ago, usually every hour"),
        ("acme co", "Acme", "Brand", "Late: last synced 5 h ago, usually every 2 hours"),
        ("beta", "Beta", "Launch", "Late: last synced 2 d ago, usually every day"),
    )
    verdict = client_late(late, URL)
    assert verdict is not None
    first, second = verdict.conditions
    assert first.key == "client-late:acme co"
    assert first.title == "Acme: 2 sets late"
    assert "“Q4”: Late: last synced 3 h ago, usually every hour" in first.detail
    assert first.link == f"{URL}/clients?client=acme+co"
    assert second.title == "Beta: a set late"
    assert client_late(board(NOW), URL) == Verdict(Rule.CLIENT_LATE)  # none late: all clear
    assert client_late(None, URL) is None  # no board yet: cannot tell


# -- the lifecycle ----------------------------------------------------------------------------


def condition(key: str = "long-wait", detail: str = "waited 31 min") -> Condition:
    return Condition(key, Rule.LONG_WAIT, "A sync has waited", detail, f"{URL}/")


def verdict(*conditions: Condition) -> Verdict:
    return Verdict(Rule.LONG_WAIT, conditions)


def fired(key: str = "long-wait", notice: Notice = Notice.SENT) -> Alert:
    c = condition(key)
    return Alert(c.key, c.rule, c.title, c.detail, c.link, NOW - timedelta(minutes=5), notice)


def test_an_alert_fires_once_and_stays_quiet_while_it_fires() -> None:
    first = lifecycle.plan([], [verdict(condition())], NOW, 0, 10)
    assert [(a.key, a.fired) for a in first.started] == [("long-wait", Notice.SENT)]
    assert [(a.key, end) for a, end in first.messages] == [("long-wait", False)]
    again = lifecycle.plan(list(first.started), [verdict(condition())], NOW, 1, 10)
    assert again == lifecycle.Plan()
    worse = lifecycle.plan(list(first.started), [verdict(condition(detail="41 min"))], NOW, 1, 10)
    assert [a.detail for a in worse.changed] == ["41 min"]
    assert worse.messages == []  # new words, no new message


def test_an_alert_that_is_over_sends_its_recovery() -> None:
    later = NOW + timedelta(minutes=10)
    over = lifecycle.plan([fired()], [verdict()], later, 1, 10)
    (ended,) = over.ended
    assert (ended.ended_at, ended.resolved) == (later, Notice.SENT)
    assert over.messages == [(ended, True)]


def test_a_rule_that_cannot_tell_ends_nothing() -> None:
    assert lifecycle.plan([fired()], [], NOW, 0, 10) == lifecycle.Plan()


def test_the_hourly_cap_holds_back_what_is_over_it_and_a_held_alert_ends_silently() -> None:
    keys = [condition(f"k{n}") for n in range(4)]
    capped = lifecycle.plan([], [verdict(*keys)], NOW, 8, 10)  # room for 2 more this hour
    assert [a.fired for a in capped.started] == [Notice.SENT, Notice.SENT, Notice.HELD, Notice.HELD]
    assert len(capped.messages) == 2
    over = lifecycle.plan(list(capped.started), [verdict()], NOW, 10, 10)
    assert [a.resolved for a in over.ended] == [Notice.HELD, Notice.HELD, Notice.NONE, Notice.NONE]
    assert over.messages == []


def test_new_alerts_take_the_hours_room_before_recoveries() -> None:
    mixed = lifecycle.plan([fired("old")], [verdict(condition("new"))], NOW, 9, 10)
    assert [a.fired for a in mixed.started] == [Notice.SENT]
    assert [a.resolved for a in mixed.ended] == [Notice.HELD]


# -- the messages -----------------------------------------------------------------------------


def test_the_messages_say_what_started_and_what_is_over_with_the_link() -> None:
    alert = fired()
    start = message(alert, end=False)
    assert start.subject == "Alert: A sync has waited"
    assert start.text == "waited 31 min\nSince 13:55:00 UTC, 5 Dec."
    assert start.link == f"{URL}/"
    assert start.data["state"] == "firing"
    over = lifecycle.plan([alert], [verdict()], NOW, 0, 10).ended[0]
    end = message(over, end=True)
    assert end.subject == "Resolved: A sync has waited"
    assert end.text.startswith("Over since 14:00:00 UTC, 5 Dec, after 5 min 00 s")
    assert end.data["state"] == "resolved"
    assert delivery_key(alert, False) != delivery_key(alert, True)


def test_alert_channels_that_are_not_stop_the_start_naming_the_setting() -> None:
    config = load_settings(environ={}, alert_channels="slack=https://hooks.test/T0/tok-xyz email=x")
    with pytest.raises(SettingsError) as raised:
        channels_of(config)
    assert str(raised.value).startswith("SYNC_MONITOR_ALERT_CHANNELS: entry 2")
    assert "tok-xyz" not in str(raised.value)
    assert "tok-xyz" not in repr(config)
