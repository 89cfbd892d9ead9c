"""Case pages: roles, audit of every view, conflicts, workflow through the forms, list and search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.cases import services
from hotline.cases.models import CaseHistory, CaseStatus, Person
from hotline.crypto import blind_index
from tests.cases.helpers import make_case, make_person, search_cases
from tests.helpers import audit_count, count_queries, last_audit

ROLES = ("operator", "coordinator", "manager", "admin", "partner")


@pytest.fixture
def case(db, make_user):  # type: ignore[no-untyped-def]
    opener = make_user(role="operator")
    case = make_case(opener, region_ubigeo="17", narrative="Relato <b>confidencial</b>")
    make_person(case, opener, role="victim", name="Rosa Mamani Condori", phone="987111222", age=15)
    return case


# --- roles --------------------------------------------------------------------------------------

ROUTES = [
    # (method, url pattern, {role: expected status})
    ("GET", "/cases/", {"operator": 200, "coordinator": 200, "manager": 200, "admin": 403, "partner": 403}),
    (
        "GET",
        "/cases/{id}",
        {"operator": 200, "coordinator": 200, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "GET",
        "/cases/{id}/edit",
        {"operator": 200, "coordinator": 200, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/edit",
        {"operator": 422, "coordinator": 422, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/notes",
        {"operator": 422, "coordinator": 422, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "GET",
        "/cases/{id}/persons/new",
        {"operator": 200, "coordinator": 200, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/persons/new",
        {"operator": 422, "coordinator": 422, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "GET",
        "/cases/{id}/persons/{pid}/edit",
        {"operator": 200, "coordinator": 200, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/persons/{pid}/edit",
        {"operator": 422, "coordinator": 422, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "GET",
        "/cases/{id}/triage",
        {"operator": 403, "coordinator": 200, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/triage",
        {"operator": 403, "coordinator": 422, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/assign",
        {"operator": 403, "coordinator": 302, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "GET",
        "/cases/{id}/close",
        {"operator": 403, "coordinator": 200, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/close",
        {"operator": 403, "coordinator": 422, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "GET",
        "/cases/{id}/reopen",
        {"operator": 403, "coordinator": 200, "manager": 403, "admin": 403, "partner": 403},
    ),
    (
        "POST",
        "/cases/{id}/reopen",
        {"operator": 403, "coordinator": 422, "manager": 403, "admin": 403, "partner": 403},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "pattern", "expected"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_role_matrix(client, login, case, role, method, pattern, expected):
    login(role)
    url = pattern.format(id=case.id, pid=case.persons[0].id)
    if method == "GET":
        response = client.get(url)
    else:
        token = client.csrf_token("/account")
        response = client.post(url, data={"csrf_token": token, "version": "x"})
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if expected[role] == 403:
        assert b"Rosa Mamani" not in response.data


def test_anonymous_users_go_to_the_login_page(client, case):
    for url in ("/cases/", f"/cases/{case.id}", "/calls/", "/calls/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_ids_are_404(client, login, case):
    login("coordinator")
    for url in ("/cases/999999", f"/cases/{case.id}/persons/999999/edit", "/cases/99999999999999"):
        assert client.get(url).status_code == 404


def test_a_person_of_another_case_is_404(client, login, case, db):
    login("operator")
    other = make_case(None)
    assert client.get(f"/cases/{other.id}/persons/{case.persons[0].id}/edit").status_code == 404


def test_nav_shows_calls_and_cases_to_operators_only(client, login):
    login("operator")
    html = client.get("/app").get_data(as_text=True)
    assert 'href="/calls/"' in html and 'href="/cases/"' in html


@pytest.mark.parametrize("role", ["manager", "admin", "partner"])
def test_nav_hides_calls_and_cases(client, login, role):
    login(role)
    html = client.get("/app").get_data(as_text=True)
    assert 'href="/calls/"' not in html and 'href="/cases/"' not in html


# --- audit --------------------------------------------------------------------------------------


def test_every_case_view_writes_exactly_one_audit_row(client, login, case):
    user = login("operator")
    for n in (1, 2, 3):
        response = client.get(f"/cases/{case.id}")
        assert response.status_code == 200
        assert audit_count("case.view", object_id=str(case.id), actor_id=user.id) == n
    event = last_audit("case.view")
    assert (event.actor_role, event.object_type, event.outcome) == ("operator", "case", "success")
    assert event.ip is not None and "Rosa" not in event.summary


def test_the_edit_form_and_a_person_form_are_audited_views(client, login, case):
    user = login("operator")
    client.get(f"/cases/{case.id}/edit")
    assert audit_count("case.view", object_id=str(case.id), actor_id=user.id) == 1
    client.get(f"/cases/{case.id}/persons/{case.persons[0].id}/edit")
    assert audit_count("person.view", object_id=str(case.persons[0].id), actor_id=user.id) == 1


def test_a_personal_search_is_audited_without_the_searched_value(client, login, case):
    user = login("operator")
    html = search_cases(client, "rosa mamani condori").get_data(as_text=True)
    assert case.reference in html
    event = last_audit("case.search")
    assert event.actor_id == user.id and "rosa" not in event.summary.lower() and "1 found" in event.summary
    search_cases(client, case.reference)
    assert audit_count("case.search", actor_id=user.id) == 1  # a reference is not personal data


def test_a_failed_audit_insert_shows_no_case_data(client, login, case, monkeypatch):
    login("operator")

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services.workflow.audit, "record", boom)  # type: ignore[attr-defined]
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 500
    assert b"Rosa" not in response.data and b"confidencial" not in response.data


# --- manager -------------------------------------------------------------------------------------


def test_managers_see_the_list_without_links_or_personal_search(client, login, case):
    login("manager")
    html = client.get("/cases/").get_data(as_text=True)
    assert case.reference in html
    assert f'href="/cases/{case.id}"' not in html
    html = search_cases(client, "rosa mamani condori").get_data(as_text=True)
    assert case.reference not in html
    assert audit_count("case.search") == 0


# --- detail, escaping, notes --------------------------------------------------------------------


def test_detail_escapes_what_was_typed(client, login, db):
    user = login("operator")
    case = make_case(user, narrative="<script>alert(1)</script> {{7*7}}", location="'; DROP TABLE cases;--")
    make_person(case, user, role="suspect", name="<img src=x onerror=alert(1)>", alias="\u202eevil")
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&#39;; DROP TABLE cases;--" in html and "49" not in html.split("{{7*7}}")[0][-5:]
    assert "\u202eevil" in html


def test_notes_are_added_and_a_bad_note_keeps_the_page(client, login, case, db):
    user = login("operator")
    token = client.csrf_token(f"/cases/{case.id}")
    response = client.post(f"/cases/{case.id}/notes", data={"csrf_token": token, "body": "x" * 20001})
    assert response.status_code == 422 and "At most 20000 characters" in response.get_data(as_text=True)
    body = "Llamó de nuevo 🙏 <b>urgente</b>"
    response = client.post(f"/cases/{case.id}/notes", data={"csrf_token": token, "body": body})
    assert response.status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Llamó de nuevo 🙏 &lt;b&gt;urgente&lt;/b&gt;" in html
    assert case.notes[0].author_id == user.id


# --- edit, conflict -----------------------------------------------------------------------------


def _edit_data(client, case, **values):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": client.csrf_token(f"/cases/{case.id}/edit"),
        "version": str(case.version_id),
        "province": "",
        "victim_count": "",
        "has_minors": "",
        "location": "",
        "narrative": case.narrative or "",
    }
    data.update(values)
    return data


def test_edit_saves_and_records_history(client, login, case, db):
    user = login("operator")
    data = _edit_data(
        client,
        case,
        victim_count="3",
        has_minors="yes",
        province="1701",
        indicators=["debt", "cannot_leave"],
        victim_nationalities=["PE", "VE"],
    )
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.refresh(case)
    assert (case.victim_count, case.has_minors, case.province_ubigeo) == (3, True, "1701")
    assert sorted(case.indicators) == ["cannot_leave", "debt"]
    fields = {
        r.field
        for r in db.scalars(
            select(CaseHistory).where(CaseHistory.case_id == case.id, CaseHistory.actor_id == user.id)
        )
    }
    assert fields == {"victim_count", "has_minors", "province_ubigeo", "indicators", "victim_nationalities"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"victim_count": "-1"}, "Enter a number from 0 to 10,000."),
        ({"victim_count": "abc"}, "Not a valid integer value."),
        ({"province": "2101"}, "This province is not in the chosen region."),
        ({"province": "9999"}, "Unknown province code."),
        ({"indicators": ["made_up"]}, "Unknown trafficking indicator."),
        ({"victim_nationalities": ["XX"]}, "Unknown country code."),
        ({"exploitation_country": "ZZ"}, "Unknown country code."),
        ({"location": "x" * 2001}, "At most 2000 characters."),
        ({"narrative": "nul\x00byte"}, "This field contains a character that is not allowed."),
    ],
)
def test_edit_errors_keep_what_was_typed(client, login, case, values, message):
    login("operator")
    data = _edit_data(client, case, narrative="Texto escrito <i>ahora</i> ñ")
    data.update(values)
    response = client.post(f"/cases/{case.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    if "narrative" not in values:
        assert "Texto escrito &lt;i&gt;ahora&lt;/i&gt; ñ" in html


@pytest.mark.parametrize("version", ["", "abc", None])
def test_a_form_without_its_version_is_refused(client, login, case, db, version):
    login("operator")
    data = _edit_data(client, case, narrative="Otra cosa", victim_count="7")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 422
    assert "This form is incomplete. Reload the page and try again." in response.get_data(as_text=True)
    db.refresh(case)
    assert case.victim_count is None and case.narrative == "Relato <b>confidencial</b>"


def test_two_editors_the_second_gets_a_conflict_page(client, login, case, db, app):
    login("operator")
    first = _edit_data(client, case, narrative="Versión de Ana", victim_count="2")
    second = _edit_data(client, case, narrative="Versión de Beto", victim_count="5")
    assert first["version"] == second["version"]
    assert client.post(f"/cases/{case.id}/edit", data=first).status_code == 302
    response = client.post(f"/cases/{case.id}/edit", data=second)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Your changes were NOT saved." in html
    assert "Versión de Ana" in html and "Versión de Beto" in html  # both versions shown
    db.refresh(case)
    assert (case.narrative, case.victim_count) == ("Versión de Ana", 2)  # nothing overwritten
    # The conflict page's form carries the new version: saving it again is a deliberate choice.
    assert f'name="version" type="hidden" value="{case.version_id}"' in html
    again = dict(second, version=str(case.version_id))
    assert client.post(f"/cases/{case.id}/edit", data=again).status_code == 302
    db.refresh(case)
    assert case.narrative == "Versión de Beto"


def test_triage_conflict_and_success(client, login, case, db):
    login("coordinator")
    token = client.csrf_token(f"/cases/{case.id}/triage")
    data = {
        "csrf_token": token,
        "version": str(case.version_id),
        "risk": "urgent",
        "exploitation_forms": ["SEXUAL"],
        "region": "17",
        "province": "1701",
    }
    assert client.post(f"/cases/{case.id}/triage", data=data).status_code == 302
    db.refresh(case)
    assert (case.status, case.risk, case.province_ubigeo) == (CaseStatus.TRIAGED, "urgent", "1701")
    stale = client.post(f"/cases/{case.id}/triage", data=dict(data, risk="normal"))
    assert stale.status_code == 409 and "Urgent" in stale.get_data(as_text=True)
    db.refresh(case)
    assert case.risk == "urgent"


def test_the_conflict_page_is_the_shared_one_with_the_case_form_to_send_again(client, login, case, db):
    login("coordinator")
    url = f"/cases/{case.id}/close"
    data = {"csrf_token": client.csrf_token(url), "version": str(case.version_id), "reason": "duplicate"}
    services.update_case(case, expected_version=case.version_id, actor=None, victim_count=3)
    db.commit()
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"Someone else changed case {case.reference}" in html
    assert "Compare the two versions below." in html and 'class="table compare"' in html
    assert f'href="/cases/{case.id}">Keep the saved version and drop your changes' in html
    assert f'action="{url}"' in html and "Close the case" in html  # the form, to send again
    assert "css/cases.css" in html and "js/intake.js" in html
    db.refresh(case)
    assert case.status == CaseStatus.NEW


def test_the_conflict_page_without_a_form_is_a_message_and_a_link(app):
    from flask import render_template

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        html = render_template("errors/conflict.html", message="Nada se guardó.", back_url="/referrals/7")
    assert "Changed by someone else" in html and "Nada se guardó." in html
    assert 'href="/referrals/7">See the current state' in html
    assert "<table" not in html and "<form" not in html.split("<main", 1)[-1].split("</main>")[0]


def test_triage_refuses_an_unknown_region(client, login, case):
    login("coordinator")
    token = client.csrf_token(f"/cases/{case.id}/triage")
    response = client.post(
        f"/cases/{case.id}/triage",
        data={"csrf_token": token, "version": str(case.version_id), "risk": "high", "region": "99"},
    )
    assert response.status_code == 422 and "Unknown region code." in response.get_data(as_text=True)


def test_assign_close_and_reopen_through_the_forms(client, login, case, db):
    coordinator = login("coordinator")
    token = client.csrf_token(f"/cases/{case.id}")
    response = client.post(
        f"/cases/{case.id}/assign",
        data={"csrf_token": token, "version": str(case.version_id), "assignee": str(coordinator.id)},
    )
    assert response.status_code == 302
    db.refresh(case)
    assert case.assigned_to_id == coordinator.id
    response = client.post(
        f"/cases/{case.id}/close",
        data={"csrf_token": token, "version": str(case.version_id), "reason": "other", "note": ""},
    )
    assert response.status_code == 422 and "Explain the reason in a note." in response.get_data(as_text=True)
    response = client.post(
        f"/cases/{case.id}/close",
        data={
            "csrf_token": token,
            "version": str(case.version_id),
            "reason": "not_trafficking",
            "note": "Era otra cosa",
        },
    )
    assert response.status_code == 302
    db.refresh(case)
    assert case.status == CaseStatus.CLOSED
    assert client.get(f"/cases/{case.id}/edit").status_code == 200  # page shows; saving is refused
    response = client.post(
        f"/cases/{case.id}/reopen",
        data={"csrf_token": token, "version": str(case.version_id), "reason": "Nueva información"},
    )
    assert response.status_code == 302
    db.refresh(case)
    assert case.status == CaseStatus.TRIAGED
    actions = [
        h.action
        for h in db.scalars(
            select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id)
        )
    ]
    assert actions[-5:] == ["assigned", "closed", "closed", "reopened", "reopened"]


def test_assigning_a_non_coordinator_is_refused(client, login, case, make_user, db):
    login("coordinator")
    operator = make_user(role="operator")
    token = client.csrf_token(f"/cases/{case.id}")
    response = client.post(
        f"/cases/{case.id}/assign",
        data={"csrf_token": token, "version": str(case.version_id), "assignee": str(operator.id)},
    )
    assert response.status_code == 302
    db.refresh(case)
    assert case.assigned_to_id is None


# --- persons ------------------------------------------------------------------------------------


def _person_data(client, case, **values):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": client.csrf_token(f"/cases/{case.id}/persons/new"),
        "role": "victim",
        "consent": "not_asked",
        "version": "",
    }
    data.update(values)
    return data


def test_add_a_victim_with_everything(client, login, case, db):
    login("operator")
    data = _person_data(
        client,
        case,
        name="Ana Lucía Huamaní",
        alias="Lucy",
        gender="feminine",
        age="17",
        nationalities=["VE"],
        migration_status="irregular",
        language="es",
        is_interpreter_needed="y",
        document_type="passport",
        document_number="V1234567",
        phone="+58 412 555 0101",
        address="Cuarto alquilado, Juliaca",
        trafficking_status="possible",
        trafficking_status_decided_by="police",
        recruiter_relation="friend",
        consent="yes",
        suspect_roles=["recruiter"],
    )
    response = client.post(f"/cases/{case.id}/persons/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    person = db.scalar(
        select(Person).where(Person.case_id == case.id, Person.alias_index == blind_index("lucy"))
    )
    assert person.age_range == "9-17" and person.consent == "yes" and person.consent_recorded_at
    assert person.suspect_roles == []  # only for suspects
    assert person.is_interpreter_needed is True
    assert services.find_matching_cases(names=["ana lucia huamani"])[0].case.id == case.id


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"age": "300"}, "Enter an age between 0 and 120."),
        ({"age": "-1"}, "Enter an age between 0 and 120."),
        ({"name": "n" * 10000}, "At most 200 characters."),
        ({"phone": "call me maybe"}, "Enter a phone number"),
        ({"nationalities": ["ZZZ"]}, "Unknown country code."),
        ({"role": "boss"}, "Not a valid choice"),
        ({"document_number": "123"}, "Choose the type of document."),
        ({"trafficking_status_decided_by": "police"}, "Give the trafficking status first."),
        ({"gender": "robot"}, "Choose a value from the list."),
    ],
)
def test_person_errors_keep_what_was_typed(client, login, case, values, message):
    login("operator")
    data = _person_data(client, case, alias="Escrito 👀 <b>", details="Detalles largos ñ")
    data.update(values)
    response = client.post(f"/cases/{case.id}/persons/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert message in html
    assert "Escrito 👀 &lt;b&gt;" in html and "Detalles largos ñ" in html


def test_person_conflict(client, login, case, db):
    login("operator")
    person = case.persons[0]
    url = f"/cases/{case.id}/persons/{person.id}/edit"
    base = {
        "csrf_token": client.csrf_token(url),
        "role": "victim",
        "consent": "not_asked",
        "version": str(person.version_id),
        "name": person.name,
    }
    assert client.post(url, data=dict(base, age="16")).status_code == 302
    response = client.post(url, data=dict(base, age="18", consent="yes"))
    assert response.status_code == 409
    db.refresh(person)
    assert (person.age, person.consent) == (16, "not_asked")


# --- list ---------------------------------------------------------------------------------------


def test_list_filters_search_and_bad_parameters(client, login, case):
    login("operator")
    assert case.reference in client.get("/cases/?region=17&status=new&risk=normal").get_data(as_text=True)
    assert case.reference not in client.get("/cases/?region=21").get_data(as_text=True)
    assert case.reference in search_cases(client, "ROSA MAMANÍ CONDORÍ").get_data(as_text=True)
    assert case.reference in search_cases(client, "987-111-222").get_data(as_text=True)
    for query in (
        "region=99",
        "status=bogus",
        "page=abc",
        "per_page=100000",
        "opened_from=2026-13-45",
        "sort=;drop",
        "q=%00",
        "q=" + "x" * 5000,
        "assigned=abc",
        "opened_from=2026-02-01&opened_to=2026-01-01",
    ):
        response = client.get("/cases/?" + query, follow_redirects=True)  # a `q` is dropped (303)
        assert response.status_code == 200, query


def test_a_page_number_past_any_database_integer_is_an_empty_page(client, login, case):
    login("operator")
    response = client.get(f"/cases/?page={2**63}")
    assert response.status_code == 200 and case.reference not in response.get_data(as_text=True)


def _count_list_queries(client, per_page: int) -> int:  # type: ignore[no-untyped-def]
    with count_queries() as statements:
        response = client.get(f"/cases/?per_page={per_page}&sort=risk")
    assert response.status_code == 200
    return len(statements)


def test_the_list_issues_a_bounded_number_of_queries(client, login, db):
    coordinator = login("coordinator")
    for i in range(60):
        case = make_case(
            coordinator,
            region_ubigeo="17",
            exploitation_forms=["SEXUAL", "LABOUR"],
            risk=("urgent", "high", "normal")[i % 3],
        )
        services.assign_case(case, expected_version=case.version_id, assignee=coordinator, actor=coordinator)
    small = _count_list_queries(client, 5)
    large = _count_list_queries(client, 60)
    assert small == large, (small, large)
    assert large <= 12


def test_the_case_page_issues_a_bounded_number_of_queries(client, login, db):
    from tests.factories import CallFactory

    user = login("operator")
    small, large = make_case(user), make_case(user)
    make_person(small, user, role="victim", name="Una")
    services.add_note(small, body="una nota", actor=user)
    for i in range(15):
        make_person(large, user, role=("victim", "suspect", "witness")[i % 3], name=f"Persona {i}")
        services.add_note(large, body=f"nota {i}", actor=user)
        CallFactory(status="logged", case_id=large.id, operator_id=user.id)
    counts = []
    for case in (small, large):
        with count_queries() as statements:
            assert client.get(f"/cases/{case.id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 15, counts


def test_a_search_by_name_issues_a_bounded_number_of_queries(client, login, db):
    """The audit commit of a personal search must not reload every listed case (N+1)."""
    user = login("operator")
    for _ in range(30):
        make_person(make_case(user), user, role="victim", name="Rosa Quispe")
    with count_queries() as few:
        assert search_cases(client, "Nadie Conocido").status_code == 200
    with count_queries() as many:
        response = search_cases(client, "rosa QUISPE", per_page="25")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("TP-") >= 25
    assert len(many) <= len(few) + 2, many


def test_a_case_of_peruvians_exploited_abroad(client, login, case, db):
    """The country of exploitation is what the routing rule for Peruvians abroad (RREE) reads."""
    login("coordinator")
    data = _edit_data(client, case, exploitation_country="AR", victim_nationalities=["PE"])
    assert client.post(f"/cases/{case.id}/edit", data=data).status_code == 302
    db.refresh(case)
    assert case.exploitation_country == "AR"
    html = client.get(f"/cases/{case.id}?lang=en").get_data(as_text=True)
    assert "Exploited abroad, in" in html and "Argentina" in html
    from hotline.referrals import services as referrals

    referrals.seed_routing_rules()
    codes = {s.partner.code for s in referrals.suggest_partners(case, locale="en")}
    assert "RREE" in codes
