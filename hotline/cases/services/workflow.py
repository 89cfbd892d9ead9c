"""Opening a case and working on it: reference numbers, triage, assignment, status, notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from hotline.audit import services as audit
from hotline.auth.models import Role, User
from hotline.cases import signals
from hotline.cases.models import (
    Case,
    CaseCounter,
    CaseNote,
    CaseStatus,
    CloseReason,
    Indicator,
    Risk,
)
from hotline.cases.services.common import (
    EDITABLE_CASE_FIELDS,
    ENCRYPTED_CASE_FIELDS,
    TRANSITIONS,
    CaseError,
    CaseFacts,
    InvalidTransition,
    add_history,
    apply_changes,
    check_open,
    check_version,
    flush_versioned,
    fmt_value,
    format_reference,
    local_zone,
    same_value,
    touch,
    triage_deadline,
)
from hotline.database import utcnow
from hotline.extensions import db
from hotline.reference.models import ExploitationForm, Province, Region

# --- reference numbers --------------------------------------------------------------------------


def next_reference(year: int) -> str:
    """Take the next number of `year` atomically (row lock on the counter until commit)."""
    bind = db.session.get_bind()
    table = CaseCounter.__table__
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(table).values(year=year, value=0).on_conflict_do_nothing(index_elements=["year"])
    )
    number = db.session.execute(
        update(table).where(table.c.year == year).values(value=table.c.value + 1).returning(table.c.value)
    ).scalar_one()
    return format_reference(year, number)


def _forms_for(codes: Sequence[str]) -> list[ExploitationForm]:
    if not codes:
        return []
    forms = list(db.session.scalars(select(ExploitationForm).where(ExploitationForm.code.in_(codes))))
    unknown = set(codes) - {f.code for f in forms}
    if unknown:
        raise CaseError(_l("Unknown form of exploitation."))
    return forms


def _check_place(region: str | None, province: str | None) -> None:
    if region is not None and db.session.get(Region, region) is None:
        raise CaseError(_l("Unknown region code."))
    if province is not None:
        row = db.session.get(Province, province)
        if row is None:
            raise CaseError(_l("Unknown province code."))
        if region is not None and row.region_ubigeo != region[:2]:
            raise CaseError(_l("This province is not in the chosen region."))


def _check_indicators(codes: Sequence[str]) -> None:
    known = {i.value for i in Indicator}
    if set(codes) - known:
        raise CaseError(_l("Unknown trafficking indicator."))


# --- opening and changing -----------------------------------------------------------------------


def open_case(*, facts: CaseFacts, actor: Any, opened_at: datetime | None = None) -> Case:
    """Open a new case with the next reference number of the (Lima) year."""
    now = opened_at or utcnow()
    _check_place(facts.region_ubigeo, facts.province_ubigeo)
    _check_indicators(facts.indicators)
    forms = _forms_for(facts.exploitation_forms)
    reference = next_reference(now.astimezone(local_zone()).year)
    case = Case(
        reference=reference,
        status=CaseStatus.NEW,
        risk=Risk(facts.risk).value,
        region_ubigeo=facts.region_ubigeo,
        province_ubigeo=facts.province_ubigeo,
        location=facts.location or None,
        indicators=list(facts.indicators),
        victim_count=facts.victim_count,
        has_minors=facts.has_minors,
        victim_nationalities=list(facts.victim_nationalities),
        narrative=facts.narrative or None,
        opened_by_id=getattr(actor, "id", None),
        opened_at=now,
        triage_due_at=triage_deadline(facts.risk, now),
    )
    case.exploitation_forms = forms
    db.session.add(case)
    db.session.flush()
    add_history(case, actor, "opened", [("status", None, CaseStatus.NEW.value)], at=now)
    audit.record(
        "case.create",
        actor=actor,
        object_type="case",
        object_id=case.id,
        summary=f"opened {case.reference} risk={case.risk}",
    )
    return case


def update_case(case: Case, *, expected_version: int | None, actor: Any, **values: Any) -> Case:
    """Change the facts of a case (see EDITABLE_CASE_FIELDS); every change goes into the history."""
    check_version(case, expected_version)
    check_open(case)
    unknown = set(values) - set(EDITABLE_CASE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if "province_ubigeo" in values:
        _check_place(case.region_ubigeo, values["province_ubigeo"])
    if "indicators" in values:
        _check_indicators(values["indicators"])
    changes = apply_changes(case, values, encrypted=ENCRYPTED_CASE_FIELDS)
    if changes:
        touch(case)
        add_history(case, actor, "updated", changes)
        audit.record(
            "case.update",
            actor=actor,
            object_type="case",
            object_id=case.id,
            summary="changed " + ", ".join(c[0] or "" for c in changes),
        )
    flush_versioned(case)
    return case


def triage_case(
    case: Case,
    *,
    expected_version: int | None,
    risk: str,
    exploitation_forms: Sequence[str],
    region_ubigeo: str | None,
    province_ubigeo: str | None,
    actor: Any,
) -> Case:
    """Set risk, forms of exploitation and place; a new case becomes triaged."""
    check_version(case, expected_version)
    check_open(case)
    _check_place(region_ubigeo, province_ubigeo)
    forms = _forms_for(exploitation_forms)
    changes = apply_changes(
        case,
        {"risk": Risk(risk).value, "region_ubigeo": region_ubigeo, "province_ubigeo": province_ubigeo},
        encrypted=ENCRYPTED_CASE_FIELDS,
    )
    old_codes = [f.code for f in case.exploitation_forms]
    if not same_value(old_codes, [f.code for f in forms]):
        case.exploitation_forms = forms
        changes.append(("exploitation_forms", fmt_value(old_codes), fmt_value([f.code for f in forms])))
    if any(c[0] == "risk" for c in changes) and case.status == CaseStatus.NEW:
        case.triage_due_at = triage_deadline(case.risk, case.opened_at)
    if case.status == CaseStatus.NEW:
        changes.append(("status", case.status, CaseStatus.TRIAGED.value))
        case.status = CaseStatus.TRIAGED.value
        case.triaged_at = utcnow()
    if changes:
        touch(case)
        add_history(case, actor, "triaged", changes)
    audit.record(
        "case.triage",
        actor=actor,
        object_type="case",
        object_id=case.id,
        summary=f"risk={case.risk} status={case.status}",
    )
    flush_versioned(case)
    return case


def assign_case(case: Case, *, expected_version: int | None, assignee: User | None, actor: Any) -> Case:
    check_version(case, expected_version)
    check_open(case)
    if assignee is not None and (assignee.role != Role.COORDINATOR or not assignee.is_active):
        raise CaseError(_l("Cases can only be assigned to an active coordinator."))
    new_id = assignee.id if assignee else None
    if case.assigned_to_id != new_id:
        before = case.assigned_to
        case.assigned_to_id = new_id
        case.assigned_to = assignee
        touch(case)
        add_history(case, actor, "assigned", [("assigned_to", _user_label(before), _user_label(assignee))])
        audit.record(
            "case.assign",
            actor=actor,
            object_type="case",
            object_id=case.id,
            summary=f"assigned to user {new_id}",
        )
    flush_versioned(case)
    return case


def _user_label(user: User | None) -> str | None:
    if user is None:
        return None
    return f"{user.name or user.email} (#{user.id})"


def set_case_status(case: Case, status: CaseStatus | str, actor: Any, reason: str | None = None) -> Case:
    """Move a case along its workflow (new -> triaged -> referred -> closed; closed -> triaged).

    `reason`: for closing, a CloseReason value or a free text (kept as an encrypted note, the close
    reason then being "other"); for other moves an optional free text, also kept as a note.
    Used by the referrals package (e.g. `set_case_status(case, CaseStatus.REFERRED, actor)`).
    """
    new = CaseStatus(status)
    old = CaseStatus(case.status)
    if new == old:
        return case
    if new not in TRANSITIONS[old]:
        raise InvalidTransition(_l("A case cannot go from %(old)s to %(new)s.", old=old.value, new=new.value))
    changes: list[tuple[str | None, str | None, str | None]] = [("status", old.value, new.value)]
    now = utcnow()
    note_text = reason
    if new == CaseStatus.CLOSED:
        if not reason:
            raise CaseError(_l("Give a reason for closing the case."))
        code = reason if reason in {r.value for r in CloseReason} else CloseReason.OTHER.value
        if code == reason:
            note_text = None
        changes.append(("close_reason", case.close_reason, code))
        case.close_reason = code
        case.closed_at = now
    elif old == CaseStatus.CLOSED:
        changes.append(("close_reason", case.close_reason, None))
        case.close_reason = None
        case.closed_at = None
    if new == CaseStatus.TRIAGED and case.triaged_at is None:
        case.triaged_at = now
    case.status = new.value
    touch(case)
    action = "reopened" if old == CaseStatus.CLOSED else ("closed" if new == CaseStatus.CLOSED else "status")
    add_history(case, actor, action, changes, at=now)
    if note_text:
        db.session.add(
            CaseNote(case_id=case.id, author_id=getattr(actor, "id", None), body=note_text, created_at=now)
        )
    audit.record(
        "case.status",
        actor=actor,
        object_type="case",
        object_id=case.id,
        summary=f"{old.value} -> {new.value}",
    )
    flush_versioned(case)
    return case


def close_case(
    case: Case,
    *,
    expected_version: int | None,
    reason: str,
    note: str | None,
    actor: Any,
    open_referrals_reason: str | None = None,
) -> Case:
    check_version(case, expected_version)
    if case.status == CaseStatus.CLOSED:
        raise CaseError(_l("This case is already closed."))
    if reason not in {r.value for r in CloseReason}:
        raise CaseError(_l("Choose a reason for closing."))
    # The floors above may refuse by raising a HotlineError, before any change is made (referrals:
    # open referrals block closing unless `open_referrals_reason` overrides them).
    signals.case_closing.send(case, override_reason=open_referrals_reason, actor=actor)
    set_case_status(case, CaseStatus.CLOSED, actor, reason=reason)
    if note:
        add_note(case, body=note, actor=actor)
    return case


def reopen_case(case: Case, *, expected_version: int | None, reason: str, actor: Any) -> Case:
    check_version(case, expected_version)
    if case.status != CaseStatus.CLOSED:
        raise CaseError(_l("Only a closed case can be reopened."))
    if not (reason or "").strip():
        raise CaseError(_l("Say why the case is reopened."))
    return set_case_status(case, CaseStatus.TRIAGED, actor, reason=reason)


def add_note(case: Case, *, body: str, actor: Any) -> CaseNote:
    if not (body or "").strip():
        raise CaseError(_l("A note cannot be empty."))
    note = CaseNote(case_id=case.id, author_id=getattr(actor, "id", None), body=body, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    audit.record(
        "case.note", actor=actor, object_type="case", object_id=case.id, summary=f"note {note.id} added"
    )
    return note
