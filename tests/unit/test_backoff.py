"""Reconnect delays: 1 s, 2 s, 4 s … capped at 30 s, with jitter (dotoro-api.md §3.2)."""

from typing import Any

import pytest

from sync_monitor.dotoro.backoff import Backoff

MIDDLE = 0.5  # rand at which jitter adds nothing
JUST_BELOW_ONE = 0.999_999_999


def test_default_sequence_doubles_from_one_to_the_cap() -> None:
    delays = [Backoff().delay(attempt, MIDDLE) for attempt in range(1, 9)]
    assert delays == pytest.approx([1, 2, 4, 8, 16, 30, 30, 30])


def test_without_jitter_rand_changes_nothing() -> None:
    backoff = Backoff(jitter=0)
    assert backoff.delay(3, 0.0) == backoff.delay(3, JUST_BELOW_ONE) == 4.0


def test_jitter_moves_a_delay_by_at_most_its_fraction() -> None:
    backoff = Backoff()
    assert backoff.delay(3, 0.0) == pytest.approx(4 * 0.8)
    assert backoff.delay(3, JUST_BELOW_ONE) == pytest.approx(4 * 1.2)
    assert backoff.delay(3, 0.25) == pytest.approx(4 * 0.9)


def test_jittered_delays_stay_within_bounds() -> None:
    backoff = Backoff()
    rands = [i / 100 for i in range(100)] + [JUST_BELOW_ONE]
    for attempt in range(1, 40):
        nominal = min(30.0, 2.0 ** (attempt - 1))
        for rand in rands:
            delay = backoff.delay(attempt, rand)
            assert 0.8 * nominal - 1e-9 <= delay <= 1.2 * nominal + 1e-9
            assert 0 <= delay <= 30 * 1.2


@pytest.mark.parametrize("attempt", [100, 10_000, 10**12])
def test_huge_attempts_do_not_overflow(attempt: int) -> None:
    assert Backoff().delay(attempt, MIDDLE) == 30.0


def test_factor_one_gives_a_constant_delay() -> None:
    backoff = Backoff(base=2.0, factor=1.0, jitter=0.0)
    assert [backoff.delay(n, 0.3) for n in (1, 5, 1000)] == [2.0, 2.0, 2.0]


def test_custom_policy() -> None:
    backoff = Backoff(base=0.5, factor=3.0, cap=10.0, jitter=0.0)
    assert [backoff.delay(n, 0.0) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"base": 0}, "base"),
        ({"base": -1}, "base"),
        ({"base": float("nan")}, "base"),
        ({"base": float("inf"), "cap": float("inf")}, "base"),
        ({"factor": 0.5}, "factor"),
        ({"cap": 0.5}, "cap"),
        ({"cap": float("inf")}, "cap"),
        ({"jitter": -0.1}, "jitter"),
        ({"jitter": 1.0}, "jitter"),
    ],
)
def test_invalid_policy_error_names_the_argument(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        Backoff(**kwargs)


@pytest.mark.parametrize(("attempt", "rand", "name"), [(0, 0.5, "attempt"), (1, 1.0, "rand")])
def test_invalid_delay_arguments_are_rejected(attempt: int, rand: float, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        Backoff().delay(attempt, rand)


def test_rand_below_zero_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"^rand must"):
        Backoff().delay(1, -0.01)
