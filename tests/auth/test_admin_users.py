"""The admin's user pages, and that old cookies stop working (security plan item 20)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.auth import passwords, services
from hotline.auth.models import AccountRequest, User
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import audit_count

STRONG = "ruta-segura-cusco-2026"


def test_admin_asks_for_a_partner_user(client, login, make_user, db):
    admin = login("admin")
    response = client.post_form(
        "/admin/users/new",
        {"email": "Focal@Fiscalia.pe", "name": "Focal Point", "role": "partner", "partner": "MP-FISTRAP"},
    )
    assert response.status_code == 302
    assert db.scalar(select(User).where(User.email == "focal@fiscalia.pe")) is None  # not before approval
    request = db.scalar(select(AccountRequest).where(AccountRequest.email == "focal@fiscalia.pe"))
    assert request.partner.code == "MP-FISTRAP" and request.requested_by_id == admin.id
    second = make_user(role="admin")
    services.approve_request(request, actor=second)
    user = db.scalar(select(User).where(User.email == "focal@fiscalia.pe"))
    assert user.partner.code == "MP-FISTRAP"
    assert audit_count("user.create", actor_id=second.id, object_id=str(user.id)) == 1


def test_invalid_user_form_keeps_what_was_typed(client, login, db):
    login("admin")
    response = client.post_form(
        "/admin/users/new",
        {"email": "not-an-email", "name": "<b>Rosa</b> Quispe", "role": "partner", "partner": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="not-an-email"' in html
    assert "&lt;b&gt;Rosa&lt;/b&gt; Quispe" in html
    assert "Elija la institución de este usuario aliado." in html
    assert 'aria-invalid="true"' in html
    assert 'type="password"' not in html  # no temporary password any more
    assert db.scalar(select(func.count()).select_from(AccountRequest)) == 0


def test_mass_assignment_is_ignored(client, login, make_user, db):
    login("admin")
    client.post_form(
        "/admin/users/new",
        {
            "email": "mass@hotline.pe",
            "name": "Mass",
            "role": "operator",
            "partner": "",
            "password": STRONG,
            "is_active": "0",
            "must_change_password": "1",
            "failed_login_count": "9",
            "status": "approved",
            "decided_by_id": "1",
        },
    )
    request = db.scalar(select(AccountRequest).where(AccountRequest.email == "mass@hotline.pe"))
    assert request.status == "pending" and request.decided_by_id is None
    services.approve_request(request, actor=make_user(role="admin"))
    user = db.scalar(select(User).where(User.email == "mass@hotline.pe"))
    assert user.is_active and not user.must_change_password and user.failed_login_count == 0
    assert not passwords.verify_password(user.password_hash, STRONG)


def test_unknown_role_is_a_field_error(client, login):
    login("admin")
    response = client.post_form(
        "/admin/users/new", {"email": "x@hotline.pe", "name": "X", "role": "superuser", "partner": ""}
    )
    assert response.status_code == 200
    assert "error" in response.get_data(as_text=True)


def test_role_change_deactivation_and_reset_end_sessions(app, client, login, make_user, db):
    login("admin")
    target = make_user(role="coordinator")
    victim_client = app.test_client()
    sign_in(victim_client, target)
    assert victim_client.get("/app").status_code == 200
    stolen_cookie = victim_client.get_cookie("hotline_session").value

    # Less access applies at once, and ends the sessions.
    client.post_form(f"/admin/users/{target.id}", {"role": "operator", "partner": ""})
    assert victim_client.get("/app").status_code == 302
    assert audit_count("user.change_role", object_id=str(target.id)) == 1

    # A copied cookie is worthless after the sessions were ended.
    thief = app.test_client()
    thief.set_cookie("hotline_session", stolen_cookie)
    assert thief.get("/app").status_code == 302

    sign_in(victim_client, target)
    assert victim_client.get("/app").status_code == 200
    client.post_form(f"/admin/users/{target.id}/deactivate", page=f"/admin/users/{target.id}")
    assert victim_client.get("/app").status_code == 302
    assert audit_count("user.deactivate", object_id=str(target.id)) == 1

    client.post_form(f"/admin/users/{target.id}/activate", page=f"/admin/users/{target.id}")
    target.totp_last_step = None  # a third sign-in within the same 30 seconds needs a fresh code
    db.flush()
    sign_in(victim_client, target)
    client.post_form(f"/admin/users/{target.id}/reset-password", page=f"/admin/users/{target.id}")
    assert victim_client.get("/app").status_code == 200  # waiting for approval
    request = db.scalar(select(AccountRequest).where(AccountRequest.user_id == target.id))
    services.approve_request(request, actor=make_user(role="admin"))
    assert victim_client.get("/app").status_code == 302
    assert audit_count("user.reset_password", object_id=str(target.id)) == 1


def test_cookie_replayed_after_logout_is_rejected(app, client, login):
    login("operator")
    cookie = client.get_cookie("hotline_session").value
    client.post_form("/logout", page="/account")
    replay = app.test_client()
    replay.set_cookie("hotline_session", cookie)
    assert replay.get("/app").status_code == 302


def test_password_change_ends_other_sessions(app, client, login):
    user = login("operator")
    other = app.test_client()
    other.post_form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    response = client.post_form(
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": STRONG, "confirm": STRONG},
    )
    assert response.status_code == 302
    assert client.get("/app").status_code == 200  # this browser got a fresh session
    assert other.get("/app").status_code == 302


def test_wrong_current_password_is_a_field_error(client, login):
    login("operator")
    response = client.post_form(
        "/account/password", {"current_password": "nope nope nope", "new_password": STRONG, "confirm": STRONG}
    )
    assert response.status_code == 200
    assert "La contraseña actual no es correcta." in response.get_data(as_text=True)


def test_admin_cannot_deactivate_self(client, login):
    admin = login("admin")
    response = client.post_form(
        f"/admin/users/{admin.id}/deactivate", page=f"/admin/users/{admin.id}", follow_redirects=True
    )
    assert "No puede desactivar su propia cuenta." in response.get_data(as_text=True)


def test_unknown_user_is_404(client, login):
    login("admin")
    assert client.get("/admin/users/999999").status_code == 404


@pytest.mark.parametrize("page", [1, 2, -5, "abc"])
def test_user_list_paginates(client, login, page):
    login("admin")
    assert client.get(f"/admin/users?page={page}").status_code == 200
