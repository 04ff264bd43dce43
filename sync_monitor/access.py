"""Who may act: viewers see everything and change nothing, operators may retry and cancel. Pure.

With sign-in (an `[auth]` section in the secrets, Streamlit's OIDC), a signed-in person is let in
when their e-mail or its domain is in SYNC_MONITOR_OPERATORS (an operator) or SYNC_MONITOR_VIEWERS
(a viewer); anyone else is turned away.

The control is in the hub's actions (`actions.py`), whatever calls them (a button, the component's
callback, a replayed widget event); hidden buttons on the page are only a courtesy. Without
sign-in, the monitor acts only while it listens on loopback alone (the ops laptop); bound to any
other address it is read-only, and `SYNC_MONITOR_READ_ONLY=true` makes it read-only anywhere.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Caller:
    """Who asks for an action, as the server knows them (never what the browser claims)."""

    who: str  # for the log and the audit trail: an e-mail, or "local operator"
    role: Role
    why_read_only: str = ""  # for a viewer: the reason, in words, for the page
    admitted: bool = True  # False: signed out, or signed in but not on the lists

    @property
    def may_act(self) -> bool:
        return self.role is Role.OPERATOR


def is_loopback(address: str | None) -> bool:
    """True for an address only this machine can reach ("127.0.0.1", "::1", "localhost").
    Unset or empty means every interface to Streamlit: not loopback."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def without_sign_in(read_only: bool, address: str | None) -> Caller:
    """The caller of a page when no sign-in is configured: an operator only on loopback."""
    if read_only:
        return Caller("anyone", Role.VIEWER, "Read-only: SYNC_MONITOR_READ_ONLY is set.")
    if not is_loopback(address):
        return Caller(
            "anyone",
            Role.VIEWER,
            "Read-only: the monitor listens beyond this machine without sign-in "
            f"(server.address {address or 'unset'}).",
        )
    return Caller("local operator", Role.OPERATOR)


def _listed(email: str, entries: str) -> bool:
    """Is `email` in a comma-separated list of e-mails and domains ("ops@acme.com, @acme.com")?"""
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    for entry in (e.strip().lower() for e in entries.split(",")):
        if not entry:
            continue
        if entry == email or (entry.lstrip("@") == domain and "@" not in entry.lstrip("@")):
            return True
    return False


SIGNED_OUT = Caller("signed out", Role.VIEWER, "Sign in to act.", admitted=False)


def signed_in(email: str | None, operators: str, viewers: str, read_only: bool) -> Caller | None:
    """The caller for a signed-in person; None when they are not let in (or gave no e-mail)."""
    if not email or "@" not in email:
        return None
    if _listed(email, operators):
        if read_only:
            return Caller(email, Role.VIEWER, "Read-only: SYNC_MONITOR_READ_ONLY is set.")
        return Caller(email, Role.OPERATOR)
    if _listed(email, viewers):
        return Caller(email, Role.VIEWER, "You are signed in as a viewer.")
    return None
