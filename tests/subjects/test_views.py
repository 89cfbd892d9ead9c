"""Data-subject pages: admins only, searches in POST bodies, exports, corrections, anonymisation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.auth.models import Role
from hotline.cases import services as cases
from hotline.cases.models import Person
from hotline.subjects.models import SubjectRequest
from tests.helpers import audit_count, last_audit
from tests.subjects.helpers import (
    SUSPECT_NAME,
    VICTIM_DOC,
    VICTIM_NAME,
    VICTIM_PHONE,
    VICTIM_TRACES,
    no_trace,
)

REASON = "Solicitud ARCO 15-2026 recibida por mesa de partes"
ENDPOINTS = {
    "subjects.index",
    "subjects.search",
    "subjects.subject",
    "subjects.export",
    "subjects.anonymise",
    "subjects.correct",
}
DENIED = [Role.OPERATOR, Role.COORDINATOR, Role.MANAGER, Role.PARTNER]


def _routes(world):  # type: ignore[no-untyped-def]
    victim = world.victim.id
    return [
        ("GET", "/admin/subjects/", None),
        ("POST", "/admin/subjects/search", {"q": VICTIM_NAME}),
        ("GET", f"/admin/subjects/subject?person={victim}", None),
        ("POST", "/admin/subjects/subject/export", {"persons": str(victim), "reason": REASON, "fmt": "json"}),
        (
            "POST",
            "/admin/subjects/subject/anonymise",
            {"persons": str(victim), "reason": REASON, "confirm": "y"},
        ),
        ("GET", f"/admin/subjects/persons/{victim}/correct", None),
        (
            "POST",
            f"/admin/subjects/persons/{victim}/correct",
            {"version": str(world.victim.version_id), "name": "X", "reason": REASON},
        ),
    ]


def _send(client, method, url, data):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(url)
    return client.post_form(url, data, page="/")


def test_every_route_is_in_the_matrix(app):
    found = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("subjects.")}
    assert found == ENDPOINTS


@pytest.mark.parametrize("role", [r.value for r in DENIED])
@pytest.mark.parametrize("route", range(7))
def test_every_other_role_is_refused(client, login, world, role, route):
    login(role)
    method, url, data = _routes(world)[route]
    response = _send(client, method, url, data)
    assert response.status_code == 403, (role, url)
    assert cases.get_person(world.victim.case, world.victim.id).name == VICTIM_NAME
    assert audit_count("subject.export") == 0


@pytest.mark.parametrize("route", range(7))
def test_anonymous_users_go_to_the_login_page(client, world, route):
    method, url, data = _routes(world)[route]
    if method == "POST":
        data = dict(data, csrf_token=client.csrf_token("/login"))
        response = client.post(url, data=data)
    else:
        response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("route", range(7))
def test_admins_may_use_every_route(client, login, world, route):
    login("admin")
    method, url, data = _routes(world)[route]
    response = _send(client, method, url, data)
    assert response.status_code in (200, 302), (url, response.get_data(as_text=True)[:800])


def test_the_admin_menu_links_here(client, login):
    login("admin")
    assert 'href="/admin/subjects/"' in client.get("/").get_data(as_text=True)


def test_search_travels_in_the_post_body(client, login, world):
    login("admin")
    page = client.get("/admin/subjects/").get_data(as_text=True)
    assert 'method="post" action="/admin/subjects/search"' in page
    response = client.post_form("/admin/subjects/search", {"q": VICTIM_DOC}, page="/admin/subjects/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert VICTIM_NAME in html and world.case.reference in html
    assert VICTIM_DOC not in response.request.url and "q=" not in response.request.url
    # The results open the chosen records by their ids only.
    assert f'name="person" value="{world.victim.id}"' in html and 'method="get"' in html
    assert last_audit("subject.search").summary == "data-subject search by personal data, 1 records found"
    assert client.get(f"/admin/subjects/search?q={VICTIM_DOC}").status_code == 405


def test_empty_search_is_refused(client, login):
    login("admin")
    response = client.post_form("/admin/subjects/search", {"q": "  "}, page="/admin/subjects/")
    assert response.status_code == 400
    assert "Enter what to search for." in response.get_data(as_text=True)


def test_subject_page_shows_the_records_and_is_audited(client, login, world):
    admin = login("admin")
    response = client.get(f"/admin/subjects/subject?person={world.victim.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and VICTIM_NAME in html and VICTIM_PHONE in html
    assert SUSPECT_NAME not in html
    assert audit_count("person.view", object_id=str(world.victim.id), actor_id=admin.id) == 1
    assert client.get("/admin/subjects/subject?person=999999").status_code == 302
    assert client.get("/admin/subjects/subject?person=abc").status_code == 302


def test_export_as_a_json_download(client, login, world):
    login("admin")
    page = f"/admin/subjects/subject?person={world.victim.id}"
    response = client.post_form(
        "/admin/subjects/subject/export",
        {"persons": str(world.victim.id), "reason": REASON, "fmt": "json"},
        page=page,
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["records"][0]["name"] == VICTIM_NAME
    assert {"records", "cases", "contacts", "referrals", "access_log"} <= set(data)
    assert audit_count("subject.export") == 1
    assert str(data["request"]) == last_audit("subject.export").object_id


def test_export_as_a_readable_page(client, login, world):
    login("admin")
    page = f"/admin/subjects/subject?person={world.victim.id}"
    response = client.post_form(
        "/admin/subjects/subject/export",
        {"persons": str(world.victim.id), "reason": REASON, "fmt": "html"},
        page=page,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and VICTIM_NAME in html and world.referral.reference in html
    assert SUSPECT_NAME not in html


def test_export_needs_a_reason(client, login, world, db):
    login("admin")
    page = f"/admin/subjects/subject?person={world.victim.id}"
    response = client.post_form(
        "/admin/subjects/subject/export",
        {"persons": str(world.victim.id), "reason": "", "fmt": "json"},
        page=page,
    )
    assert response.status_code == 400
    assert db.scalar(select(SubjectRequest)) is None and audit_count("subject.export") == 0


def test_anonymise_needs_the_confirmation_then_anonymises(client, login, world, db):
    login("admin")
    page = f"/admin/subjects/subject?person={world.victim.id}"
    data = {"persons": str(world.victim.id), "reason": REASON}
    assert client.post_form("/admin/subjects/subject/anonymise", data, page=page).status_code == 400
    assert db.get(Person, world.victim.id).name == VICTIM_NAME
    response = client.post_form("/admin/subjects/subject/anonymise", dict(data, confirm="y"), page=page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/subjects/subject?person={world.victim.id}")
    db.expire_all()
    assert db.get(Person, world.victim.id).name == cases.PLACEHOLDER
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is in the register" in follow and "Anonymised" in follow
    assert no_trace(db.scalars(select(AuditEvent.summary)), VICTIM_TRACES) == []


def test_correct_through_the_page(client, login, world, db):
    login("admin")
    url = f"/admin/subjects/persons/{world.victim.id}/correct"
    form = client.get(url).get_data(as_text=True)
    assert VICTIM_NAME in form
    response = client.post_form(
        url,
        {
            "version": str(world.victim.version_id),
            "name": "Rosa Mamani Quispe de Torres",
            "document_type": "dni",
            "document_number": VICTIM_DOC,
            "phone": VICTIM_PHONE,
            "gender": "feminine",
            "age": "16",
            "nationalities": ["PE"],
            "reason": REASON,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    db.expire_all()
    victim = db.get(Person, world.victim.id)
    assert victim.name == "Rosa Mamani Quispe de Torres"
    assert audit_count("subject.correct") == 1
    stale = client.post_form(url, {"version": "0", "name": "Otra", "reason": REASON})
    assert stale.status_code == 409
