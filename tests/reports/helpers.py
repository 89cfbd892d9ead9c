"""A hand-built data set whose every figure is known (see the expected values in test_dashboard.py).

Rows are added directly with explicit timestamps (reports only read, so how the rows came about
does not matter here). Times are UTC; Lima is UTC-5, so 2026-04-01 04:00Z is still 31 March in Lima.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from sqlalchemy import event, insert

from hotline.calls.models import Call
from hotline.cases.models import Case, Person, case_exploitation_forms
from hotline.extensions import db
from hotline.partners.services import get_partner_by_code
from hotline.referrals.models import Referral
from hotline.reports.filters import ReportFilter

_seq = count(1)
MARCH = ReportFilter(date(2026, 3, 1), date(2026, 3, 31), period="month")
NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """'2026-03-02 15:00' (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_call(
    received: str, channel: str = "phone", kind: str | None = "information", case: Case | None = None
) -> Call:
    call = Call(
        channel=channel,
        status="logged" if kind else "ended",
        received_at=at(received),
        kind=kind,
        duration_seconds=60,
        case_id=case.id if case else None,
        caller_number="+51 999 000 111",
        summary="Resumen con datos personales: Rosa Quispe",
    )
    db.session.add(call)
    db.session.flush()
    return call


def add_case(opened: str, *, region: str | None, forms: tuple[str, ...] = (), **values: Any) -> Case:
    n = next(_seq)
    case = Case(
        reference=f"TP-2099-{n:06d}",
        opened_at=at(opened),
        region_ubigeo=region,
        location="Jr. Los Pinos 455",
        narrative="Narrativa confidencial",
        **values,
    )
    db.session.add(case)
    db.session.flush()
    if forms:
        db.session.execute(
            insert(case_exploitation_forms), [{"case_id": case.id, "form_code": f} for f in forms]
        )
    return case


def add_victim(case: Case, *, role: str = "victim", **values: Any) -> Person:
    person = Person(case_id=case.id, role=role, name="Rosa Mamani Quispe", phone="+51 984 112 233", **values)
    db.session.add(person)
    db.session.flush()
    return person


def add_referral(
    case: Case, partner_code: str, *, risk: str, status: str, sent: str | None, **values: Any
) -> Referral:
    partner = get_partner_by_code(partner_code)
    assert partner is not None
    n = next(_seq)
    referral = Referral(
        reference=f"RF-2099-{n:06d}",
        case_id=case.id,
        case_seq=n,
        partner_id=partner.id,
        kind="services",
        status=status,
        risk=risk,
        shared_data="{}",
        sent_at=at(sent) if sent else None,
        **{k: (at(v) if k.endswith("_at") and isinstance(v, str) else v) for k, v in values.items()},
    )
    db.session.add(referral)
    db.session.flush()
    return referral


@dataclass
class Fixture:
    cases: dict[str, Case]
    referrals: dict[str, Referral]
    partners: dict[str, int]


def build() -> Fixture:
    a = add_case(
        "2026-03-02 15:05",
        region="21",
        forms=("SEXUAL",),
        has_minors=True,
        status="referred",
        risk="urgent",
        indicators=["debt", "documents_withheld", "recruited_online", "cannot_leave", "isolated_or_watched"],
    )
    b = add_case(
        "2026-03-05 14:00",
        region="1501",
        forms=("LABOUR", "FORCED_LABOUR"),
        has_minors=False,
        status="closed",
        close_reason="referred_and_attended",
        closed_at=at("2026-03-28 10:00"),
        risk="normal",
    )
    c = add_case("2026-03-20 13:00", region="15", status="new", risk="normal")
    d = add_case("2026-02-10 13:00", region="21", forms=("SEXUAL",), status="referred", risk="high")
    e = add_case("2026-03-25 13:00", region=None, forms=("BEGGING",), status="triaged", risk="high")

    add_call("2026-03-02 15:00", "phone", "trafficking_report", a)
    add_call("2026-03-02 16:00", "whatsapp", "information")
    add_call("2026-03-10 12:00", "phone", "silent")
    add_call("2026-03-31 23:30", "web", "information")
    add_call("2026-04-01 04:00", "phone", "prank")  # 31 March, 23:00 in Lima
    add_call("2026-03-01 03:00", "phone", "information")  # 28 February in Lima: out
    add_call("2026-04-01 05:30", "phone", "information")  # 1 April in Lima: out
    add_call("2026-03-15 12:00", "sms", None)  # intake not done yet
    add_call("2026-03-20 12:00", "phone", "case_followup", b)

    add_victim(a, gender="feminine", age=16, nationalities=["PE"], recruiter_relation="family")
    add_victim(a, gender="feminine", age_range="9-17", nationalities=[])
    add_victim(a, role="suspect", gender="masculine", age=40, nationalities=["PE"])
    add_victim(b, gender="masculine", age=30, nationalities=["VE", "PE"], trafficking_status="actual")
    add_victim(b, gender="feminine", age=45, nationalities=["PE"])
    add_victim(c, nationalities=["CO"])
    add_victim(e, gender="transgender_feminine", age=19, nationalities=["PE"])
    add_victim(d, gender="feminine", age=22, nationalities=["PE"])

    r = {
        "r1": add_referral(
            a,
            "MP-FISTRAP",
            risk="urgent",
            status="closed",
            sent="2026-03-02 16:00",
            ack_due_at="2026-03-02 18:00",
            acknowledged_at="2026-03-02 17:00",
            answered_at="2026-03-02 17:30",
            closed_at="2026-03-20 10:00",
            outcome="victim_assisted",
        ),
        "r2": add_referral(
            a,
            "MIMP",
            risk="urgent",
            status="declined",
            sent="2026-03-02 16:00",
            ack_due_at="2026-03-02 18:00",
            acknowledged_at="2026-03-02 20:00",
            answered_at="2026-03-02 20:00",
            decline_reason='=HYPERLINK("http://x") sin cupo',
        ),
        "r3": add_referral(
            b,
            "MP-FISTRAP",
            risk="normal",
            status="accepted",
            sent="2026-03-06 10:00",
            ack_due_at="2026-03-09 10:00",
            acknowledged_at="2026-03-06 12:00",
            answered_at="2026-03-06 12:00",
        ),
        "r4": add_referral(
            b, "MIMP", risk="normal", status="sent", sent="2026-03-06 10:00", ack_due_at="2026-03-09 10:00"
        ),
        "r5": add_referral(
            c,
            "MP-FISTRAP",
            risk="high",
            status="closed",
            sent="2026-03-21 10:00",
            ack_due_at="2026-03-22 10:00",
            acknowledged_at="2026-03-21 13:00",
            answered_at="2026-03-21 13:00",
            closed_at="2026-03-30 10:00",
            outcome="investigation_opened",
        ),
        "r6": add_referral(
            e,
            "MP-FISTRAP",
            risk="high",
            status="closed",
            sent="2026-03-26 09:00",
            ack_due_at="2026-03-27 09:00",
            acknowledged_at="2026-03-26 19:00",
            answered_at="2026-03-26 19:00",
            closed_at="2026-03-31 10:00",
            outcome="no_action",
            outcome_note="Nada que hacer",
        ),
        "r7": add_referral(
            c,
            "MIMP",
            risk="normal",
            status="revoked",
            sent="2026-03-21 10:00",
            ack_due_at="2026-03-24 10:00",
            revoked_at="2026-03-21 11:00",
        ),
        "r8": add_referral(
            d,
            "MP-FISTRAP",
            risk="high",
            status="sent",
            sent="2026-02-11 10:00",
            ack_due_at="2026-02-12 10:00",
        ),
        "r9": add_referral(e, "MIMP", risk="high", status="pending", sent=None),
    }
    partners = {code: get_partner_by_code(code).id for code in ("MP-FISTRAP", "MIMP")}  # type: ignore[union-attr]
    return Fixture({"A": a, "B": b, "C": c, "D": d, "E": e}, r, partners)


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block (savepoints left out)."""
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
