from __future__ import annotations

import pyotp
import pytest
from sqlalchemy.exc import DatabaseError

from hotline.audit import services
from hotline.audit.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD, TOTP_SECRET
from tests.helpers import count_queries


def test_audit_row_shares_the_transaction(db, make_user):
    user = make_user()
    savepoint = db.begin_nested()
    services.record("test.thing", actor=user, object_type="user", object_id=user.id)
    savepoint.rollback()
    assert db.query(AuditEvent).filter_by(action="test.thing").count() == 0


def test_audit_rows_are_append_only(db, make_user):
    event = services.record("test.append_only", actor=make_user())
    event.summary = "tampered"
    with pytest.raises(DatabaseError, match="append-only"):
        db.flush()


def test_login_records_ip_and_role(client, make_user, db):
    user = make_user(role="coordinator")  # two-step verification on, as the role requires
    for url, data in (
        ("/login", {"email": user.email, "password": DEFAULT_PASSWORD}),
        ("/login/code", {"code": pyotp.TOTP(TOTP_SECRET).now()}),
    ):
        client.post_form(url, data, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    event = db.query(AuditEvent).filter_by(action="auth.login", actor_id=user.id).one()
    assert event.ip == "10.9.8.7"
    assert event.actor_role == "coordinator"


def test_audit_page_filters(client, login, make_user, db):
    admin = login("admin")
    other = make_user()
    services.record("case.view", actor=other, object_type="case", object_id=42)
    services.record("case.view", actor=other, object_type="case", object_id=43)
    db.flush()
    html = client.get("/admin/audit/?action=case.&object_id=42").get_data(as_text=True)
    assert "case 42" in html and "case 43" not in html
    html = client.get(f"/admin/audit/?actor_id={admin.id}").get_data(as_text=True)
    assert "auth.login" in html and "case.view" not in html


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-02-30",
        "since=2026-05-01&until=2026-01-01",
        "actor_id=abc",
        "outcome=bogus",
        "action=" + "x" * 500,
        "page=-1",
        "page=99999",
        "object_id=%27%3B%20DROP%20TABLE%20users%3B--",
    ],
)
def test_audit_page_bad_input_never_500(client, login, query):
    login("admin")
    assert client.get(f"/admin/audit/?{query}").status_code == 200


def test_audit_page_query_count_is_bounded(client, login, make_user, db):
    login("admin")
    user = make_user()
    for i in range(120):
        services.record("bulk.event", actor=user, object_type="x", object_id=i)
    db.flush()
    with count_queries() as statements:
        assert client.get("/admin/audit/").status_code == 200
    assert len(statements) <= 6, statements


def test_no_route_changes_audit_rows(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit.") and rule.endpoint != "audit.export":
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}
    # The export only adds its own audit row (test_export_*).
    assert {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")} == {
        "audit.index",
        "audit.export",
    }


def test_audit_pages_forward_and_back(client, login, make_user, db, app):
    login("admin")
    user = make_user()
    per_page = app.config["AUDIT_PAGE_SIZE"]
    for i in range(per_page + 5):
        services.record("paging.event", actor=user, object_type="x", object_id=i)
    db.flush()
    first = client.get("/admin/audit/?action=paging.").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/admin/audit/?action=paging.&page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert second.count("paging.event") == 5


def test_the_trail_speaks_the_page_language(client, login, make_user, db):
    login("admin")
    services.record("case.view", actor=make_user(role="coordinator"), object_type="case", object_id=7)
    db.flush()
    html = client.get("/admin/audit/?action=case.view").get_data(as_text=True)
    assert "Caso consultado" in html and "Coordinador" in html and "Éxito" in html
    html = client.get("/admin/audit/?action=case.view&lang=en").get_data(as_text=True)
    assert "Case viewed" in html and "Coordinator" in html


def test_export_needs_a_reason_and_is_audited(client, login, make_user, db):
    admin = login("admin")
    other = make_user()
    for i in range(3):
        services.record("export.sample", actor=other, object_type="case", object_id=i)
    db.flush()
    refused = client.post_form("/admin/audit/export?action=export.", {"reason": ""}, page="/admin/audit/")
    assert refused.status_code == 400
    assert db.query(AuditEvent).filter_by(action="audit.export").count() == 0

    response = client.post_form(
        "/admin/audit/export?action=export.",
        {"reason": "Request 12/2026 of the data protection officer"},
        page="/admin/audit/",
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,occurred_at,actor_id") and lines[0].endswith("chain_seq,chain_hash")
    assert len(lines) == 4 and all(",export.sample," in line for line in lines[1:])
    event = db.query(AuditEvent).filter_by(action="audit.export", actor_id=admin.id).one()
    assert "data protection officer" in event.summary and "export." in event.summary


@pytest.mark.parametrize("role", ["operator", "coordinator", "manager", "partner"])
def test_only_admins_export_the_trail(client, login, role):
    login(role)
    response = client.post_form("/admin/audit/export", {"reason": "I would like to see it all"}, page="/app")
    assert response.status_code == 403
