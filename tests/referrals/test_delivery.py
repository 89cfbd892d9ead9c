"""Security test plan items 10-12 end to end: a referral's SMS goes through the outbox and the
telephony sender to a fake Twilio HTTP client, once, with no personal data; Twilio failing is
retried and sent once; a rolled-back referral queues nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.database import utcnow
from hotline.notifications import services as outbox
from hotline.notifications.models import OutboxMessage
from hotline.telephony.sender import HTTP_CLIENT_KEY
from tests.referrals.helpers import PERSONAL, full_case, partner, refer
from tests.telephony.conftest import FakeHttpClient, created, twilio_error


@pytest.fixture
def twilio(app) -> Iterator[FakeHttpClient]:  # type: ignore[no-untyped-def]
    fake = FakeHttpClient()
    app.extensions[HTTP_CLIENT_KEY] = fake
    yield fake
    app.extensions.pop(HTTP_CLIENT_KEY, None)


def _sms(fake: FakeHttpClient) -> list[dict]:
    return [r for r in fake.requests if r["uri"].endswith("/Messages.json")]


def test_one_post_per_recipient_without_personal_data(app, db, make_user, twilio):
    coordinator = make_user(role="coordinator")
    fistrap = partner("MP-FISTRAP")
    fistrap.phone = "+5114175000"
    make_user(role="partner", partner_code="MP-FISTRAP", phone="+51911222333")
    (referral,) = refer(full_case(coordinator), coordinator)
    senders = outbox.get_senders(app)
    outbox.deliver_pending(senders)
    outbox.deliver_pending(senders)  # a second run sends nothing more
    posts = _sms(twilio)
    assert sorted(p["data"]["To"] for p in posts) == ["+5114175000", "+51911222333"]
    for post in posts:
        assert referral.reference in post["data"]["Body"]
        for secret in PERSONAL:
            assert secret not in post["data"]["Body"]


def test_twilio_failing_is_retried_and_sent_once(app, db, make_user, twilio):
    coordinator = make_user(role="coordinator")
    partner("MP-FISTRAP").phone = "+5114175000"
    (referral,) = refer(full_case(coordinator), coordinator)
    twilio.responses = [twilio_error(500, 20500, "Internal Server Error"), created({})]
    now = utcnow()
    senders = outbox.get_senders(app)
    first = outbox.deliver_pending(senders, now=now)
    assert (first.sent, first.retried) == (0, 1)
    (message,) = outbox.messages_for("referral", referral.id)
    assert message.status == "pending" and referral.status == "sent"  # the referral stays committed
    second = outbox.deliver_pending(senders, now=now + timedelta(minutes=5))
    assert second.sent == 1
    assert outbox.deliver_pending(senders, now=now + timedelta(hours=1)).sent == 0
    assert len(_sms(twilio)) == 2  # the failed attempt and the one that went through


def test_a_rolled_back_referral_queues_no_sms(db, make_user):
    coordinator = make_user(role="coordinator")
    partner("MP-FISTRAP").phone = "+5114175000"
    case = full_case(coordinator)
    savepoint = db.begin_nested()
    refer(case, coordinator)
    savepoint.rollback()
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
