"""Four eyes on access to case data: new accounts, roles that open more and password resets wait
for a second administrator; the user then chooses a password through a one-time e-mailed link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from hotline.auth import services
from hotline.auth.models import AccountRequest, PasswordToken, Role, User
from hotline.database import utcnow
from hotline.notifications.models import OutboxMessage
from tests.factories import DEFAULT_PASSWORD, AccountRequestFactory
from tests.helpers import audit_count

pytestmark = pytest.mark.usefixtures("english")

STRONG = "ruta-segura-cusco-2026"
LINK_RE = re.compile(r"https://hotline\.example\.test(/account/set-password\?token=[\w-]+)")


def _link_for(db, user: User) -> str:
    message = db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.object_type == "user", OutboxMessage.object_id == str(user.id))
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None and message.channel == "email" and message.recipient == user.email
    return LINK_RE.search(message.body).group(1)


def _request_new(client, email="nueva@hotline.pe", role="operator", partner=""):
    return client.post_form(
        "/admin/users/new", {"email": email, "name": "Nueva Operadora", "role": role, "partner": partner}
    )


def _pending(db) -> AccountRequest:
    return db.scalars(
        select(AccountRequest).where(AccountRequest.status == "pending").order_by(AccountRequest.id.desc())
    ).first()


def test_new_account_takes_effect_when_a_second_admin_approves(client, login, browser_for, db, app):
    first = login("admin")
    response = _request_new(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/approvals"
    assert db.scalar(select(User).where(User.email == "nueva@hotline.pe")) is None
    request = _pending(db)
    assert (request.kind, request.role, request.requested_by_id) == ("create", "operator", first.id)
    assert audit_count("user.request", actor_id=first.id, object_id=str(request.id)) == 1
    html = client.get("/admin/approvals").get_data(as_text=True)
    assert "nueva@hotline.pe" in html and "Your request: another administrator must approve it." in html

    # The requester cannot approve it (and the attempt is audited).
    response = client.post_form(
        f"/admin/approvals/{request.id}/approve", page="/admin/approvals", follow_redirects=True
    )
    assert "You cannot approve your own request" in response.get_data(as_text=True)
    db.refresh(request)
    assert request.status == "pending"
    assert audit_count("user.approve", actor_id=first.id, outcome="denied") == 1
    assert db.scalar(select(User).where(User.email == "nueva@hotline.pe")) is None

    other = browser_for(role="admin")
    response = other.post_form(
        f"/admin/approvals/{request.id}/approve", page="/admin/approvals", follow_redirects=True
    )
    assert "Approved" in response.get_data(as_text=True)
    db.refresh(request)
    assert request.status == "approved" and request.decided_by_id != first.id
    user = db.scalar(select(User).where(User.email == "nueva@hotline.pe"))
    assert user is not None and user.role == "operator" and request.user_id == user.id
    assert audit_count("user.approve", actor_id=request.decided_by_id, outcome="success") == 1
    assert audit_count("user.create", actor_id=request.decided_by_id, object_id=str(user.id)) == 1

    # No password was ever shown: the user chooses one through the e-mailed link.
    for page in (
        response.get_data(as_text=True),
        client.get(f"/admin/users/{user.id}").get_data(as_text=True),
    ):
        assert "secret big" not in page
    link = _link_for(db, user)
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = browser.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/account/set-password"
    html = browser.get("/account/set-password").get_data(as_text=True)
    assert "nueva@hotline.pe" in html and link.split("token=")[1] not in html
    weak = browser.post_form(
        "/account/set-password", {"new_password": "1234567890123", "confirm": "1234567890123"}
    )
    assert weak.status_code == 200 and "This password is too easy to guess." in weak.get_data(as_text=True)
    response = browser.post_form("/account/set-password", {"new_password": STRONG, "confirm": STRONG})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert audit_count("user.set_password", actor_id=user.id) == 1
    response = browser.post_form("/login", {"email": user.email, "password": STRONG})
    assert response.headers["Location"] == "/app"

    # The link works once.
    again = app.test_client()
    again.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    again.get(link)
    response = again.get("/account/set-password")
    assert response.status_code == 410 and "does not work any more" in response.get_data(as_text=True)


def test_the_link_expires_after_24_hours(app, db, make_user, client):
    user = make_user()
    start = utcnow()
    with freeze_time(start) as frozen:
        services.issue_password_link(user, welcome=True)
        db.flush()
        link = _link_for(db, user)
        frozen.tick(timedelta(hours=23, minutes=59))
        client.get(link)
        assert client.get("/account/set-password").status_code == 200
        frozen.tick(timedelta(minutes=2))
        assert client.get("/account/set-password").status_code == 410
        response = client.post_form(
            "/account/set-password", {"new_password": STRONG, "confirm": STRONG}, page="/login"
        )
        assert response.status_code == 410
    assert audit_count("user.set_password", actor_id=user.id) == 0


def test_a_newer_link_cancels_the_older_one(db, make_user):
    user = make_user()
    services.issue_password_link(user, welcome=False)
    first = _link_for(db, user).split("token=")[1]
    services.issue_password_link(user, welcome=False)
    second = _link_for(db, user).split("token=")[1]
    assert services.get_password_link(first) is None
    assert services.get_password_link(second) is not None
    # Only hashes are stored.
    stored = set(db.scalars(select(PasswordToken.token_hash).where(PasswordToken.user_id == user.id)))
    assert first not in stored and second not in stored and len(stored) == 2


def test_a_link_cannot_be_used_twice_even_at_once(db, make_user):
    user = make_user()
    services.issue_password_link(user, welcome=False)
    token = _link_for(db, user).split("token=")[1]
    services.set_password_with_link(token, STRONG)
    with pytest.raises(services.UserError):
        services.set_password_with_link(token, "otra-clave-larga-y-segura")


def test_a_refused_request_changes_nothing(client, login, browser_for, db):
    login("admin")
    _request_new(client, email="rechazo@hotline.pe", role="manager")
    request = _pending(db)
    other = browser_for(role="admin")
    response = other.post_form(
        f"/admin/approvals/{request.id}/refuse",
        {"reason": "No es personal de la línea"},
        page="/admin/approvals",
        follow_redirects=True,
    )
    assert "Request refused" in response.get_data(as_text=True)
    db.refresh(request)
    assert request.status == "refused" and request.reason == "No es personal de la línea"
    assert audit_count("user.refuse", actor_id=request.decided_by_id, object_id=str(request.id)) == 1
    assert db.scalar(select(User).where(User.email == "rechazo@hotline.pe")) is None
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # Decided once: approving it afterwards is refused.
    response = other.post_form(
        f"/admin/approvals/{request.id}/approve", page="/admin/approvals", follow_redirects=True
    )
    assert "already been decided" in response.get_data(as_text=True)
    assert "Refused" in other.get("/admin/approvals").get_data(as_text=True)


def test_the_requester_may_withdraw(client, login, db):
    admin = login("admin")
    _request_new(client, email="retiro@hotline.pe")
    request = _pending(db)
    client.post_form(f"/admin/approvals/{request.id}/refuse", page="/admin/approvals")
    db.refresh(request)
    assert request.status == "refused" and request.decided_by_id == admin.id


def test_a_second_request_for_the_same_account_is_refused(client, login, db):
    login("admin")
    _request_new(client, email="doble@hotline.pe")
    response = _request_new(client, email="doble@hotline.pe")
    assert response.status_code == 200
    assert db.scalar(select(func.count()).select_from(AccountRequest)) == 1


@pytest.mark.parametrize("role", ["operator", "coordinator", "manager", "partner", "admin"])
def test_every_new_account_waits(db, make_user, role):
    """Every role reads case data (a partner: what its referrals share) or grants it (an admin)."""
    admin = make_user(role="admin")
    request = services.request_new_account(
        email=f"new-{role}@hotline.pe",
        name="N",
        role=Role(role),
        partner_code="MIMP" if role == "partner" else None,
        actor=admin,
    )
    assert request.status == "pending"
    assert services.get_user_by_email(f"new-{role}@hotline.pe") is None


def test_a_role_that_opens_more_waits_and_one_that_takes_away_applies_at_once(
    client, login, browser_for, make_user, db
):
    login("admin")
    target = make_user(role="operator")
    victim = browser_for(target)
    page = f"/admin/users/{target.id}"
    response = client.post_form(page, {"role": "coordinator", "partner": ""}, follow_redirects=True)
    assert "takes effect when another administrator approves it" in response.get_data(as_text=True)
    db.refresh(target)
    assert target.role == "operator"
    assert victim.get("/app").status_code == 200  # nothing changed yet
    request = _pending(db)
    assert (request.kind, request.previous_role, request.role) == ("change_role", "operator", "coordinator")

    browser_for(role="admin").post_form(f"/admin/approvals/{request.id}/approve", page="/admin/approvals")
    db.refresh(target)
    assert target.role == "coordinator"
    assert victim.get("/app").status_code == 302  # the sessions ended with the old rights
    assert audit_count("user.change_role", object_id=str(target.id)) == 1

    # Back to operator: less access, so at once.
    response = client.post_form(page, {"role": "operator", "partner": ""}, follow_redirects=True)
    assert "Role saved" in response.get_data(as_text=True)
    db.refresh(target)
    assert target.role == "operator"
    assert audit_count("user.change_role", object_id=str(target.id)) == 2


@pytest.mark.parametrize(
    ("before", "after", "waits"),
    [
        (("operator", None), ("coordinator", None), True),
        (("coordinator", None), ("operator", None), False),
        (("manager", None), ("operator", None), True),  # case pages a manager never sees
        (("operator", None), ("manager", None), True),  # exports
        (("partner", "MIMP"), ("partner", "MP-FISTRAP"), True),  # another organisation's referrals
        (("coordinator", None), ("admin", None), True),
        (("admin", None), ("operator", None), True),
        (("coordinator", None), ("partner", "MIMP"), True),
    ],
)
def test_which_role_changes_wait(db, make_user, before, after, waits):
    admin = make_user(role="admin")
    user = make_user(role=before[0], partner_code=before[1])
    result = services.request_role_change(user, role=Role(after[0]), partner_code=after[1], actor=admin)
    assert (result is not None) is waits
    assert (user.role == before[0]) is waits


def test_password_reset_waits_and_sends_a_link_not_a_password(client, login, browser_for, make_user, db, app):
    login("admin")
    target = make_user(role="coordinator")
    page = f"/admin/users/{target.id}"
    response = client.post_form(f"{page}/reset-password", page=page, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "takes effect when another administrator approves it" in html and "secret big" not in html
    # Until approved, the password still works.
    assert browser_for(target).get("/app").status_code == 200
    request = _pending(db)
    assert request.kind == "reset_password" and request.user_id == target.id

    target.totp_last_step = None  # let the same test minute sign in again
    other = browser_for(role="admin")
    response = other.post_form(
        f"/admin/approvals/{request.id}/approve", page="/admin/approvals", follow_redirects=True
    )
    assert "secret big" not in response.get_data(as_text=True)
    assert audit_count("user.reset_password", object_id=str(target.id)) == 1
    fresh = app.test_client()
    response = fresh.post_form("/login", {"email": target.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200  # the old password stopped working
    link = _link_for(db, target)
    fresh.get(link)
    response = fresh.post_form("/account/set-password", {"new_password": STRONG, "confirm": STRONG})
    assert response.headers["Location"] == "/login"
    assert (
        fresh.post_form("/login", {"email": target.email, "password": STRONG}).headers["Location"]
        == "/login/code"
    )


def test_an_admin_cannot_approve_a_request_about_their_own_account(db, make_user):
    first, second = make_user(role="admin"), make_user(role="admin")
    request = services.request_password_reset(second, actor=first)
    with pytest.raises(services.UserError, match="your own account"):
        services.approve_request(request, actor=second)
    assert request.status == "pending"
    third = make_user(role="admin")
    services.approve_request(request, actor=third)
    assert request.status == "approved"


def test_the_email_is_checked_again_at_approval(db, make_user):
    first, second = make_user(role="admin"), make_user(role="admin")
    request = services.request_new_account(
        email="late@hotline.pe", name="L", role=Role.OPERATOR, partner_code=None, actor=first
    )
    make_user(email="late@hotline.pe")
    with pytest.raises(services.UserError, match="already exists"):
        services.approve_request(request, actor=second)


APPROVAL_ROUTES = [
    ("GET", "/admin/approvals"),
    ("POST", "/admin/approvals/{id}/approve"),
    ("POST", "/admin/approvals/{id}/refuse"),
    ("POST", "/admin/users/{user}/reset-password"),
]


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize(("method", "url"), APPROVAL_ROUTES)
def test_approval_routes_by_role(client, login, make_user, db, role, method, url):
    login(role)
    request = AccountRequestFactory()
    target = make_user()
    path = url.format(id=request.id, user=target.id)
    if method == "GET":
        response = client.get(path)
        expected = 200
    else:
        response = client.post_form(path, page="/account")
        expected = 302
    assert response.status_code == (expected if role == Role.ADMIN else 403)
    if role != Role.ADMIN:
        db.refresh(request)
        assert request.status == "pending"
        assert services.pending_requests_for(target) == []


def test_unknown_request_is_404(client, login):
    login("admin")
    assert client.post_form("/admin/approvals/999999/approve", page="/admin/approvals").status_code == 404
