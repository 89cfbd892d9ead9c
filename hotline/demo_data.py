"""A large synthetic data set for benchmarks and demos: `flask --app wsgi demo-data --calls N`.

Rows are written in bulk with Core INSERTs (the encrypted column types still encrypt every value),
bypassing the per-row services on purpose: this is for load, never for real data. Everything is
fictitious and reproducible from --seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select

from hotline import crypto
from hotline.auth.models import Role, User
from hotline.auth.passwords import hash_password
from hotline.calls.models import Call, CallerType, CallKind, CallLanguage, CallStatus, Channel
from hotline.cases.models import (
    Case,
    CaseCounter,
    CaseStatus,
    CloseReason,
    Consent,
    Gender,
    Indicator,
    Person,
    PersonRole,
    Risk,
    case_exploitation_forms,
)
from hotline.cases.services import age_range_for
from hotline.database import advance_sequences, utcnow
from hotline.extensions import db
from hotline.reference.models import ExploitationForm, Province

FIRST = [
    "María",
    "José",
    "Rosa",
    "Luis",
    "Ana",
    "Carlos",
    "Juana",
    "Pedro",
    "Lucía",
    "Jorge",
    "Yolanda",
    "Wilmer",
    "Nélida",
    "Edwin",
    "Marleny",
    "Percy",
    "Flor",
    "Ñusta",
    "Quispe",
    "Killa",
]
LAST = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Flores",
    "Rojas",
    "Sánchez",
    "Condori",
    "Chávez",
    "Ramos",
    "Torres",
    "Vargas",
    "Castillo",
    "Gutiérrez",
    "Apaza",
    "Ccori",
    "Pérez",
    "Yupanqui",
    "Ñaupari",
]
NATIONALITIES = ["PE"] * 8 + ["VE", "CO", "BO", "EC"]

# Shares of contacts by kind and channel, roughly what a national line sees.
KINDS = [
    (CallKind.TRAFFICKING_REPORT, 14),
    (CallKind.INFORMATION, 30),
    (CallKind.CASE_FOLLOWUP, 6),
    (CallKind.REFERRED_ELSEWHERE, 15),
    (CallKind.SILENT, 20),
    (CallKind.PRANK, 12),
    (CallKind.TEST, 3),
]
CHANNELS = [
    (Channel.PHONE, 80),
    (Channel.WHATSAPP, 8),
    (Channel.SMS, 4),
    (Channel.WEB, 6),
    (Channel.WALK_IN, 1),
    (Channel.EMAIL, 1),
]


def _weighted(rng: random.Random, pairs: list[tuple[object, int]]) -> object:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


@dataclass
class DemoDataReport:
    calls: int = 0
    cases: int = 0
    persons: int = 0


def _staff(role: Role, count: int) -> list[int]:
    ids = list(db.session.scalars(select(User.id).where(User.role == role.value, User.is_active)))
    password = hash_password("demo-data-not-for-login")
    while len(ids) < count:
        n = len(ids) + 1
        user = User(
            email=f"{role.value}{n}@demo-data.pe",
            name=f"{role.value.title()} {n}",
            role=role.value,
            password_hash=password,
        )
        db.session.add(user)
        db.session.flush()
        ids.append(user.id)
    return ids


def generate(
    calls: int,
    *,
    seed: int = 1818,
    days: int = 730,
    batch: int = 5000,
    staff: tuple[int, int] = (40, 8),
    progress: Callable[[int, int], None] | None = None,
) -> DemoDataReport:
    """Add `calls` contacts over the last `days` days, with the cases, persons and links they imply.

    `staff` is how many operators and coordinators handle them (existing accounts first)."""
    rng = random.Random(seed)  # noqa: S311  (fictitious data, reproducible on purpose)
    operators = _staff(Role.OPERATOR, staff[0])
    coordinators = _staff(Role.COORDINATOR, staff[1])
    provinces = [(p, r) for p, r in db.session.execute(select(Province.ubigeo, Province.region_ubigeo))]
    forms = list(db.session.scalars(select(ExploitationForm.code)))
    indicators = [i.value for i in Indicator]
    now = utcnow()
    start = now - timedelta(days=days)
    report = DemoDataReport()
    counters = {
        year: value for year, value in db.session.execute(select(CaseCounter.year, CaseCounter.value))
    }
    next_case_id = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
    case_ids: list[int] = []
    phones = [f"9{rng.randrange(10**8):08d}" for _ in range(max(calls // 6, 10))]  # repeat callers

    done = 0
    while done < calls:
        size = min(batch, calls - done)
        call_rows, case_rows, person_rows, form_rows = [], [], [], []
        for _ in range(size):
            received = start + timedelta(seconds=rng.randrange(days * 86400))
            kind = _weighted(rng, KINDS)
            channel = _weighted(rng, CHANNELS)
            number = rng.choice(phones) if channel in (Channel.PHONE, Channel.SMS, Channel.WHATSAPP) else None
            duration = 0 if kind == CallKind.SILENT else rng.randrange(30, 1500)
            case_id = None
            if kind == CallKind.TRAFFICKING_REPORT:
                case_id = next_case_id
                next_case_id += 1
                year = received.year
                counters[year] = counters.get(year, 0) + 1
                province, region = rng.choice(provinces)
                risk = rng.choices([Risk.URGENT, Risk.HIGH, Risk.NORMAL], weights=[10, 30, 60])[0]
                age_days = (now - received).days
                status = (
                    CaseStatus.CLOSED
                    if age_days > 120 and rng.random() < 0.7
                    else rng.choice([CaseStatus.NEW, CaseStatus.TRIAGED, CaseStatus.REFERRED])
                )
                minors = rng.random() < 0.3
                case_rows.append(
                    {
                        "id": case_id,
                        "reference": f"TP-{year}-{counters[year]:06d}",
                        "status": status.value,
                        "risk": risk.value,
                        "region_ubigeo": region,
                        "province_ubigeo": province,
                        "location": "Fictitious place for load tests",
                        "indicators": rng.sample(indicators, 3),
                        "victim_count": rng.randrange(1, 6),
                        "has_minors": minors,
                        "victim_nationalities": sorted({rng.choice(NATIONALITIES)}),
                        "narrative": "Synthetic narrative for benchmarks. " * 4,
                        "assigned_to_id": rng.choice(coordinators),
                        "opened_by_id": rng.choice(operators),
                        "opened_at": received,
                        "triage_due_at": received + timedelta(hours=24),
                        "triaged_at": None if status == CaseStatus.NEW else received + timedelta(hours=3),
                        "closed_at": received + timedelta(days=60) if status == CaseStatus.CLOSED else None,
                        "close_reason": CloseReason.REFERRED_AND_ATTENDED.value
                        if status == CaseStatus.CLOSED
                        else None,
                        "version_id": 1,
                        "created_at": received,
                        "updated_at": received,
                    }
                )
                for code in rng.sample(forms, rng.choice([1, 1, 2])):
                    form_rows.append({"case_id": case_id, "form_code": code})
                for n in range(rng.choice([1, 1, 2, 3])):
                    name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
                    age = rng.randrange(9, 17) if minors and n == 0 else rng.randrange(18, 60)
                    person_rows.append(
                        {
                            "case_id": case_id,
                            "role": PersonRole.VICTIM.value if n < 2 else PersonRole.SUSPECT.value,
                            "name": name,
                            "name_index": crypto.blind_index(name),
                            "gender": rng.choice([Gender.FEMININE, Gender.FEMININE, Gender.MASCULINE]).value,
                            "age": age,
                            "age_range": age_range_for(age),
                            "nationalities": [rng.choice(NATIONALITIES)],
                            "is_interpreter_needed": False,
                            "consent": rng.choice(list(Consent)).value,
                            "suspect_roles": [],
                            "version_id": 1,
                            "created_at": received,
                            "updated_at": received,
                        }
                    )
                case_ids.append(case_id)
            elif kind == CallKind.CASE_FOLLOWUP and case_ids:
                case_id = rng.choice(case_ids)
            call_rows.append(
                {
                    "channel": channel.value,
                    "status": CallStatus.LOGGED.value,
                    "received_at": received,
                    "ended_at": received + timedelta(seconds=duration),
                    "duration_seconds": duration,
                    "caller_number": number,
                    "caller_number_index": crypto.blind_index(number, phone=True),
                    "caller_type": rng.choice(list(CallerType)).value,
                    "language": _language(rng),
                    "kind": kind.value,
                    "summary": None
                    if kind in (CallKind.SILENT, CallKind.PRANK)
                    else "Synthetic summary for load tests.",
                    "operator_id": rng.choice(operators),
                    "case_id": case_id,
                    "created_at": received,
                    "updated_at": received,
                }
            )
        if case_rows:
            db.session.execute(insert(Case.__table__), case_rows)
            db.session.execute(insert(case_exploitation_forms), form_rows)
            db.session.execute(insert(Person.__table__), person_rows)
        db.session.execute(insert(Call.__table__), call_rows)
        done += size
        report.calls += size
        report.cases += len(case_rows)
        report.persons += len(person_rows)
        _save_counters(counters)
        db.session.commit()
        if progress:
            progress(done, calls)
    advance_sequences(db.session)  # explicit ids were inserted: the next intake must not collide
    db.session.commit()
    return report


def _language(rng: random.Random) -> str:
    return rng.choices(
        [CallLanguage.SPANISH, CallLanguage.QUECHUA, CallLanguage.AYMARA, CallLanguage.ENGLISH],
        weights=[90, 7, 2, 1],
    )[0].value


def _save_counters(counters: dict[int, int]) -> None:
    for year, value in counters.items():
        row = db.session.get(CaseCounter, year)
        if row is None:
            db.session.add(CaseCounter(year=year, value=value))
        else:
            row.value = max(row.value, value)
    db.session.flush()
