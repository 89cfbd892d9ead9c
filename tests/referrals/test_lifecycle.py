"""Referral services: sending, sharing and consent, answers, bad input, deadlines, escalation,
the outbox (atomic, no personal data), the case's status, revocation, partner case numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select, update

from hotline.audit.models import AuditEvent
from hotline.cases import services as cases
from hotline.cases.models import CaseStatus
from hotline.notifications.models import OutboxMessage
from hotline.referrals import services
from hotline.referrals.models import Referral, ReferralEvent
from tests.helpers import audit_count
from tests.referrals.helpers import (
    INTERNAL_NOTE,
    NARRATIVE,
    PERSONAL,
    SUSPECT_NAME,
    VICTIM_DOC,
    VICTIM_NAME,
    VICTIM_PHONE,
    full_case,
    partner,
    refer,
    victim_of,
)

T0 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def coordinator(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="coordinator")


@pytest.fixture
def fiscal(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="partner", partner_code="MP-FISTRAP", phone="+51911111111")


def _outbox(referral_id: int) -> list[OutboxMessage]:
    from hotline.notifications.services import messages_for

    return messages_for("referral", referral_id)


# --- sending ------------------------------------------------------------------------------------


def test_sending_sets_the_deadline_notifies_and_refers_the_case(db, coordinator, fiscal):
    fistrap = partner("MP-FISTRAP")
    fistrap.phone, fistrap.email = "+5114000000", "mesa@fistrap.example.pe"
    case = full_case(coordinator)
    with freeze_time(T0):
        (referral,) = refer(case, coordinator)
    assert referral.status == "sent" and referral.sent_at == T0
    assert referral.ack_due_at == T0 + timedelta(hours=24)  # high risk
    assert referral.reference == f"{case.reference}-R1"
    assert [e.action for e in referral.events] == ["created", "sent"]
    assert case.status == CaseStatus.REFERRED
    assert audit_count("referral.create", object_id=str(referral.id)) == 1
    assert audit_count("referral.send", object_id=str(referral.id)) == 1
    messages = _outbox(referral.id)
    assert {(m.channel, m.recipient) for m in messages} == {
        ("sms", "+5114000000"),
        ("email", "mesa@fistrap.example.pe"),
        ("sms", "+51911111111"),
        ("email", fiscal.email),
    }
    for message in messages:
        assert referral.reference in message.body
        assert f"https://hotline.example.test/portal/referrals/{referral.id}" in message.body
        for secret in [*PERSONAL, case.location or "§", INTERNAL_NOTE, "Rinconada", "Puno"]:
            assert secret not in message.body + message.subject
    # A second referral of the same case takes the next number.
    (second,) = refer(case, coordinator, ("PNP-DIRCTPTIM",))
    assert second.reference.endswith("-R2")


def test_a_partner_without_account_gets_no_link(db, coordinator):
    upe = partner("MIMP-UPE")
    upe.email = "upe@mimp.example.pe"
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator, ("MIMP-UPE",), kind="services")
    (message,) = _outbox(referral.id)
    # Messages to partners are always in Spanish.
    assert "/portal/" not in message.body and "canales oficiales" in message.body


@pytest.mark.parametrize(("risk", "hours"), [("urgent", 2), ("high", 24), ("normal", 72)])
def test_deadline_follows_the_risk(db, coordinator, risk, hours):
    case = full_case(coordinator, risk=risk)
    with freeze_time(T0):
        (referral,) = refer(case, coordinator)
    assert referral.ack_due_at == T0 + timedelta(hours=hours)


def test_deadline_hours_are_configurable(app, db, coordinator):
    app.config["REFERRAL_ACK_HOURS"] = {"urgent": 1, "high": 12, "normal": 48}
    try:
        case = full_case(coordinator, risk="urgent")
        with freeze_time(T0):
            (referral,) = refer(case, coordinator)
        assert referral.ack_due_at == T0 + timedelta(hours=1)
    finally:
        app.config["REFERRAL_ACK_HOURS"] = {"urgent": 2, "high": 24, "normal": 72}


def test_prepared_referrals_wait_and_are_sent_later(db, coordinator):
    case = full_case(coordinator)
    case_version = case.version_id
    (referral,) = refer(case, coordinator, send=False)
    assert referral.status == "pending" and referral.ack_due_at is None
    assert _outbox(referral.id) == [] and case.version_id == case_version
    with freeze_time(T0):
        services.send_referral(referral, actor=coordinator, expected_version=referral.version_id)
    assert referral.status == "sent" and referral.ack_due_at == T0 + timedelta(hours=24)
    with pytest.raises(services.ReferralError, match="already been sent"):
        services.send_referral(referral, actor=coordinator, expected_version=referral.version_id)


def test_same_form_token_makes_one_referral(db, coordinator):
    case = full_case(coordinator)
    first = refer(case, coordinator, ("MP-FISTRAP", "PNP-DIRCTPTIM"), token="tok-1")
    result = services.create_referrals(
        case,
        partners=[services.PartnerChoice(partner("MP-FISTRAP").id, "law_enforcement")],
        summary="again",
        actor=coordinator,
        form_token="tok-1",
    )
    assert result.created is False and [r.id for r in result.referrals] == [r.id for r in first]
    assert db.scalar(select(func.count()).select_from(Referral)) == 2


def test_warm_handoff_is_acknowledged_at_once(db, coordinator):
    case = full_case(coordinator)
    referral = services.record_warm_handoff(
        case, partner=partner("MIMP-AURORA"), actor=coordinator, summary="Caller put through to CEM."
    )
    assert referral.kind == "warm_handoff" and referral.status == "acknowledged"
    assert referral.events[-1].is_on_behalf is True


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda case: setattr(partner("MP-FISTRAP"), "is_active", False), "is deactivated"),
        (lambda case: None, None),
    ],
)
def test_deactivated_partner_cannot_receive(db, coordinator, setup, message):
    case = full_case(coordinator)
    setup(case)
    if message is None:
        refer(case, coordinator)
        with pytest.raises(services.ReferralError, match="already has an open referral"):
            refer(case, coordinator)
        return
    with pytest.raises(services.PartnerInactive, match=message):
        refer(case, coordinator)
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_closed_case_cannot_be_referred(db, coordinator):
    case = full_case(coordinator)
    cases.close_case(case, expected_version=case.version_id, reason="duplicate", note=None, actor=coordinator)
    with pytest.raises(services.ReferralError, match="closed"):
        refer(case, coordinator)


# --- sharing and consent ------------------------------------------------------------------------


def test_summary_only_by_default(db, coordinator):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    shared = services.read_snapshot(referral.shared_data)
    text = referral.shared_data
    for secret in [*PERSONAL, INTERNAL_NOTE]:
        assert secret not in text
    assert shared["place"] is None and shared["suspects"] == []
    assert shared["victims"] == [
        {
            "n": 1,
            "gender": "feminine",
            "age_range": "9-17",
            "nationalities": ["PE"],
            "language": None,
            "interpreter": False,
            "migration_status": None,
        }
    ]


def test_shared_data_is_encrypted_at_rest(db, coordinator):
    from sqlalchemy import text

    case = full_case(coordinator)
    victim = victim_of(case)
    (referral,) = refer(case, coordinator, share_identities=True, person_ids=(victim.id,))
    raw = db.execute(text("SELECT shared_data FROM referrals WHERE id = :id"), {"id": referral.id}).scalar()
    assert VICTIM_NAME not in raw and "Rosa" not in raw


def test_identities_need_consent_or_an_audited_override(db, coordinator):
    case = full_case(coordinator, consent="no")
    victim = victim_of(case)
    with pytest.raises(services.ConsentRequired):
        refer(case, coordinator, share_identities=True, person_ids=(victim.id,))
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    (referral,) = refer(
        case,
        coordinator,
        share_identities=True,
        share_contacts=True,
        person_ids=(victim.id,),
        override_reason="Imminent danger: the police must find her tonight.",
    )
    shared = services.read_snapshot(referral.shared_data)
    assert shared["victims"][0]["identity"]["name"] == VICTIM_NAME
    assert shared["victims"][0]["contact"]["phone"] == VICTIM_PHONE
    assert referral.is_consent_overridden is True
    assert audit_count("referral.consent_override", object_id=str(referral.id)) == 1
    row = db.scalar(select(AuditEvent).where(AuditEvent.action == "referral.consent_override"))
    assert "Imminent" not in row.summary and VICTIM_NAME not in row.summary
    override = next(e for e in referral.events if e.action == "consent_override")
    assert override.note.startswith("Imminent danger")


def test_consent_given_shares_only_what_is_ticked(db, coordinator):
    case = full_case(coordinator, consent="yes")
    victim = victim_of(case)
    (referral,) = refer(case, coordinator, share_identities=True, person_ids=(victim.id,))
    shared = services.read_snapshot(referral.shared_data)
    assert shared["victims"][0]["identity"]["document_number"] == VICTIM_DOC
    assert "contact" not in shared["victims"][0]
    assert SUSPECT_NAME not in referral.shared_data
    assert audit_count("referral.consent_override") == 0


def test_ticking_identities_needs_chosen_victims(db, coordinator):
    case = full_case(coordinator)
    with pytest.raises(services.ReferralError, match="Choose the victims"):
        refer(case, coordinator, share_identities=True)


@pytest.mark.parametrize(
    "summary",
    [
        f"Call {VICTIM_NAME} first.",
        "Her number is 984-112-233.",
        f"Document {VICTIM_DOC}.",
        f"The exploiter is {SUSPECT_NAME}.",
        "Lives at jr. los pinos 455, juliaca",
    ],
)
def test_summary_naming_an_unshared_person_is_refused(db, coordinator, summary):
    case = full_case(coordinator)
    with pytest.raises(services.ReferralError, match="not shared"):
        refer(case, coordinator, summary=summary)


def test_summary_may_name_what_is_shared(db, coordinator):
    case = full_case(coordinator)
    victim = victim_of(case)
    summary = f"{VICTIM_NAME} ({VICTIM_PHONE}); suspect {SUSPECT_NAME}."
    (referral,) = refer(
        case,
        coordinator,
        summary=summary,
        share_identities=True,
        share_contacts=True,
        share_suspects=True,
        person_ids=(victim.id,),
    )
    shared = services.read_snapshot(referral.shared_data)
    assert shared["summary"] == summary
    assert shared["victims"][0]["identity"]["name"] == VICTIM_NAME
    assert shared["victims"][0]["contact"]["phone"] == VICTIM_PHONE
    assert [s["name"] for s in shared["suspects"]] == [SUSPECT_NAME]


def test_later_case_edits_do_not_widen_the_snapshot(db, coordinator):
    case = full_case(coordinator, consent="not_asked")
    victim = victim_of(case)
    (referral,) = refer(case, coordinator)
    before = referral.shared_data
    cases.update_person(
        victim,
        cases.PersonData(role="victim", name="Nuevo Nombre", consent="yes", phone="+51999000111"),
        expected_version=victim.version_id,
        actor=coordinator,
    )
    cases.update_case(case, expected_version=case.version_id, actor=coordinator, narrative="Otra cosa")
    db.refresh(referral)
    assert referral.shared_data == before and "Nuevo Nombre" not in referral.shared_data


# --- the partner's answers and bad input --------------------------------------------------------


def test_the_whole_lifecycle_by_the_partner(db, coordinator, fiscal):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    services.acknowledge(referral, actor=fiscal, expected_version=referral.version_id)
    services.accept(
        referral, actor=fiscal, note="Fiscal de turno asignado.", expected_version=referral.version_id
    )
    services.post_update(
        referral, actor=fiscal, note="Operativo programado.", expected_version=referral.version_id
    )
    services.add_case_number(referral, kind="prosecutor_file", number="CF 2506-2026-45", actor=fiscal)
    services.record_outcome(
        referral,
        outcome="investigation_opened",
        note=None,
        actor=fiscal,
        expected_version=referral.version_id,
    )
    assert referral.status == "closed" and referral.outcome == "investigation_opened"
    assert [e.action for e in referral.events] == [
        "created",
        "sent",
        "acknowledged",
        "accepted",
        "update",
        "case_number",
        "closed",
    ]
    for action in ("acknowledge", "accept", "update", "case_number", "close"):
        assert audit_count(f"referral.{action}", object_id=str(referral.id)) == 1


def test_coordinator_records_answers_on_behalf(db, coordinator):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator, ("MIMP-UPE",), kind="services")
    services.decline(
        referral,
        reason="Fuera de su jurisdicción.",
        actor=coordinator,
        on_behalf=True,
        expected_version=referral.version_id,
    )
    assert referral.status == "declined" and referral.events[-1].is_on_behalf
    row = db.scalar(select(AuditEvent).where(AuditEvent.action == "referral.decline"))
    assert "on the partner's behalf" in row.summary
    with pytest.raises(services.ReferralError, match="on its behalf"):
        services.accept(referral, actor=coordinator, expected_version=referral.version_id)


def _state(referral: Referral) -> tuple:
    return (referral.status, referral.version_id, len(referral.events))


@pytest.mark.parametrize(
    ("prepare", "act", "message"),
    [
        (
            lambda r, u: None,
            lambda r, u: services.decline(r, reason="  ", actor=u, expected_version=r.version_id),
            "Say why",
        ),
        (
            lambda r, u: services.acknowledge(r, actor=u, expected_version=r.version_id),
            lambda r, u: services.acknowledge(r, actor=u, expected_version=r.version_id),
            "already been acknowledged",
        ),
        (
            lambda r, u: services.record_outcome(
                r, outcome="victim_assisted", note=None, actor=u, expected_version=r.version_id
            ),
            lambda r, u: services.accept(r, actor=u, expected_version=r.version_id),
            "closed",
        ),
        (
            lambda r, u: services.accept(r, actor=u, expected_version=r.version_id),
            lambda r, u: services.decline(r, reason="no", actor=u, expected_version=r.version_id),
            "was accepted",
        ),
        (
            lambda r, u: None,
            lambda r, u: services.record_outcome(
                r, outcome="no_action", note="", actor=u, expected_version=r.version_id
            ),
            "Say why no action",
        ),
        (
            lambda r, u: None,
            lambda r, u: services.record_outcome(
                r, outcome="x", note="", actor=u, expected_version=r.version_id
            ),
            "outcome",
        ),
        (
            lambda r, u: None,
            lambda r, u: services.post_update(r, note="", actor=u, expected_version=r.version_id),
            "cannot be empty",
        ),
        (
            lambda r, u: setattr(r.partner, "is_active", False),
            lambda r, u: services.acknowledge(r, actor=u, expected_version=r.version_id),
            "deactivated",
        ),
    ],
)
def test_bad_answers_change_nothing(db, coordinator, fiscal, prepare, act, message):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    prepare(referral, fiscal)
    db.flush()
    before = _state(referral)
    with pytest.raises(services.ReferralError, match=message):
        act(referral, fiscal)
    assert _state(referral) == before


def test_a_revoked_referral_accepts_nothing(db, coordinator, fiscal):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    services.revoke(
        referral, reason="Sent to the wrong office.", actor=coordinator, expected_version=referral.version_id
    )
    assert services.may_see(referral, fiscal) is False
    for act in (
        lambda: services.acknowledge(referral, actor=fiscal, expected_version=referral.version_id),
        lambda: services.revoke(
            referral, reason="again", actor=coordinator, expected_version=referral.version_id
        ),
        lambda: services.add_case_number(referral, kind="other", number="1", actor=coordinator),
    ):
        with pytest.raises(services.ReferralError, match="revoked"):
            act()
    withdrawn = [m for m in _outbox(referral.id) if "anuló" in m.body]  # partners read Spanish
    assert withdrawn and all(VICTIM_NAME not in m.body for m in withdrawn)


def test_revoking_needs_a_reason(db, coordinator):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    with pytest.raises(services.ReferralError, match="Say why"):
        services.revoke(referral, reason="", actor=coordinator, expected_version=referral.version_id)
    assert referral.status == "sent"


def test_another_organisation_cannot_answer(db, coordinator, make_user):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    other = make_user(role="partner", partner_code="MIMP")
    with pytest.raises(services.ReferralError, match="not addressed to your organisation"):
        services.acknowledge(referral, actor=other, expected_version=referral.version_id)
    with pytest.raises(services.ReferralError):
        services.acknowledge(referral, actor=make_user(role="operator"), expected_version=referral.version_id)


def test_stale_versions_conflict(db, coordinator, fiscal):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    with pytest.raises(services.VersionConflict):
        services.acknowledge(referral, actor=fiscal, expected_version=referral.version_id - 1)
    # Another session changed the row meanwhile: the ORM's version check catches it.
    db.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(version_id=Referral.version_id + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(services.VersionConflict):
        services.acknowledge(referral, actor=fiscal, expected_version=referral.version_id)


ANSWERS = [
    lambda r, u, v: services.acknowledge(r, actor=u, expected_version=v),
    lambda r, u, v: services.accept(r, actor=u, expected_version=v),
    lambda r, u, v: services.decline(r, reason="Not ours.", actor=u, expected_version=v),
    lambda r, u, v: services.post_update(r, note="Working on it.", actor=u, expected_version=v),
    lambda r, u, v: services.record_outcome(
        r, outcome="victim_assisted", note=None, actor=u, expected_version=v
    ),
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_an_answer_without_its_version_is_a_conflict_and_changes_nothing(db, coordinator, fiscal, answer):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    db.flush()
    before = _state(referral)
    with pytest.raises(services.VersionConflict):
        answer(referral, fiscal, None)
    assert _state(referral) == before
    answer(referral, fiscal, referral.version_id)  # the same answer, based on the version, goes through
    assert _state(referral) != before


def test_sending_and_revoking_need_the_version(db, coordinator):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator, send=False)
    with pytest.raises(services.VersionConflict):
        services.send_referral(referral, actor=coordinator, expected_version=None)  # type: ignore[arg-type]
    with pytest.raises(services.VersionConflict):
        services.send_referral(referral, actor=coordinator, expected_version=referral.version_id - 1)
    assert referral.status == "pending"
    with pytest.raises(services.VersionConflict):
        services.revoke(referral, reason="Wrong office.", actor=coordinator, expected_version=None)  # type: ignore[arg-type]
    assert referral.status == "pending" and referral.revoked_at is None


# --- case numbers -------------------------------------------------------------------------------


def test_partner_case_numbers_are_searchable(db, coordinator, fiscal):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    refer(full_case(coordinator), coordinator)
    services.add_case_number(referral, kind="police_complaint", number="Den. 1234-2026/PNP", actor=fiscal)
    with pytest.raises(services.ReferralError, match="already recorded"):
        services.add_case_number(referral, kind="police_complaint", number="den 1234 2026 pnp", actor=fiscal)
    for query in ("1234-2026", "den1234", referral.reference.lower(), case.reference):
        found = services.list_referrals(services.ReferralFilter(q=query)).items
        assert [r.id for r in found] == [referral.id], query
    assert services.list_referrals(services.ReferralFilter(q="%")).items == []


# --- the case follows its referrals -------------------------------------------------------------


def test_closing_a_case_with_open_referrals_needs_a_reason(db, coordinator):
    case = full_case(coordinator)
    refer(case, coordinator)
    with pytest.raises(services.ReferralError, match="open referral"):
        cases.close_case(
            case,
            expected_version=case.version_id,
            reason="referred_and_attended",
            note=None,
            actor=coordinator,
        )
    assert case.status == CaseStatus.REFERRED
    cases.close_case(
        case,
        expected_version=case.version_id,
        reason="referred_and_attended",
        note="Prosecution continues for years.",
        actor=coordinator,
        open_referrals_reason="Prosecution continues for years.",
    )
    assert case.status == CaseStatus.CLOSED
    assert audit_count("referral.case_close_override", object_id=str(case.id)) == 1


def test_closed_or_declined_referrals_do_not_block_closing(db, coordinator, fiscal):
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator)
    services.decline(referral, reason="Not ours.", actor=fiscal, expected_version=referral.version_id)
    cases.close_case(
        case, expected_version=case.version_id, reason="referred_and_attended", note=None, actor=coordinator
    )
    assert case.status == CaseStatus.CLOSED


# --- deadlines and escalation -------------------------------------------------------------------


def test_overdue_and_escalation_happen_once(db, coordinator, make_user):
    assigned = make_user(role="coordinator", phone="+51922222222")
    case = full_case(coordinator, risk="urgent")
    case.assigned_to_id = assigned.id
    db.flush()
    with freeze_time(T0):
        (late,) = refer(case, coordinator)
        (answered,) = refer(case, coordinator, ("PNP-DIRCTPTIM",))
    services.acknowledge(answered, actor=coordinator, on_behalf=True, expected_version=answered.version_id)
    assert services.is_overdue(late, T0 + timedelta(hours=1, minutes=59)) is False
    assert services.escalate_overdue(now=T0 + timedelta(hours=1, minutes=59)) == []
    with freeze_time(T0 + timedelta(hours=2, minutes=1)):
        assert services.is_overdue(late) is True
        assert [r.id for r in services.list_overdue()] == [late.id]
        assert services.count_overdue() == 1
        assert services.escalate_overdue() == [late.id]
        assert services.escalate_overdue() == []
    assert services.escalate_overdue(now=T0 + timedelta(days=3)) == []
    db.refresh(late)
    assert late.escalated_at == T0 + timedelta(hours=2, minutes=1)
    escalations = [m for m in _outbox(late.id) if ":escalated:" in m.dedupe_key]
    assert {(m.channel, m.recipient) for m in escalations} == {
        ("email", assigned.email),
        ("sms", "+51922222222"),
    }
    for message in escalations:
        assert late.reference in message.body and "/referrals/" in message.body
        for secret in PERSONAL:
            assert secret not in message.body
    assert db.scalar(select(func.count()).where(ReferralEvent.action == "escalated")) == 1
    assert audit_count("referral.escalate") == 1


def test_escalation_falls_back_to_the_sender(db, coordinator):
    case = full_case(coordinator, risk="urgent")
    with freeze_time(T0):
        (referral,) = refer(case, coordinator)
    services.escalate_overdue(now=T0 + timedelta(hours=3))
    (message,) = [m for m in _outbox(referral.id) if ":escalated:" in m.dedupe_key]
    assert message.recipient == coordinator.email


def test_escalate_cli(app, db, coordinator):
    case = full_case(coordinator, risk="urgent")
    with freeze_time(T0):
        refer(case, coordinator)
    runner = app.test_cli_runner()
    with freeze_time(T0 + timedelta(hours=3)):
        first = runner.invoke(args=["referrals", "escalate"])
        second = runner.invoke(args=["referrals", "escalate"])
    assert first.output.strip() == "referrals: 1 escalated"
    assert second.output.strip() == "referrals: 0 escalated"


# --- atomicity ----------------------------------------------------------------------------------


def test_a_failure_after_the_referral_insert_leaves_nothing(db, coordinator, monkeypatch):
    from hotline.referrals.services import notify

    case = full_case(coordinator)
    db.flush()
    counts = (
        db.scalar(select(func.count()).select_from(AuditEvent)),
        db.scalar(select(func.count()).select_from(OutboxMessage)),
    )
    original = notify.queue_partner_notice

    def failing(referral, event):  # type: ignore[no-untyped-def]
        original(referral, event)  # the outbox rows are written ...
        raise RuntimeError("boom")  # ... then something fails

    monkeypatch.setattr(notify, "queue_partner_notice", failing)
    partner("MP-FISTRAP").email = "mesa@fistrap.example.pe"
    savepoint = db.begin_nested()
    with pytest.raises(RuntimeError):
        refer(case, coordinator)
    savepoint.rollback()
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.scalar(select(func.count()).select_from(ReferralEvent)) == 0
    assert (
        db.scalar(select(func.count()).select_from(AuditEvent)),
        db.scalar(select(func.count()).select_from(OutboxMessage)),
    ) == counts


def test_no_personal_data_in_audit_summaries(db, coordinator, fiscal):
    case = full_case(coordinator, consent="no")
    victim = victim_of(case)
    (referral,) = refer(
        case,
        coordinator,
        share_identities=True,
        share_contacts=True,
        share_place=True,
        share_suspects=True,
        person_ids=(victim.id,),
        override_reason=f"Override for {VICTIM_NAME}",
        summary=f"{VICTIM_NAME} needs help; suspect {SUSPECT_NAME}.",
    )
    services.decline(
        referral, reason=f"We cannot reach {VICTIM_NAME}", actor=fiscal, expected_version=referral.version_id
    )
    summaries = " ".join(db.scalars(select(AuditEvent.summary)))
    for secret in [*PERSONAL, NARRATIVE]:
        assert secret not in summaries


# --- warm hand-offs from telephony --------------------------------------------------------------


def test_a_handoff_to_a_partner_line_is_recorded_on_the_case(db, coordinator):
    from tests.factories import CallFactory

    aurora = partner("MIMP-AURORA")
    aurora.phone = "+5114197260"
    case = full_case(coordinator)
    call = CallFactory(case_id=case.id)
    referral = services.record_handoff_for_call(call, number="+51 1 419 7260", actor=coordinator)
    assert referral is not None and referral.kind == "warm_handoff" and referral.partner_id == aurora.id
    assert referral.status == "acknowledged"
    assert f"contacto {call.id}" in services.read_snapshot(referral.shared_data)["summary"]  # for partners
    # Nothing to record: a number that is no partner's, a call without a case, a partner already
    # holding an open referral (no partial rows either).
    assert services.record_handoff_for_call(call, number="+51999999999", actor=coordinator) is None
    assert services.record_handoff_for_call(CallFactory(), number="+5114197260", actor=coordinator) is None
    count = db.scalar(select(func.count()).select_from(Referral))
    assert services.record_handoff_for_call(call, number="+5114197260", actor=coordinator) is None
    assert db.scalar(select(func.count()).select_from(Referral)) == count
