"""Logging contacts. Other domains (telephony, awareness) create calls only through here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from hotline import crypto
from hotline.audit import services as audit
from hotline.calls.models import Call, CallerType, CallKind, CallLanguage, CallStatus, Channel
from hotline.cases.services import CaseFacts, PersonData, PersonTerms, redact_text
from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.pagination import paginate


def log_call(
    *,
    channel: Channel,
    status: CallStatus = CallStatus.ENDED,
    received_at: datetime | None = None,
    twilio_sid: str | None = None,
    caller_number: str | None = None,
    summary: str | None = None,
    actor: object | None = None,
) -> Call:
    """Create a Call row (and its audit row). The caller commits."""
    call = Call(
        channel=channel.value,
        status=status.value,
        received_at=received_at or utcnow(),
        twilio_sid=twilio_sid,
        caller_number=caller_number,
        caller_number_index=crypto.blind_index(caller_number, phone=True),
        summary=summary,
        operator_id=getattr(actor, "id", None),
    )
    db.session.add(call)
    db.session.flush()
    audit.record(
        "call.create", actor=actor, object_type="call", object_id=call.id, summary=f"channel={call.channel}"
    )
    return call


def get_call_by_sid(sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.twilio_sid == sid))


# --- intake (operators) -------------------------------------------------------------------------

UNFINISHED = (CallStatus.RINGING, CallStatus.IN_PROGRESS, CallStatus.ENDED)
# Kinds that are about a possible trafficking situation and so belong to a case.
CASE_KINDS = (CallKind.TRAFFICKING_REPORT, CallKind.CASE_FOLLOWUP)


class CallError(HotlineError):
    """A rule about calls was broken (the message is safe to show)."""


class CallClaimed(CallError):
    def __init__(self) -> None:
        super().__init__(_l("Another operator is already handling this call."))


class CallAlreadyLogged(CallError):
    def __init__(self) -> None:
        super().__init__(_l("The intake of this call has already been saved."))


@dataclass
class IntakeData:
    """What the operator entered on the intake form (plain values, already validated)."""

    kind: CallKind
    channel: Channel = Channel.PHONE
    received_at: datetime | None = None
    duration_seconds: int | None = None
    caller_number: str | None = None
    caller_type: CallerType | None = None
    caller_name: str | None = None
    language: CallLanguage | None = None
    summary: str | None = None
    # The case: open a new one (`new_case` facts), link an existing one, or none.
    link_case_id: int | None = None
    new_case: CaseFacts | None = None
    victim: PersonData | None = None


def get_call(call_id: int) -> Call | None:
    if not isinstance(call_id, int) or not 0 < call_id <= 2**31 - 1:
        return None
    return db.session.get(Call, call_id)


def record_call_view(call: Call, actor: Any) -> None:
    """Audit one view of a call's details (caller number, summary)."""
    audit.record("call.view", actor=actor, object_type="call", object_id=call.id, summary="call page")


def previous_calls_from(
    call_number: str | None, *, exclude_id: int | None = None
) -> tuple[int, datetime | None]:
    """How many earlier calls came from this number, and when the last one was."""
    index = crypto.blind_index(call_number, phone=True) if call_number else None
    if not index:
        return 0, None
    query = select(func.count(), func.max(Call.received_at)).where(Call.caller_number_index == index)
    if exclude_id is not None:
        query = query.where(Call.id != exclude_id)
    count, last = db.session.execute(query).one()
    return int(count or 0), last


def claim_call(call: Call, actor: Any) -> Call:
    """An operator takes a live or ended call to fill in its intake (used by the telephony live view).

    Taking a call someone else already holds is refused (CallClaimed); taking your own again is fine.
    """
    if call.status == CallStatus.LOGGED:
        raise CallAlreadyLogged()
    actor_id = getattr(actor, "id", None)
    if call.operator_id not in (None, actor_id):
        raise CallClaimed()
    if call.operator_id is None:
        call.operator_id = actor_id
        db.session.flush()
        audit.record(
            "call.claim",
            actor=actor,
            object_type="call",
            object_id=call.id,
            summary=f"claimed {call.channel} call",
        )
    return call


def record_intake(*, call: Call | None, data: IntakeData, actor: Any) -> Call:
    """Save the operator's intake: create the call if it is a new contact, fill it in, mark it
    logged, and open or link its case. One transaction; the caller commits."""
    from hotline.cases import services as cases

    if call is None:
        call = log_call(
            channel=data.channel,
            status=CallStatus.LOGGED,
            received_at=data.received_at,
            caller_number=data.caller_number,
            actor=actor,
        )
        if data.duration_seconds is not None:
            call.duration_seconds = data.duration_seconds
            call.ended_at = call.received_at + timedelta(seconds=data.duration_seconds)
    else:
        if call.status == CallStatus.LOGGED:
            raise CallAlreadyLogged()
        claim_call(call, actor)
        if not call.twilio_sid:  # numbers and times from Twilio are facts; typed ones may be corrected
            call.channel = data.channel.value
            if data.received_at is not None:
                call.received_at = data.received_at
            if data.duration_seconds is not None:
                call.duration_seconds = data.duration_seconds
                call.ended_at = call.received_at + timedelta(seconds=data.duration_seconds)
        if data.caller_number and not call.twilio_sid:
            call.caller_number = data.caller_number
            call.caller_number_index = crypto.blind_index(data.caller_number, phone=True)
        call.status = CallStatus.LOGGED.value
    call.kind = data.kind.value
    call.caller_type = data.caller_type.value if data.caller_type else None
    call.language = data.language.value if data.language else None
    call.summary = data.summary or None
    call.operator_id = call.operator_id or getattr(actor, "id", None)

    case = None
    if data.link_case_id is not None:
        case = cases.get_case(data.link_case_id)
        if case is None:
            raise CallError(_l("There is no such case."))
    elif data.new_case is not None:
        facts = data.new_case
        if not facts.narrative:
            facts.narrative = data.summary
        case = cases.open_case(facts=facts, actor=actor, opened_at=utcnow())
        if data.victim is not None:
            cases.add_person(case, data.victim, actor=actor)
    if case is not None:
        call.case_id = case.id
        call.case = case
        if data.caller_name and data.caller_type != CallerType.ANONYMOUS:
            cases.add_person(
                case,
                cases.PersonData(
                    role="caller",
                    name=data.caller_name,
                    phone=call.caller_number if call.caller_number else None,
                ),
                actor=actor,
            )
    db.session.flush()
    audit.record(
        "call.intake",
        actor=actor,
        object_type="call",
        object_id=call.id,
        summary=f"kind={call.kind} case={call.case_id or '-'}",
    )
    return call


def link_call_to_case(call: Call, case: Any, *, actor: Any) -> Call:
    """Attach an already logged call to a case (e.g. a follow-up recognised later)."""
    if call.case_id == case.id:
        return call
    if call.case_id is not None:
        raise CallError(_l("This call is already linked to another case."))
    call.case_id = case.id
    db.session.flush()
    audit.record(
        "call.link", actor=actor, object_type="call", object_id=call.id, summary=f"linked to case {case.id}"
    )
    return call


@dataclass
class Queue:
    unfinished: list[Call]
    recent: Any  # a Flask-SQLAlchemy Pagination of logged calls


def list_queue(actor: Any, *, page: int = 1, per_page: int = 25, mine_only: bool = False) -> Queue:
    """Live and unfinished calls (oldest first), then the recent logged ones (newest first).

    A bounded number of queries whatever the page size: operator and case come in the same query.
    """
    per_page = max(1, min(per_page, 100))
    options = (joinedload(Call.operator), joinedload(Call.case))
    unfinished_q = (
        select(Call)
        .where(Call.status.in_([s.value for s in UNFINISHED]))
        .options(*options)
        .order_by(Call.received_at.asc(), Call.id.asc())
        .limit(100)
    )
    recent_q = select(Call).where(Call.status == CallStatus.LOGGED.value)
    if mine_only:
        recent_q = recent_q.where(Call.operator_id == getattr(actor, "id", None))
        unfinished_q = unfinished_q.where(
            (Call.operator_id == getattr(actor, "id", None)) | Call.operator_id.is_(None)
        )
    recent_q = recent_q.options(*options).order_by(Call.received_at.desc(), Call.id.desc())
    unfinished = list(db.session.scalars(unfinished_q).unique())
    recent = paginate(recent_q, page=page, per_page=per_page)  # no COUNT(*) over millions of calls
    return Queue(unfinished=unfinished, recent=recent)


# --- data-subject rights and retention (hotline/subjects) ---------------------------------------


def anonymise_caller_numbers(
    *,
    phone_indexes: Sequence[str],
    case_ids: Sequence[int],
    terms: PersonTerms,
    actor: Any,
    basis: str,
) -> dict[str, int]:
    """A person's anonymisation: clear the caller number of every contact from their phone (blind
    indexes), and redact their name words and numbers (`terms`, see `cases.services.person_terms`)
    from the summaries of those contacts and of the contacts of their cases."""
    indexes = [i for i in phone_indexes if i]
    conditions = []
    if indexes:
        conditions.append(Call.caller_number_index.in_(indexes))
    if case_ids:
        conditions.append(Call.case_id.in_(list(case_ids)))
    if not conditions:
        return {}
    counts: dict[str, int] = {}
    for call in db.session.scalars(select(Call).where(or_(*conditions)).order_by(Call.id)):
        changed = []
        # Their number (by its blind index, or sharing six digits with their phone or document).
        if call.caller_number_index in indexes or (
            call.caller_number and redact_text(call.caller_number, terms) != call.caller_number
        ):
            call.caller_number = None
            call.caller_number_index = None
            changed.append("caller number")
        redacted = redact_text(call.summary, terms)
        if redacted != call.summary:
            call.summary = redacted
            changed.append("summary")
        for what in changed:
            key = "caller numbers" if what == "caller number" else "call summaries"
            counts[key] = counts.get(key, 0) + 1
        if changed:
            audit.record(
                "call.anonymise",
                actor=actor,
                object_type="call",
                object_id=call.id,
                summary=f"{' and '.join(changed)} anonymised ({basis})",
            )
    db.session.flush()
    return counts


def anonymise_case_calls(case_id: int, *, actor: Any, basis: str) -> dict[str, int]:
    """Retention: clear the caller number and the summary of every contact of a case."""
    counts: dict[str, int] = {}
    for call in db.session.scalars(select(Call).where(Call.case_id == case_id).order_by(Call.id)):
        changed = []
        if call.caller_number is not None or call.caller_number_index is not None:
            call.caller_number = None
            call.caller_number_index = None
            changed.append("caller number")
            counts["caller numbers"] = counts.get("caller numbers", 0) + 1
        if call.summary is not None:
            call.summary = None
            changed.append("summary")
            counts["call summaries"] = counts.get("call summaries", 0) + 1
        if changed:
            audit.record(
                "call.anonymise",
                actor=actor,
                object_type="call",
                object_id=call.id,
                summary=f"{' and '.join(changed)} cleared ({basis})",
            )
    db.session.flush()
    return counts
