"""Who may act without sign-in: an operator only on loopback, never when read-only."""

from __future__ import annotations

import pytest

from sync_monitor.access import Role, is_loopback, without_sign_in


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses(address: str) -> None:
    assert is_loopback(address)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "::", "10.0.0.5", "monitor.example"])
def test_addresses_others_can_reach(address: str | None) -> None:
    assert not is_loopback(address)


def test_on_loopback_the_local_user_is_an_operator() -> None:
    caller = without_sign_in(read_only=False, address="127.0.0.1")
    assert caller.role is Role.OPERATOR
    assert caller.may_act


def test_beyond_loopback_without_sign_in_everyone_is_a_viewer() -> None:
    caller = without_sign_in(read_only=False, address="0.0.0.0")
    assert caller.role is Role.VIEWER
    assert not caller.may_act
    assert "0.0.0.0" in caller.why_read_only


def test_read_only_wins_even_on_loopback() -> None:
    caller = without_sign_in(read_only=True, address="127.0.0.1")
    assert not caller.may_act
    assert "SYNC_MONITOR_READ_ONLY" in caller.why_read_only
