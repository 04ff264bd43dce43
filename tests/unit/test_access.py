"""Who may act without sign-in: an operator only on loopback, never when read-only."""

from __future__ import annotations

import pytest

from sync_monitor.access import (
    Caller,
    Role,
    is_loopback,
    proxy_evidence,
    signed_in,
    without_sign_in,
)


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


# -- issue 18: a proxy is nobody's operator; an unverified address gives no role -------------


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({"host": "127.0.0.1:8501", "x-forwarded-for": "203.0.113.9"}, "x-forwarded-for"),
        ({"host": "localhost:8501", "forwarded": "for=203.0.113.9"}, "forwarded"),
        ({"host": "localhost:8501", "x-real-ip": "203.0.113.9"}, "x-real-ip"),
        ({"host": "127.0.0.1:8501", "via": "1.1 proxy"}, "via"),
        ({"host": "monitor.example.com"}, "Host header"),
        ({"host": "127.0.0.1:8501", "origin": "https://monitor.example.com"}, "Origin header"),
        # A bare nginx on this machine: its own address as Origin, the monitor's as Host.
        ({"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8080"}, "Origin and Host"),
        ({"host": "127.0.0.1:8501"}, "named no origin"),  # stripped by a proxy
        ({"host": "[::1", "origin": "http://[::1"}, "Host header"),
    ],
)
def test_a_page_through_a_proxy_is_read_only_on_loopback(
    headers: dict[str, str], says: str
) -> None:
    evidence = proxy_evidence(headers)
    assert evidence is not None
    assert says in evidence
    caller = without_sign_in(read_only=False, address="127.0.0.1", proxied=evidence)
    assert not caller.may_act
    assert caller.why_read_only.startswith("Read-only:")
    assert says in caller.why_read_only


@pytest.mark.parametrize(
    "headers",
    [
        {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"},
        {"host": "localhost:8501", "origin": "http://localhost:8501"},
        {"host": "[::1]:8501", "origin": "http://[::1]:8501"},
        {"host": "localhost", "origin": "http://localhost"},
        {},  # no connection at all (AppTest, in-process)
    ],
)
def test_a_page_straight_from_this_machine_is_the_local_operator(headers: dict[str, str]) -> None:
    assert proxy_evidence(headers) is None
    caller = without_sign_in(False, "127.0.0.1", proxy_evidence(headers))
    assert caller.may_act
    assert caller.who == "local operator"


@pytest.mark.parametrize("verified", [False, "false", 0, "no"])
def test_an_address_the_provider_has_not_verified_gives_no_role(verified: object) -> None:
    caller = signed_in("ops@acme.com", "ops@acme.com", "@acme.com", False, verified)
    assert caller is not None
    assert not caller.admitted
    assert not caller.may_act
    assert "not verified" in caller.refusal
    assert "ops@acme.com" in caller.refusal


@pytest.mark.parametrize("verified", [True, "true", None])  # None: the provider sends no claim
def test_a_verified_address_or_none_said_keeps_its_role(verified: object) -> None:
    caller = signed_in("ops@acme.com", "ops@acme.com", "", False, verified)
    assert caller is not None
    assert caller.admitted
    assert caller.may_act
    assert not caller.refusal
