"""A real OpenID Connect provider for the browser tests (tests/support/oidc/provider.mjs: npm's
oidc-provider under Node.js), so that Streamlit's own `st.login` signs people in through a real
login form.

    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    with oidc_provider(redirect_uri) as provider:
        m = live(app_port=port, app_secrets=provider.auth_secrets(redirect_uri), app_env=...)
        m.page.goto(m.url)
        sign_in(m.page, "ops@acme.com")

The login typed in the provider's form is the e-mail (`unverified:` before it: email_verified
false; `noclaim:`: no email_verified claim). Everything is on 127.0.0.1 over plain http, which
Authlib accepts for loopback: browse the app at the redirect_uri's origin (127.0.0.1, not
localhost), as Streamlit signs the user's cookie for that origin only.

No Node.js, or its packages not installed (`make oidc-deps`): the tests that need it skip on a
workstation, and fail under CI (CI set).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support.streamlit_app import free_port, stop
from tests.support.waiting import ms, wait_for_http

HERE = Path(__file__).resolve().parent / "oidc"
SCRIPT = HERE / "provider.mjs"
PACKAGE = HERE / "node_modules" / "oidc-provider" / "package.json"


@dataclass(frozen=True)
class Provider:
    """A running provider with one confidential client."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def auth_secrets(self, redirect_uri: str) -> str:
        """The `[auth]` section of Streamlit's secrets.toml for this client (a fresh random
        cookie secret each time)."""
        assert redirect_uri in self.redirect_uris, f"{redirect_uri} is not registered"
        values = {
            "redirect_uri": redirect_uri,
            "cookie_secret": secrets.token_urlsafe(32),
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "server_metadata_url": self.metadata_url,
        }
        # A JSON string is a TOML basic string.
        return "[auth]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def node() -> str:
    """Node.js, once the provider's packages are installed; else skip (fail under CI)."""
    path = shutil.which("node")
    if path is None or not PACKAGE.exists():
        reason = (
            "Node.js not found" if path is None else f"{PACKAGE.parent.name} not installed"
        ) + " (the sign-in tests' OpenID provider: install Node.js, then `make oidc-deps`)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the sign-in tests, not skip them")
        pytest.skip(reason)
    return path


@contextmanager
def oidc_provider(
    redirect_uri: str, *more: str, client_id: str = "sync-monitor"
) -> Iterator[Provider]:
    """provider.mjs on a free loopback port, its client registered for `redirect_uri` (and
    `more`) as redirect and post-logout URIs; stopped when the block ends, and its log printed
    (pytest shows it with a failure)."""
    port = free_port()
    provider = Provider(
        f"http://127.0.0.1:{port}", client_id, secrets.token_urlsafe(24), (redirect_uri, *more)
    )
    # name=value: a value may start with "-", which node's parseArgs reads as an option.
    command = [node(), str(SCRIPT), f"--port={port}", f"--client-id={client_id}"]
    command += [f"--client-secret={provider.client_secret}"]
    for uri in provider.redirect_uris:
        command += [f"--redirect-uri={uri}"]
    with tempfile.TemporaryDirectory(prefix="sync-monitor-oidc-") as scratch:
        log = Path(scratch) / "provider.log"
        with log.open("wb") as output:  # the child has its own copy
            proc = subprocess.Popen(
                command, cwd=HERE, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            wait_for_http(
                provider.metadata_url,
                "the OpenID provider's discovery document",
                timeout=30,
                ok=lambda r: r.ok and r.json().get("issuer") == provider.issuer,
                alive=lambda: proc.poll() is None,
            )
            yield provider
        finally:
            stop(proc)
            # pytest shows a test's output only when it fails (setup, call or teardown).
            print(f"--- the OpenID provider's log ({provider.issuer}):")
            print(log.read_text(errors="replace"))


def sign_in(page: Page, login: str) -> None:
    """On the monitor's sign-in page: "Sign in", then the provider's form as `login` (the
    e-mail, see provider.mjs), and back to the app once it has loaded again."""
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("E-mail").fill(login)  # waits for the provider's form
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("[data-testid='stApp']", timeout=ms(30))
