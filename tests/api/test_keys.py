"""Keys: the command line (create, list, revoke, rotate) and the admin pages (ask, a second admin
approves, rotate, revoke; webhooks on a partner's behalf). Only admins reach the pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hotline.api import services
from hotline.api.models import ApiKey, WebhookEndpoint
from hotline.audit.models import AuditEvent
from tests.api.conftest import bearer
from tests.conftest import sign_in

TOKEN_RE = re.compile(r"hlk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def cli(app, db):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        result = runner.invoke(args=["api-keys", *args], catch_exceptions=False)
        return result

    return run


def test_the_command_line_prints_a_key_once_and_keeps_only_its_hash(cli, client, db, sent):
    result = cli("create", "--partner", "MP-FISTRAP", "--scope", "referrals:read", "--expires-days", "30")
    assert result.exit_code == 0, result.output
    (token,) = TOKEN_RE.findall(result.output)
    key = db.scalar(select(ApiKey).order_by(ApiKey.id.desc()))
    assert key.token_hash == services.hash_token(token) and token not in repr(key.__dict__)
    assert key.scopes == ["referrals:read"] and (key.expires_at - key.created_at).days == 30
    assert client.get("/api/v1/referrals", headers=bearer(token)).status_code == 200
    listed = cli("list").output
    assert key.prefix in listed and "active" in listed and token not in listed

    rotated = cli("rotate", str(key.id))
    (new_token,) = TOKEN_RE.findall(rotated.output)
    assert client.get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/referrals", headers=bearer(new_token)).status_code == 200
    new_id = db.scalar(select(ApiKey.id).order_by(ApiKey.id.desc()))
    assert cli("revoke", str(new_id)).exit_code == 0
    assert client.get("/api/v1/referrals", headers=bearer(new_token)).status_code == 401
    assert "revoked" in cli("list").output


@pytest.mark.parametrize(
    "args",
    [
        ("create", "--partner", "NOPE", "--scope", "referrals:read"),
        ("create", "--partner", "MIMP", "--scope", "referrals:read", "--expires-days", "0"),
        ("create", "--partner", "MIMP", "--scope", "everything"),
        ("revoke", "999999"),
        ("rotate", "999999"),
    ],
)
def test_the_command_line_refuses_clearly(cli, db, args):
    result = cli(*args)
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_a_key_asked_for_on_the_pages_works_once_another_admin_approves_it(client, db, make_user, sent):
    first, second = make_user(role="admin"), make_user(role="admin")
    sign_in(client, first)
    page = client.post_form(
        "/admin/api/keys",
        {"partner": "MP-FISTRAP", "scopes": ["referrals:read", "referrals:write"], "expires_days": "60"},
        page="/admin/api/",
    )
    assert page.status_code == 200
    (token,) = TOKEN_RE.findall(page.get_data(as_text=True))
    key = db.scalar(select(ApiKey).order_by(ApiKey.id.desc()))
    assert key.approved_at is None and key.created_by_id == first.id
    assert client.get("/api/v1/referrals", headers=bearer(token)).status_code == 401  # not yet
    refused = client.post_form(f"/admin/api/keys/{key.id}/approve", {}, page="/admin/api/")
    assert refused.status_code == 302
    db.refresh(key)
    assert key.approved_at is None  # its requester cannot approve it
    assert token not in client.get("/admin/api/").get_data(as_text=True)  # shown once only
    client.get("/logout")
    client.delete_cookie("hotline_session")
    sign_in(client, second)
    assert client.post_form(f"/admin/api/keys/{key.id}/approve", {}, page="/admin/api/").status_code == 302
    db.refresh(key)
    assert key.approved_by_id == second.id
    assert client.get("/api/v1/referrals", headers=bearer(token)).status_code == 200
    rotated = client.post_form(f"/admin/api/keys/{key.id}/rotate", {}, page="/admin/api/")
    (new_token,) = TOKEN_RE.findall(rotated.get_data(as_text=True))
    assert client.get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/referrals", headers=bearer(new_token)).status_code == 200
    new = db.scalar(select(ApiKey).order_by(ApiKey.id.desc()))
    assert client.post_form(f"/admin/api/keys/{new.id}/revoke", {}, page="/admin/api/").status_code == 302
    assert client.get("/api/v1/referrals", headers=bearer(new_token)).status_code == 401
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "api_key")))
    assert {"api_key.issue", "api_key.approve", "api_key.rotate", "api_key.revoke"} <= actions


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"partner": "", "scopes": ["referrals:read"], "expires_days": "30"}, "Choose an organisation."),
        ({"partner": "MIMP", "expires_days": "30"}, "Choose what the key may do."),
        ({"partner": "MIMP", "scopes": ["root"], "expires_days": "30"}, "Choose what the key may do."),
        (
            {"partner": "MIMP", "scopes": ["referrals:read"], "expires_days": "9999"},
            "Between 1 and 730 days.",
        ),
        ({"partner": "MIMP", "scopes": ["referrals:read"], "expires_days": "x"}, "Between 1 and 730 days."),
    ],
)
def test_the_key_form_re_renders_with_its_errors(client, db, login, data, message):
    login("admin")
    response = client.post_form("/admin/api/keys", data, page="/admin/api/")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(ApiKey)) is None


def test_an_admin_registers_and_removes_a_webhook_for_a_partner(client, db, login):
    login("admin")
    bad = client.post_form(
        "/admin/api/webhooks", {"partner": "MIMP", "url": "http://x.example.pe"}, page="/admin/api/"
    )
    assert bad.status_code == 422 and "HTTPS" in bad.get_data(as_text=True)
    page = client.post_form(
        "/admin/api/webhooks",
        {"partner": "MIMP", "url": "https://mimp.example.pe/h", "events": ["referral.sent"]},
        page="/admin/api/",
    )
    assert page.status_code == 200 and "whsec_" in page.get_data(as_text=True)
    hook = db.scalar(select(WebhookEndpoint))
    assert hook.events == ["referral.sent"] and hook.partner.code == "MIMP"
    assert (
        client.post_form(f"/admin/api/webhooks/{hook.id}/disable", {}, page="/admin/api/").status_code == 302
    )
    db.refresh(hook)
    assert not hook.is_active


@pytest.mark.parametrize("role", ["operator", "coordinator", "manager", "partner"])
def test_only_admins_reach_the_pages(client, db, login, role):
    from tests.referrals.helpers import partner

    login(role, **({"partner": partner("MIMP")} if role == "partner" else {}))
    assert client.get("/admin/api/").status_code == 403
    token = client.csrf_token("/app")
    assert client.post("/admin/api/keys", data={"csrf_token": token, "partner": "MIMP"}).status_code == 403


def test_the_pages_need_the_csrf_token(client, db, login, make_key):
    login("admin")
    key, token = make_key()
    assert client.post(f"/admin/api/keys/{key.id}/revoke", data={}).status_code in (302, 400)
    db.refresh(key)
    assert key.revoked_at is None
    assert client.get("/api/v1/referrals", headers=bearer(token)).status_code == 200


def test_the_worker_purges_expired_idempotency_records(app, db, make_key):
    from datetime import timedelta

    from hotline import worker
    from hotline.api.models import IdempotencyRecord
    from hotline.database import utcnow

    key, _ = make_key()
    services.store(key.id, "old", "0" * 64, status_code=200, body="{}", now=utcnow() - timedelta(hours=25))
    services.store(key.id, "new", "1" * 64, status_code=200, body="{}")
    report = worker.run_round(app, [j for j in worker.jobs() if j.name == "api.idempotency"])
    assert report.lines == ["api: 1 idempotency records expired"]
    assert list(db.scalars(select(IdempotencyRecord.key))) == ["new"]
