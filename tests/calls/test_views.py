"""Calls pages: roles, the queue (bounded queries), claiming, a call's page, linking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.cases.helpers import make_case
from tests.factories import CallFactory
from tests.helpers import audit_count, count_queries

ROLES = ("operator", "coordinator", "manager", "admin", "partner")
STAFF = {"operator", "coordinator"}

ROUTES = [
    ("GET", "/calls/", 200),
    ("GET", "/calls/new", 200),
    ("POST", "/calls/new", 422),
    ("GET", "/calls/{id}", 200),
    ("GET", "/calls/{id}/intake", 200),
    ("POST", "/calls/{id}/intake", 422),
    ("POST", "/calls/{id}/claim", 302),
    ("POST", "/calls/{id}/link", 302),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "pattern", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_role_matrix(client, login, db, role, method, pattern, allowed):
    login(role)
    call = CallFactory(status="ended", caller_number="+51 900 123 456", summary="secreto")
    url = pattern.format(id=call.id)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": client.csrf_token("/account")})
    expected = allowed if role in STAFF else 403
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected == 403:
        assert b"900 123 456" not in response.data and b"secreto" not in response.data


def test_post_without_csrf_is_refused(client, login, db):
    login("operator")
    call = CallFactory(status="ended")
    assert client.post("/calls/new", data={"kind": "silent"}).status_code == 400
    assert client.post(f"/calls/{call.id}/claim").status_code == 400


def test_claim_from_the_queue_opens_the_intake(client, login, db, make_user):
    user = login("operator")
    call = CallFactory(status="ringing", caller_number="987654000")
    html = client.get("/calls/").get_data(as_text=True)
    assert f"/calls/{call.id}/claim" in html and "••• ••• 000" in html and "987654000" not in html
    response = client.post(f"/calls/{call.id}/claim", data={"csrf_token": client.csrf_token("/calls/")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/calls/{call.id}/intake")
    db.refresh(call)
    assert call.operator_id == user.id
    assert audit_count("call.claim", object_id=str(call.id)) == 1
    # another operator cannot take it any more
    taken = CallFactory(status="ringing", operator_id=make_user(role="operator").id)
    response = client.post(f"/calls/{taken.id}/claim", data={"csrf_token": client.csrf_token("/calls/")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/calls/")
    assert "Another operator is already handling this call." in client.get("/calls/").get_data(as_text=True)


def test_the_call_page_is_audited_and_shows_the_number(client, login, db):
    user = login("coordinator")
    call = CallFactory(
        status="logged", caller_number="+51 987 000 222", summary="<b>Resumen</b>", kind="information"
    )
    CallFactory(status="logged", caller_number="987000222")
    html = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "+51 987 000 222" in html and "&lt;b&gt;Resumen&lt;/b&gt;" in html
    assert "once more" in html  # the other call from the same number
    assert audit_count("call.view", object_id=str(call.id), actor_id=user.id) == 1
    assert client.get("/calls/999999").status_code == 404


def test_link_a_logged_call_to_a_case(client, login, db):
    login("operator")
    case = make_case(None)
    call = CallFactory(status="logged", kind="information")
    token = client.csrf_token(f"/calls/{call.id}")
    response = client.post(f"/calls/{call.id}/link", data={"csrf_token": token, "case_reference": "TP-1-1"})
    assert response.status_code == 302
    db.refresh(call)
    assert call.case_id is None
    response = client.post(
        f"/calls/{call.id}/link", data={"csrf_token": token, "case_reference": case.reference}
    )
    db.refresh(call)
    assert call.case_id == case.id
    assert case.reference in client.get(f"/calls/{call.id}").get_data(as_text=True)


def test_queue_pages_and_bad_parameters(client, login, db):
    user = login("operator")
    now = datetime.now(UTC)
    for i in range(30):
        CallFactory(
            status="logged", kind="silent", operator_id=user.id, received_at=now - timedelta(minutes=i)
        )
    html = client.get("/calls/?per_page=10").get_data(as_text=True)
    assert html.count("Silent or dropped") == 10 and 'rel="next"' in html
    for query in ("page=abc", "per_page=-5", "per_page=100000", "page=99999", "mine=1", "draft=<script>"):
        response = client.get("/calls/?" + query)
        assert response.status_code == 200, query
        assert b"<script>" not in response.data.replace(
            b'<script src="/static/js/intake.js" defer></script>', b""
        )


def _queue_queries(client, per_page: int) -> int:  # type: ignore[no-untyped-def]
    with count_queries() as statements:
        response = client.get(f"/calls/?per_page={per_page}")
    assert response.status_code == 200
    return len(statements)


def test_the_queue_issues_a_bounded_number_of_queries(client, login, db, make_user):
    user = login("operator")
    operators = [make_user(role="operator") for _ in range(5)]
    now = datetime.now(UTC)
    for i in range(60):
        case = make_case(user) if i % 2 else None
        CallFactory(
            status="logged",
            kind="trafficking_report",
            operator_id=operators[i % 5].id,
            case_id=case.id if case else None,
            received_at=now - timedelta(minutes=i),
        )
    for i in range(20):
        CallFactory(
            status=("ringing", "in_progress", "ended")[i % 3],
            operator_id=operators[i % 5].id if i % 2 else None,
        )
    small = _queue_queries(client, 5)
    large = _queue_queries(client, 60)
    assert small == large, (small, large)
    assert large <= 10
