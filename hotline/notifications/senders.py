"""Delivery back-ends. Each returns a SendResult; none raises for a delivery problem.

Only the e-mail back-end lives here; the SMS one is telephony's. `create_app` registers both
(`services.register_sender`), so this package never imports a domain.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import Flask


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a temporary problem: try again later
    FAILED = "failed"  # permanent: do not try again
    DISABLED = "disabled"  # the channel is not configured


@dataclass(frozen=True)
class SendResult:
    outcome: DeliveryOutcome
    detail: str = ""
    provider_id: str | None = None


class Sender(Protocol):
    enabled: bool

    def send(self, recipient: str, subject: str, body: str) -> SendResult: ...


class DisabledSender:
    enabled = False

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def send(self, recipient: str, subject: str, body: str) -> SendResult:
        return SendResult(DeliveryOutcome.DISABLED, self.reason)


class SmtpSender:
    """E-mail through the server in SMTP_URL: smtp://user:pass@host:587 (STARTTLS) or smtps://host:465."""

    enabled = True

    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parts.scheme == "smtp" and self.port == 587
        self.sender = sender
        self.timeout = timeout

    def send(self, recipient: str, subject: str, body: str) -> SendResult:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        try:
            if self.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult(DeliveryOutcome.FAILED, f"recipient refused: {_codes(exc.recipients)}")
        except smtplib.SMTPResponseException as exc:
            outcome = DeliveryOutcome.FAILED if 500 <= exc.smtp_code < 600 else DeliveryOutcome.RETRY
            return SendResult(outcome, f"smtp {exc.smtp_code}")
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult(DeliveryOutcome.RETRY, type(exc).__name__)
        return SendResult(DeliveryOutcome.SENT)


def smtp_sender(app: Flask) -> Sender:
    """The e-mail sender of this app's configuration (disabled, saying why, without SMTP_URL)."""
    smtp_url = app.config.get("SMTP_URL")
    if not smtp_url:
        return DisabledSender("SMTP_URL is not set")
    return SmtpSender(smtp_url, app.config.get("MAIL_FROM", "no-reply@linea1818.pe"))


def _codes(recipients: dict) -> str:
    return ",".join(str(code) for code, _msg in recipients.values())
