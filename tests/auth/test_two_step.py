"""Two-step sign-in (security plan item 18): mandatory for admins, managers and coordinators.

Codes are accepted once, normalised (NFKC, spaces), compared in constant time; wrong ones count
towards the lockout; recovery codes work once; changes need the password and a current code.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pyotp
import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from hotline import crypto
from hotline.auth import services
from hotline.auth.models import RecoveryCode, Role, UserSession
from hotline.auth.services import two_step
from hotline.database import utcnow
from hotline.notifications.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, TOTP_SECRET
from tests.helpers import audit_count

pytestmark = pytest.mark.usefixtures("english")

GENERIC_ERROR = "The e-mail or password is not correct, or the account is locked."
WRONG_CODE = "The code is not correct or was already used."


def _password(client, user, password=DEFAULT_PASSWORD, **kwargs):
    return client.post_form("/login", {"email": user.email, "password": password}, **kwargs)


def _code(client, code):
    return client.post_form("/login/code", {"code": code}, page="/login/code")


def _now_code(offset: int = 0) -> str:
    return pyotp.TOTP(TOTP_SECRET).at(utcnow() + timedelta(seconds=offset))


def _wrong_code() -> str:
    """Six digits that no window accepts now."""
    near = {_now_code(30 * step) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


# --- the code prompt ------------------------------------------------------------------------------


def test_second_factor_required_and_accepted_once(client, make_user):
    user = make_user(two_step=True)  # an operator who turned it on
    now = utcnow()
    with freeze_time(now):
        response = _password(client, user)
        assert response.headers["Location"] == "/login/code"
        # No data before the second factor.
        assert client.get("/app").status_code == 302
        code = pyotp.TOTP(TOTP_SECRET).at(now)
        response = _code(client, code)
        assert response.status_code == 302
        assert response.headers["Location"] == "/app"
        assert client.get("/app").status_code == 200
        client.post_form("/logout", page="/account")

        # The same code again (a replay) is refused and audited.
        _password(client, user)
        response = _code(client, code)
        assert response.status_code == 200
        assert WRONG_CODE in response.get_data(as_text=True)
        assert audit_count("auth.totp_failed", actor_id=user.id, summary="replayed code") == 1
        assert client.get("/app").status_code == 302


def test_expired_code_is_refused(client, make_user):
    user = make_user(two_step=True)
    now = utcnow()
    old_code = pyotp.TOTP(TOTP_SECRET).at(now - timedelta(seconds=90))
    with freeze_time(now):
        _password(client, user)
        response = _code(client, old_code)
        assert response.status_code == 200
        assert client.get("/app").status_code == 302
    assert audit_count("auth.totp_failed", actor_id=user.id, summary="wrong code") == 1


def test_code_of_the_previous_step_is_accepted(client, make_user):
    """One 30-second step of clock drift is allowed."""
    user = make_user(two_step=True)
    now = utcnow()
    with freeze_time(now):
        _password(client, user)
        assert _code(client, pyotp.TOTP(TOTP_SECRET).at(now - timedelta(seconds=30))).status_code == 302


def test_pending_second_factor_expires(client, make_user):
    user = make_user(two_step=True)
    with freeze_time(utcnow()) as frozen:
        _password(client, user)
        frozen.tick(timedelta(minutes=6))
        assert client.get("/login/code").headers["Location"] == "/login"


@pytest.mark.parametrize(
    "shape",
    [
        lambda c: c.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width
        lambda c: f"{c[:3]} {c[3:]}",  # as the app shows it
        lambda c: f"  {c}\u00a0",  # pasted with spaces round it
        lambda c: "\u3000".join(c),  # ideographic spaces
    ],
    ids=["fullwidth", "grouped", "padded", "ideographic-spaces"],
)
def test_normalised_codes_are_accepted(client, make_user, shape):
    user = make_user(two_step=True)
    with freeze_time(utcnow()):
        _password(client, user)
        response = _code(client, shape(_now_code()))
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert response.headers["Location"] == "/app"


@pytest.mark.parametrize("code", ["٣٤٥٦٧٨", "１２３４５", "12345a", "x" * 64, "𝟏𝟐𝟑𝟒𝟓𝟔", "\x00" * 6])
def test_odd_codes_are_refused_without_error(client, make_user, code):
    user = make_user(two_step=True)
    _password(client, user)
    response = _code(client, code)
    assert response.status_code == 200


def test_mathematical_digits_are_normalised(db, make_user):
    """NFKC folds 𝟏𝟐𝟑 (mathematical bold) to 123 too."""
    user = make_user(two_step=True)
    with freeze_time(utcnow()):
        bold = _now_code().translate(str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"))
        assert services.check_second_step(user, bold) is services.SecondStep.TOTP


def test_codes_are_compared_in_constant_time(db, monkeypatch):
    """Every window is compared with hmac.compare_digest on bytes, whether or not one matches."""
    calls = []
    real = two_step.hmac.compare_digest

    class Spy:
        @staticmethod
        def compare_digest(a, b):  # type: ignore[no-untyped-def]
            calls.append((type(a), type(b)))
            return real(a, b)

    monkeypatch.setattr(two_step, "hmac", Spy)
    with freeze_time(utcnow()):
        now = utcnow()
        assert two_step._accepted_step(TOTP_SECRET, _now_code(), now) == int(now.timestamp()) // 30
        assert len(calls) == 3
        assert two_step._accepted_step(TOTP_SECRET, _wrong_code(), now) is None
        assert len(calls) == 6
    assert set(calls) == {(bytes, bytes)}


# --- lockout -------------------------------------------------------------------------------------


def test_brute_force_of_codes_hits_the_lockout(client, make_user):
    user = make_user(two_step=True)
    with freeze_time(utcnow()) as frozen:
        _password(client, user)
        for attempt in range(5):
            response = _code(client, _wrong_code())
            if attempt < 4:
                assert response.status_code == 200
        # The fifth wrong code locks the account and sends the browser back to the password.
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        assert audit_count("auth.lockout", actor_id=user.id) == 1
        assert audit_count("auth.totp_failed", actor_id=user.id) == 5
        assert client.get("/login/code").headers["Location"] == "/login"
        # While locked even the right password and code do not help.
        locked = _password(client, user)
        assert locked.status_code == 200 and GENERIC_ERROR in locked.get_data(as_text=True)
        frozen.tick(timedelta(minutes=16))
        assert _password(client, user).headers["Location"] == "/login/code"
        assert _code(client, _now_code()).headers["Location"] == "/app"


def test_wrong_passwords_and_wrong_codes_share_one_counter(client, make_user, db):
    user = make_user(two_step=True)
    with freeze_time(utcnow()):
        for _ in range(2):
            _password(client, user, "not the right password")
        # A right password does not wipe the earlier failures while the code is still to come.
        for _ in range(3):
            _password(client, user)
            _code(client, _wrong_code())
        db.refresh(user)
        assert user.locked_until is not None and user.locked_until > utcnow()
        assert audit_count("auth.lockout", actor_id=user.id) == 1


def test_a_right_code_clears_the_counter(client, make_user, db):
    user = make_user(two_step=True)
    with freeze_time(utcnow()):
        _password(client, user)
        _code(client, _wrong_code())
        _code(client, _now_code())
    db.refresh(user)
    assert user.failed_login_count == 0 and user.locked_until is None


# --- enrolment ----------------------------------------------------------------------------------


def _setup_secret(html: str) -> str:
    return html.split('class="secret">')[1].split("<")[0]


@pytest.mark.parametrize("role", ["coordinator", "manager", "admin"])
def test_enrolment_is_forced_before_any_other_page(client, make_user, db, role):
    user = make_user(role=role, two_step=False)
    response = _password(client, user)
    assert response.headers["Location"] == "/account/2fa/setup?next=/app"
    # No page but the set-up (and signing out) until it is done.
    for url in ("/app", "/account", "/cases/", "/admin/users", "/reports/", "/admin/audit/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/account/2fa/setup"), url
    assert (
        client.post_form("/admin/users/new", {"email": "x@y.pe"}, page="/account/2fa/setup").status_code
        == 302
    )

    html = client.get("/account/2fa/setup").get_data(as_text=True)
    assert "data:image/svg+xml" in html
    assert "Your role requires two-step verification" in html
    secret = _setup_secret(html)
    assert client.get("/account/2fa/setup").get_data(as_text=True).count(secret) == 1  # the same key
    with freeze_time(utcnow()):
        response = client.post_form(
            "/account/2fa/setup?next=/app", {"code": pyotp.TOTP(secret).now()}, page="/account/2fa/setup"
        )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    codes = [part.split("<")[0] for part in html.split('<li><code class="secret">')[1:]]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(c) == 19 for c in codes)  # XXXX-XXXX-XXXX-XXXX
    assert 'href="/app"' in html
    db.refresh(user)
    assert user.has_totp and crypto.decrypt(user.totp_secret) == secret
    assert audit_count("auth.totp_enabled", actor_id=user.id) == 1
    assert client.get("/app").status_code == 200
    # Shown once: only their hashes are stored.
    stored = set(db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}


def test_wrong_first_code_does_not_enrol(client, make_user, db):
    user = make_user(role="coordinator", two_step=False)
    _password(client, user)
    client.get("/account/2fa/setup")
    response = client.post_form("/account/2fa/setup", {"code": "12345"}, page="/account/2fa/setup")
    assert "The code is not correct" in client.get("/account/2fa/setup").get_data(as_text=True) or (
        response.status_code == 200
    )
    db.refresh(user)
    assert not user.has_totp
    assert client.get("/app").headers["Location"].startswith("/account/2fa/setup")


@pytest.mark.parametrize("role", ["operator", "partner"])
def test_enrolment_is_optional_for_operators_and_partners(client, make_user, role):
    user = make_user(role=role)
    assert not user.has_totp
    assert _password(client, user).headers["Location"] == "/app"
    assert client.get("/app").status_code == 200
    html = client.get("/account").get_data(as_text=True)
    assert "Two-step verification is off" in html


def test_an_operator_may_turn_it_on(client, login, db):
    user = login("operator")
    html = client.get("/account/2fa/setup").get_data(as_text=True)
    assert "Your role requires" not in html
    with freeze_time(utcnow()):
        response = client.post_form(
            "/account/2fa/setup", {"code": pyotp.TOTP(_setup_secret(html)).now()}, page="/account/2fa/setup"
        )
    assert response.status_code == 200 and "Your recovery codes" in response.get_data(as_text=True)
    db.refresh(user)
    assert user.has_totp


def test_a_session_opened_before_the_rule_is_sent_to_enrolment(client, login, db):
    """An operator signed in, then made coordinator outside the app: the next page is the set-up."""
    user = login("operator")
    user.role = Role.COORDINATOR.value
    db.flush()
    assert client.get("/cases/").headers["Location"] == "/account/2fa/setup?next=/cases/"


def test_a_user_who_must_change_the_password_does_that_first(client, make_user):
    user = make_user(role="manager", two_step=False, must_change_password=True)
    assert _password(client, user).headers["Location"] == "/account/password"
    assert client.get("/account/2fa/setup").headers["Location"] == "/account/password"
    response = client.post_form(
        "/account/password",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "ruta-segura-cusco-2026",
            "confirm": "ruta-segura-cusco-2026",
        },
    )
    assert response.headers["Location"].startswith("/account/2fa/setup")


# --- recovery codes -------------------------------------------------------------------------------


def _enrolled(db, make_user, role="coordinator"):
    user = make_user(role=role, two_step=False)
    secret = pyotp.random_base32()
    codes = services.enable_two_step(user, secret, pyotp.TOTP(secret).now())
    db.flush()
    return user, secret, codes


def test_recovery_codes_are_single_use(client, make_user, db):
    user, _secret, codes = _enrolled(db, make_user)
    _password(client, user)
    response = _code(client, codes[0].lower().replace("-", " "))  # typed by hand
    assert response.headers["Location"] == "/app"
    assert "Recovery codes left: 9." in client.get("/app").get_data(as_text=True)
    assert audit_count("auth.recovery_code_used", actor_id=user.id) == 1
    client.post_form("/logout", page="/account")

    _password(client, user)
    response = _code(client, codes[0])
    assert response.status_code == 200
    assert client.get("/app").status_code == 302
    assert audit_count("auth.totp_failed", actor_id=user.id) == 1  # counted like any wrong code
    assert _code(client, codes[1]).headers["Location"] == "/app"
    assert services.count_recovery_codes(user) == 8


def test_another_users_recovery_code_is_refused(db, make_user):
    user, _secret, _codes = _enrolled(db, make_user)
    _other, _secret2, other_codes = _enrolled(db, make_user)
    with pytest.raises(services.AuthError):
        services.check_second_step(user, other_codes[0])


# --- changes to the second factor: password and a current code ----------------------------------


def test_turning_it_off_needs_the_password_and_a_current_code(client, make_user, db):
    user = make_user(two_step=True)  # an operator: optional for them
    from tests.conftest import sign_in

    with freeze_time(utcnow()) as frozen:
        sign_in(client, user)
        frozen.tick(timedelta(seconds=31))  # the sign-in used the current step
        page = "/account"
        # Only the CSRF token, as before: refused.
        client.post_form("/account/2fa/disable", page=page)
        db.refresh(user)
        assert user.has_totp
        for password, code in [("not the password", _now_code()), (DEFAULT_PASSWORD, "000000")]:
            response = client.post_form(
                "/account/2fa/disable",
                {"off-password": password, "off-current_code": code},
                page=page,
                follow_redirects=True,
            )
            assert "The password or the code is not correct." in response.get_data(as_text=True)
            db.refresh(user)
            assert user.has_totp
        # Both counted towards the lockout.
        assert (
            audit_count("auth.login_failed", actor_id=user.id, summary="wrong password (two-step change)")
            == 1
        )
        assert audit_count("auth.totp_failed", actor_id=user.id) == 1
        db.refresh(user)
        assert user.failed_login_count == 2
        response = client.post_form(
            "/account/2fa/disable",
            {"off-password": DEFAULT_PASSWORD, "off-current_code": _now_code()},
            page=page,
            follow_redirects=True,
        )
        assert "Two-step verification is off." in response.get_data(as_text=True)
    db.refresh(user)
    assert not user.has_totp
    assert db.scalar(select(func.count()).where(RecoveryCode.user_id == user.id)) == 0
    assert audit_count("auth.totp_disabled", actor_id=user.id) == 1


def test_a_role_that_requires_it_cannot_turn_it_off(client, login, db):
    user = login("coordinator")
    html = client.get("/account").get_data(as_text=True)
    assert "cannot be turned off" in html
    with freeze_time(utcnow() + timedelta(seconds=31)):
        response = client.post_form(
            "/account/2fa/disable",
            {"off-password": DEFAULT_PASSWORD, "off-current_code": _now_code()},
            page="/account",
            follow_redirects=True,
        )
    assert "required for your role" in response.get_data(as_text=True)
    db.refresh(user)
    assert user.has_totp


def test_re_enrolment_needs_the_password_and_a_current_code(client, login, db):
    user = login("coordinator")
    with freeze_time(utcnow() + timedelta(seconds=31)):
        html = client.get("/account/2fa/setup").get_data(as_text=True)
        assert 'name="password"' in html and 'name="current_code"' in html
        new_secret = _setup_secret(html)
        new_code = pyotp.TOTP(new_secret).now()
        # The new app's code alone is not enough.
        for data in (
            {"code": new_code},
            {"code": new_code, "password": DEFAULT_PASSWORD, "current_code": "000000"},
            {"code": new_code, "password": "not the password", "current_code": _now_code()},
        ):
            client.post_form("/account/2fa/setup", data, page="/account/2fa/setup")
            db.refresh(user)
            assert crypto.decrypt(user.totp_secret) == TOTP_SECRET
        response = client.post_form(
            "/account/2fa/setup",
            {"code": new_code, "password": DEFAULT_PASSWORD, "current_code": _now_code()},
            page="/account/2fa/setup",
        )
    assert response.status_code == 200 and "Your recovery codes" in response.get_data(as_text=True)
    db.refresh(user)
    assert crypto.decrypt(user.totp_secret) == new_secret
    assert audit_count("auth.totp_renewed", actor_id=user.id) == 1


def test_new_recovery_codes_replace_the_old_ones(client, make_user, db):
    user, _secret, old_codes = _enrolled(db, make_user)
    from tests.conftest import sign_in

    user.totp_secret = crypto.encrypt(TOTP_SECRET)  # so the shared helper can sign in
    user.totp_last_step = None
    db.flush()
    sign_in(client, user)
    with freeze_time(utcnow() + timedelta(seconds=31)):
        response = client.post_form(
            "/account/2fa/recovery-codes",
            {"codes-password": DEFAULT_PASSWORD, "codes-current_code": old_codes[0]},
            page="/account",
        )
    html = response.get_data(as_text=True)
    new_codes = [part.split("<")[0] for part in html.split('<li><code class="secret">')[1:]]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    with pytest.raises(services.AuthError):
        services.check_second_step(user, old_codes[1])
    assert services.check_second_step(user, new_codes[0]) is services.SecondStep.RECOVERY
    assert audit_count("auth.recovery_codes_created", actor_id=user.id) == 1


# --- an administrator resets someone's second factor ----------------------------------------------


def test_admin_reset_is_audited_and_the_user_told(client, login, make_user, browser_for, db):
    admin = login("admin")
    target = make_user(role="coordinator")
    target.locale = "es"
    db.flush()
    victim = browser_for(target)
    assert victim.get("/app").status_code == 200
    page = f"/admin/users/{target.id}"
    assert "Reset two-step verification" in client.get(page).get_data(as_text=True)
    response = client.post_form(f"/admin/users/{target.id}/reset-two-step", page=page, follow_redirects=True)
    assert "Two-step verification reset" in response.get_data(as_text=True)
    db.refresh(target)
    assert not target.has_totp
    assert audit_count("auth.totp_reset", actor_id=admin.id, object_id=str(target.id)) == 1
    message = db.scalar(
        select(OutboxMessage).where(
            OutboxMessage.object_type == "user", OutboxMessage.object_id == str(target.id)
        )
    )
    assert message.channel == "email" and message.recipient == target.email and message.status == "pending"
    assert "1818" in message.subject
    # Its sessions ended, and the next sign-in sets it up again.
    assert victim.get("/app").status_code == 302
    assert (
        db.scalar(
            select(func.count()).where(UserSession.user_id == target.id, UserSession.revoked_at.is_(None))
        )
        == 0
    )
    fresh = client.application.test_client()
    assert _password(fresh, target).headers["Location"].startswith("/account/2fa/setup")


def test_admin_cannot_reset_their_own_second_factor(client, login, db):
    admin = login("admin")
    response = client.post_form(
        f"/admin/users/{admin.id}/reset-two-step", page=f"/admin/users/{admin.id}", follow_redirects=True
    )
    assert "from your account page" in response.get_data(as_text=True)
    db.refresh(admin)
    assert admin.has_totp


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_reset_of_a_second_factor_by_role(client, login, make_user, db, role):
    login(role)
    target = make_user(two_step=True)
    response = client.post_form(f"/admin/users/{target.id}/reset-two-step", page="/account")
    assert response.status_code == (302 if role == Role.ADMIN else 403)
    db.refresh(target)
    assert target.has_totp is (role != Role.ADMIN)
