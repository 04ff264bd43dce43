"""Sign-in through a real OpenID Connect provider (tests/support/oidc.py): Streamlit's own
`st.login`, the provider's login form in Chromium, and back. An operator on the lists sees the
live page and who they are signed in as, and signs out to the sign-in page; a stranger signed in
is told they are not on the lists and sees no set."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import Live
from tests.support.oidc import oidc_provider, sign_in
from tests.support.streamlit_app import free_port
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

SET = "Harbor Bank – Lead Gen"
LISTS = {"SYNC_MONITOR_OPERATORS": "ops@acme.com", "SYNC_MONITOR_VIEWERS": "viewer@acme.com"}


@pytest.fixture
def monitor(live: Callable[..., Live]) -> Iterator[Live]:
    """The app with sign-in through a provider of its own, a failed set in its backend, and
    the page on the sign-in page."""
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    with oidc_provider(redirect_uri) as provider:
        m = live(app_port=port, app_secrets=provider.auth_secrets(redirect_uri), app_env=LISTS)
        m.api.create_set(name=SET, platform="google", failed_error="boom")
        m.page.goto(m.url)
        expect(sign_in_button(m.page)).to_be_visible(timeout=ms(30))
        yield m


def sign_in_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Sign in", exact=True)


def test_an_operator_signs_in_sees_the_live_page_and_signs_out(monitor: Live) -> None:
    page = monitor.page
    sign_in(page, "ops@acme.com")
    expect(page.get_by_text("Signed in as ops@acme.com (operator).")).to_be_visible()
    expect(monitor.failure(SET)).to_be_visible(timeout=ms(30))

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(sign_in_button(page)).to_be_visible(timeout=ms(30))
    expect(page.get_by_text("Signed in as")).to_have_count(0)


def test_a_stranger_signed_in_is_told_they_are_not_on_the_lists_and_sees_no_set(
    monitor: Live,
) -> None:
    page = monitor.page
    sign_in(page, "someone@elsewhere.example")
    refusal = "someone@elsewhere.example is not on this monitor's lists"
    expect(page.get_by_text(refusal)).to_be_visible()
    monitor.wait_idle()  # the run has stopped there: nothing more comes
    expect(page.get_by_text(SET)).to_have_count(0)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
