"""The partner portal: isolation between organisations (404 + audit), only the shared facts,
revocation and expiry, the three buttons and bad input, audit of every view, query bounds."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.database import utcnow
from hotline.referrals import services
from hotline.referrals.models import Referral
from tests.helpers import audit_count, count_queries
from tests.referrals.helpers import (
    CALLER_PHONE,
    INTERNAL_NOTE,
    NARRATIVE,
    SUMMARY,
    SUSPECT_NAME,
    VICTIM_ADDRESS,
    VICTIM_DOC,
    VICTIM_NAME,
    VICTIM_PHONE,
    full_case,
    refer,
    victim_of,
)

CSRF = re.compile(r'value="[^"]{40,}"')


@pytest.fixture
def coordinator(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="coordinator")


@pytest.fixture
def mine(db, coordinator):  # type: ignore[no-untyped-def]
    """A referral to MP-FISTRAP (the logged-in partner's organisation)."""
    (referral,) = refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    return referral


@pytest.fixture
def theirs(db, coordinator):  # type: ignore[no-untyped-def]
    """A referral to MIMP (another organisation)."""
    (referral,) = refer(full_case(coordinator), coordinator, ("MIMP",), kind="services")
    return referral


@pytest.fixture
def fiscal(login):  # type: ignore[no-untyped-def]
    return login("partner", partner_code="MP-FISTRAP")


def _normal(html: str, referral_id: int) -> str:
    """The page without what differs by nature: the CSRF token and the URL itself (language links)."""
    return CSRF.sub('value="TOKEN"', html).replace(f"/portal/referrals/{referral_id}", "/portal/referrals/ID")


# --- isolation ----------------------------------------------------------------------------------


def test_another_organisations_referral_is_a_404_like_a_missing_one(client, fiscal, mine, theirs):
    missing = theirs.id + 1000
    for suffix, method in (("", "get"), ("/acknowledge", "post"), ("/numbers", "post"), ("/decline", "post")):
        token = client.csrf_token(f"/portal/referrals/{mine.id}")
        responses = []
        for referral_id in (theirs.id, missing):
            url = f"/portal/referrals/{referral_id}{suffix}"
            kwargs = (
                {"data": {"csrf_token": token, "reason": "x", "version": "1"}} if method == "post" else {}
            )
            responses.append(getattr(client, method)(url, **kwargs))
        assert [r.status_code for r in responses] == [404, 404], suffix
        bodies = [
            _normal(r.get_data(as_text=True), i) for r, i in zip(responses, (theirs.id, missing), strict=True)
        ]
        assert bodies[0] == bodies[1]
    denied = audit_count("referral.access_denied", object_id=str(theirs.id))
    assert denied == 4 and audit_count("referral.access_denied", object_id=str(missing)) == 4
    assert theirs.status == "sent" and theirs.acknowledged_at is None


def test_json_and_other_methods_are_identical_too(client, fiscal, mine, theirs):
    missing = theirs.id + 1000
    for method in ("put", "delete", "patch"):
        codes = {getattr(client, method)(f"/portal/referrals/{i}").status_code for i in (theirs.id, missing)}
        assert codes == {405}
    headers = {"Accept": "application/json"}
    a = client.get(f"/portal/referrals/{theirs.id}", headers=headers)
    b = client.get(f"/portal/referrals/{missing}", headers=headers)
    assert (
        (a.status_code, a.get_json())
        == (b.status_code, b.get_json())
        == (404, {"error": "Not Found", "status": 404, "detail": None})
    )
    # The coordinators' pages (print included) are closed to partners whatever the id.
    for url in (f"/referrals/{theirs.id}", f"/referrals/{theirs.id}/print", f"/referrals/{missing}/print"):
        assert client.get(url).status_code == 403


def test_sequential_guessing_finds_only_ones_own(client, fiscal, coordinator, mine, theirs):
    highest = max(mine.id, theirs.id) + 5
    found = [i for i in range(1, highest) if client.get(f"/portal/referrals/{i}").status_code == 200]
    assert found == [mine.id]
    assert audit_count("referral.access_denied") == highest - 2


def test_the_list_counts_and_pages_show_only_ones_own(client, fiscal, coordinator, db):
    own = [refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))[0] for _ in range(22)]
    other = [refer(full_case(coordinator), coordinator, ("MIMP",), kind="services")[0] for _ in range(3)]
    refer(full_case(coordinator), coordinator, ("MP-FISTRAP",), send=False)  # pending: not shown
    page1 = client.get("/portal/referrals/?lang=en").get_data(as_text=True)
    page2 = client.get("/portal/referrals/?page=2&lang=en").get_data(as_text=True)
    listed = set(re.findall(r"/portal/referrals/(\d+)\"", page1 + page2))
    assert listed == {str(r.id) for r in own}
    for referral in other:
        assert referral.reference not in page1 + page2
    assert "All (22)" in page1 and "Sent (22)" in page1
    assert client.get("/portal/referrals/?page=99").status_code == 200
    assert client.get("/portal/referrals/?status=pending").status_code == 200


def test_the_list_issues_a_bounded_number_of_queries(client, fiscal, coordinator):
    for _ in range(3):
        refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    client.get("/portal/referrals/")
    with count_queries() as few:
        client.get("/portal/referrals/")
    for _ in range(12):
        refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    with count_queries() as many:
        client.get("/portal/referrals/")
    assert len(few) == len(many) <= 6, many


# --- only the shared facts ----------------------------------------------------------------------


def test_summary_only_shows_no_personal_data(client, fiscal, mine):
    response = client.get(f"/portal/referrals/{mine.id}?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and SUMMARY in html
    for secret in (
        VICTIM_NAME,
        VICTIM_PHONE,
        VICTIM_DOC,
        VICTIM_ADDRESS,
        SUSPECT_NAME,
        CALLER_PHONE,
        INTERNAL_NOTE,
        NARRATIVE,
    ):
        assert secret not in html, secret
    assert "Identity and contact details not shared." in html
    assert audit_count("referral.view", object_id=str(mine.id)) == 1


@pytest.mark.parametrize(
    ("sharing", "shown", "hidden"),
    [
        ({"share_identities": True}, [VICTIM_NAME, VICTIM_DOC], [VICTIM_PHONE, VICTIM_ADDRESS, SUSPECT_NAME]),
        ({"share_contacts": True}, [VICTIM_PHONE, VICTIM_ADDRESS], [VICTIM_NAME, VICTIM_DOC, SUSPECT_NAME]),
        ({"share_suspects": True}, [SUSPECT_NAME], [VICTIM_NAME, VICTIM_PHONE, VICTIM_DOC]),
    ],
)
def test_ticked_fields_and_only_those_are_shown(client, fiscal, coordinator, sharing, shown, hidden):
    case = full_case(coordinator)
    ids = (victim_of(case).id,) if not sharing.get("share_suspects") else ()
    (referral,) = refer(case, coordinator, ("MP-FISTRAP",), person_ids=ids, **sharing)
    html = client.get(f"/portal/referrals/{referral.id}").get_data(as_text=True)
    for value in shown:
        assert value in html, value
    for value in [*hidden, CALLER_PHONE, INTERNAL_NOTE, NARRATIVE]:
        assert value not in html, value


def test_internal_timeline_steps_are_not_shown_to_the_partner(client, fiscal, coordinator):
    case = full_case(coordinator, consent="no")
    (referral,) = refer(
        case,
        coordinator,
        ("MP-FISTRAP",),
        share_identities=True,
        person_ids=(victim_of(case).id,),
        override_reason="Secret reason about the family",
    )
    html = client.get(f"/portal/referrals/{referral.id}?lang=en").get_data(as_text=True)
    assert "Secret reason about the family" not in html and "override" not in html.lower()


# --- revocation and expiry ----------------------------------------------------------------------


def test_revoked_referral_is_gone_on_the_next_request(client, fiscal, coordinator, mine):
    url = f"/portal/referrals/{mine.id}"
    assert client.get(url).status_code == 200
    services.revoke(mine, reason="Wrong office.", actor=coordinator, expected_version=mine.version_id)
    response = client.get(url)
    assert response.status_code == 404 and SUMMARY not in response.get_data(as_text=True)
    assert mine.reference not in client.get("/portal/referrals/").get_data(as_text=True)
    assert audit_count("referral.access_denied", object_id=str(mine.id)) == 1


def test_access_ends_some_time_after_closing(client, fiscal, coordinator, mine, db):
    services.record_outcome(
        mine, outcome="victim_assisted", note=None, actor=fiscal, expected_version=mine.version_id
    )
    assert client.get(f"/portal/referrals/{mine.id}").status_code == 200
    mine.closed_at = utcnow() - timedelta(days=181)
    db.flush()
    assert client.get(f"/portal/referrals/{mine.id}").status_code == 404
    assert mine.reference not in client.get("/portal/referrals/").get_data(as_text=True)


# --- the three buttons --------------------------------------------------------------------------


def _post(client, referral: Referral, action: str, **data):  # type: ignore[no-untyped-def]
    url = f"/portal/referrals/{referral.id}"
    token = client.csrf_token(url)
    return client.post(f"{url}/{action}", data={"csrf_token": token, "version": referral.version_id, **data})


def test_acknowledge_accept_update_outcome(client, fiscal, mine, db):
    assert _post(client, mine, "acknowledge").status_code == 302
    db.refresh(mine)
    assert mine.status == "acknowledged"
    assert _post(client, mine, "accept").status_code == 302
    db.refresh(mine)
    assert _post(client, mine, "update", note="Diligencias en curso.").status_code == 302
    db.refresh(mine)
    url = f"/portal/referrals/{mine.id}"
    number = client.post(
        f"{url}/numbers",
        data={
            "csrf_token": client.csrf_token(url),
            "kind": "prosecutor_file",
            "number": "2506014500-2026-45-0",
        },
    )
    assert number.status_code == 302
    db.refresh(mine)
    assert _post(client, mine, "outcome", outcome="prosecution", note="").status_code == 302
    db.refresh(mine)
    assert mine.status == "closed" and mine.outcome == "prosecution"
    assert not any(e.is_on_behalf for e in mine.events)
    html = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert (
        "Diligencias en curso." in html
        and "2506014500-2026-45-0" in html
        and "Acknowledge receipt" not in html
    )


def test_acknowledging_twice_is_a_clear_message(client, fiscal, mine, db):
    assert _post(client, mine, "acknowledge").status_code == 302
    db.refresh(mine)
    version = mine.version_id
    second = _post(client, mine, "acknowledge")
    assert second.status_code == 302
    assert "already been acknowledged" in client.get(second.headers["Location"] + "?lang=en").get_data(
        as_text=True
    )
    db.refresh(mine)
    assert mine.version_id == version


def test_declining_without_a_reason_is_refused(client, fiscal, mine, db):
    response = _post(client, mine, "decline", reason="   ")
    assert response.status_code == 422
    assert "Say why the referral is declined." in response.get_data(as_text=True)
    db.refresh(mine)
    assert mine.status == "sent"
    ok = _post(client, mine, "decline", reason="Otra fiscalía es competente.")
    assert ok.status_code == 302
    db.refresh(mine)
    assert mine.status == "declined" and mine.decline_reason == "Otra fiscalía es competente."


def test_acting_on_a_closed_referral_is_a_clear_message(client, fiscal, mine, db, coordinator):
    services.record_outcome(
        mine,
        outcome="victim_assisted",
        note=None,
        actor=coordinator,
        on_behalf=True,
        expected_version=mine.version_id,
    )
    db.flush()
    version = mine.version_id
    response = _post(client, mine, "accept")
    assert response.status_code == 302
    assert "This referral is closed" in client.get(response.headers["Location"] + "?lang=en").get_data(
        as_text=True
    )
    db.refresh(mine)
    assert mine.version_id == version and mine.status == "closed"


def test_stale_version_gets_409(client, fiscal, mine, db):
    url = f"/portal/referrals/{mine.id}"
    token = client.csrf_token(url)
    old = mine.version_id
    assert client.post(f"{url}/acknowledge", data={"csrf_token": token, "version": old}).status_code == 302
    response = client.post(f"{url}/decline", data={"csrf_token": token, "version": old, "reason": "late"})
    assert response.status_code == 409
    db.refresh(mine)
    assert mine.status == "acknowledged"


def test_a_stale_decline_after_an_accept_is_refused_and_changes_nothing(client, fiscal, mine, db):
    url = f"/portal/referrals/{mine.id}"
    token = client.csrf_token(url)
    old = mine.version_id
    assert client.post(f"{url}/accept", data={"csrf_token": token, "version": old}).status_code == 302
    db.refresh(mine)
    accepted = (mine.status, mine.version_id, len(mine.events))
    response = client.post(f"{url}/decline", data={"csrf_token": token, "version": old, "reason": "No."})
    assert response.status_code == 409
    assert "Someone else answered or changed this referral" in response.get_data(as_text=True)
    db.refresh(mine)
    assert (mine.status, mine.version_id, len(mine.events)) == accepted
    assert mine.status == "accepted" and mine.decline_reason is None


@pytest.mark.parametrize("version", [None, "", "2x", "1e3"])
@pytest.mark.parametrize(
    ("action", "data"),
    [("acknowledge", {}), ("accept", {}), ("decline", {"reason": "No."}), ("update", {"note": "x"})],
)
def test_an_answer_without_a_valid_version_is_refused(client, fiscal, mine, db, action, data, version):
    url = f"/portal/referrals/{mine.id}"
    before = (mine.status, mine.version_id, len(mine.events))
    payload = {"csrf_token": client.csrf_token(url), **data}
    if version is not None:
        payload["version"] = version
    response = client.post(f"{url}/{action}", data=payload)
    assert response.status_code == 409
    assert "This form is incomplete" in response.get_data(as_text=True)
    db.refresh(mine)
    assert (mine.status, mine.version_id, len(mine.events)) == before


def test_mass_assignment_is_ignored(client, fiscal, mine, theirs, db):
    response = _post(
        client,
        mine,
        "acknowledge",
        status="closed",
        partner_id=str(theirs.partner_id),
        outcome="prosecution",
        role="admin",
    )
    assert response.status_code == 302
    db.refresh(mine)
    assert (mine.status, mine.partner_id, mine.outcome) == ("acknowledged", fiscal.partner_id, None)
    assert fiscal.role == "partner"


def test_a_deactivated_organisation_gets_a_clear_page(client, fiscal, mine, db):
    fiscal.partner.is_active = False
    db.flush()
    for response in (
        client.get("/portal/referrals/?lang=en"),
        client.get(f"/portal/referrals/{mine.id}?lang=en"),
    ):
        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert "not active in the hotline" in html and SUMMARY not in html
    assert _post(client, mine, "acknowledge").status_code == 403
    db.refresh(mine)
    assert mine.status == "sent"


def test_a_failing_permission_check_shows_no_data(client, fiscal, mine, monkeypatch):
    from hotline.referrals.views import portal

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("permission backend down")

    monkeypatch.setattr(portal.services, "get_partner_referral", broken)
    response = client.get(f"/portal/referrals/{mine.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and SUMMARY not in html and "permission backend" not in html


def test_escaping_in_the_partner_view(client, fiscal, coordinator):
    evil = "<img src=x onerror=alert(1)> {{7*7}}"
    (referral,) = refer(full_case(coordinator), coordinator, ("MP-FISTRAP",), summary=evil)
    html = client.get(f"/portal/referrals/{referral.id}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; {{7*7}}" in html


def test_partner_deadline_is_shown_with_a_controlled_clock(client, fiscal, coordinator):
    with freeze_time(utcnow() - timedelta(hours=3)):
        refer(full_case(coordinator, risk="urgent"), coordinator, ("MP-FISTRAP",))
    html = client.get("/portal/referrals/?lang=en").get_data(as_text=True)
    assert "Overdue" in html


def test_audit_row_of_a_denied_access(client, fiscal, theirs, db):
    client.get(f"/portal/referrals/{theirs.id}")
    row = db.scalar(select(AuditEvent).where(AuditEvent.action == "referral.access_denied"))
    assert (row.actor_id, row.actor_role, row.actor_partner_id, row.outcome, row.object_id) == (
        fiscal.id,
        "partner",
        fiscal.partner_id,
        "denied",
        str(theirs.id),
    )
