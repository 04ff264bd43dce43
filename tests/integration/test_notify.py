"""Messages out, against a real SMTP server (aiosmtpd) and a real HTTP receiver; the deliveries'
log on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync_monitor.history import History, deliveries
from sync_monitor.notify import channels
from sync_monitor.notify.mail import Mailer
from sync_monitor.notify.send import Message, Sender
from tests.support.databases import database
from tests.support.receiver import Receiver, receiver  # noqa: F401 (fixture)
from tests.support.smtp import Inbox, smtp_server  # noqa: F401 (fixture)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


HOSTILE = "<b>Acme</b> & <@U123> *bold* [x](http://evil)"


def message() -> Message:
    return Message(
        "alert",
        f"Failure rate high: {HOSTILE}",
        f"Reddit failed 12 of 20 in the last hour: {HOSTILE}",
        link="http://monitor.test/analysis?platform=reddit",
        data={"rule": "failure-rate"},
    )


def test_each_channel_gets_its_own_shape(smtp_server: Inbox, receiver: Receiver) -> None:  # noqa: F811
    mailer = Mailer("127.0.0.1", smtp_server.port, security="none", sender="sm@monitor.test")
    chosen = channels.parse(
        f"slack={receiver.url}/slack webhook={receiver.url}/json email=ops@acme.test"
    )
    results = Sender(mailer).send(message(), chosen)

    assert [r.sent for r in results] == [True, True, True]
    slack = receiver.wait(1, "/slack")[0].json()
    # Slack's three control characters escaped: no link, mention or markup from the text.
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; &lt;@U123&gt;" in slack["text"]
    assert "<http://monitor.test/analysis?platform=reddit|Open in Sync Monitor>" in slack["text"]
    generic = receiver.wait(1, "/json")[0].json()
    assert generic["kind"] == "alert"
    assert generic["rule"] == "failure-rate"
    assert generic["subject"] == f"Failure rate high: {HOSTILE}"
    assert generic["link"] == "http://monitor.test/analysis?platform=reddit"
    mail = smtp_server.wait(1)[0]
    assert mail["To"] == "ops@acme.test"
    assert mail["From"] == "sm@monitor.test"
    assert mail["Subject"] == f"Failure rate high: {HOSTILE}"
    body = Inbox.text(mail)
    assert "Reddit failed 12 of 20" in body
    assert "http://monitor.test/analysis?platform=reddit" in body


def test_a_channel_that_fails_says_why_without_its_url_and_the_others_still_hear(
    receiver: Receiver,  # noqa: F811
) -> None:
    receiver.status = 500
    chosen = channels.parse(f"slack={receiver.url}/secret-token-abc email=ops@acme.test")
    results = Sender(None).send(message(), chosen)
    assert [r.sent for r in results] == [False, False]
    assert results[0].problem == "Slack webhook 1 answered 500"
    assert "secret-token-abc" not in repr(results)
    assert results[1].problem == "no mail server is set up (SYNC_MONITOR_SMTP_HOST)"


def test_a_mail_server_that_is_not_there_is_a_reason_not_an_exception() -> None:
    mailer = Mailer("127.0.0.1", 1, security="none")
    results = Sender(mailer).send(message(), channels.parse("email=ops@acme.test"))
    assert results[0].problem is not None
    assert results[0].problem.startswith("the mail server 127.0.0.1:1 did not take it")


def test_a_delivery_is_claimed_once(url: str) -> None:
    at = datetime(2026, 12, 5, 9, tzinfo=UTC)
    with History.open(url) as history:
        engine = history.engine
        assert deliveries.claim(engine, "digest", "digest:ops:2026-W49", "e-mail to a@b.c", at)
        assert not deliveries.claim(engine, "digest", "digest:ops:2026-W49", "e-mail to a@b.c", at)
        assert deliveries.claim(engine, "digest", "digest:ops:2026-W49", "Slack webhook 1", at)
        deliveries.done(engine, "digest", "digest:ops:2026-W49", "Slack webhook 1", "answered 500")
        found = deliveries.recent(engine, "digest")
        assert {(d.channel, d.outcome, d.message) for d in found} == {
            ("e-mail to a@b.c", "claimed", ""),
            ("Slack webhook 1", "failed", "answered 500"),
        }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("teams=https://x", "entry 1 is not slack=URL, webhook=URL or email=ADDRESS"),
        ("slack=ftp://x", "entry 1 (slack): the URL must start with http:// or https://"),
        ("email=nobody", "entry 1: 'nobody' is not an e-mail address"),
        ("webhook=", "entry 1 (webhook=) has nothing after ="),
        (f"email={'a' * 250}@b.co", f"entry 1: '{'a' * 250}@b.co' is not an e-mail address"),
    ],
)
def test_channels_that_are_not_say_so(text: str, problem: str) -> None:
    with pytest.raises(
        channels.ChannelError, match=problem.replace("(", r"\(").replace(")", r"\)")
    ):
        channels.parse(text)


def test_the_longest_address_a_channel_takes_fits_the_deliveries_log(url: str) -> None:
    [longest] = channels.parse(f"email={'a' * 64}@{'b' * 185}.com")
    at = datetime(2026, 12, 5, 9, tzinfo=UTC)
    with History.open(url) as history:
        assert deliveries.claim(history.engine, "alert", "k" * 300, longest.name, at)
        [found] = deliveries.recent(history.engine, "alert")
        assert found.channel == longest.name
