"""Webhooks: a Slack-compatible incoming webhook's `{"text": …}` and a generic JSON POST."""

from __future__ import annotations

from typing import Any

import requests

from .mail import NotSent


def slack_text(text: str) -> str:
    """`text` as plain text in Slack's mrkdwn: its three control characters escaped (Slack's
    "Escaping text"), so a campaign's name cannot make a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(url: str, label: str) -> str:
    """A link in Slack's mrkdwn; the label escaped, and `|` and `>` kept out of it."""
    return f"<{url}|{slack_text(label).replace('|', '/')}>"


def post(url: str, payload: dict[str, Any], name: str, timeout: float = 10.0) -> None:
    """POST `payload` as JSON to `url`; raises NotSent naming the channel by `name` (never the
    URL, which holds the webhook's secret)."""
    try:
        answer = requests.post(url, json=payload, timeout=timeout)
    except requests.RequestException as exc:
        raise NotSent(f"{name} could not be reached ({type(exc).__name__})") from None
    if not 200 <= answer.status_code < 300:
        raise NotSent(f"{name} answered {answer.status_code}")
