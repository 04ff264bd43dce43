"""Sign-in as Streamlit keeps it: whether it is set up, and what a browser's cookies say (which
browser it is, and who signed in there). Used by the page (`st.context.cookies`, the cookies its
session connected with) and by the push route (each request's own cookies), which must agree.

Streamlit's sign-in cookie (`_streamlit_user`, split into chunks when large) is signed with the
`[auth]` cookie_secret (itsdangerous); its XSRF cookie (`_streamlit_xsrf`) holds a random token
per browser, masked differently each time it is set. Both are decoded with Streamlit's own
functions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.auth_util import get_cookie_with_chunks
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.web.server.server_util import get_cookie_secret
from streamlit.web.server.starlette.starlette_app_utils import (
    decode_signed_value,
    decode_xsrf_token_string,
)
from streamlit.web.server.starlette.starlette_server_config import (
    USER_COOKIE_NAME,
    XSRF_COOKIE_NAME,
)

from .settings import SettingsError

log = logging.getLogger(__name__)
NO_SECRETS = "no-secrets-found"  # Streamlit's error id when there is no secrets file at all


def sign_in_configured() -> bool:
    """Is Streamlit's OIDC sign-in set up (an [auth] section in the secrets)?"""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError as exc:
        if exc.error_id == NO_SECRETS:  # no secrets file at all
            return False
        # A file that cannot be read: its [auth] must not be taken for absent.
        raise SettingsError(f"the secrets file cannot be read ({exc})") from None


def browser_of(secret: bytes, cookies: Mapping[str, str]) -> str:
    """ "<device>-<sign-in>": a digest of the browser's XSRF token, and one of its sign-in
    cookies. The same for every tab of one browser while its sign-in lasts; another browser, or
    a client without cookies, gives another device; the same browser after a sign-out or a new
    sign-in gives the same device and another sign-in (`same_device`); the sign-in cookie copied
    into another browser gives the same sign-in (signins.py keys sign-ins by it). Keyed with
    `secret`, so it tells nothing about the cookies."""
    xsrf, _ = decode_xsrf_token_string(cookies.get(XSRF_COOKIE_NAME, ""))
    device = hmac.new(secret, b"device\0" + (xsrf or b""), hashlib.sha256)
    signin = hmac.new(secret, b"sign-in", hashlib.sha256)
    # Every part of the sign-in: the user cookie, its chunks, the tokens cookie.
    for name in sorted(n for n in cookies if n.startswith(USER_COOKIE_NAME)):
        signin.update(b"\0" + name.encode() + b"=" + cookies[name].encode("latin-1", "replace"))
    return f"{device.hexdigest()[:24]}-{signin.hexdigest()[:24]}"


def same_device(one: str, other: str) -> bool:
    """Are two `browser_of` digests of one browser (whatever became of its sign-in)?"""
    return hmac.compare_digest(one.partition("-")[0], other.partition("-")[0])


def user_of(cookies: Mapping[str, str]) -> dict[str, Any] | None:
    """The signed-in user's claims (e-mail, email_verified, …) as Streamlit's sign-in cookie
    holds them; None when there is none, or it is not one this server signed."""
    secret = get_cookie_secret()

    def single(name: str) -> bytes | None:
        raw = cookies.get(name)
        # HTTP cookies are ISO-8859-1: the original bytes come back by encoding to it.
        return None if raw is None else decode_signed_value(secret, name, raw.encode("latin-1"))

    try:
        decoded = get_cookie_with_chunks(single, USER_COOKIE_NAME)
    except UnicodeEncodeError:  # not a cookie Streamlit set
        return None
    if not decoded:
        return None
    try:
        user = json.loads(decoded)
    except (UnicodeDecodeError, json.JSONDecodeError):
        log.warning("a sign-in cookie with a valid signature does not hold JSON")
        return None
    if not isinstance(user, dict) or not user.get("is_logged_in"):
        return None
    return user
