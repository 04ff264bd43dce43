"""Who may act without sign-in: an operator only on loopback, never when read-only."""

from __future__ import annotations

import pytest

from sync_monitor.access import Caller, Role, is_loopback, signed_in, without_sign_in


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


def test_signed_in_roles_come_from_the_lists() -> None:
    operators, viewers = "ops@acme.com, @ops.acme.com", "@acme.com,partner@else.org"
    assert signed_in("ops@acme.com", operators, viewers, read_only=False) == Caller(
        "ops@acme.com", Role.OPERATOR
    )
    assert signed_in("Jo@OPS.acme.com", operators, viewers, False).role is Role.OPERATOR  # type: ignore[union-attr]
    am = signed_in("am@acme.com", operators, viewers, read_only=False)
    assert am is not None
    assert am.role is Role.VIEWER
    assert signed_in("partner@else.org", operators, viewers, False) is not None
    # Anyone else is turned away; a domain entry matches the domain, not a suffix of it.
    assert signed_in("someone@evil.org", operators, viewers, False) is None
    assert signed_in("x@notacme.com", operators, viewers, False) is None
    assert signed_in("x@acme.com.evil.org", operators, viewers, False) is None
    assert signed_in(None, operators, viewers, False) is None
    assert signed_in("", operators, viewers, False) is None


def test_read_only_makes_signed_in_operators_viewers() -> None:
    caller = signed_in("ops@acme.com", "ops@acme.com", "", read_only=True)
    assert caller is not None
    assert not caller.may_act
