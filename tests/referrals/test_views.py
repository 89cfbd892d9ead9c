"""Coordinators' referral pages: role matrix of every route, the referral form (suggestions,
sharing, double submit, failures keep the input), one referral (audit, print, 409), the lists
(query counts, overdue), routing rules pages, closing a case with open referrals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from hotline.auth.models import Role
from hotline.database import utcnow
from hotline.notifications.models import OutboxMessage
from hotline.referrals import services
from hotline.referrals.models import Referral, RoutingRule
from tests.helpers import audit_count, count_queries
from tests.referrals.helpers import (
    INTERNAL_NOTE,
    SUMMARY,
    VICTIM_NAME,
    full_case,
    partner,
    refer,
    victim_of,
)

T0 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def world(db, make_user):  # type: ignore[no-untyped-def]
    """A case referred to MP-FISTRAP, and the ids the routes need."""
    owner = make_user(role="coordinator")
    case = full_case(owner)
    (referral,) = refer(case, owner)
    rule = db.scalar(select(RoutingRule).order_by(RoutingRule.id))
    return {"case": case.id, "referral": referral.id, "rule": rule.id}


STAFF_GET = [
    "/referrals/",
    "/referrals/overdue",
    "/referrals/cases/{case}",
    "/referrals/cases/{case}/new",
    "/referrals/cases/{case}/close",
    "/referrals/{referral}",
    "/referrals/{referral}/print",
]
RULES_GET = ["/referrals/rules/", "/referrals/rules/new", "/referrals/rules/{rule}"]
PORTAL_GET = ["/portal/", "/portal/referrals/", "/portal/referrals/{referral}"]
STAFF_POST = [
    "/referrals/cases/{case}/new",
    "/referrals/cases/{case}/close",
    "/referrals/{referral}/send",
    "/referrals/{referral}/revoke",
    "/referrals/{referral}/answer/acknowledge",
    "/referrals/{referral}/numbers",
]
RULES_POST = ["/referrals/rules/new", "/referrals/rules/{rule}"]
PORTAL_POST = ["/portal/referrals/{referral}/acknowledge", "/portal/referrals/{referral}/numbers"]


def test_the_matrix_covers_every_route(app):
    def shape(url: str) -> str:
        return re.sub(r"\{\w+\}|<[^>]+>", "<>", url).replace("/acknowledge", "/<>")

    covered = {shape(u) for u in STAFF_GET + RULES_GET + PORTAL_GET + STAFF_POST + RULES_POST + PORTAL_POST}
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(("referrals.", "portal."))]
    assert len(routes) == 19
    for rule in routes:
        assert shape(rule.rule) in covered, rule.rule


def _expected_get(url: str, role: str) -> int:
    if url in PORTAL_GET:
        if role != Role.PARTNER:
            return 403
        return 302 if url == "/portal/" else 200
    allowed = (Role.ADMIN, Role.COORDINATOR) if url in RULES_GET else (Role.COORDINATOR,)
    return 200 if role in allowed else 403


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("url", STAFF_GET + RULES_GET + PORTAL_GET)
def test_role_matrix_get(client, login, world, role, url):
    login(role, partner_code="MP-FISTRAP") if role == "partner" else login(role)
    response = client.get(url.format(**world))
    assert response.status_code == _expected_get(url, role), response.get_data(as_text=True)[:300]


def _allowed_post_roles(url: str) -> set[Role]:
    if url in PORTAL_POST:
        return {Role.PARTNER}
    if url in RULES_POST:
        return {Role.ADMIN, Role.COORDINATOR}
    return {Role.COORDINATOR}


# Only the refused (role, url) pairs: the allowed ones are exercised by the feature tests.
REFUSED_POSTS = [
    (role.value, url)
    for url in STAFF_POST + RULES_POST + PORTAL_POST
    for role in Role
    if role not in _allowed_post_roles(url)
]


@pytest.mark.parametrize(("role", "url"), REFUSED_POSTS)
def test_role_matrix_post_refused(client, login, world, role, url, db):
    login(role, partner_code="MP-FISTRAP") if role == "partner" else login(role)
    before = db.get(Referral, world["referral"]).version_id
    response = client.post(url.format(**world), data={"csrf_token": client.csrf_token("/account")})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Referral, world["referral"]).version_id == before


def test_anonymous_users_go_to_login(client, world):
    for url in STAFF_GET + RULES_GET + PORTAL_GET:
        response = client.get(url.format(**world))
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


# --- the referral form --------------------------------------------------------------------------


def _form_fields(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"', html))
    return fields


def test_the_form_preselects_explained_suggestions(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator, risk="urgent", has_minors=True)
    html = client.get(f"/referrals/cases/{case.id}/new?lang=en").get_data(as_text=True)
    upe, pnp, mimp = partner("MIMP-UPE"), partner("PNP-DIRCTPTIM"), partner("MIMP")
    assert re.search(rf'id="p_{upe.id}" name="p_{upe.id}" type="checkbox" value="y"', html)
    assert re.search(rf'checked id="p_{pnp.id}"', html) or f'checked id="p_{pnp.id}"' in html.replace(
        "\n", ""
    )
    assert (
        f'id="p_{mimp.id}" name="p_{mimp.id}" type="checkbox" value="y">' in html
    )  # not suggested: unticked
    assert "minors are involved" in html and "risk: urgent" in html
    assert "Minors involved: MIMP special protection unit (UPE)" in html
    assert audit_count("case.view", object_id=str(case.id)) == 1  # the form shows persons


def _post_new(client, case, data: dict, page: str | None = None):  # type: ignore[no-untyped-def]
    url = f"/referrals/cases/{case.id}/new"
    html = client.get(url).get_data(as_text=True)
    fields = _form_fields(html)
    payload = {"summary": SUMMARY, **fields, **data}
    return client.post(url, data=payload), payload


def test_sending_from_the_form(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    victim = victim_of(case)
    fistrap, pnp = partner("MP-FISTRAP"), partner("PNP-DIRCTPTIM")
    response, _ = _post_new(
        client,
        case,
        {
            f"p_{fistrap.id}": "y",
            f"k_{fistrap.id}": "law_enforcement",
            f"p_{pnp.id}": "y",
            f"k_{pnp.id}": "law_enforcement",
            f"identities_{fistrap.id}": "y",
            f"victims_{fistrap.id}": str(victim.id),
            f"identities_{pnp.id}": "y",
            f"victims_{pnp.id}": str(victim.id),
            "action": "send",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/referrals/cases/{case.id}")
    referrals = db.scalars(select(Referral).order_by(Referral.id)).all()
    assert [(r.partner.code, r.status) for r in referrals] == [
        ("MP-FISTRAP", "sent"),
        ("PNP-DIRCTPTIM", "sent"),
    ]
    assert referrals[0].matched_rules == ["every-report-law-enforcement"]
    assert referrals[0].shared_person_ids == [victim.id]


def test_double_submit_with_the_same_token_makes_one_referral(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    fistrap = partner("MP-FISTRAP")
    data = {f"p_{fistrap.id}": "y", f"k_{fistrap.id}": "law_enforcement", "action": "send"}
    first, payload = _post_new(client, case, data)
    second = client.post(f"/referrals/cases/{case.id}/new", data=payload)
    assert first.status_code == second.status_code == 302
    assert db.scalar(select(func.count()).select_from(Referral)) == 1
    follow = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already sent" in follow


def test_mass_assigned_fields_are_ignored(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    fistrap, mimp = partner("MP-FISTRAP"), partner("MIMP")
    response, _ = _post_new(
        client,
        case,
        {
            f"p_{fistrap.id}": "y",
            f"k_{fistrap.id}": "law_enforcement",
            "status": "closed",
            "partner_id": str(mimp.id),
            "outcome": "prosecution",
            "shared_data": '{"summary": "x"}',
            "is_consent_overridden": "y",
            "role": "admin",
            "action": "send",
        },
    )
    assert response.status_code == 302
    (referral,) = db.scalars(select(Referral)).all()
    assert (referral.status, referral.partner_id, referral.outcome, referral.is_consent_overridden) == (
        "sent",
        fistrap.id,
        None,
        False,
    )
    assert coordinator.role == "coordinator"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 422, "Choose at least one partner organisation."),
        ({"summary": ""}, 422, "Write a summary for the partner."),
        ({"identities_{p}": "y"}, 422, "Choose the victims whose details are shared"),
        ({"summary": f"Ask for {VICTIM_NAME}."}, 422, "not shared with this partner"),
        ({"summary": "Ask for Rosa at the bar."}, 422, "not shared with this partner"),
        ({"override_{p}": "y"}, 422, "Give the reason for the override."),
    ],
)
def test_form_errors_keep_the_input(client, login, db, data, status, message):
    coordinator = login("coordinator")
    case = full_case(coordinator, consent="no")
    fistrap = partner("MP-FISTRAP")
    data = {key.format(p=fistrap.id): value for key, value in data.items()}
    defaults = {} if data == {} else {f"p_{fistrap.id}": "y"}  # {}: no partner chosen at all
    response, payload = _post_new(client, case, {**defaults, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert message.replace("'", "&#39;") in html
    if payload["summary"]:
        assert payload["summary"].split()[0] in html
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_consent_refusal_then_override(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator, consent="no")
    victim = victim_of(case)
    fistrap = partner("MP-FISTRAP")
    pid = fistrap.id
    base = {f"p_{pid}": "y", f"contacts_{pid}": "y", f"victims_{pid}": str(victim.id), "action": "send"}
    refused, _ = _post_new(client, case, base)
    assert refused.status_code == 422
    assert "have not agreed to share their details" in refused.get_data(as_text=True)
    ok, _ = _post_new(
        client, case, {**base, f"override_{pid}": "y", f"override_reason_{pid}": "Life at risk tonight."}
    )
    assert ok.status_code == 302
    assert audit_count("referral.consent_override") == 1


def test_a_database_failure_on_the_second_insert_saves_nothing_and_keeps_the_input(
    client, login, db, monkeypatch
):
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    coordinator = login("coordinator")
    case = full_case(coordinator)
    fistrap, pnp = partner("MP-FISTRAP"), partner("PNP-DIRCTPTIM")
    fistrap.email = "mesa@fistrap.example.pe"
    db.flush()
    inserted = []

    def fail_second(mapper, connection, target):  # type: ignore[no-untyped-def]
        inserted.append(target)
        if len(inserted) == 2:
            raise OperationalError("INSERT INTO referrals", {}, Exception("disk full"))

    event.listen(Referral, "before_insert", fail_second)
    try:
        response, _ = _post_new(
            client,
            case,
            {
                f"p_{fistrap.id}": "y",
                f"p_{pnp.id}": "y",
                "summary": "Kept after the failure",
                "action": "send",
            },
        )
    finally:
        event.remove(Referral, "before_insert", fail_second)
    assert response.status_code == 503  # the database failed: try again, nothing was lost
    html = response.get_data(as_text=True)
    assert "could not be saved" in html and "Kept after the failure" in html
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert audit_count("referral.create") == 0 and audit_count("referral.send") == 0


def test_a_failure_after_the_insert_is_a_clean_500(client, login, db, monkeypatch):
    from hotline.referrals.services import notify

    coordinator = login("coordinator")
    case = full_case(coordinator)
    fistrap = partner("MP-FISTRAP")
    fistrap.email = "mesa@fistrap.example.pe"
    db.flush()

    def explode(referral, event):  # type: ignore[no-untyped-def]
        raise RuntimeError("after the insert")

    monkeypatch.setattr(notify, "queue_partner_notice", explode)
    response, _ = _post_new(client, case, {f"p_{fistrap.id}": "y", "action": "send"})
    assert response.status_code == 500 and VICTIM_NAME not in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_deactivated_partner_on_a_stale_form(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    fistrap = partner("MP-FISTRAP")
    url = f"/referrals/cases/{case.id}/new"
    fields = _form_fields(client.get(url).get_data(as_text=True))
    fistrap.is_active = False
    db.flush()
    response = client.post(url, data={**fields, "summary": SUMMARY, f"p_{fistrap.id}": "y"})
    assert response.status_code == 422
    assert "is deactivated in the partner directory" in response.get_data(as_text=True)


# --- one referral -------------------------------------------------------------------------------


def test_detail_and_print_write_one_audit_row_each(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    detail = client.get(f"/referrals/{referral.id}?lang=en")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert SUMMARY in html and "Timeline" in html and INTERNAL_NOTE not in html
    assert audit_count("referral.view", object_id=str(referral.id)) == 1
    printed = client.get(f"/referrals/{referral.id}/print?lang=en")
    assert printed.status_code == 200 and "Signature and stamp" in printed.get_data(as_text=True)
    assert audit_count("referral.view", object_id=str(referral.id)) == 2
    assert client.get("/referrals/999999").status_code == 404
    assert client.get("/referrals/999999/print").status_code == 404


def test_on_behalf_answers_and_numbers(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator, ("MIMP-UPE",), kind="services")
    url = f"/referrals/{referral.id}"
    token = client.csrf_token(url)
    for action, data in (
        ("acknowledge", {}),
        ("accept", {"note": "Recibido por teléfono."}),
    ):
        db.refresh(referral)
        response = client.post(
            f"{url}/answer/{action}", data={"csrf_token": token, "version": referral.version_id, **data}
        )
        assert response.status_code == 302, action
    response = client.post(
        f"{url}/numbers", data={"csrf_token": token, "kind": "service_file", "number": "UPE-77/2026"}
    )
    assert response.status_code == 302
    db.refresh(referral)
    assert referral.status == "accepted"
    assert all(
        e.is_on_behalf for e in referral.events if e.action in ("acknowledged", "accepted", "case_number")
    )
    html = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert "recorded on the partner's behalf" in html and "UPE-77/2026" in html


def test_two_coordinators_at_once_get_a_409(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    url = f"/referrals/{referral.id}"
    token = client.csrf_token(url)
    version = referral.version_id
    first = client.post(
        f"{url}/revoke", data={"csrf_token": token, "version": version, "reason": "Wrong office."}
    )
    assert first.status_code == 302
    second = client.post(f"{url}/answer/acknowledge", data={"csrf_token": token, "version": version})
    assert second.status_code == 409
    assert "Someone else answered or changed this referral" in second.get_data(as_text=True)
    db.refresh(referral)
    assert referral.status == "revoked" and referral.acknowledged_at is None


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("decline", {"reason": ""}, "Say why the referral is declined."),
        ("update", {"note": ""}, "An update cannot be empty."),
        ("outcome", {"outcome": ""}, "Choose the outcome."),
    ],
)
def test_on_behalf_form_errors(client, login, db, action, data, message):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    url = f"/referrals/{referral.id}"
    response = client.post_form(f"{url}/answer/{action}", {"version": referral.version_id, **data}, page=url)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.refresh(referral)
    assert referral.status == "sent"


def test_revoke_without_reason_is_refused(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    url = f"/referrals/{referral.id}"
    response = client.post_form(f"{url}/revoke", {"version": referral.version_id, "reason": ""}, page=url)
    assert response.status_code == 422 and "Say why the referral is revoked." in response.get_data(
        as_text=True
    )


def test_pending_referral_is_sent_from_its_page(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator, send=False)
    url = f"/referrals/{referral.id}"
    response = client.post_form(f"{url}/send", {"version": referral.version_id}, page=url)
    assert response.status_code == 302
    db.refresh(referral)
    assert referral.status == "sent"


ANSWERS = [
    ("acknowledge", {}),
    ("accept", {"note": "By phone."}),
    ("decline", {"reason": "Not ours."}),
    ("update", {"note": "By phone."}),
    ("outcome", {"outcome": "victim_assisted"}),
]


@pytest.mark.parametrize("version", [None, "abc"])
@pytest.mark.parametrize(("action", "data"), ANSWERS)
def test_an_answer_without_a_valid_version_is_refused(client, login, db, action, data, version):
    coordinator = login("coordinator")
    (referral,) = refer(full_case(coordinator), coordinator)
    before = (referral.status, referral.version_id, len(referral.events))
    url = f"/referrals/{referral.id}"
    payload = data if version is None else {**data, "version": version}
    response = client.post_form(f"{url}/answer/{action}", payload, page=url)
    assert response.status_code == 409
    assert "This form is incomplete" in response.get_data(as_text=True)
    db.refresh(referral)
    assert (referral.status, referral.version_id, len(referral.events)) == before


@pytest.mark.parametrize(
    ("send", "action", "data"),
    [(False, "send", {}), (True, "revoke", {"reason": "Wrong office."})],
)
def test_send_and_revoke_without_a_version_are_refused(client, login, db, send, action, data):
    coordinator = login("coordinator")
    (referral,) = refer(full_case(coordinator), coordinator, send=send)
    before = (referral.status, referral.version_id)
    url = f"/referrals/{referral.id}"
    for payload in (data, {**data, "version": "x1"}):
        response = client.post_form(f"{url}/{action}", payload, page=url)
        assert response.status_code == 409, payload
    db.refresh(referral)
    assert (referral.status, referral.version_id) == before


def test_a_stale_decline_on_behalf_after_an_accept_changes_nothing(client, login, db):
    coordinator = login("coordinator")
    (referral,) = refer(full_case(coordinator), coordinator, ("MIMP-UPE",), kind="services")
    url = f"/referrals/{referral.id}"
    token = client.csrf_token(url)
    old = referral.version_id
    accepted = client.post(f"{url}/answer/accept", data={"csrf_token": token, "version": old})
    assert accepted.status_code == 302
    declined = client.post(
        f"{url}/answer/decline", data={"csrf_token": token, "version": old, "reason": "Too late."}
    )
    assert declined.status_code == 409
    assert "Someone else answered or changed this referral" in declined.get_data(as_text=True)
    db.refresh(referral)
    assert referral.status == "accepted" and referral.decline_reason is None
    assert [e.action for e in referral.events][-1] == "accepted"


# --- lists --------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_lists_issue_a_bounded_number_of_queries(client, login, db):
    coordinator = login("coordinator")
    with freeze_time(T0):
        for i in range(4):
            case = full_case(coordinator, risk="urgent")
            refer(case, coordinator, ("MP-FISTRAP", "PNP-DIRCTPTIM", "MIMP-UPE")[: 1 + i % 3])
    client.get("/referrals/")  # warm-up
    small = {u: _queries(client, u) for u in ("/referrals/", "/referrals/overdue", "/referrals/?q=TP")}
    with freeze_time(T0):
        for _ in range(10):
            refer(
                full_case(coordinator, risk="urgent"),
                coordinator,
                ("MP-FISTRAP", "PNP-DIRCTPTIM", "MIMP-UPE"),
            )
    for url, count in small.items():
        assert _queries(client, url) == count, url
        assert count <= 8, (url, count)


def test_overdue_view_with_a_controlled_clock(client, login, db):
    coordinator = login("coordinator")
    now = utcnow()
    with freeze_time(now - timedelta(hours=3)):  # the pages themselves run on the real clock
        (late,) = refer(full_case(coordinator, risk="urgent"), coordinator)
        (fine,) = refer(full_case(coordinator, risk="normal"), coordinator)
    with freeze_time(now - timedelta(hours=1)):
        (recent,) = refer(full_case(coordinator, risk="urgent"), coordinator)
    html = client.get("/referrals/overdue?lang=en").get_data(as_text=True)
    assert late.reference in html
    assert fine.reference not in html and recent.reference not in html
    index = client.get("/referrals/?overdue=y").get_data(as_text=True)
    assert late.reference in index and fine.reference not in index and recent.reference not in index


def test_list_filters_and_bad_parameters(client, login, db):
    coordinator = login("coordinator")
    (referral,) = refer(full_case(coordinator), coordinator)
    services.add_case_number(
        referral, kind="police_complaint", number="123456-PNP", actor=coordinator, on_behalf=True
    )
    assert referral.reference in client.get("/referrals/?q=123456").get_data(as_text=True)
    for query in ("status=bogus", "page=abc", "partner=x", "q=%00", "q=" + "x" * 500, "kind=;drop"):
        assert client.get("/referrals/?" + query).status_code == 200, query


# --- rules pages --------------------------------------------------------------------------------


def test_rules_pages(client, login, db):
    login("admin")
    assert "Every report" in client.get("/referrals/rules/?lang=en").get_data(as_text=True)
    gore = partner("GORE")
    response = client.post_form(
        "/referrals/rules/new",
        {
            "code": "puno-mining",
            "name_es": "Minería en Puno",
            "name_en": "Mining in Puno",
            "kind": "services",
            "position": "90",
            "is_active": "y",
            "partners": gore.code,
            "regions": "21",
            "minors": "yes",
            "foreign_victims": "",
            "peruvians_abroad": "",
            "adult_women": "",
        },
    )
    assert response.status_code == 302
    rule = db.scalar(select(RoutingRule).where(RoutingRule.code == "puno-mining"))
    assert rule.regions == ["21"] and rule.minors is True and [p.code for p in rule.partners] == ["GORE"]
    page = f"/referrals/rules/{rule.id}"
    bad = client.post_form(
        page,
        {
            "code": "Bad Code!",
            "name_es": "x",
            "name_en": "y",
            "kind": "services",
            "position": "1",
            "version": str(rule.version_id),
        },
    )
    assert bad.status_code == 422
    stale = client.post_form(
        page,
        {
            "code": "puno-mining",
            "name_es": "x",
            "name_en": "y",
            "kind": "services",
            "position": "1",
            "partners": "GORE",
            "version": str(rule.version_id - 1),
            "minors": "",
            "foreign_victims": "",
            "peruvians_abroad": "",
            "adult_women": "",
        },
    )
    assert stale.status_code == 409


# --- closing a case -----------------------------------------------------------------------------


def test_case_close_is_refused_then_overridden(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    refer(case, coordinator)
    refused = client.post_form(
        f"/cases/{case.id}/close", {"version": case.version_id, "reason": "referred_and_attended"}
    )
    assert refused.status_code == 422 and "open referral" in refused.get_data(as_text=True)
    db.refresh(case)
    assert case.status == "referred"
    url = f"/referrals/cases/{case.id}/close"
    empty = client.post_form(url, {"version": case.version_id, "reason": "referred_and_attended"})
    assert empty.status_code == 422
    done = client.post_form(
        url,
        {
            "version": case.version_id,
            "reason": "referred_and_attended",
            "override_reason": "Prosecution goes on.",
        },
    )
    assert done.status_code == 302
    db.refresh(case)
    assert case.status == "closed"
    assert audit_count("referral.case_close_override", object_id=str(case.id)) == 1


def test_the_detail_page_is_bounded_whatever_the_timeline(client, login, db):
    coordinator = login("coordinator")
    (referral,) = refer(full_case(coordinator), coordinator)
    url = f"/referrals/{referral.id}"
    client.get(url)
    short = _queries(client, url)
    for i in range(15):
        services.post_update(
            referral,
            note=f"Update {i}",
            actor=coordinator,
            on_behalf=True,
            expected_version=referral.version_id,
        )
        services.add_case_number(referral, kind="other", number=f"N-{i}", actor=coordinator, on_behalf=True)
    long = _queries(client, url)
    assert long == short <= 16, (short, long)


def test_a_rule_edit_without_its_version_is_refused(client, login, db):
    login("admin")
    found = db.scalar(select(RoutingRule).where(RoutingRule.code == "foreign-victims"))
    before = (found.version_id, found.name_en)
    data = {
        "code": "foreign-victims",
        "name_es": "x",
        "name_en": "Overwritten",
        "kind": "services",
        "position": "1",
        "partners": "MIGRACIONES",
        "minors": "",
        "foreign_victims": "",
        "peruvians_abroad": "",
        "adult_women": "",
    }
    for payload in (data, {**data, "version": "latest"}):
        response = client.post_form(f"/referrals/rules/{found.id}", payload)
        assert response.status_code == 409, payload
    db.refresh(found)
    assert (found.version_id, found.name_en) == before


def test_closing_a_case_without_its_version_is_refused(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    refer(case, coordinator)
    url = f"/referrals/cases/{case.id}/close"
    data = {"reason": "referred_and_attended", "override_reason": "Prosecution goes on."}
    for payload in (data, {**data, "version": "-"}):
        assert client.post_form(url, payload).status_code == 409, payload
    db.refresh(case)
    assert case.status == "referred"
    assert audit_count("referral.case_close_override", object_id=str(case.id)) == 0


def test_an_unsuggested_protection_unit_defaults_to_services(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator, risk="normal")  # the protection rule suggests UDAVIT only at high risk
    udavit, pnp = partner("MP-UDAVIT"), partner("PNP-DIRCTPTIM")
    html = client.get(f"/referrals/cases/{case.id}/new").get_data(as_text=True)

    def chosen_kind(partner_id: int) -> str:
        select = re.search(rf'<select [^>]*id="k_{partner_id}"[^>]*>(.*?)</select>', html, re.S)
        assert select, partner_id
        return re.search(r'<option selected value="(\w+)"', select.group(1)).group(1)

    assert chosen_kind(udavit.id) == "services"  # a prosecutor's unit, but it protects victims
    assert chosen_kind(pnp.id) == "law_enforcement"
