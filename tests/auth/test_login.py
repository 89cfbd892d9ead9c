"""Login, logout, lockout, rate limiting, sessions and redirects."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from hotline.auth.models import UserSession
from hotline.database import utcnow
from tests.factories import DEFAULT_PASSWORD, TOTP_SECRET
from tests.helpers import audit_count

GENERIC_ERROR = "El correo o la contraseña no son correctos"


def _login(client, email, password=DEFAULT_PASSWORD, **kwargs):
    return client.post_form("/login", {"email": email, "password": password}, **kwargs)


def test_login_and_logout(client, make_user):
    user = make_user(role="operator")
    response = _login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/app"
    assert client.get("/app").status_code == 200
    assert audit_count("auth.login", actor_id=user.id) == 1

    response = client.post_form("/logout", page="/account")
    assert response.status_code == 302
    assert client.get("/app").status_code == 302  # back to the login page
    assert audit_count("auth.logout", actor_id=user.id) == 1


def test_email_is_case_insensitive(client, make_user):
    user = make_user()
    assert _login(client, "  " + user.email.upper()).status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    user = make_user()
    wrong = _login(client, user.email, "not the right password")
    unknown = _login(client, "nobody@hotline.test", "not the right password")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC_ERROR in wrong.get_data(as_text=True)
    assert GENERIC_ERROR in unknown.get_data(as_text=True)
    # Apart from the CSRF token, both pages are identical.
    strip = lambda r: r.get_data(as_text=True).split('name="csrf_token"')[0]  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert audit_count("auth.login_failed", actor_id=user.id) == 1


def test_the_typed_email_is_kept_but_not_the_password(client, make_user):
    user = make_user()
    html = _login(client, user.email, "wrong password here").get_data(as_text=True)
    assert f'value="{user.email}"' in html
    assert "wrong password here" not in html


def test_lockout_after_five_failures_and_its_expiry(client, make_user):
    user = make_user()
    start = utcnow()
    with freeze_time(start) as frozen:
        for _ in range(5):
            _login(client, user.email, "wrong password 123")
        assert audit_count("auth.lockout", actor_id=user.id) == 1
        # The right password is refused with the same generic error while locked.
        locked = _login(client, user.email)
        assert locked.status_code == 200
        assert GENERIC_ERROR in locked.get_data(as_text=True)
        assert audit_count("auth.login_locked", actor_id=user.id) == 1
        frozen.tick(timedelta(minutes=16))
        assert _login(client, user.email).status_code == 302


def test_failures_outside_the_window_do_not_lock(client, make_user):
    user = make_user()
    with freeze_time(utcnow()) as frozen:
        for _ in range(4):
            _login(client, user.email, "wrong password 123")
        frozen.tick(timedelta(minutes=16))
        for _ in range(4):
            _login(client, user.email, "wrong password 123")
        assert audit_count("auth.lockout", actor_id=user.id) == 0
        assert _login(client, user.email).status_code == 302


def test_login_rate_limit_per_ip(app, client, make_user):
    user = make_user()
    statuses = [_login(client, user.email, "wrong password 123").status_code for _ in range(21)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:20]


def test_csrf_missing_gives_400_and_no_session(client, make_user, db):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert db.scalar(select(func.count()).select_from(UserSession)) == 0


def test_csrf_token_of_another_session_is_refused(app, client, make_user, db):
    user = make_user()
    other = app.test_client()
    foreign_token = other.csrf_token("/login") if hasattr(other, "csrf_token") else None
    assert foreign_token
    response = client.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": foreign_token}
    )
    assert response.status_code == 400


def test_session_id_changes_at_login(client, make_user):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("hotline_session").value
    _login(client, user.email)
    after = client.get_cookie("hotline_session").value
    assert before != after
    assert client.get_cookie("remember_token") is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "\x00/app",
    ],
)
def test_open_redirect_refused(client, make_user, target):
    user = make_user()
    response = client.post_form(
        f"/login?next={target}", {"email": user.email, "password": DEFAULT_PASSWORD}, page="/login"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/app"


def test_safe_next_is_followed(client, make_user):
    user = make_user(role="admin")
    response = client.post_form(
        "/login?next=/admin/users", {"email": user.email, "password": DEFAULT_PASSWORD}, page="/login"
    )
    assert response.headers["Location"] == "/login/code"  # the next page waits for the second step
    response = client.post_form("/login/code", {"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert response.headers["Location"] == "/admin/users"


def test_safe_next_survives_enrolment(client, make_user):
    user = make_user(role="admin", two_step=False)
    response = client.post_form(
        "/login?next=/admin/users", {"email": user.email, "password": DEFAULT_PASSWORD}, page="/login"
    )
    assert response.headers["Location"] == "/account/2fa/setup?next=/admin/users"


def test_not_logged_in_redirects_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_idle_timeout_revokes_the_session(client, make_user, db):
    user = make_user()
    with freeze_time(utcnow()) as frozen:
        _login(client, user.email)
        frozen.tick(timedelta(minutes=14))
        assert client.get("/app").status_code == 200
        frozen.tick(timedelta(minutes=16))
        response = client.get("/app")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    row = db.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.revoked_reason == "idle"


def test_absolute_cap_despite_activity(client, make_user):
    user = make_user()
    with freeze_time(utcnow()) as frozen:
        _login(client, user.email)
        for _ in range(12 * 6):  # a request every 10 minutes for 12 hours
            frozen.tick(timedelta(minutes=10))
            response = client.get("/app")
        assert response.status_code == 302


def test_deactivated_account_cannot_log_in(client, make_user):
    user = make_user(is_active=False)
    response = _login(client, user.email)
    assert response.status_code == 200
    assert GENERIC_ERROR in response.get_data(as_text=True)


def test_logout_needs_post(client, login):
    login()
    assert client.get("/logout").status_code == 405


def test_brute_force_from_rotating_ips_is_soft_locked(client, make_user):
    """Item 13: the lockout is per account, so changing IP does not help (at most 20 tries/hour)."""
    user = make_user()
    with freeze_time(utcnow()) as frozen:
        for minute in range(60):
            ip = f"203.0.113.{minute % 250}"
            _login(client, user.email, "wrong password 123", environ_base={"REMOTE_ADDR": ip})
            frozen.tick(timedelta(minutes=1))
    failures = audit_count("auth.login_failed", actor_id=user.id)
    assert failures <= 100
    assert audit_count("auth.lockout", actor_id=user.id) >= 3


def test_unknown_user_costs_a_password_hash(client, monkeypatch):
    """Item 14: an unknown e-mail still runs one argon2 verification (similar timing)."""
    from hotline.auth import passwords

    calls = []
    real = passwords._hasher

    class Spy:
        def verify(self, *args):  # type: ignore[no-untyped-def]
            calls.append(1)
            return real.verify(*args)

    monkeypatch.setattr(passwords, "_hasher", Spy())
    _login(client, "nobody@hotline.test", "some password 123")
    assert calls == [1]
