"""Short-lived tokens for the push route: signed with a server secret, bound to one Streamlit
session, expiring within minutes. Pure (the caller passes the clock).

A token is "<session>.<expiry>.<signature>", URL-safe; it proves only that this server handed it
to that session's page recently. It carries no Dotoro credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

TTL_SECONDS = 300.0  # the page hands out a new one well before this (see ui/push.py)


def _sign(secret: bytes, body: str) -> str:
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def mint(secret: bytes, session: str, now: float, ttl: float = TTL_SECONDS) -> str:
    if not session or "." in session:
        raise ValueError("a session id has no dots")
    body = f"{session}.{int(now + ttl)}"
    return f"{body}.{_sign(secret, body)}"


def check(secret: bytes, token: str | None, now: float) -> str | None:
    """The session a valid, unexpired token was minted for; None for anything else."""
    if not token or len(token) > 512:
        return None
    session, _, rest = token.partition(".")
    expiry, _, signature = rest.partition(".")
    if not (session and expiry.isdigit() and signature):
        return None
    if not hmac.compare_digest(_sign(secret, f"{session}.{expiry}"), signature):
        return None
    return session if int(expiry) > now else None
