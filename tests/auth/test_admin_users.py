"""The admin's user pages, and that old cookies stop working (security plan item 20)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import audit_count

STRONG = "ruta-segura-cusco-2026"


def test_admin_creates_a_partner_user(client, login, db):
    admin = login("admin")
    response = client.post_form(
        "/admin/users/new",
        {
            "email": "Focal@Fiscalia.pe",
            "name": "Focal Point",
            "role": "partner",
            "partner": "MP-FISTRAP",
            "password": STRONG,
        },
    )
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "focal@fiscalia.pe"))
    assert user.partner.code == "MP-FISTRAP"
    assert user.must_change_password
    assert audit_count("user.create", actor_id=admin.id, object_id=str(user.id)) == 1


def test_invalid_user_form_keeps_what_was_typed(client, login, db):
    login("admin")
    response = client.post_form(
        "/admin/users/new",
        {
            "email": "not-an-email",
            "name": "<b>Rosa</b> Quispe",
            "role": "partner",
            "partner": "",
            "password": "short",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="not-an-email"' in html
    assert "&lt;b&gt;Rosa&lt;/b&gt; Quispe" in html
    assert "Use al menos 12 caracteres." in html
    assert "Elija la institución de este usuario aliado." in html
    assert 'aria-invalid="true"' in html
    assert db.scalar(select(User).where(User.email == "not-an-email")) is None


def test_mass_assignment_is_ignored(client, login, db):
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
            "must_change_password": "0",
            "failed_login_count": "9",
        },
    )
    user = db.scalar(select(User).where(User.email == "mass@hotline.pe"))
    assert user.is_active and user.must_change_password and user.failed_login_count == 0


def test_unknown_role_is_a_field_error(client, login):
    login("admin")
    response = client.post_form(
        "/admin/users/new",
        {"email": "x@hotline.pe", "name": "X", "role": "superuser", "partner": "", "password": STRONG},
    )
    assert response.status_code == 200
    assert "error" in response.get_data(as_text=True)


def _second_client(app):
    other = app.test_client()
    return other


def test_role_change_deactivation_and_reset_end_sessions(app, client, login, make_user, db):
    login("admin")
    target = make_user(role="operator")
    victim_client = _second_client(app)
    victim_client.post_form("/login", {"email": target.email, "password": DEFAULT_PASSWORD})
    assert victim_client.get("/app").status_code == 200
    stolen_cookie = victim_client.get_cookie("hotline_session").value

    client.post_form(f"/admin/users/{target.id}", {"role": "coordinator", "partner": ""})
    assert victim_client.get("/app").status_code == 302
    assert audit_count("user.change_role", object_id=str(target.id)) == 1

    # A copied cookie is worthless after the sessions were ended.
    thief = _second_client(app)
    thief.set_cookie("hotline_session", stolen_cookie)
    assert thief.get("/app").status_code == 302

    victim_client.post_form("/login", {"email": target.email, "password": DEFAULT_PASSWORD})
    assert victim_client.get("/app").status_code == 200
    client.post_form(f"/admin/users/{target.id}/deactivate", page=f"/admin/users/{target.id}")
    assert victim_client.get("/app").status_code == 302
    assert audit_count("user.deactivate", object_id=str(target.id)) == 1

    client.post_form(f"/admin/users/{target.id}/activate", page=f"/admin/users/{target.id}")
    response = client.post_form(f"/admin/users/{target.id}/reset-password", page=f"/admin/users/{target.id}")
    temporary = response.get_data(as_text=True).split('class="secret big">')[1].split("<")[0]
    assert audit_count("user.reset_password", object_id=str(target.id)) == 1

    # The user must change the temporary password at the next sign-in.
    response = victim_client.post_form("/login", {"email": target.email, "password": temporary})
    assert response.headers["Location"] == "/account/password"
    assert victim_client.get("/app").headers["Location"] == "/account/password"
    response = victim_client.post_form(
        "/account/password",
        {"current_password": temporary, "new_password": STRONG, "confirm": STRONG},
    )
    assert response.status_code == 302
    assert victim_client.get("/app").status_code == 200


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
