"""Short-lived tokens for the push route and the sign-in check-in: signed with a server secret,
bound to one Streamlit session and to the browser it runs in, expiring within minutes. Pure (the
caller passes the clock).

A token is "<session>.<browser>.<expiry>.<signature>", URL-safe. `browser` is a digest of the
browser's cookies (ui/cookies.py: its XSRF cookie and, with sign-in, its sign-in cookie), which
the route computes again from the request's own cookies: a token copied to another browser, or
used by a client with no cookie, or after its sign-in cookie is gone, is refused. It proves only
that this server handed it to that session's page recently; it carries no Dotoro credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

TTL_SECONDS = 300.0  # the page hands out a new one well before this (see ui/push.py)


@dataclass(frozen=True)
class Claim:
    """What a token with a valid signature says (whether or not it has expired)."""

    session: str
    browser: str
    expires: float


def _sign(secret: bytes, body: str) -> str:
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def mint(secret: bytes, session: str, browser: str, now: float, ttl: float = TTL_SECONDS) -> str:
    if not session or "." in session or "." in browser:
        raise ValueError("a session id and a browser digest have no dots")
    body = f"{session}.{browser}.{int(now + ttl)}"
    return f"{body}.{_sign(secret, body)}"


def read(secret: bytes, token: str | None) -> Claim | None:
    """The claim of a token this server signed; None for anything else."""
    if not token or len(token) > 512 or not token.isascii():  # compare_digest: ASCII only
        return None
    parts = token.split(".")
    if len(parts) != 4:
        return None
    session, browser, expiry, signature = parts
    if not (session and expiry.isdigit() and signature):
        return None
    if not hmac.compare_digest(_sign(secret, f"{session}.{browser}.{expiry}"), signature):
        return None
    return Claim(session, browser, float(expiry))


def check(secret: bytes, token: str | None, browser: str, now: float) -> str | None:
    """The session a valid, unexpired token was minted for, if it was minted for `browser`
    (the digest of the request's cookies); None for anything else."""
    claim = read(secret, token)
    if claim is None or claim.expires <= now:
        return None
    return claim.session if hmac.compare_digest(claim.browser, browser) else None
