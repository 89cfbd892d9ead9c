"""Need-to-know referrals: the summary starts empty; the leak check (name words, accents and case,
digit runs whatever the separators, addresses); sharing chosen per partner in one send, each
snapshot and each override its own; the preview shows exactly what the partner's page shows."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from hotline.auth.models import Role
from hotline.referrals import services
from hotline.referrals.models import Referral, ReferralEvent
from hotline.referrals.services import leaks
from tests.cases.helpers import make_case, make_person
from tests.helpers import audit_count
from tests.referrals.helpers import (
    NARRATIVE,
    SUMMARY,
    VICTIM_ADDRESS,
    VICTIM_DOC,
    VICTIM_NAME,
    VICTIM_PHONE,
    full_case,
    partner,
    refer,
    victim_of,
)

WYNEFREDA = "Wynefreda Ccori Huamán"
WYNEFREDA_PHONE = "+51 944 000 111"
WYNEFREDA_DOC = "70112233"
WYNEFREDA_ADDRESS = "Av. Las Begonias 1280, Urb. Santa Catalina, La Victoria"
SHARED_FACTS = re.compile(r'<div class="shared-facts">.*?</div>', re.S)


@pytest.fixture
def coordinator(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="coordinator")


def wynefreda_case(actor: Any, *, consent: str = "not_asked", **facts: Any) -> Any:
    """Lima (region 15) case: a victim, her sister who called, a suspect, a witness."""
    values = {"risk": "high", "region_ubigeo": "15", "exploitation_forms": ["SEXUAL"], "narrative": NARRATIVE}
    values.update(facts)
    case = make_case(actor, **values)
    make_person(
        case,
        actor,
        role="victim",
        name=WYNEFREDA,
        alias="La Chata",
        age=19,
        phone=WYNEFREDA_PHONE,
        document_type="dni",
        document_number=WYNEFREDA_DOC,
        address=WYNEFREDA_ADDRESS,
        consent=consent,
    )
    make_person(case, actor, role="caller", name="Maribel Ccori", phone="(01) 419-7260")
    make_person(
        case,
        actor,
        role="suspect",
        name="Teodoro Falcón",
        suspect_roles=["exploiter"],
        details="Drives a white van; owns the bar.",
    )
    make_person(case, actor, role="witness", name="Eusebio Quilla")
    return case


def _leaks(case: Any, summary: str, **sharing: Any) -> list[leaks.Leak]:
    return services.review_sharing(case, summary, services.ShareChoice(**sharing)).leaks


def _kinds(found: list[leaks.Leak]) -> set[tuple[str, str]]:
    return {(leak.kind, leak.role) for leak in found}


# --- the form starts empty ----------------------------------------------------------------------


def test_the_summary_starts_empty_never_with_the_narrative(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    html = client.get(f"/referrals/cases/{case.id}/new").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="summary"[^>]*>\s*</textarea>', html)
    assert NARRATIVE not in html
    assert "The summary is still empty" in html  # and the preview says so
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)
    assert 'src="/static/js/referrals.js' in html
    script = client.get("/static/js/referrals.js")
    assert script.status_code == 200 and b"action" in script.data
    script.close()


# --- the leak check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "summary",
    [
        "Wynefreda necesita ayuda",
        "wynefreda necesita ayuda",
        "WYNEFREDA necesita ayuda",
        "Wynéfreda necesita ayuda",
        "La señora Huaman está en el bar",  # the surname without its accent
        "La señora HUAMÁN está en el bar",
        "Ccori fue captada en Lima",
        "Preguntar por la chata en el bar",  # a word of the alias
    ],
)
def test_any_word_of_a_name_or_alias_is_refused_whatever_the_case_and_accents(db, coordinator, summary):
    case = wynefreda_case(coordinator)
    assert ("name", "victim") in _kinds(_leaks(case, summary))
    with pytest.raises(services.DetailNotShared, match="a word of the name or alias of a victim"):
        refer(case, coordinator, summary=summary)
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_short_words_and_name_particles_are_not_counted(db, coordinator):
    case = make_case(coordinator, risk="high", region_ubigeo="15")
    make_person(case, coordinator, role="victim", name="Ana de los Ríos del Valle")
    assert _leaks(case, "Llegó de la sierra a los 15 años; vive lejos del valle") == [
        leaks.Leak("summary", "name", "victim")  # "valle", not "de", "los" or "del"
    ]
    assert _leaks(case, "Llegó de la sierra a los 15 años; trabaja del alba a la noche") == []
    assert _leaks(case, "Ana trabaja de noche") != []


@pytest.mark.parametrize(
    "summary",
    [
        "Su número: 944000111",
        "Su número: 944 000 111",
        "Su número: 944-000-111",
        "Su número: (944) 000.111",
        "Su número: +51 944 000 111",
        "Empieza con 944 000",  # six digits of it are enough
        "DNI 70112233",
        "DNI 70.112.233",
        "DNI 701 122",
    ],
)
def test_six_digits_of_a_phone_or_document_are_refused_whatever_the_separators(db, coordinator, summary):
    case = wynefreda_case(coordinator)
    assert _kinds(_leaks(case, summary)) == {("number", "victim")}


@pytest.mark.parametrize(
    "summary",
    [
        "Dos víctimas de 15 y 16 años, desde el 2024.",
        "Empieza con 94400",  # five digits: too few to identify anyone
        "Calle 944, lote 000",  # digits apart are two numbers
    ],
)
def test_other_numbers_pass(db, coordinator, summary):
    assert _leaks(wynefreda_case(coordinator), summary) == []


def test_the_callers_and_witnesses_details_are_never_shared(db, coordinator):
    case = wynefreda_case(coordinator, consent="yes")
    victim = victim_of(case)
    everything = {
        "share_identities": True,
        "share_contacts": True,
        "share_suspects": True,
        "share_place": True,
    }
    choice = {**everything, "person_ids": (victim.id,)}
    assert _kinds(_leaks(case, "La hermana llamó del 4197260", **choice)) == {("number", "caller")}
    assert _kinds(_leaks(case, "Habló con Maribel", **choice)) == {("name", "caller")}
    assert _kinds(_leaks(case, "Lo vio Eusebio", **choice)) == {("name", "witness")}
    # The victim's surname is the caller's too: shared with her name, it may be written.
    assert _leaks(case, "Wynefreda Ccori Huamán, 944 000 111", **choice) == []


@pytest.mark.parametrize(
    ("summary", "refused"),
    [
        ("Vive en la avenida Las Begonias", True),
        ("Cerca de begonias 1280", True),
        ("Vive en Santa Catalina", True),  # "catalina", a word of the address
        ("Vive en una avenida de una urbanización", False),  # street vocabulary only
        ("Fue vista en Lima", False),  # the region: every partner sees it
        ("Está en Lima, La Victoria", True),  # the district is a word of her address
    ],
)
def test_words_of_an_address_are_refused(db, coordinator, summary, refused):
    case = wynefreda_case(coordinator)
    found = _kinds(_leaks(case, summary))
    assert (("address", "victim") in found) is refused, found


def test_an_address_may_be_written_when_contacts_are_shared(db, coordinator):
    case = wynefreda_case(coordinator, consent="yes")
    victim = victim_of(case)
    choice = {"share_contacts": True, "person_ids": (victim.id,)}
    assert _leaks(case, "Vive en av. las begonias 1280; llamar al 944-000-111", **choice) == []
    assert _kinds(_leaks(case, "Wynefreda vive en las begonias", **choice)) == {("name", "victim")}


def test_the_place_and_the_suspects_details_are_checked_when_shared(db, coordinator):
    case = wynefreda_case(coordinator, location="Bar El Farol, frente a la casa de Wynefreda")
    suspect = next(p for p in case.persons if p.role == "suspect")
    suspect.details = "Cobra a la víctima; su celular 944-000-111"
    assert _leaks(case, SUMMARY) == []  # neither is shown: nothing to check
    assert _leaks(case, SUMMARY, share_place=True) == [leaks.Leak("place", "name", "victim")]
    assert _leaks(case, SUMMARY, share_suspects=True) == [leaks.Leak("suspect_details", "number", "victim")]
    with pytest.raises(services.DetailNotShared, match="The place recorded on the case mentions"):
        refer(case, coordinator, share_place=True)
    # The suspect's own name may be written when the suspects are shared.
    assert _leaks(case, "Teodoro Falcón la explota", share_suspects=True) == [
        leaks.Leak("suspect_details", "number", "victim")
    ]


def test_consent_or_an_audited_override_lets_the_name_through(db, coordinator):
    summary = "Wynefreda necesita ayuda"
    consenting = wynefreda_case(coordinator, consent="yes")
    victim = victim_of(consenting)
    (referral,) = refer(
        consenting, coordinator, summary=summary, share_identities=True, person_ids=(victim.id,)
    )
    assert services.read_snapshot(referral.shared_data)["summary"] == summary
    refusing = wynefreda_case(coordinator, consent="no")
    victim = victim_of(refusing)
    with pytest.raises(services.ConsentRequired):
        refer(refusing, coordinator, summary=summary, share_identities=True, person_ids=(victim.id,))
    (referral,) = refer(
        refusing,
        coordinator,
        summary=summary,
        share_identities=True,
        person_ids=(victim.id,),
        override_reason="She is in danger tonight.",
    )
    assert referral.is_consent_overridden
    assert audit_count("referral.consent_override", object_id=str(referral.id)) == 1


def test_the_error_says_what_kind_and_never_the_detail(db, coordinator, caplog):
    case = wynefreda_case(coordinator)
    caplog.set_level(logging.DEBUG)
    cases_and_kinds = [
        ("Wynefreda necesita ayuda", "a word of the name or alias of a victim"),
        ("Llamar al 944-000-111", "a phone or document number of a victim"),
        ("Vive en Las Begonias", "a part of the address of a victim"),
        ("La hermana llamó desde el 419 7260", "a phone or document number of the caller"),
    ]
    for summary, kind in cases_and_kinds:
        with pytest.raises(services.DetailNotShared) as refused:
            refer(case, coordinator, summary=summary)
        message = str(refused.value)
        assert message.startswith("For MP-FISTRAP: The summary mentions " + kind), message
        for secret in ("Wynefreda", "944", "Begonias", "7260", "Ccori"):
            assert secret.casefold() not in message.casefold()
    logged = " ".join(r.getMessage() for r in caplog.records)
    audited = " ".join(db.scalars(select(AuditEvent.summary)))
    for secret in ("Wynefreda", "944000111", "944-000-111", "Begonias", "7260"):
        assert secret not in logged and secret not in audited


# --- per partner --------------------------------------------------------------------------------


def test_each_partner_of_one_send_gets_only_its_own_choice(db, coordinator):
    case = full_case(coordinator, consent="yes")
    victim = victim_of(case)
    fistrap, mimp = refer(
        case,
        coordinator,
        ("MP-FISTRAP", "MIMP"),
        per_partner={
            "MP-FISTRAP": {"share_identities": True, "share_contacts": True, "person_ids": (victim.id,)},
            "MIMP": {"share_place": True},
        },
    )
    assert (fistrap.share_identities, fistrap.share_contacts, fistrap.share_place) == (True, True, False)
    assert (mimp.share_identities, mimp.share_contacts, mimp.share_place) == (False, False, True)
    assert (fistrap.shared_person_ids, mimp.shared_person_ids) == ([victim.id], [])
    assert VICTIM_NAME in fistrap.shared_data and VICTIM_PHONE in fistrap.shared_data
    for secret in (VICTIM_NAME, VICTIM_PHONE, VICTIM_DOC, VICTIM_ADDRESS):
        assert secret not in mimp.shared_data
    assert services.read_snapshot(mimp.shared_data)["victims"][0].get("identity") is None


def test_a_name_allowed_for_one_partner_is_refused_for_the_other(db, coordinator):
    case = full_case(coordinator, consent="yes")
    victim = victim_of(case)
    summary = "Rosa needs a shelter tonight."
    with pytest.raises(services.DetailNotShared, match=r"^For MIMP: The summary mentions a word of the name"):
        refer(
            case,
            coordinator,
            ("MP-FISTRAP", "MIMP"),
            summary=summary,
            per_partner={"MP-FISTRAP": {"share_identities": True, "person_ids": (victim.id,)}, "MIMP": {}},
        )
    assert db.scalar(select(func.count()).select_from(Referral)) == 0  # nothing half made


def test_the_override_is_per_partner_and_audited_per_referral(db, coordinator):
    case = full_case(coordinator, consent="no")
    victim = victim_of(case)
    with pytest.raises(services.ConsentRequired, match=r"^For PNP-DIRCTPTIM: 1 of the chosen victims"):
        refer(
            case,
            coordinator,
            ("MP-FISTRAP", "PNP-DIRCTPTIM"),
            per_partner={
                "MP-FISTRAP": {
                    "share_contacts": True,
                    "person_ids": (victim.id,),
                    "override_reason": "Police must find her tonight.",
                },
                "PNP-DIRCTPTIM": {"share_contacts": True, "person_ids": (victim.id,)},
            },
        )
    fistrap, pnp = refer(
        case,
        coordinator,
        ("MP-FISTRAP", "PNP-DIRCTPTIM"),
        per_partner={
            "MP-FISTRAP": {
                "share_contacts": True,
                "person_ids": (victim.id,),
                "override_reason": "Police must find her tonight.",
            },
            "PNP-DIRCTPTIM": {},
        },
    )
    assert (fistrap.is_consent_overridden, pnp.is_consent_overridden) == (True, False)
    assert audit_count("referral.consent_override", object_id=str(fistrap.id)) == 1
    assert audit_count("referral.consent_override") == 1
    overrides = db.scalars(select(ReferralEvent).where(ReferralEvent.action == "consent_override")).all()
    assert [(e.referral_id, e.note) for e in overrides] == [(fistrap.id, "Police must find her tonight.")]
    assert VICTIM_PHONE in fistrap.shared_data and VICTIM_PHONE not in pnp.shared_data


# --- the form, the preview and the partners' pages ----------------------------------------------


def _client_for(app: Any, user: Any) -> Any:
    from tests.conftest import sign_in

    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(other, user)
    return other


def _form_data(client: Any, case: Any, data: dict[str, str]) -> dict[str, str]:
    html = client.get(f"/referrals/cases/{case.id}/new").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|form_token)" type="hidden" value="([^"]+)"', html))
    return {**fields, **data}


def _two_partner_form(case: Any) -> dict[str, str]:
    victim = victim_of(case)
    fistrap, mimp = partner("MP-FISTRAP"), partner("MIMP")
    return {
        "summary": "Adolescent held in a bar; needs rescue and a shelter.",
        f"p_{fistrap.id}": "y",
        f"k_{fistrap.id}": "law_enforcement",
        f"identities_{fistrap.id}": "y",
        f"contacts_{fistrap.id}": "y",
        f"suspects_{fistrap.id}": "y",
        f"victims_{fistrap.id}": str(victim.id),
        f"p_{mimp.id}": "y",
        f"k_{mimp.id}": "services",
        f"victims_{mimp.id}": str(victim.id),  # ticked, but neither identities nor contacts
    }


def _fragments(html: str) -> dict[str, str]:
    """The shared facts of each partner in a preview, by partner id."""
    found = {}
    for match in re.finditer(r'data-preview-partner="(\d+)"(.*?)</article>', html, re.S):
        (facts,) = SHARED_FACTS.findall(match.group(2))
        found[match.group(1)] = facts
    return found


def test_the_preview_button_shows_each_partner_its_own_and_sends_nothing(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator, consent="yes")
    fistrap, mimp = partner("MP-FISTRAP"), partner("MIMP")
    url = f"/referrals/cases/{case.id}/new"
    response = client.post(
        url, data=_form_data(client, case, {**_two_partner_form(case), "action": "preview"})
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert audit_count("referral.create") == 0 and audit_count("referral.send") == 0
    previews = _fragments(html)
    assert set(previews) == {str(fistrap.id), str(mimp.id)}
    assert VICTIM_NAME in previews[str(fistrap.id)] and VICTIM_PHONE in previews[str(fistrap.id)]
    assert VICTIM_NAME not in previews[str(mimp.id)] and VICTIM_PHONE not in previews[str(mimp.id)]
    assert "Adolescent held in a bar" in previews[str(mimp.id)]
    # The form comes back as typed, the same one-time token included.
    assert "Adolescent held in a bar" in html.split('data-preview-partner="')[0]


def test_the_preview_names_what_cannot_be_sent(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator, consent="yes")
    data = {
        **_two_partner_form(case),
        "summary": "Rosa is held in a bar.",
        "action": "preview",
        "fragment": "1",
    }
    response = client.post(f"/referrals/cases/{case.id}/new", data=_form_data(client, case, data))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html  # the fragment only
    blocks = dict(re.findall(r'data-preview-partner="(\d+)"(.*?)</article>', html, re.S))
    assert "cannot be sent as it stands" not in blocks[str(partner("MP-FISTRAP").id)]
    assert "a word of the name or alias of a victim" in blocks[str(partner("MIMP").id)]
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert audit_count("case.view", object_id=str(case.id)) == 2  # the form, then the preview


def test_the_partners_page_shows_exactly_what_the_preview_showed(app, client, login, db, make_user):
    coordinator = login("coordinator")
    case = full_case(coordinator, consent="yes")
    url = f"/referrals/cases/{case.id}/new"
    form = _form_data(client, case, _two_partner_form(case))
    preview = client.post(url, data={**form, "action": "preview", "fragment": "1"}).get_data(as_text=True)
    previews = _fragments(preview)
    sent = client.post(url, data={**form, "action": "send"})
    assert sent.status_code == 302
    referrals = {r.partner.code: r for r in db.scalars(select(Referral))}
    assert set(referrals) == {"MP-FISTRAP", "MIMP"}
    pages = {}
    for code, referral in referrals.items():
        focal_point = _client_for(app, make_user(role="partner", partner_code=code))
        page = focal_point.get(f"/portal/referrals/{referral.id}")
        assert page.status_code == 200
        (pages[code],) = SHARED_FACTS.findall(page.get_data(as_text=True))
        assert pages[code] == previews[str(referral.partner_id)], code
        # ... and not the other partner's referral: the same 404 as a missing one.
        other = next(r for c, r in referrals.items() if c != code)
        assert focal_point.get(f"/portal/referrals/{other.id}").status_code == 404
        assert audit_count("referral.access_denied", object_id=str(other.id)) == 1
    assert VICTIM_NAME in pages["MP-FISTRAP"] and VICTIM_NAME not in pages["MIMP"]
    assert VICTIM_PHONE in pages["MP-FISTRAP"] and VICTIM_PHONE not in pages["MIMP"]


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.COORDINATOR])
def test_only_coordinators_may_preview(client, login, db, role, make_user):
    owner = make_user(role="coordinator")
    case = full_case(owner)
    login(role, partner_code="MP-FISTRAP") if role == "partner" else login(role)
    data = {"csrf_token": client.csrf_token("/account"), "action": "preview", "fragment": "1", "summary": "x"}
    response = client.post(f"/referrals/cases/{case.id}/new", data=data)
    assert response.status_code == 403
    assert audit_count("case.view", object_id=str(case.id)) == 0


def test_a_preview_without_its_csrf_token_is_refused(client, login, db):
    coordinator = login("coordinator")
    case = full_case(coordinator)
    data = {"action": "preview", "fragment": "1", "summary": SUMMARY}
    response = client.post(f"/referrals/cases/{case.id}/new", data=data)
    assert response.status_code == 400
    assert audit_count("case.view", object_id=str(case.id)) == 0
