"""Route inventory (security test plan items 27 and 37) and the claim without the calls domain."""

from __future__ import annotations

from sqlalchemy import select

from hotline.access import PUBLIC, access_of
from hotline.auth.models import Role
from hotline.calls import services as calls_services
from hotline.calls.models import Call
from hotline.extensions import csrf, db
from hotline.telephony import services
from tests.helpers import audit_count
from tests.telephony.conftest import new_sid, voice_form


def _telephony_rules(app):  # type: ignore[no-untyped-def]
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith(("telephony.", "telephony_staff."))]


def test_webhooks_are_public_post_only_and_everything_else_is_role_restricted(app):
    rules = _telephony_rules(app)
    assert {r.rule for r in rules if r.endpoint.startswith("telephony.")} == {
        "/twilio/voice",
        "/twilio/voice/status",
        "/twilio/sms",
        "/twilio/voice/menu/<any(es, en):lang>",
        "/twilio/voice/dial/<any(es, en):lang>",
        "/twilio/voice/voicemail/<any(es, en):lang>",
        "/twilio/voice/queue/wait/<any(es, en):lang>",
        "/twilio/voice/queue/result/<any(es, en):lang>",
        "/twilio/voice/queue/answered/<any(es, en):lang>",
        "/twilio/voice/hold/wait/<any(es, en):lang>",
        "/twilio/voice/client",
        "/twilio/voice/conference/events",
    }
    for rule in rules:
        access = access_of(app.view_functions[rule.endpoint])
        if rule.endpoint.startswith("telephony."):
            assert access == PUBLIC and rule.methods == {"POST", "OPTIONS"}, rule.rule
        else:
            assert access not in (None, PUBLIC) and Role.PARTNER not in access, rule.rule


def test_only_the_twilio_webhooks_are_csrf_exempt(app):
    names = {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints}
    assert "telephony" in names and "telephony_staff" not in names
    assert not any(v.startswith("hotline.telephony") for v in csrf._exempt_views)


def test_claim_works_without_the_calls_domain_claim(client, twilio, login, make_user, monkeypatch):
    monkeypatch.delattr(calls_services, "claim_call", raising=False)
    sid = new_sid()
    twilio.post("/twilio/voice", voice_form(sid))
    call = db.session.scalar(select(Call).where(Call.twilio_sid == sid))
    other = make_user(role="operator")
    services.claim_live_call(call, actor=other)
    assert call.operator_id == other.id and audit_count("call.claim", object_id=str(call.id)) == 1
    services.claim_live_call(call, actor=other)  # taking your own call again is fine
    assert audit_count("call.claim", object_id=str(call.id)) == 1
    intruder = make_user(role="operator")
    try:
        services.claim_live_call(call, actor=intruder)
    except services.CallAlreadyClaimed:
        pass
    else:
        raise AssertionError("a second operator took the call")
    assert call.operator_id == other.id
