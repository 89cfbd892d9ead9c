"""Every route declares who may use it (security plan item 27), and each role is denied elsewhere."""

from __future__ import annotations

import pytest

from hotline.access import PUBLIC, access_of
from hotline.auth.models import Role

# Routes open to anyone. Anything else must name its roles.
PUBLIC_ENDPOINTS_ALLOWED_PREFIXES = ("awareness.", "telephony.")
PUBLIC_ENDPOINTS = {
    "static",
    "core.healthz",
    "auth.login",
    "auth.login_totp",
    "auth.logout",
    "auth.set_password",  # the e-mailed one-time link: its token is the proof
    "api_docs.openapi",  # the partner API's OpenAPI document: it describes the API, holds no data
    "api_docs.docs",  # the same, as a page
}


def test_every_route_declares_its_access(app):
    undeclared, unexpected_public = [], []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = access_of(view)
        if rule.endpoint == "static":
            continue
        if access is None:
            undeclared.append(rule.rule)
        elif access == PUBLIC and not (
            rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(PUBLIC_ENDPOINTS_ALLOWED_PREFIXES)
        ):
            unexpected_public.append(rule.endpoint)
    assert undeclared == []
    assert unexpected_public == []


def test_unauthenticated_requests_are_sent_to_login(app, client):
    for rule in app.url_map.iter_rules():
        if (
            "GET" not in rule.methods
            or rule.arguments
            or access_of(app.view_functions[rule.endpoint]) == PUBLIC
        ):
            continue
        if rule.endpoint == "static":
            continue
        response = client.get(rule.rule)
        assert response.status_code in (302, 401), rule.rule
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), rule.rule


def test_a_view_without_a_declared_rule_is_refused(app, client):
    # Simulate a forgotten decorator: the app refuses the endpoint.
    view = app.view_functions["core.home"]
    app.view_functions["core.home"] = view.__wrapped__
    try:
        assert client.get("/app").status_code == 403
    finally:
        app.view_functions["core.home"] = view


ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/audit/"]


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_by_role(client, login, role, url):
    login(role)
    expected = 200 if role == Role.ADMIN else 403
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_admin_actions_denied_to_other_roles(client, login, make_user, role, db):
    login(role)
    target = make_user()
    response = client.post_form(f"/admin/users/{target.id}/deactivate", page="/account")
    expected = 302 if role == Role.ADMIN else 403
    assert response.status_code == expected
    db.refresh(target)
    assert target.is_active is (role != Role.ADMIN)
