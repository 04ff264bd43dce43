"""One message to its channels: each channel's shape (Slack's text, a generic JSON body, an
e-mail with an HTML alternative) and what came of it. Never raises for a channel that fails:
each result says why, so one dead webhook does not keep the others from hearing."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import webhook
from .channels import Channel, Kind
from .mail import Mailer, NotSent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    kind: str  # "alert" or "digest": the generic webhook's `kind`
    subject: str  # one line of plain text
    text: str  # plain text (from the backend's words too: never markup)
    link: str | None = None  # where to look: the page filtered to it
    link_label: str = "Open in Sync Monitor"
    html: str | None = None  # the e-mail's HTML alternative, escaped by whoever wrote it
    data: Mapping[str, Any] = field(default_factory=dict)  # the generic webhook's other fields


@dataclass(frozen=True)
class Result:
    channel: Channel
    problem: str | None = None  # None: sent

    @property
    def sent(self) -> bool:
        return self.problem is None


def slack_payload(message: Message) -> dict[str, Any]:
    lines = [f"*{webhook.slack_text(message.subject)}*", webhook.slack_text(message.text)]
    if message.link:
        lines.append(webhook.slack_link(message.link, message.link_label))
    return {"text": "\n".join(line for line in lines if line)}


def json_payload(message: Message) -> dict[str, Any]:
    return {
        **message.data,
        "kind": message.kind,
        "subject": message.subject,
        "text": message.text,
        "link": message.link,
    }


class Sender:
    """Sends messages; `mailer` None: e-mail channels answer that SMTP is not set up."""

    def __init__(self, mailer: Mailer | None, timeout: float = 10.0) -> None:
        self.mailer = mailer
        self.timeout = timeout

    def send(self, message: Message, channels: Sequence[Channel]) -> tuple[Result, ...]:
        return tuple(self.send_one(message, channel) for channel in channels)

    def send_one(self, message: Message, channel: Channel) -> Result:
        try:
            if channel.kind is Kind.SLACK:
                webhook.post(channel.target, slack_payload(message), channel.name, self.timeout)
            elif channel.kind is Kind.WEBHOOK:
                webhook.post(channel.target, json_payload(message), channel.name, self.timeout)
            else:
                if self.mailer is None:
                    raise NotSent("no mail server is set up (SYNC_MONITOR_SMTP_HOST)")
                text = message.text
                if message.link:
                    text += f"\n\n{message.link_label}: {message.link}\n"
                self.mailer.send([channel.target], message.subject, text, message.html)
        except NotSent as exc:
            log.warning("%s %r not sent to %s: %s", message.kind, message.subject, channel, exc)
            return Result(channel, str(exc))
        return Result(channel)
