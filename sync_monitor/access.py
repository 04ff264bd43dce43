"""Who may act: viewers see everything and change nothing, operators may retry and cancel; and
the audit trail's entries of what they did. Pure.

With sign-in (an `[auth]` section in the secrets, Streamlit's OIDC), a signed-in person is let in
when their e-mail or its domain is in SYNC_MONITOR_OPERATORS (an operator) or SYNC_MONITOR_VIEWERS
(a viewer); anyone else is turned away.

The control is in the hub's actions (`live/actions.py`), whatever calls them (a button, the
component's callback, a replayed widget event); hidden buttons on the page are only a courtesy.
Without sign-in, the monitor acts only for the ops laptop: while it listens on loopback alone and
the page came straight from this machine, not through a proxy (`proxy_evidence`); otherwise it is
read-only, and `SYNC_MONITOR_READ_ONLY=true` makes it read-only anywhere.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit


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
    refusal: str = ""  # not admitted for a reason other than the lists: the page says it
    confirming: bool = False  # not admitted until its page checks in again (signins.py)

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


# Headers a reverse proxy adds (RFC 7239's Forwarded, and the de-facto ones); any of them means
# the page did not come straight from a browser on this machine.
PROXY_HEADERS = (
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
)


def _loopback_host(host: str) -> bool:
    """Is `host` ("127.0.0.1:8501", "[::1]:8501", "localhost") a name of this machine only?"""
    try:
        name = urlsplit(f"//{host.strip()}").hostname
    except ValueError:  # "[::1" and the like: not an address of anything
        return False
    return name is not None and is_loopback(name)


def proxy_evidence(headers: Mapping[str, str]) -> str | None:
    """Why the request with these `headers` (names in lower case) may have come through a
    proxy, in words; None when it came straight from this machine's browser.

    A proxy on this machine connects from loopback, so the peer's address proves nothing: the
    forwarding headers do, and so do a Host or Origin that name another machine, or an Origin
    other than the Host (a proxy that adds no header still passes the browser's Origin, which
    Streamlit's WebSocket requires)."""
    for name in PROXY_HEADERS:
        if headers.get(name):
            return f"the page came through a proxy ({name} header)"
    host = headers.get("host")
    if host is not None and not _loopback_host(host):
        return "the page was asked for by another name than this machine's (Host header)"
    origin = headers.get("origin")
    if host is not None and not origin:
        # Browsers always send it on a WebSocket: a proxy that strips it, or a tunnel's client.
        return "the page's connection named no origin (Origin header)"
    if origin and origin != "null":
        try:
            opened_at = urlsplit(origin).netloc
        except ValueError:
            return "the page's connection named no valid origin (Origin header)"
        if not _loopback_host(opened_at):
            return "the page was opened from another address than this machine's (Origin header)"
        if host is not None and opened_at.lower() != host.strip().lower():
            # A bare proxy on this machine: it passes its own loopback address and port as the
            # Origin, and the monitor's as the Host. A browser that came straight has both alike.
            return "the page was opened at another address than the monitor's (Origin and Host)"
    return None


def without_sign_in(read_only: bool, address: str | None, proxied: str | None = None) -> Caller:
    """The caller of a page when no sign-in is configured: an operator only on loopback, and
    only when the page came straight from this machine (`proxied`: the evidence it did not,
    from `proxy_evidence`)."""
    if read_only:
        return Caller("anyone", Role.VIEWER, "Read-only: SYNC_MONITOR_READ_ONLY is set.")
    if not is_loopback(address):
        return Caller(
            "anyone",
            Role.VIEWER,
            "Read-only: the monitor listens beyond this machine without sign-in "
            f"(server.address {address or 'unset'}).",
        )
    if proxied:
        return Caller(
            "anyone",
            Role.VIEWER,
            f"Read-only: {proxied}, and without sign-in only this machine's own browser may "
            "act. Set up sign-in to act from here.",
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


def signed_in(
    email: str | None,
    operators: str,
    viewers: str,
    read_only: bool,
    verified: object = None,
) -> Caller | None:
    """The caller for a signed-in person; None when they are not let in (or gave no e-mail).
    `verified`: the provider's `email_verified` claim; where it sends one, only True gives a
    role (anyone may put an operator's address on an account they made)."""
    if not email or "@" not in email:
        return None
    if verified is not None and verified not in (True, "true"):  # some send it as a string
        return Caller(
            email,
            Role.VIEWER,
            admitted=False,
            refusal=(
                f"Your sign-in provider says the address {email} is not verified, so it gives "
                "no role here. Verify it with your provider, then sign in again."
            ),
        )
    if _listed(email, operators):
        if read_only:
            return Caller(email, Role.VIEWER, "Read-only: SYNC_MONITOR_READ_ONLY is set.")
        return Caller(email, Role.OPERATOR)
    if _listed(email, viewers):
        return Caller(email, Role.VIEWER, "You are signed in as a viewer.")
    return None


# What they did: the audit trail's entries (the trail itself is history/audit.py).


class Action(StrEnum):
    """What an entry records: an action on a sync, or a request the push route refused."""

    RETRY = "retry"
    CANCEL = "cancel"
    GROUP_RETRY = "group retry"  # a batch's start, pause, resume, cancel or stop (triage/batch.py)
    CHECK_IN = "check-in"  # the sign-in keeper's (push/route.py)
    PUSH = "push connection"


class Verdict(StrEnum):
    """How it went."""

    DONE = "done"
    FAILED = "failed"  # the service refused it, or could not be reached
    REFUSED = "refused"  # by the monitor: the caller may not do it


@dataclass(frozen=True)
class Entry:
    """One action, or one attempt refused: who, as what role, did what to which target."""

    at: datetime
    who: str
    role: str
    action: Action
    target: str
    outcome: Verdict
    message: str
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)


class ActionLog(Protocol):
    """Where the actions write their entries (history/audit.py's AuditLog)."""

    def record(self, entry: Entry) -> None: ...

    def refusal(self, entry: Entry) -> bool: ...
