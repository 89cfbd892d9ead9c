"""The intake form through the browser's eyes: every kind, errors keep input, bad input, suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.calls.models import Call, CallStatus
from hotline.cases.models import Case
from tests.cases.helpers import make_case, make_person
from tests.factories import CallFactory
from tests.helpers import audit_count

URL = "/calls/new"


def post(client, url=URL, **fields):  # type: ignore[no-untyped-def]
    data = {"csrf_token": client.csrf_token(url), "action": "save"}
    data.update(fields)
    return client.post(url, data=data)


def latest_call(db) -> Call:  # type: ignore[no-untyped-def]
    return db.scalar(select(Call).order_by(Call.id.desc()).limit(1))


def test_the_form_page(client, login):
    login("operator")
    html = client.get(URL).get_data(as_text=True)
    assert 'data-draft-key="new"' in html and 'data-fresh="1"' in html
    assert 'src="/static/js/intake.js"' in html and "<script>" not in html
    assert 'accesskey="s"' in html


def test_a_silent_call_takes_two_clicks(client, login, db):
    user = login("operator")
    before = db.scalar(select(func.count()).select_from(Call))
    # the only two inputs: the kind, and the (first) Save button; the rest keeps its defaults
    response = client.post(
        URL, data={"csrf_token": client.csrf_token(URL), "kind": "silent", "action": "save"}
    )
    assert response.status_code == 302 and "/calls/?draft=new" in response.headers["Location"]
    call = latest_call(db)
    assert db.scalar(select(func.count()).select_from(Call)) == before + 1
    assert (call.kind, call.status, call.channel, call.operator_id, call.case_id) == (
        "silent",
        "logged",
        "phone",
        user.id,
        None,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-clear-draft="new"' in page and "Call saved." in page


@pytest.mark.parametrize("kind", ["prank", "test", "silent"])
def test_quiet_kinds_ignore_the_case_fields(client, login, db, kind):
    login("operator")
    # Values typed in hidden sections (before switching the kind) are not validated nor stored.
    response = post(client, kind=kind, victim_age="300", region="99", case_choice="new", risk="bogus")
    assert response.status_code == 302
    assert latest_call(db).case_id is None


@pytest.mark.parametrize("kind", ["information", "referred_elsewhere"])
def test_information_and_referred_need_a_summary(client, login, db, kind):
    login("operator")
    response = post(client, kind=kind, caller_type="professional", language="qu")
    assert response.status_code == 422
    assert "Write a short summary of the contact." in response.get_data(as_text=True)
    response = post(
        client, kind=kind, caller_type="professional", language="qu", summary="Pidió el número del CEM"
    )
    assert response.status_code == 302
    call = latest_call(db)
    assert (call.kind, call.caller_type, call.language, call.summary) == (
        kind,
        "professional",
        "qu",
        "Pidió el número del CEM",
    )


def test_a_trafficking_report_opens_a_case(client, login, db):
    user = login("operator")
    response = post(
        client,
        kind="trafficking_report",
        channel="whatsapp",
        caller_number="+51 987 123 456",
        caller_type="relative_friend",
        caller_name="Carmen",
        summary="Su sobrina fue llevada a un bar.",
        case_choice="new",
        risk="urgent",
        region="17",
        province="1701",
        location="Bar El Dorado, km 107",
        exploitation_forms=["SEXUAL"],
        indicators=["false_job_offer", "minor_in_bars_or_mines"],
        victim_count="2",
        has_minors="yes",
        victim_nationalities=["PE", "VE"],
        victim_name="Yessenia",
        victim_age="15",
        victim_gender="feminine",
        victim_phone="944 000 111",
        duration_minutes="7",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    call = latest_call(db)
    case = call.case
    assert f"/cases/{case.id}?draft=new" in response.headers["Location"]
    assert (case.risk, case.region_ubigeo, case.province_ubigeo, case.victim_count, case.has_minors) == (
        "urgent",
        "17",
        "1701",
        2,
        True,
    )
    assert [f.code for f in case.exploitation_forms] == ["SEXUAL"]
    assert case.narrative == "Su sobrina fue llevada a un bar." and case.opened_by_id == user.id
    roles = sorted((p.role, p.name) for p in case.persons)
    assert roles == [("caller", "Carmen"), ("victim", "Yessenia")]
    assert (call.duration_seconds, call.channel, call.caller_number) == (420, "whatsapp", "+51 987 123 456")


def test_a_follow_up_needs_a_case(client, login, db):
    login("operator")
    response = post(client, kind="case_followup", summary="Vuelve a llamar", case_choice="new")
    assert response.status_code == 422
    assert "Choose the case this call follows up." in response.get_data(as_text=True)
    response = post(
        client,
        kind="case_followup",
        summary="Vuelve a llamar",
        case_choice="ref",
        case_reference="TP-2026-999999",
    )
    assert response.status_code == 422 and "No case has this reference." in response.get_data(as_text=True)
    case = make_case(None)
    response = post(
        client,
        kind="case_followup",
        summary="Vuelve a llamar",
        case_choice="ref",
        case_reference=case.reference.lower(),
    )
    assert response.status_code == 302
    assert latest_call(db).case_id == case.id


def test_duplicate_caller_is_proposed_and_linked_not_duplicated(client, login, db):
    login("operator")
    case = make_case(None, region_ubigeo="21")
    make_person(case, None, role="victim", name="Rosa Ñahui", phone="+51 987 555 444")
    call = CallFactory(status="ended", caller_number="987555444")
    page = client.get(f"/calls/{call.id}/intake").get_data(as_text=True)
    assert f'value="case-{case.id}"' in page and case.reference in page and "same caller number" in page
    # a new contact: the name typed with other accents/case, found on "Look for existing cases"
    response = client.post(
        URL,
        data={
            "csrf_token": client.csrf_token(URL),
            "action": "check",
            "kind": "trafficking_report",
            "victim_name": "ROSA NAHUI",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'value="case-{case.id}"' in html and "same name" in html
    assert 'value="ROSA NAHUI"' in html  # what was typed stays
    count = db.scalar(select(func.count()).select_from(Case))
    response = post(
        client,
        url=f"/calls/{call.id}/intake",
        kind="trafficking_report",
        summary="Otra vez",
        case_choice=f"case-{case.id}",
    )
    assert response.status_code == 302
    assert db.scalar(select(func.count()).select_from(Case)) == count
    db.refresh(call)
    assert call.case_id == case.id and call.status == CallStatus.LOGGED


LONG = "ñ" * 10000
WEIRD = "Quechua: Allillanchu 👩‍👧 \u202eRTL e\u0301 <script>alert(1)</script> {{7*7}} '; DROP TABLE calls;--"


def test_long_unicode_html_and_sql_are_stored_as_typed_and_shown_escaped(client, login, db):
    login("operator")
    response = post(client, kind="information", summary=LONG, caller_name=WEIRD[:200])
    assert response.status_code == 302
    call = latest_call(db)
    assert call.summary == LONG
    response = post(
        client,
        kind="trafficking_report",
        summary=WEIRD,
        narrative=WEIRD,
        location=WEIRD,
        victim_name="<b>Ana</b>",
    )
    assert response.status_code == 302
    call = latest_call(db)
    assert call.summary == WEIRD and call.case.narrative == WEIRD and call.case.location == WEIRD
    for url in (f"/calls/{call.id}", f"/cases/{call.case_id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "\u202eRTL" in html and "{{7*7}}" in html
    assert "&lt;b&gt;Ana&lt;/b&gt;" in client.get(f"/cases/{call.case_id}").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Call)) >= 2  # the table is still there


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"victim_age": "300"}, "victim_age", "Enter an age between 0 and 120."),
        ({"victim_age": "abc"}, "victim_age", "Not a valid integer value."),
        ({"region": "99"}, "region", "Unknown region code."),
        ({"region": "17", "province": "2101"}, "province", "This province is not in the chosen region."),
        ({"received_at": "2999-01-01T10:00"}, "received_at", "The time cannot be in the future."),
        ({"received_at": "1990-01-01T10:00"}, "received_at", "Enter a time after 2006."),
        ({"received_at": "yesterday"}, "received_at", "Not a valid datetime value."),
        ({"duration_minutes": "9999"}, "duration_minutes", "Enter minutes from 0 to 600."),
        ({"caller_number": "'; DROP TABLE calls;--"}, "caller_number", "Enter a phone number"),
        ({"victim_name": "x" * 10000}, "victim_name", "At most 200 characters."),
        ({"summary": "a\x00b"}, "summary", "This field contains a character that is not allowed."),
        ({"exploitation_forms": ["NOPE"]}, "exploitation_forms", "Unknown form of exploitation."),
        ({"victim_nationalities": ["QQ"]}, "victim_nationalities", "Unknown country code."),
        ({"risk": "extreme"}, "risk", "Choose a risk level."),
        ({"kind": "party"}, "kind", "Not a valid choice"),
        ({"summary": ""}, "summary", "Write a short summary of the contact."),
    ],
)
def test_impossible_values_get_a_field_error_and_keep_the_input(client, login, db, fields, field_id, message):
    login("operator")
    data = {
        "kind": "trafficking_report",
        "summary": "Lo que escribí 🙂 <i>",
        "case_choice": "new",
        "risk": "high",
        "location": "Mina Tres Cruces",
        "victim_name": "Elena",
    }
    data.update(fields)
    count = db.scalar(select(func.count()).select_from(Call))
    response = post(client, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert message in html
    assert f'href="#{field_id}"' in html  # the error list links to the field
    assert db.scalar(select(func.count()).select_from(Call)) == count
    if "summary" not in fields:
        assert "Lo que escribí 🙂 &lt;i&gt;" in html
    if "victim_name" not in fields:
        assert 'value="Elena"' in html
    assert "Mina Tres Cruces" in html
    assert 'data-fresh="0"' in html  # the browser keeps its draft but does not overwrite the typed values


@pytest.mark.parametrize(("lang", "marker"), [("es", 'lang="es"'), ("en", 'lang="en"')])
def test_validation_errors_keep_the_values_in_both_languages(client, login, db, lang, marker):
    login("operator")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    response = post(
        client,
        url=f"{URL}?lang={lang}",
        kind="trafficking_report",
        summary="Texto típico ñ",
        victim_age="300",
        victim_name="Pérez",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and marker in html
    assert "Texto típico ñ" in html and 'value="Pérez"' in html and 'value="300"' in html
    assert 'class="error"' in html and 'aria-invalid="true"' in html
    if lang == "es":
        assert "Guardar" in html or "Save" in html  # the page itself is rendered (catalogue may lag)


def test_received_at_is_read_in_lima_time(client, login, db):
    login("operator")
    now_lima = datetime.now(UTC) - timedelta(hours=5)
    typed = (now_lima - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert post(client, kind="test", received_at=typed).status_code == 302
    call = latest_call(db)
    expected = datetime.strptime(typed, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC) + timedelta(hours=5)
    assert call.received_at == expected


def test_a_call_held_by_someone_else_cannot_be_saved(client, login, db, make_user):
    login("operator")
    other = make_user(role="operator", name="Otra Operadora")
    call = CallFactory(status="in_progress", operator_id=other.id)
    page = client.get(f"/calls/{call.id}/intake").get_data(as_text=True)
    assert "Otra Operadora is already handling this contact." in page
    response = post(client, url=f"/calls/{call.id}/intake", kind="silent")
    assert (
        response.status_code == 422
        and "Another operator is already handling this call." in response.get_data(as_text=True)
    )
    db.refresh(call)
    assert call.status == "in_progress"


def test_a_logged_call_redirects_to_its_page(client, login, db):
    login("operator")
    call = CallFactory(status="logged", kind="silent")
    response = client.get(f"/calls/{call.id}/intake")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/calls/{call.id}")


def test_opening_an_intake_is_an_audited_view(client, login, db):
    user = login("operator")
    call = CallFactory(status="ended", caller_number="987000999")
    html = client.get(f"/calls/{call.id}/intake").get_data(as_text=True)
    assert 'value="987000999"' in html and f'data-draft-key="call-{call.id}"' in html
    assert audit_count("call.view", object_id=str(call.id), actor_id=user.id) == 1
