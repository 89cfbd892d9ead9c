"""The rows of the synthetic data set, generated contact by contact (see hotline/demo_data)."""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from hotline import crypto
from hotline.audit.models import AuditEvent
from hotline.auth.models import Role, User
from hotline.auth.passwords import hash_password
from hotline.calls.models import Call, CallerType, CallKind, CallLanguage, CallStatus, Channel
from hotline.cases.models import (
    Case,
    CaseCounter,
    CaseNote,
    CloseReason,
    Consent,
    DocumentType,
    Gender,
    Indicator,
    Person,
    PersonRole,
)
from hotline.cases.services import age_range_for
from hotline.demo_data.loading import TABLES, names
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.reference.models import ExploitationForm, Province, Region
from hotline.referrals.models import (
    EventAction,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralOutcome,
    ReferralStatus,
)

FIRST = names(
    "María José Rosa Luis Ana Carlos Juana Pedro Lucía Jorge Yolanda Wilmer Nélida Edwin Marleny "
    "Percy Flor Ñusta Killa Rubén"
)
LAST = names(
    "Quispe Mamani Huamán Flores Rojas Sánchez Condori Chávez Ramos Torres Vargas Castillo "
    "Gutiérrez Apaza Ccori Pérez Yupanqui Ñaupari"
)
NATIONALITIES = ["PE"] * 8 + ["VE", "CO", "BO", "EC"]
NARRATIVES = [
    "Synthetic narrative for benchmarks: a job offer far from home, documents kept by the employer. " * 2,
    "Synthetic narrative for benchmarks: a minor seen working at night in a bar near a mine. " * 2,
    "Synthetic narrative for benchmarks: workers locked in at a farm, wages withheld for months. " * 2,
    "Synthetic narrative for benchmarks: a young woman recruited online, now unreachable. " * 2,
]
NOTES = [
    "Synthetic note: called back the reporting person, no answer.",
    "Synthetic note: the police unit confirmed it received the referral.",
    "Synthetic note: the victim's relative called again with more details.",
    "Synthetic note: checked the address with the regional office.",
]
SUMMARY = "Synthetic summary for load tests."
PLACE = "Fictitious place for load tests"

# Shares of contacts by kind (a quarter of them open a case) and by channel.
KINDS = [
    (CallKind.TRAFFICKING_REPORT, 25),
    (CallKind.INFORMATION, 25),
    (CallKind.CASE_FOLLOWUP, 8),
    (CallKind.REFERRED_ELSEWHERE, 12),
    (CallKind.SILENT, 17),
    (CallKind.PRANK, 10),
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
LANGUAGES = [
    (CallLanguage.SPANISH, 90),
    (CallLanguage.QUECHUA, 7),
    (CallLanguage.AYMARA, 2),
    (CallLanguage.ENGLISH, 1),
]
REFERRAL_KINDS = [
    (ReferralKind.SERVICES, 60),
    (ReferralKind.LAW_ENFORCEMENT, 35),
    (ReferralKind.WARM_HANDOFF, 5),
]
# Where a referral of a case still open stands, by how long ago it was sent.
OPEN_FATE = [
    ("pending", 3),
    ("sent", 12),
    ("acknowledged", 20),
    ("accepted", 45),
    ("declined", 10),
    ("closed", 8),
    ("revoked", 2),
]
OLD_OPEN_FATE = [
    ("pending", 2),  # prepared and never sent
    ("sent", 4),
    ("acknowledged", 6),
    ("accepted", 60),
    ("declined", 12),
    ("closed", 16),
    ("revoked", 2),
]
CLOSED_FATE = [("closed", 75), ("declined", 15), ("revoked", 10)]
OUTCOMES = [o.value for o in ReferralOutcome]
UNFINISHED_CALLS = 12  # the most recent contacts are left for the intake queue
BIG_LOAD = 50_000  # PostgreSQL: from this many contacts, indexes are rebuilt at the end, rows written aside


class _Pick:
    """Weighted choices with the cumulative weights computed once (rng.choices is slow without)."""

    def __init__(self, pairs: Sequence[tuple[Any, int]]) -> None:
        self.values = [v.value if hasattr(v, "value") else v for v, _ in pairs]
        self.cumulative: list[int] = []
        total = 0
        for _, weight in pairs:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


class _Sealer:
    """Fernet tokens and blind indexes of fictitious values, each distinct value computed once."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.indexes: dict[tuple[str, bool], str | None] = {}

    def seal(self, value: str | None) -> str | None:
        if value is None:
            return None
        token = self.tokens.get(value)
        if token is None:
            token = self.tokens[value] = crypto.encrypt(value)
        return token

    def index(self, value: str | None, *, phone: bool = False) -> str | None:
        if value is None:
            return None
        key = (value, phone)
        if key not in self.indexes:
            self.indexes[key] = crypto.blind_index(value, phone=phone)
        return self.indexes[key]


@dataclass
class DemoDataReport:
    calls: int = 0
    cases: int = 0
    persons: int = 0
    notes: int = 0
    referrals: int = 0
    events: int = 0
    audit: int = 0

    def describe(self) -> str:
        return ", ".join(f"{getattr(self, f.name):,} {f.name}" for f in fields(self))


def _staff(role: Role, count: int) -> list[int]:
    ids = list(db.session.scalars(select(User.id).where(User.role == role.value, User.is_active)))
    if len(ids) >= count:
        return ids
    password = hash_password("demo-data-not-for-login")  # one hash for all: argon2 is slow on purpose
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


def _next_id(model: Any) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


class Generator:
    """Builds the rows of one batch of contacts at a time (see `generate`)."""

    def __init__(self, rng: random.Random, *, now: datetime, staff: tuple[int, int]) -> None:
        self.rng = rng
        self.now = now
        self.sealer = _Sealer()
        self.operators = _staff(Role.OPERATOR, staff[0])
        self.coordinators = _staff(Role.COORDINATOR, staff[1])
        self.provinces = list(db.session.execute(select(Province.ubigeo, Province.region_ubigeo)))
        self.region_names = dict(db.session.execute(select(Region.ubigeo, Region.name)).tuples().all())
        self.forms = list(db.session.scalars(select(ExploitationForm.code).order_by(ExploitationForm.code)))
        partners = list(
            db.session.scalars(select(Partner.id).where(Partner.is_active.is_(True)).order_by(Partner.id))
        )
        # A few partners (the prosecutor's office, the police, the ministry for women) get most referrals.
        self.partner_pick = _Pick([(p, 30 if i < 3 else 3) for i, p in enumerate(partners)])
        self.has_partners = bool(partners)
        self.indicators = [i.value for i in Indicator]
        self.kind, self.channel, self.language = _Pick(KINDS), _Pick(CHANNELS), _Pick(LANGUAGES)
        self.referral_kind = _Pick(REFERRAL_KINDS)
        self.fates = {"open": _Pick(OPEN_FATE), "old": _Pick(OLD_OPEN_FATE), "closed": _Pick(CLOSED_FATE)}
        self.caller_types = [c.value for c in CallerType]
        self.consents = [c.value for c in Consent]
        self.ack_hours = {"urgent": 2, "high": 24, "normal": 72}
        self.counters = dict(db.session.execute(select(CaseCounter.year, CaseCounter.value)).all())
        self.ids = {
            "calls": _next_id(Call),
            "cases": _next_id(Case),
            "persons": _next_id(Person),
            "case_notes": _next_id(CaseNote),
            "referrals": _next_id(Referral),
            "referral_events": _next_id(ReferralEvent),
            "audit_events": _next_id(AuditEvent),
        }
        self.case_ids: list[int] = []
        self.json: dict[tuple, str] = {}
        self.rows: dict[str, list[tuple]] = {name: [] for name in TABLES}

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _json(self, values: Sequence[Any]) -> str:
        key = tuple(values)
        if key not in self.json:
            self.json[key] = json.dumps(list(values))
        return self.json[key]

    def _audit(self, at: datetime, actor: int, role: str, action: str, kind: str, object_id: int) -> None:
        self.rows["audit_events"].append(
            (
                self._id("audit_events"),
                at,
                actor,
                role,
                action,
                kind,
                str(object_id),
                "success",
                "127.0.0.1",
                "",
            )
        )

    # --- one contact ------------------------------------------------------------------------------

    def call(self, received: datetime, phones: list[str], *, unfinished: bool) -> None:
        rng = self.rng
        kind = self.kind(rng)
        channel = self.channel(rng)
        number = rng.choice(phones) if channel in ("phone", "sms", "whatsapp") else None
        duration = 0 if kind == "silent" else rng.randrange(30, 1500)
        operator = rng.choice(self.operators)
        case_id = None
        if unfinished:
            kind, status, operator = None, CallStatus.ENDED.value, None
        else:
            status = CallStatus.LOGGED.value
            if kind == "trafficking_report":
                case_id = self.case(received, operator)
            elif kind == "case_followup" and self.case_ids:
                case_id = rng.choice(self.case_ids[-5000:])  # follow-ups come soon after the report
        call_id = self._id("calls")
        self.rows["calls"].append(
            (
                call_id,
                channel,
                status,
                received,
                received + timedelta(seconds=duration),
                duration,
                self.sealer.seal(number),
                self.sealer.index(number, phone=True),
                rng.choice(self.caller_types),
                self.language(rng),
                kind,
                None if kind in (None, "silent", "prank") else self.sealer.seal(SUMMARY),
                operator,
                case_id,
                received,
                received,
            )
        )
        if case_id is not None:
            self._audit(
                received + timedelta(seconds=duration + 60),
                operator,
                "operator",
                "call.intake",
                "call",
                call_id,
            )

    def case(self, opened: datetime, operator: int) -> int:
        rng, now = self.rng, self.now
        case_id = self._id("cases")
        year = opened.year
        self.counters[year] = self.counters.get(year, 0) + 1
        reference = f"TP-{year}-{self.counters[year]:06d}"
        province, region = rng.choice(self.provinces)
        risk = rng.choices(["urgent", "high", "normal"], cum_weights=[10, 40, 100])[0]
        age_days = (now - opened).days
        roll = rng.random()
        if age_days > 120:
            status = "closed" if roll < 0.75 else "referred" if roll < 0.95 else "triaged"
        else:
            status = "new" if roll < 0.25 else "triaged" if roll < 0.45 else "referred"
        if age_days < 2 and status != "new" and roll < 0.6:
            status = "new"  # the last days' cases wait for triage, some of them past their deadline
        minors = rng.random() < 0.3
        coordinator = rng.choice(self.coordinators)
        triaged = None if status == "new" else opened + timedelta(minutes=rng.randrange(20, 60 * 30))
        closed = opened + timedelta(days=rng.randrange(20, 110)) if status == "closed" else None
        indicators = sorted(rng.sample(self.indicators, 3))
        nationalities = sorted({rng.choice(NATIONALITIES)})
        self.rows["cases"].append(
            (
                case_id,
                reference,
                status,
                risk,
                region,
                province,
                self.sealer.seal(PLACE),
                self._json(indicators),
                rng.randrange(1, 6),
                minors,
                self._json(nationalities),
                self.sealer.seal(rng.choice(NARRATIVES)),
                coordinator,
                operator,
                opened,
                opened + timedelta(hours=24),
                triaged,
                closed,
                CloseReason.REFERRED_AND_ATTENDED.value if closed else None,
                1,
                opened,
                closed or triaged or opened,
            )
        )
        forms = rng.sample(self.forms, rng.choice([1, 1, 2])) if self.forms else []
        for code in forms:
            self.rows["case_exploitation_forms"].append((case_id, code))
        victims = self.persons(case_id, opened, minors)
        self._audit(opened, operator, "operator", "case.create", "case", case_id)
        for _ in range(rng.choice([0, 1, 1, 2])):
            seen = opened + timedelta(minutes=rng.randrange(5, 60 * 24 * 20))
            self._audit(min(seen, now), coordinator, "coordinator", "case.view", "case", case_id)
        for _ in range(rng.choice([0, 1, 1, 2])):
            written = min(opened + timedelta(minutes=rng.randrange(10, 60 * 24 * 30)), now)
            self.rows["case_notes"].append(
                (self._id("case_notes"), case_id, coordinator, self.sealer.seal(rng.choice(NOTES)), written)
            )
        if status in ("referred", "closed") and triaged is not None and self.has_partners:
            self.referrals(
                case_id, reference, risk, region, indicators, forms, victims, triaged, closed, coordinator
            )
        self.case_ids.append(case_id)
        return case_id

    def persons(self, case_id: int, at: datetime, minors: bool) -> list[int]:
        rng, sealer = self.rng, self.sealer
        victims = []
        for n in range(rng.choice([1, 1, 2, 3])):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
            age = rng.randrange(9, 17) if minors and n == 0 else rng.randrange(18, 60)
            role = PersonRole.VICTIM.value if n < 2 else PersonRole.SUSPECT.value
            document = f"{rng.randrange(10**7, 10**8)}" if role == "victim" and rng.random() < 0.4 else None
            phone = f"9{rng.randrange(10**8):08d}" if role == "victim" and rng.random() < 0.3 else None
            person_id = self._id("persons")
            self.rows["persons"].append(
                (
                    person_id,
                    case_id,
                    role,
                    sealer.seal(name),
                    sealer.index(name),
                    rng.choice([Gender.FEMININE, Gender.FEMININE, Gender.MASCULINE]).value,
                    age,
                    age_range_for(age),
                    self._json([rng.choice(NATIONALITIES)]),
                    False,
                    DocumentType.DNI.value if document else None,
                    crypto.encrypt(document) if document else None,  # unique: not worth caching
                    crypto.blind_index(document) if document else None,
                    sealer.seal(phone),
                    sealer.index(phone, phone=True),
                    rng.choice(self.consents),
                    self._json([]),
                    1,
                    at,
                    at,
                )
            )
            if role == "victim":
                victims.append(person_id)
        return victims

    # --- referrals and their timelines ------------------------------------------------------------

    def referrals(
        self,
        case_id: int,
        reference: str,
        risk: str,
        region: str,
        indicators: list[str],
        forms: list[str],
        victims: list[int],
        triaged: datetime,
        closed: datetime | None,
        coordinator: int,
    ) -> None:
        rng = self.rng
        count = rng.choice([1, 2, 2, 2, 3, 3])
        partners: list[int] = []
        for _ in range(count * 3):
            partner = self.partner_pick(rng)
            if partner not in partners:
                partners.append(partner)
            if len(partners) == count:
                break
        snapshot = {
            "version": 1,
            "case_reference": reference,
            "risk": risk,
            "region": self.region_names.get(region),
            "exploitation_forms": forms,
            "indicators": indicators,
            "summary": "Synthetic summary for the partner: " + NOTES[0],
            "victims": [{"number": i + 1, "gender": "feminine"} for i in range(len(victims))],
            "suspects": [],
        }
        shared = self.sealer.seal(json.dumps(snapshot, ensure_ascii=False, sort_keys=True))  # one per case
        for seq, partner in enumerate(partners, start=1):
            created = triaged + timedelta(minutes=rng.randrange(5, 240))
            self.referral(
                case_id,
                f"{reference}-R{seq}",
                seq,
                partner,
                risk,
                shared,
                victims,
                created,
                closed,
                coordinator,
            )

    def referral(
        self,
        case_id: int,
        reference: str,
        seq: int,
        partner: int,
        risk: str,
        shared: str | None,
        victims: list[int],
        created: datetime,
        case_closed: datetime | None,
        coordinator: int,
    ) -> None:
        rng, now, sealer = self.rng, self.now, self.sealer
        referral_id = self._id("referrals")
        kind = self.referral_kind(rng)
        age_days = (now - created).days
        fate = self.fates["closed" if case_closed else "old" if age_days > 30 else "open"](rng)
        events: list[tuple[datetime, str, str | None, str | None, str | None]] = [
            (created, EventAction.CREATED.value, None, ReferralStatus.PENDING.value, None)
        ]
        sent = ack_due = acknowledged = answered = closed = revoked = escalated = None
        decline = outcome = outcome_note = revoke_reason = None
        limit = case_closed or now
        if fate != "pending":
            sent = created + timedelta(minutes=rng.randrange(1, 30))
            ack_due = sent + timedelta(hours=self.ack_hours[risk])
            events.append((sent, EventAction.SENT.value, "pending", "sent", None))
            late = rng.random() < 0.15
            if (fate == "sent" or late) and ack_due < now:
                escalated = ack_due + timedelta(minutes=rng.randrange(1, 20))  # the worker warned
                events.append((escalated, EventAction.ESCALATED.value, None, None, None))
            if fate != "sent":
                hours = self.ack_hours[risk] * (rng.uniform(1.1, 3) if late else rng.uniform(0.05, 0.9))
                acknowledged = min(sent + timedelta(hours=hours), limit)
                events.append((acknowledged, EventAction.ACKNOWLEDGED.value, "sent", "acknowledged", None))
        if fate in ("accepted", "declined", "closed") and acknowledged is not None:
            answered = min(acknowledged + timedelta(hours=rng.randrange(1, 240)), limit)
            if fate == "declined":
                decline = sealer.seal("Synthetic reason: outside our area of work.")
                events.append((answered, EventAction.DECLINED.value, "acknowledged", "declined", decline))
            else:
                events.append((answered, EventAction.ACCEPTED.value, "acknowledged", "accepted", None))
        if fate == "closed" and answered is not None:
            closed = min(answered + timedelta(days=rng.randrange(2, 60)), limit)
            outcome = rng.choice(OUTCOMES)
            if outcome in ("no_action", "other"):
                outcome_note = sealer.seal("Synthetic note on the outcome.")
            events.append((closed, EventAction.CLOSED.value, "accepted", "closed", outcome_note))
        if fate == "revoked":
            revoked = min((acknowledged or sent or created) + timedelta(hours=rng.randrange(1, 72)), limit)
            revoke_reason = sealer.seal("Synthetic reason: sent to the wrong office.")
            before = "acknowledged" if acknowledged else "sent" if sent else "pending"
            events.append((revoked, EventAction.REVOKED.value, before, "revoked", revoke_reason))
        shared_ids = victims[:1] if rng.random() < 0.5 else []
        updated = max(e[0] for e in events)
        self.rows["referrals"].append(
            (
                referral_id,
                reference,
                case_id,
                seq,
                partner,
                kind,
                fate,
                risk,
                self._json([]),
                rng.random() < 0.5,
                bool(shared_ids),
                bool(shared_ids) and rng.random() < 0.5,
                False,
                self._json(shared_ids),
                False,
                shared,
                coordinator,
                coordinator if sent else None,
                sent,
                ack_due,
                acknowledged,
                answered,
                decline,
                closed,
                outcome,
                outcome_note,
                revoked,
                revoke_reason,
                escalated,
                1,
                created,
                updated,
            )
        )
        for at, action, before, after, note in events:
            self.rows["referral_events"].append(
                (
                    self._id("referral_events"),
                    referral_id,
                    at,
                    coordinator,
                    action,
                    before,
                    after,
                    note,
                    False,
                )
            )
        if sent:
            self._audit(sent, coordinator, "coordinator", "referral.send", "referral", referral_id)

    def take(self, report: DemoDataReport) -> dict[str, list[tuple]]:
        """The rows made since the last call, counted into `report`."""
        rows, self.rows = self.rows, {name: [] for name in TABLES}
        report.calls += len(rows["calls"])
        report.cases += len(rows["cases"])
        report.persons += len(rows["persons"])
        report.notes += len(rows["case_notes"])
        report.referrals += len(rows["referrals"])
        report.events += len(rows["referral_events"])
        report.audit += len(rows["audit_events"])
        self.case_ids = self.case_ids[-5000:]
        return rows

    def save_counters(self) -> None:
        for year, value in self.counters.items():
            row = db.session.get(CaseCounter, year)
            if row is None:
                db.session.add(CaseCounter(year=year, value=value))
            else:
                row.value = max(row.value, value)
        db.session.flush()
