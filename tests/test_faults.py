"""Faults lose nothing: a database that fails in the middle of a change rolls it all back, answers 503,
and gives the user back everything they typed, ready to send again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from hotline.calls.models import Call
from hotline.cases.models import Case, Person
from tests.cases.helpers import make_case
from tests.helpers import database_fails_on

NARRATIVE = "Su hermana <b>Yessenia</b> fue llevada a un bar en Madre de Dios & no puede salir."


def _counts(db) -> tuple[int, int, int]:
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Call, Case, Person))  # type: ignore[return-value]


def test_a_database_failure_in_the_middle_of_an_intake(client, login, db):
    login("operator")
    token = client.csrf_token("/calls/new")
    before = _counts(db)
    fields = {
        "csrf_token": token,
        "action": "save",
        "kind": "trafficking_report",
        "caller_type": "relative_friend",
        "summary": NARRATIVE,
        "case_choice": "new",
        "risk": "urgent",
        "region": "17",
        "victim_name": "Yessenia",
        "victim_age": "15",
    }
    with database_fails_on(db, "INSERT INTO persons") as seen:
        response = client.post("/calls/new", data=fields)
    assert seen, "the failure was not reached: the intake inserts no person any more?"
    assert response.status_code == 503 and response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    # Everything typed comes back (escaped), in a form that sends it again to the same address.
    assert "Su hermana &lt;b&gt;Yessenia&lt;/b&gt; fue llevada" in html and "&amp; no puede salir" in html
    assert 'action="/calls/new"' in html and 'name="victim_age" value="15"' in html
    assert 'name="csrf_token"' in html and "<b>Yessenia</b>" not in html
    assert _counts(db) == before  # nothing half-written

    again = client.post("/calls/new", data=fields)
    assert again.status_code == 302
    assert _counts(db)[:2] == (before[0] + 1, before[1] + 1)


def test_a_database_failure_while_saving_a_case(client, login, db):
    user = login("coordinator")
    case = make_case(user, narrative="antes")
    db.flush()
    page = f"/cases/{case.id}/edit"
    token = client.csrf_token(page)
    audit_before = db.scalar(select(func.count()).select_from(AuditEvent))
    with database_fails_on(db, "UPDATE cases"):
        response = client.post(
            page, data={"csrf_token": token, "version": str(case.version_id), "narrative": NARRATIVE}
        )
    assert response.status_code == 503
    assert "fue llevada a un bar" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Case, case.id).narrative == "antes"
    # The audit row of the failed change went with it (only the page view before it remains).
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


@pytest.mark.parametrize("accept", ["application/json"])
def test_json_callers_get_a_json_503(client, login, db, accept):
    login("operator")
    with database_fails_on(db, "SELECT"):
        response = client.get("/calls/", headers={"Accept": accept})
    assert response.status_code == 503 and response.get_json()["status"] == 503
