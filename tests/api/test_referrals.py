"""Contract tests of the referral endpoints: shapes, scopes, the portal's rules, versions,
idempotency, keys that expired or were revoked, limits and problems."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from hotline.api import services
from hotline.api.models import ApiKey, IdempotencyRecord
from hotline.audit.models import AuditEvent
from hotline.database import utcnow
from hotline.referrals import services as referrals
from hotline.referrals.models import ReferralCaseNumber, ReferralEvent
from tests.api.conftest import bearer
from tests.awareness.helpers import count_queries
from tests.referrals.helpers import PERSONAL, full_case, refer

PROBLEM = "application/problem+json"


def _changes(referral, version=None):  # type: ignore[no-untyped-def]
    """Every state change: (path, body)."""
    v = referral.version_id if version is None else version
    return [
        (f"/api/v1/referrals/{referral.id}/acknowledge", {"version": v}),
        (f"/api/v1/referrals/{referral.id}/accept", {"version": v, "note": "we take it"}),
        (f"/api/v1/referrals/{referral.id}/decline", {"version": v, "reason": "outside our area"}),
        (f"/api/v1/referrals/{referral.id}/updates", {"version": v, "note": "victim contacted"}),
        (
            f"/api/v1/referrals/{referral.id}/outcome",
            {"version": v, "outcome": "victim_assisted", "note": "ok"},
        ),
        (
            f"/api/v1/referrals/{referral.id}/case-numbers",
            {"version": v, "kind": "prosecutor_file", "number": "FP-123-2026"},
        ),
    ]


def _audits(db, action):  # type: ignore[no-untyped-def]
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- reads ----------------------------------------------------------------------------------------


def test_list_shows_only_the_keys_organisation_with_paging(client, db, token, sent, other, coordinator):
    more = [refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))[0] for _ in range(2)]
    response = client.get("/api/v1/referrals?limit=2", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/json"
    page = response.get_json()
    assert [r["id"] for r in page["items"]] == [sent.id, more[0].id]
    assert page["next_cursor"]
    rest = client.get(
        f"/api/v1/referrals?limit=2&cursor={page['next_cursor']}", headers=bearer(token)
    ).get_json()
    assert [r["id"] for r in rest["items"]] == [more[1].id] and rest["next_cursor"] is None
    assert other.id not in {r["id"] for r in page["items"] + rest["items"]}
    item = page["items"][0]
    assert set(item) == {
        "id", "reference", "status", "kind", "risk", "version", "sent_at", "ack_due_at",
        "acknowledged_at", "answered_at", "closed_at", "outcome", "updated_at",
    }  # fmt: skip
    assert item["version"] == sent.version_id and item["status"] == "sent"


def test_list_filters_by_status_and_updated_since(client, db, token, sent, coordinator):
    (second,) = refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    referrals.acknowledge(second, actor=services.actor_for(db.scalars(select(ApiKey)).first()),
                          expected_version=second.version_id)  # fmt: skip
    got = client.get("/api/v1/referrals?status=acknowledged", headers=bearer(token)).get_json()
    assert [r["id"] for r in got["items"]] == [second.id]
    since = (second.updated_at + timedelta(seconds=1)).isoformat()
    got = client.get("/api/v1/referrals", query_string={"updated_since": since}, headers=bearer(token))
    assert got.get_json()["items"] == []
    bad = client.get("/api/v1/referrals?status=revoked", headers=bearer(token))
    assert bad.status_code == 422 and bad.mimetype == PROBLEM and "status" in bad.get_json()["errors"]
    assert client.get("/api/v1/referrals?cursor=abc", headers=bearer(token)).status_code == 422


def test_list_makes_the_same_queries_for_one_or_many(client, db, token, sent, coordinator):
    client.get("/api/v1/referrals", headers=bearer(token))  # warm up
    with count_queries() as few:
        client.get("/api/v1/referrals", headers=bearer(token))
    for _ in range(4):
        refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    with count_queries() as many:
        assert len(client.get("/api/v1/referrals", headers=bearer(token)).get_json()["items"]) == 5
    assert len(many) == len(few)


def test_detail_is_the_partners_snapshot_and_is_audited_with_the_key(client, db, make_key, sent):
    key, token = make_key()
    response = client.get(f"/api/v1/referrals/{sent.id}", headers=bearer(token))
    assert response.status_code == 200
    data = response.get_json()
    snapshot = referrals.read_snapshot(sent.shared_data)
    assert {k: v for k, v in data["shared"].items() if k in snapshot} == {
        k: v for k, v in snapshot.items() if k != "version"
    }
    text = response.get_data(as_text=True)
    assert not [p for p in PERSONAL if p in text]  # nothing the hotline did not share with it
    assert "identity" not in data["shared"]["victims"][0]
    assert [e["action"] for e in data["timeline"]] == ["sent"]  # never "created" or "escalated"
    views = _audits(db, "referral.view")
    assert views[-1].object_id == str(sent.id) and f"key {key.id}" in views[-1].summary
    calls = _audits(db, "api.request")
    assert calls[-1].object_type == "api_key" and calls[-1].object_id == str(key.id)
    assert calls[-1].actor_partner_id == sent.partner_id and "api.get_referral" in calls[-1].summary


# --- another partner's referral, a revoked one, a missing id ---------------------------------------


@pytest.mark.parametrize("which", ["other", "revoked", "missing", "huge"])
def test_what_the_portal_hides_is_a_404_on_every_endpoint_and_audited(client, db, token, sent, other,
                                                                       coordinator, which):  # fmt: skip
    target = other
    if which == "revoked":
        referrals.revoke(sent, reason="mistake", actor=coordinator, expected_version=sent.version_id)
        target = sent
    before = db.scalar(select(func.count()).select_from(ReferralEvent))
    ids = {"other": target.id, "revoked": target.id, "missing": 999_999, "huge": 2**40}[which]
    requests = [("GET", f"/api/v1/referrals/{ids}", None)]
    requests += [("POST", path.replace(str(target.id), str(ids)), body) for path, body in _changes(target)]
    for method, path, body in requests:
        response = client.open(path, method=method, json=body, headers=bearer(token))
        assert response.status_code == 404, (path, response.get_data(as_text=True))
        assert response.mimetype == PROBLEM and response.get_json()["status"] == 404
    assert db.scalar(select(func.count()).select_from(ReferralEvent)) == before
    denied = _audits(db, "referral.access_denied")
    assert len(denied) == len(requests) and {d.object_id for d in denied} == {str(ids)}


# --- scopes ---------------------------------------------------------------------------------------


def test_each_endpoint_needs_its_scope(client, db, make_key, sent):
    _, read = make_key(scopes=("referrals:read",))
    _, write = make_key(scopes=("referrals:write",))
    assert client.get(f"/api/v1/referrals/{sent.id}", headers=bearer(read)).status_code == 200
    assert client.get("/api/v1/referrals", headers=bearer(write)).status_code == 403
    assert client.get(f"/api/v1/referrals/{sent.id}", headers=bearer(write)).status_code == 403
    for path, body in _changes(sent):
        refused = client.post(path, json=body, headers=bearer(read))
        assert refused.status_code == 403 and refused.mimetype == PROBLEM, path
    assert client.get("/api/v1/webhooks", headers=bearer(read)).status_code == 403
    assert (
        client.post(
            "/api/v1/webhooks", json={"url": "https://x.example.org/h"}, headers=bearer(write)
        ).status_code
        == 403
    )
    db.refresh(sent)
    assert sent.status == "sent"
    path, body = _changes(sent)[0]
    ok = client.post(path, json=body, headers=bearer(write))
    assert ok.status_code == 200 and ok.get_json()["status"] == "acknowledged"


# --- state changes --------------------------------------------------------------------------------


def test_the_partners_answers_through_the_services(client, db, token, sent):
    def post(path: str, body: dict) -> dict:  # type: ignore[type-arg]
        response = client.post(path, json=body, headers=bearer(token))
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return response.get_json()

    base = f"/api/v1/referrals/{sent.id}"
    state = post(f"{base}/acknowledge", {"version": sent.version_id, "note": "received"})
    assert state["status"] == "acknowledged"
    state = post(f"{base}/accept", {"version": state["version"]})
    assert state["status"] == "accepted"
    added = post(
        f"{base}/case-numbers",
        {"version": state["version"], "kind": "prosecutor_file", "number": "FP 12-2026"},
    )
    assert added["case_number"] == {**added["case_number"], "kind": "prosecutor_file", "number": "FP 12-2026"}
    state = post(f"{base}/updates", {"version": added["referral"]["version"], "note": "interview done"})
    state = post(
        f"{base}/outcome", {"version": state["version"], "outcome": "investigation_opened", "note": "file"}
    )
    assert state["status"] == "closed" and state["outcome"] == "investigation_opened"
    db.refresh(sent)
    assert sent.status == "closed"
    actions = [e.action for e in sent.events]
    assert actions[-5:] == ["acknowledged", "accepted", "case_number", "update", "closed"]
    assert (
        db.scalar(select(ReferralCaseNumber.number).where(ReferralCaseNumber.referral_id == sent.id))
        == "FP 12-2026"
    )
    assert [a.summary.split(" -> ")[0] for a in _audits(db, "referral.close")] == ["accepted"]


def test_decline_needs_a_reason_and_the_state_must_allow_it(client, db, token, sent):
    base = f"/api/v1/referrals/{sent.id}"
    blank = client.post(
        f"{base}/decline", json={"version": sent.version_id, "reason": "   "}, headers=bearer(token)
    )
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    declined = client.post(f"{base}/decline", json={"version": sent.version_id, "reason": "no capacity"},
                           headers=bearer(token))  # fmt: skip
    assert declined.status_code == 200
    again = client.post(
        f"{base}/accept", json={"version": declined.get_json()["version"]}, headers=bearer(token)
    )
    assert again.status_code == 409 and "declined" in again.get_json()["detail"]


def test_every_change_needs_the_current_version(client, db, token, sent):
    for path, body in _changes(sent, version=sent.version_id + 7):
        stale = client.post(path, json=body, headers=bearer(token))
        assert stale.status_code == 409 and stale.mimetype == PROBLEM, path
        assert stale.get_json()["title"] == "Version conflict"
        missing = client.post(
            path, json={k: v for k, v in body.items() if k != "version"}, headers=bearer(token)
        )
        assert missing.status_code == 422 and "version" in missing.get_json()["errors"], path
    db.refresh(sent)
    assert sent.status == "sent" and [e.action for e in sent.events] == ["created", "sent"]


@pytest.mark.parametrize(
    "body",
    [
        {"version": 2, "surprise": 1},
        {"version": "2"},
        {"version": 2.5},
        {"version": True},
        {"version": 2, "note": "x" * 5001},
        [],
        "text",
    ],
)
def test_malformed_bodies_are_422_problems(client, db, token, sent, body):
    response = client.post(f"/api/v1/referrals/{sent.id}/acknowledge", json=body, headers=bearer(token))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert "Traceback" not in response.get_data(as_text=True)


def test_invalid_json_oversized_bodies_and_unknown_addresses(client, db, token, sent, app):
    path = f"/api/v1/referrals/{sent.id}/acknowledge"
    broken = client.post(path, data="{nope", content_type="application/json", headers=bearer(token))
    assert broken.status_code == 400 and broken.mimetype == PROBLEM
    big = client.post(path, json={"version": 2, "note": "x" * 70_000}, headers=bearer(token))
    assert big.status_code == 413 and big.mimetype == PROBLEM
    unknown = client.get("/api/v1/nothing/here", headers=bearer(token))
    assert unknown.status_code == 404 and unknown.mimetype == PROBLEM


# --- idempotency ----------------------------------------------------------------------------------


def test_a_retried_change_is_answered_from_the_store_and_done_once(client, db, make_key, sent):
    key, token = make_key()
    headers = {**bearer(token), "Idempotency-Key": "ack-1"}
    path, body = _changes(sent)[0]
    first = client.post(path, json=body, headers=headers)
    second = client.post(path, json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json() and second.headers["Idempotent-Replayed"] == "true"
    db.refresh(sent)
    assert [e.action for e in sent.events].count("acknowledged") == 1
    other_body = client.post(path, json={**body, "note": "different"}, headers=headers)
    assert other_body.status_code == 409 and other_body.mimetype == PROBLEM
    elsewhere = client.post(
        f"/api/v1/referrals/{sent.id}/accept", json={"version": sent.version_id}, headers=headers
    )
    assert elsewhere.status_code == 409  # the same key for another request
    # per API key: another key's "ack-1" is its own
    _, token2 = make_key()
    fresh = client.post(path, json=body, headers={**bearer(token2), "Idempotency-Key": "ack-1"})
    assert fresh.status_code == 409 and fresh.get_json()["title"] == "Version conflict"
    record = db.scalar(select(IdempotencyRecord).where(IdempotencyRecord.api_key_id == key.id))
    assert record.expires_at - record.created_at == timedelta(hours=24)
    assert "shared" not in record.response_body and "summary" not in record.response_body


def test_an_expired_idempotency_key_is_forgotten(client, db, make_key, sent):
    _, token = make_key()
    headers = {**bearer(token), "Idempotency-Key": "upd-1"}
    path, body = _changes(sent)[3]
    assert client.post(path, json=body, headers=headers).status_code == 200
    record = db.scalar(select(IdempotencyRecord))
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    db.refresh(sent)
    again = client.post(path, json={**body, "version": sent.version_id}, headers=headers)
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers  # done again, for real
    db.refresh(sent)
    assert [e.action for e in sent.events].count("update") == 2
    assert services.purge_expired() == 0  # the expired answer was replaced by the new one


def test_an_idempotency_key_must_be_printable(client, db, token, sent):
    path, body = _changes(sent)[0]
    response = client.post(path, json=body, headers={**bearer(token), "Idempotency-Key": "a b"})
    assert response.status_code == 422 and response.mimetype == PROBLEM


# --- keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer nope", "Basic abc", "Bearer hlk_000000000000_xxxxxxxx", "Token hlk_a_b"],
)
def test_without_a_valid_key_it_is_401(client, db, token, sent, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/api/v1/referrals", headers=headers)
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_revoked_and_rotated_keys_stop_working(client, db, make_key, sent):
    expired_key, expired = make_key(expires_days=1)
    expired_key.expires_at = utcnow() - timedelta(seconds=1)
    revoked_key, revoked = make_key()
    services.revoke_key(revoked_key, actor=None)
    old_key, old = make_key()
    new_key, new = services.rotate_key(old_key, actor=None)
    db.flush()
    for dead in (expired, revoked, old):
        assert client.get("/api/v1/referrals", headers=bearer(dead)).status_code == 401
    assert client.get("/api/v1/referrals", headers=bearer(new)).status_code == 200
    assert new_key.scopes == old_key.scopes and old_key.replaced_by_id == new_key.id
    assert len(_audits(db, "api.auth_failed")) == 3
    assert new not in (old, expired) and new_key.token_hash == services.hash_token(new)
    assert new not in str(db.scalars(select(ApiKey.token_hash)).all())  # only hashes are stored


def test_a_deactivated_organisation_reaches_nothing(client, db, token, sent):
    sent.partner.is_active = False
    db.flush()
    response = client.get("/api/v1/referrals", headers=bearer(token))
    assert response.status_code == 403 and response.mimetype == PROBLEM


def test_a_session_cookie_never_authorises_the_api(client, db, login, sent):
    from tests.referrals.helpers import partner

    login("partner", partner=partner("MP-FISTRAP"))
    assert client.get(f"/portal/referrals/{sent.id}").status_code == 200  # the portal works
    response = client.get("/api/v1/referrals")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_without_a_csrf_token_bearer_calls_work(client, db, token, sent):
    path, body = _changes(sent)[0]
    assert client.post(path, json=body, headers=bearer(token)).status_code == 200


def test_calls_are_rate_limited_per_key(client, db, app, make_key, sent):
    _, first = make_key()
    _, second = make_key()
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/api/v1/referrals", headers=bearer(first)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/v1/referrals", headers=bearer(first))
        assert limited.mimetype == PROBLEM and limited.headers["Retry-After"]
        assert client.get("/api/v1/referrals", headers=bearer(second)).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"


def test_problem_titles_are_translated(client, db, app, token, sent):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    response = client.get("/api/v1/referrals/999999", headers=bearer(token))
    assert response.status_code == 404
    with app.test_request_context(), force_locale("es"):
        assert response.get_json()["title"] == gettext("Not found")  # the request's language


def test_problem_titles_come_from_the_catalogue(app):
    from hotline.api.problems import TITLES

    with app.test_request_context(), force_locale("en"):
        assert {status: title() for status, title in TITLES.items()}[409].startswith("Conflict")


def test_the_document_and_the_docs_page_are_public(client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.get_json()["openapi"] == "3.1.0"
    assert "/referrals/{referral_id}/case-numbers" in spec.get_json()["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "api.acknowledge" in page.get_data(as_text=True)
    assert "<script" not in page.get_data(as_text=True).split("</header>")[-1]
