"""Whether a browser's sign-in still holds (issue 18): confirmed by new sessions and check-ins,
ended by a check-in that finds it gone, lapsed when its pages stop checking in."""

from __future__ import annotations

from sync_monitor import signins
from sync_monitor.signins import HOLDS_SECONDS, SignIns


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sign_in_holds_while_its_pages_check_in_and_lapses_when_they_stop() -> None:
    clock = Clock()
    known = SignIns(clock)
    assert known.standing("alice") is not None  # never seen: not confirmed
    known.confirm("alice")
    for _ in range(10):  # checking in every 10 s, for 100 s
        clock.now += 10
        assert known.standing("alice") is None
        known.confirm("alice")
    clock.now += HOLDS_SECONDS + 1
    lapsed = known.standing("alice")
    assert lapsed is not None
    assert "not been confirmed" in lapsed
    assert known.ended("alice") is None  # lapsed, not ended: a check-in brings it back
    known.confirm("alice")
    assert known.standing("alice") is None


def test_an_ended_sign_in_stays_ended_and_others_are_untouched() -> None:
    clock = Clock()
    known = SignIns(clock)
    known.confirm("alice")
    known.confirm("bob")
    known.end("alice", "Signed out in another tab.")
    known.confirm("alice")  # a replayed check-in, a new session with the old cookie
    assert known.standing("alice") == "Signed out in another tab."
    assert known.ended("alice") == "Signed out in another tab."
    assert known.standing("bob") is None


def test_browsers_long_gone_are_forgotten_and_memory_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    known = SignIns(clock)
    known.confirm("old")
    clock.now += signins.FORGET_SECONDS + 1
    known.confirm("new")
    assert known.standing("old") is not None
    assert known.ended("old") is None
    monkeypatch.setattr(signins, "MOST", 50)
    for n in range(200):
        known.confirm(f"browser-{n}")
    assert len(known._live) <= 50
    assert known.standing("browser-199") is None


def test_a_session_confirms_its_sign_in_once_and_a_cleared_state_does_not_again() -> None:
    clock = Clock()
    known = SignIns(clock)
    known.first_run("session-1", "device-alice")
    assert known.standing("device-alice") is None
    clock.now += HOLDS_SECONDS + 1
    known.first_run("session-1", "device-alice")  # a rerun, or one after Clear cache
    assert known.standing("device-alice") is not None  # lapsed: only a check-in confirms
    known.first_run("session-2", "device-alice")  # a new page has just shown its cookies
    assert known.standing("device-alice") is None


def test_a_sign_in_taken_off_the_lists_is_refused_until_a_check_in_lets_it_in() -> None:
    known = SignIns(Clock())
    known.confirm("device-alice")
    known.refuse("device-alice", "alice@acme.com is no longer on this monitor's lists.")
    assert known.standing("device-alice") == "alice@acme.com is no longer on this monitor's lists."
    assert known.ended("device-alice") is None  # not for good
    known.confirm("device-alice")  # put back on the lists
    assert known.standing("device-alice") is None


def test_an_ended_sign_in_is_known_from_any_browser_its_cookie_is_copied_into() -> None:
    known = SignIns(Clock())
    known.confirm("laptop-alice")
    known.end("laptop-alice", "Signed out.")
    assert known.ended("elsewhere-alice") == "Signed out."  # the same sign-in cookie
    assert known.ended("laptop-bob") is None
