"""A database failure during a signed Twilio webhook rolls everything back."""

from __future__ import annotations

from tests.helpers import database_fails_on
from tests.telephony.conftest import counts, sms_form


def test_a_database_failure_during_an_sms_webhook_writes_nothing(twilio, db):
    before = counts()
    with database_fails_on(db, "INSERT INTO messages") as seen:
        response = twilio.post("/twilio/sms", sms_form())
    assert seen
    # Twilio sees a server error and turns to the number's fallback URL; a retry is safe.
    assert response.status_code == 503
    assert counts() == before
    retry = twilio.post("/twilio/sms", sms_form())
    assert retry.status_code == 200
