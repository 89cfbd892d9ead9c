"""Webhooks: a partner's HTTPS address is POSTed the events of its referrals through the outbox.

The body carries ids and the event's name only (`{"id", "event", "referral_id"}`): whoever receives
it asks the API for the referral with its key. Each delivery is signed with the endpoint's secret:
`X-Hotline-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (README: how to verify).
The outbox retries with backoff and claims each message before sending, so a delivery that
succeeded is never sent again; `id` lets the receiver drop a repeat after a worker crash.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.api.models import WebhookEndpoint, WebhookEvent
from hotline.api.services.common import WebhookRefused
from hotline.audit import services as audit
from hotline.database import utcnow
from hotline.extensions import db
from hotline.notifications import services as outbox
from hotline.notifications.models import OutboxChannel
from hotline.notifications.services import DeliveryOutcome, SendResult

MAX_ENDPOINTS = 5
SIGNATURE_HEADER = "X-Hotline-Signature"
HTTP_CLIENT_KEY = "hotline_webhook_http"  # app.extensions: the HTTP client (tests put a fake)
# What the referrals domain tells (its `partner_event` signal) -> the webhook event.
SIGNAL_EVENTS = {
    "sent": WebhookEvent.REFERRAL_SENT,
    "revoked": WebhookEvent.REFERRAL_REVOKED,
    "escalated": WebhookEvent.REFERRAL_DEADLINE,
}


class HttpClient(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        """POST and return the status code; raise OSError when nothing answered."""
        ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer (3xx), never followed to another address


class UrllibClient:
    """The real client: HTTPS only, no redirects followed, a short timeout."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(_NoRedirect())

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise OSError("webhook URLs are HTTPS only")
        for info in socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP):
            if not ipaddress.ip_address(info[4][0]).is_global:
                raise PermissionError("the webhook's host name points to a private address")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310  (https checked)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


def sign(secret: str, timestamp: int, body: str) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# An HTTPS address with a host name (never an IP address), as the OpenAPI document says. Where the
# name points is checked when a delivery is sent (`UrllibClient`): only public addresses are reached.
URL_PATTERN = (
    r"^https://[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
    r"\.[a-z]{2,24}(/[A-Za-z0-9._~/-]{0,300})?$"
)


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not re.match(URL_PATTERN, url):
        raise WebhookRefused(
            _l("Give an HTTPS address of your own server by its name (https://…), at most 400 characters.")
        )
    return url


def check_events(events: Iterable[str] | None) -> list[str]:
    known = [e.value for e in WebhookEvent]
    wanted = sorted(set(events or known))
    if not wanted or set(wanted) - set(known):
        raise WebhookRefused(_l("Choose events among: %(events)s.", events=", ".join(known)))
    return wanted


def register_webhook(
    partner: Any,
    *,
    url: str,
    events: Iterable[str] | None = None,
    actor: Any,
    key_id: int | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint for `partner`; returns it and its signing secret (shown once)."""
    url = check_url(url)
    events = check_events(events)
    active = list_webhooks(partner.id)
    if len(active) >= MAX_ENDPOINTS:
        raise WebhookRefused(_l("An organisation has at most %(max)d webhooks.", max=MAX_ENDPOINTS))
    if any(e.url == url for e in active):
        raise WebhookRefused(_l("This address is already registered."))
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        partner_id=partner.id,
        url=url,
        secret=secret,
        events=events,
        created_by_id=getattr(actor, "id", None),
        created_by_key_id=key_id,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        "api_webhook.register",
        actor=actor,
        object_type="api_webhook",
        object_id=endpoint.id,
        summary=f"partner {partner.id} events {events}" + (f" by key {key_id}" if key_id else ""),
    )
    return endpoint, secret


def disable_webhook(endpoint: WebhookEndpoint, *, actor: Any, key_id: int | None = None) -> WebhookEndpoint:
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_at = utcnow()
        audit.record(
            "api_webhook.disable",
            actor=actor,
            object_type="api_webhook",
            object_id=endpoint.id,
            summary=f"partner {endpoint.partner_id}" + (f" by key {key_id}" if key_id else ""),
        )
        db.session.flush()
    return endpoint


def list_webhooks(partner_id: int | None = None) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True)).order_by(WebhookEndpoint.id)
    if partner_id is not None:
        query = query.where(WebhookEndpoint.partner_id == partner_id)
    return list(db.session.scalars(query))


def get_webhook(webhook_id: Any, partner_id: int | None = None) -> WebhookEndpoint | None:
    """An active endpoint (of `partner_id`, when given); None for anything else."""
    try:
        number = int(webhook_id)
    except (TypeError, ValueError):
        return None
    if not 0 < number < 2**31:
        return None
    endpoint = db.session.get(WebhookEndpoint, number)
    if endpoint is None or not endpoint.is_active:
        return None
    if partner_id is not None and endpoint.partner_id != partner_id:
        return None
    return endpoint


# --- queueing (the referrals domain's signal) and delivering --------------------------------------


def queue_referral_event(referral: Any, *, event: str) -> int:
    """Receiver of `referrals.signals.partner_event`: queue one delivery per subscribed endpoint."""
    name = SIGNAL_EVENTS.get(event)
    if name is None:
        return 0
    queued = 0
    for endpoint in list_webhooks(referral.partner_id):
        if name.value not in endpoint.events:
            continue
        body = json.dumps(
            {"id": str(uuid.uuid4()), "event": name.value, "referral_id": referral.id}, sort_keys=True
        )
        message = outbox.enqueue(
            channel=OutboxChannel.WEBHOOK,
            recipient=str(endpoint.id),
            subject=name.value,
            body=body,
            dedupe_key=f"webhook:{endpoint.id}:{referral.id}:{name.value}",
            object_type="referral",
            object_id=referral.id,
        )
        queued += message is not None
    return queued


class WebhookSender:
    """The outbox's back-end for the webhook channel: `recipient` is the endpoint's id."""

    enabled = True

    def __init__(self, client: HttpClient, clock: Callable[[], float] = time.time, timeout: float = 10.0):
        self.client = client
        self.clock = clock
        self.timeout = timeout

    def send(self, recipient: str, subject: str, body: str) -> SendResult:
        endpoint = get_webhook(recipient)
        if endpoint is None:
            return SendResult(DeliveryOutcome.FAILED, "webhook endpoint disabled")
        timestamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "hotline-webhooks/1",
            "X-Hotline-Event": subject,
            SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
        }
        try:
            status = self.client.post(endpoint.url, body.encode("utf-8"), headers, self.timeout)
        except PermissionError:
            return SendResult(DeliveryOutcome.FAILED, "the address is not public")
        except OSError as exc:
            return SendResult(DeliveryOutcome.RETRY, f"no answer: {type(exc).__name__}")
        if 200 <= status < 300:
            return SendResult(DeliveryOutcome.SENT, provider_id=f"http {status}")
        if status in (408, 409, 425, 429) or status >= 500:
            return SendResult(DeliveryOutcome.RETRY, f"http {status}")
        return SendResult(DeliveryOutcome.FAILED, f"http {status}")


def set_http_client(app: Flask, client: HttpClient) -> None:
    """Use `client` for this app's webhook deliveries (tests use a fake; nothing reaches the network)."""
    app.extensions[HTTP_CLIENT_KEY] = client


def webhook_sender(app: Flask) -> WebhookSender:
    """The sender factory `create_app` registers for the webhook channel."""
    client = app.extensions.get(HTTP_CLIENT_KEY)
    if client is None:
        client = app.extensions[HTTP_CLIENT_KEY] = UrllibClient()
    return WebhookSender(client)
