"""E-mail over SMTP with the standard library: plain text with an HTML alternative."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from sync_monitor.settings import Settings

log = logging.getLogger(__name__)
Security = Literal["starttls", "tls", "none"]


class NotSent(Exception):
    """A message that did not go; the text says why, without any secret."""


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int = 587
    security: Security = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "Sync Monitor <sync-monitor@localhost>"
    timeout: float = 20.0

    def send(self, to: Sequence[str], subject: str, text: str, html: str | None = None) -> None:
        """Send one message to `to`; raises NotSent."""
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.sender
        message["To"] = ", ".join(to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="sync-monitor")
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        try:
            with self._connect() as smtp:
                if self.user and self.password is not None:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError:
            raise NotSent(f"the mail server {self.host} refused the user {self.user}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotSent(
                f"the mail server {self.host} refused {', '.join(exc.recipients)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise NotSent(
                f"the mail server {self.host}:{self.port} did not take it "
                f"({type(exc).__name__}: {exc})"
            ) from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp


def mailer_for(config: Settings) -> Mailer | None:
    """The mailer the SMTP settings describe; None without SYNC_MONITOR_SMTP_HOST."""
    if config.smtp_host is None:
        return None
    password = config.smtp_password.get_secret_value() if config.smtp_password else None
    return Mailer(
        config.smtp_host,
        config.smtp_port,
        config.smtp_security,
        config.smtp_user,
        password,
        config.smtp_from,
    )
