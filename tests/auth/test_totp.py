"""Two-factor sign-in (security plan item 18)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from freezegun import freeze_time

from hotline import crypto
from hotline.database import utcnow
from hotline.extensions import db
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import audit_count

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _user_with_totp(make_user):
    user = make_user()
    user.totp_secret = crypto.encrypt(SECRET)
    db.session.flush()
    return user


def test_second_factor_required_and_accepted_once(client, make_user):
    user = _user_with_totp(make_user)
    now = utcnow()
    with freeze_time(now):
        response = client.post_form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.headers["Location"] == "/login/code"
        # No data before the second factor.
        assert client.get("/app").status_code == 302
        code = pyotp.TOTP(SECRET).at(now)
        response = client.post_form("/login/code", {"code": code})
        assert response.status_code == 302
        assert response.headers["Location"] == "/app"
        assert client.get("/app").status_code == 200
        client.post_form("/logout", page="/account")

        # The same code again (a replay) is refused and audited.
        client.post_form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
        response = client.post_form("/login/code", {"code": code}, page="/login/code")
        assert response.status_code == 200
        assert audit_count("auth.totp_failed", actor_id=user.id) == 1
        assert client.get("/app").status_code == 302


def test_old_code_is_refused(client, make_user):
    user = _user_with_totp(make_user)
    now = utcnow()
    old_code = pyotp.TOTP(SECRET).at(now - timedelta(seconds=90))
    with freeze_time(now):
        client.post_form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
        response = client.post_form("/login/code", {"code": old_code}, page="/login/code")
        assert response.status_code == 200
        assert client.get("/app").status_code == 302


def test_pending_second_factor_expires(client, make_user):
    user = _user_with_totp(make_user)
    now = utcnow()
    with freeze_time(now) as frozen:
        client.post_form("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
        frozen.tick(timedelta(minutes=6))
        assert client.get("/login/code").headers["Location"] == "/login"


def test_enrolment_from_the_account_page(client, login, db):
    user = login("coordinator")
    html = client.get("/account").get_data(as_text=True)
    assert "data:image/svg+xml" in html
    secret = html.split('class="secret">')[1].split("<")[0]
    client.post_form("/account", {"code": pyotp.TOTP(secret).now()}, page="/account")
    db.refresh(user)
    assert user.has_totp
    assert crypto.decrypt(user.totp_secret) == secret
    assert audit_count("auth.totp_enabled", actor_id=user.id) == 1
