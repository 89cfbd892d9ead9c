"""Webhooks: registered by the key (scope) or an admin, queued through the outbox with the change
they describe, signed, retried with backoff, never delivered twice; the HTTP client is a fake."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.api import services
from hotline.api.models import WebhookEndpoint
from hotline.api.services.webhooks import HTTP_CLIENT_KEY, UrllibClient
from hotline.database import utcnow
from hotline.notifications import services as outbox
from hotline.notifications.models import OutboxMessage
from hotline.referrals import services as referrals
from tests.api.conftest import bearer
from tests.referrals.helpers import PERSONAL, full_case, partner, refer


class FakeWebhookClient:
    """Records each POST and answers with the next status of `statuses` (then 200)."""

    def __init__(self) -> None:
        self.posts: list[dict] = []  # type: ignore[type-arg]
        self.statuses: list[int | Exception] = []

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        self.posts.append({"url": url, "body": body, "headers": dict(headers), "timeout": timeout})
        answer = self.statuses.pop(0) if self.statuses else 200
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def fake(app) -> Iterator[FakeWebhookClient]:  # type: ignore[no-untyped-def]
    client = FakeWebhookClient()
    services.set_http_client(app, client)
    yield client
    app.extensions.pop(HTTP_CLIENT_KEY, None)


def _verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """How a partner verifies a delivery (the README's recipe), written apart from the app's code."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields["v1"])


def _register(client, token, **body):  # type: ignore[no-untyped-def]
    body.setdefault("url", "https://casos.fiscalia.example.pe/hotline")
    return client.post("/api/v1/webhooks", json=body, headers=bearer(token))


def _webhook_messages(db) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return list(
        db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook").order_by(OutboxMessage.id))
    )


def test_a_key_with_the_scope_registers_lists_and_deletes_its_webhooks(client, db, make_key):
    _, token = make_key()
    created = _register(client, token, events=["referral.sent"])
    assert created.status_code == 201
    hook = created.get_json()
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["referral.sent"]
    stored = db.get(WebhookEndpoint, hook["id"])
    assert stored.secret == hook["secret"]  # encrypted at rest, readable to sign
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["items"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert _register(client, token, events=["referral.sent"]).status_code == 409  # the same address again
    _, mimp = make_key("MIMP")
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=bearer(mimp)).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/webhooks", headers=bearer(token)).get_json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://casos.example.pe/h",
        "https://10.0.0.5/h",
        "https://127.0.0.1/h",
        "https://localhost/h",
        "https://user:pw@casos.example.pe/h",
        "https://casos.example.pe/h#x",
        "https://casos.example.pe:0/h",
        "ftp://casos.example.pe",
        "https://casos.example.pe/" + "a" * 400,
    ],
)
def test_only_https_addresses_by_name_are_accepted(client, db, token, url):
    response = _register(client, token, url=url)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    with pytest.raises(services.WebhookRefused):
        services.check_url(url)


def test_new_revoked_and_overdue_referrals_are_signed_and_delivered_once(app, client, db, fake, make_key,
                                                                         coordinator, _rules):  # fmt: skip
    _, token = make_key()
    hook = _register(client, token).get_json()
    _register(client, make_key("MIMP")[1], url="https://mimp.example.pe/h")
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator, ("MP-FISTRAP",))
    referrals.escalate_overdue(now=utcnow() + timedelta(days=5))
    referrals.revoke(
        referral, reason="sent by mistake", actor=coordinator, expected_version=referral.version_id
    )
    messages = _webhook_messages(db)
    assert [m.subject for m in messages] == ["referral.sent", "referral.deadline_passed", "referral.revoked"]
    assert {m.recipient for m in messages} == {str(hook["id"])}  # MIMP's webhook hears nothing of it
    db.commit()

    senders = outbox.get_senders(app)
    report = outbox.deliver_pending(senders)
    assert report.sent >= 3
    assert outbox.deliver_pending(senders, now=utcnow() + timedelta(days=1)).sent == 0  # never twice
    posts = [p for p in fake.posts if p["url"] == hook["url"]]
    assert len(posts) == 3
    now = int(utcnow().timestamp())
    for post, event in zip(
        posts, ["referral.sent", "referral.deadline_passed", "referral.revoked"], strict=True
    ):
        payload = json.loads(post["body"])
        assert set(payload) == {"id", "event", "referral_id"}
        assert payload["event"] == event and payload["referral_id"] == referral.id
        assert post["headers"]["Content-Type"] == "application/json"
        assert _verify(hook["secret"], post["headers"]["X-Hotline-Signature"], post["body"], now=now)
        assert not _verify("whsec_wrong", post["headers"]["X-Hotline-Signature"], post["body"], now=now)
        assert not _verify(
            hook["secret"], post["headers"]["X-Hotline-Signature"], post["body"] + b" ", now=now
        )
        text = post["body"].decode()
        assert not [p for p in PERSONAL if p in text] and referral.reference not in text
    assert len({json.loads(p["body"])["id"] for p in posts}) == 3


def test_a_failing_endpoint_is_retried_with_backoff_then_given_up(app, db, fake, coordinator, _rules):
    endpoint, _ = services.register_webhook(
        partner("MP-FISTRAP"), url="https://casos.example.pe/h", events=None, actor=None
    )
    refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    db.commit()
    fake.statuses = [503, OSError("connection refused"), 410]
    senders = outbox.get_senders(app)
    now = utcnow()
    first = outbox.deliver_pending(senders, now=now)
    assert first.retried >= 1
    (message,) = _webhook_messages(db)
    assert message.status == "pending" and message.next_attempt_at == now + timedelta(minutes=1)
    assert outbox.deliver_pending(senders, now=now + timedelta(seconds=30)).sent == 0  # not due yet
    outbox.deliver_pending(senders, now=now + timedelta(minutes=1))
    db.refresh(message)
    assert (
        message.status == "pending" and message.attempts == 2 and message.last_error.startswith("no answer")
    )
    outbox.deliver_pending(senders, now=now + timedelta(minutes=3))
    db.refresh(message)
    assert message.status == "failed" and message.last_error == "http 410"  # gone: not retried
    assert len([p for p in fake.posts if p["url"] == endpoint.url]) == 3


def test_a_disabled_webhook_is_not_called(app, db, fake, coordinator, _rules):
    endpoint, _ = services.register_webhook(
        partner("MP-FISTRAP"), url="https://casos.example.pe/h", actor=None
    )
    refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    services.disable_webhook(endpoint, actor=None)
    db.commit()
    outbox.deliver_pending(outbox.get_senders(app))
    (message,) = _webhook_messages(db)
    assert message.status == "failed" and fake.posts == []


def test_a_rolled_back_referral_queues_no_webhook(db, coordinator, _rules):
    services.register_webhook(partner("MP-FISTRAP"), url="https://casos.example.pe/h", actor=None)
    db.commit()
    savepoint = db.begin_nested()
    refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    assert len(_webhook_messages(db)) == 1
    savepoint.rollback()
    assert _webhook_messages(db) == []


def test_the_real_client_refuses_a_name_that_points_inside(monkeypatch):
    def resolve(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(PermissionError):
        UrllibClient().post("https://intranet.example.pe/h", b"{}", {}, 1.0)
    with pytest.raises(OSError):
        UrllibClient().post("http://casos.example.pe/h", b"{}", {}, 1.0)
    sender = services.WebhookSender(UrllibClient())
    assert sender.timeout == 10.0


def test_signatures_are_hmac_sha256_of_timestamp_dot_body():
    header = services.sign("whsec_x", 1_700_000_000, '{"a":1}')
    expected = hmac.new(b"whsec_x", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert not _verify("whsec_x", header, b'{"a":1}', now=1_700_000_000 + 3600)  # too old: replayed


def test_an_organisation_has_at_most_five_webhooks(db):
    for n in range(5):
        services.register_webhook(partner("MIMP"), url=f"https://h{n}.example.pe/h", actor=None)
    with pytest.raises(services.WebhookRefused):
        services.register_webhook(partner("MIMP"), url="https://h9.example.pe/h", actor=None)
