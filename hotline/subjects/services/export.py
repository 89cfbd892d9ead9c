"""The right of access: everything the hotline holds on a data subject, in one document.

The export covers the person records chosen (one human may appear in several cases), and for them:
their data (decrypted); the cases they appear in (reference, dates, status, facts, the narrative
and the place); the contacts of those cases and those from their phone; the referrals of those cases
and what each shared of them; and who saw them (the audit trail's views of those persons, cases,
contacts and referrals). It holds nothing of other people: the other persons of a case are left
out, and their name words and numbers are replaced in the narratives and summaries ("[reservado]");
another caller's number is left out. Internal notes are not exported (staff working notes); the
staff who saw the records are given by account number, role and organisation, not by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from hotline.audit import services as audit
from hotline.audit.models import AuditEvent
from hotline.calls.models import Call
from hotline.cases import services as cases
from hotline.cases.models import Case, Person, PersonRole
from hotline.database import utcnow
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.referrals import services as referrals
from hotline.referrals.models import Referral
from hotline.subjects.models import RequestKind, SubjectRequest
from hotline.subjects.services.common import check_reason, open_request, requests_about

WITHHELD = "[reservado]"  # another person's detail, left out of a subject's export
VIEW_ACTIONS = ("person.view", "case.view", "referral.view", "call.view")
PERSON_FIELDS = (
    "role", "name", "alias", "gender", "age", "age_range", "nationalities", "migration_status",
    "language", "is_interpreter_needed", "document_type", "document_number", "phone", "address",
    "details", "trafficking_status", "trafficking_status_decided_by", "recruiter_relation", "consent",
    "consent_recorded_at", "suspect_roles", "created_at", "updated_at",
)  # fmt: skip
LEGAL_BASIS = "Ley N.º 29733, Ley de Protección de Datos Personales; DS N.º 016-2024-JUS (derecho de acceso)"


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def _person(person: Person) -> dict[str, Any]:
    record: dict[str, Any] = {"record": person.id, "case_reference": person.case.reference}
    record.update({name: _value(getattr(person, name)) for name in PERSON_FIELDS})
    return record


def _others_terms(case: Case, subject_ids: set[int], own: cases.PersonTerms) -> cases.PersonTerms:
    """The name words and numbers of the other persons of a case (minus the subject's own)."""
    return cases.terms_of(p for p in cases.persons_of(case) if p.id not in subject_ids) - own


def _withhold(text: str | None, terms: cases.PersonTerms) -> str | None:
    return cases.redact_text(text, terms, placeholder=WITHHELD)


def _case(case: Case, others: cases.PersonTerms) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "status": case.status,
        "risk": case.risk,
        "opened_at": _value(case.opened_at),
        "triaged_at": _value(case.triaged_at),
        "closed_at": _value(case.closed_at),
        "close_reason": case.close_reason,
        "region": case.region.name if case.region else None,
        "province": case.province.name if case.province else None,
        "exploitation_forms": [f.code for f in case.exploitation_forms],
        "indicators": list(case.indicators or []),
        "place": _withhold(case.location, others),
        "narrative": _withhold(case.narrative, others),
    }


def _contacts(
    case_ids: set[int], phone_indexes: set[str], others: dict[int, cases.PersonTerms]
) -> list[dict[str, Any]]:
    conditions = [Call.case_id.in_(case_ids)] if case_ids else []
    if phone_indexes:
        conditions.append(Call.caller_number_index.in_(phone_indexes))
    if not conditions:
        return []
    rows = []
    calls = db.session.scalars(
        select(Call)
        .where(or_(*conditions))
        .options(joinedload(Call.case))
        .order_by(Call.received_at, Call.id)
    )
    for call in calls:
        own_number = call.caller_number_index in phone_indexes
        rows.append(
            {
                "id": call.id,
                "case_reference": call.case.reference if call.case else None,
                "received_at": _value(call.received_at),
                "channel": call.channel,
                "kind": call.kind,
                "caller_type": call.caller_type,
                "duration_seconds": call.duration_seconds,
                "caller_number": call.caller_number if own_number else None,
                "summary": _withhold(call.summary, others.get(call.case_id or 0, cases.PersonTerms())),
            }
        )
    return rows


def _position(person: Person, role: str) -> int | None:
    same = [p.id for p in cases.persons_of(person.case) if p.role == role]
    return same.index(person.id) + 1 if person.id in same else None


def _shared_entry(referral: Referral, snapshot: dict[str, Any], person: Person) -> dict[str, Any] | None:
    """What this referral's snapshot holds of `person` (see referrals/services/sharing.py)."""
    if person.role == PersonRole.VICTIM:
        position = _position(person, PersonRole.VICTIM)
        return next((v for v in snapshot.get("victims") or [] if v.get("n") == position), None)
    if person.role == PersonRole.SUSPECT and referral.share_suspects:
        position = _position(person, PersonRole.SUSPECT)
        return next((s for s in snapshot.get("suspects") or [] if s.get("n") == position), None)
    return None  # callers and witnesses are never shared


def _shared_fields(entry: dict[str, Any]) -> list[str]:
    fields = ["profile"]
    for part in ("identity", "contact"):
        fields += [k for k, v in (entry.get(part) or {}).items() if v not in (None, "")]
    fields += [k for k in ("name", "alias", "roles", "details") if entry.get(k)]
    return fields


def _referrals(persons: Sequence[Person], case_ids: set[int]) -> tuple[list[dict[str, Any]], list[int]]:
    rows, ids = [], []
    found = db.session.scalars(
        select(Referral)
        .where(Referral.case_id.in_(case_ids))
        .options(joinedload(Referral.partner), joinedload(Referral.case))
        .order_by(Referral.created_at, Referral.id)
    )
    for referral in found:
        snapshot = referrals.read_snapshot(referral.shared_data)
        for person in persons:
            if person.case_id != referral.case_id:
                continue
            entry = _shared_entry(referral, snapshot, person)
            if entry is None:
                continue
            ids.append(referral.id)
            rows.append(
                {
                    "reference": referral.reference,
                    "case_reference": referral.case.reference,
                    "record": person.id,
                    "partner": {"code": referral.partner.code, "name": referral.partner.name_es},
                    "kind": referral.kind,
                    "status": referral.status,
                    "created_at": _value(referral.created_at),
                    "sent_at": _value(referral.sent_at),
                    "shared": _shared_fields(entry),
                    "shared_data": entry,
                }
            )
    return rows, ids


def _access_log(
    person_ids: set[int], case_ids: set[int], referral_ids: set[int], call_ids: set[int]
) -> list[dict[str, Any]]:
    objects = (("person", person_ids), ("case", case_ids), ("referral", referral_ids), ("call", call_ids))
    conditions = [
        (AuditEvent.object_type == kind) & AuditEvent.object_id.in_([str(i) for i in ids])
        for kind, ids in objects
        if ids
    ]
    if not conditions:
        return []
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(VIEW_ACTIONS), or_(*conditions))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
    partner_ids = {e.actor_partner_id for e in events if e.actor_partner_id}
    codes = (
        dict(
            db.session.execute(select(Partner.id, Partner.code).where(Partner.id.in_(partner_ids)))
            .tuples()
            .all()
        )
        if partner_ids
        else {}
    )
    return [
        {
            "occurred_at": _value(e.occurred_at),
            "action": e.action,
            "object": f"{e.object_type} {e.object_id}",
            "user": e.actor_id,
            "role": e.actor_role,
            "organisation": codes.get(e.actor_partner_id) if e.actor_partner_id else None,
        }
        for e in events
    ]


def build_export(persons: Sequence[Person], *, request: SubjectRequest | None = None) -> dict[str, Any]:
    """The export of these person records (plain JSON values)."""
    subject_ids = {p.id for p in persons}
    own = cases.terms_of(persons)
    case_list = sorted({p.case_id: p.case for p in persons}.values(), key=lambda c: c.opened_at)
    case_ids = {c.id for c in case_list}
    others = {c.id: _others_terms(c, subject_ids, own) for c in case_list}
    phone_indexes = {p.phone_index for p in persons if p.phone_index}
    contacts = _contacts(case_ids, phone_indexes, others)
    referral_rows, referral_ids = _referrals(persons, case_ids)
    history = [
        {"request": r.id, "kind": r.kind, "at": _value(r.created_at)}
        for r in requests_about(subject_ids)
        if r.kind != RequestKind.RETENTION and (request is None or r.id != request.id)
    ]
    return {
        "generated_at": _value(utcnow()),
        "request": request.id if request is not None else None,
        "legal_basis": LEGAL_BASIS,
        "records": [_person(p) for p in persons],
        "cases": [_case(c, others[c.id]) for c in case_list],
        "contacts": contacts,
        "referrals": referral_rows,
        "access_log": _access_log(subject_ids, case_ids, set(referral_ids), {c["id"] for c in contacts}),
        "requests": history,
    }


def export_subject(persons: Sequence[Person], *, reason: str, fmt: str, actor: Any) -> dict[str, Any]:
    """Carry out an access request: register it, build the export, audit it (and each record seen)."""
    reason = check_reason(reason)
    request = open_request(RequestKind.EXPORT, persons=persons, reason=reason, actor=actor)
    data = build_export(persons, request=request)
    request.changes = {
        "records": len(data["records"]),
        "cases": len(data["cases"]),
        "contacts": len(data["contacts"]),
        "referrals": len(data["referrals"]),
    }
    for person in persons:
        cases.record_person_view(person, actor)
    audit.record(
        "subject.export",
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        summary=(
            f"access request {request.id}: export ({fmt}) of person records "
            f"{', '.join(str(p.id) for p in persons)} in {len(data['cases'])} cases"
        ),
    )
    db.session.flush()
    return data
