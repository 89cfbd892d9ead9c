"""factory_boy factories: one per model, flushed (never committed).

Each builds a valid row with the fewest fields; services build the rest (`open_case`, `refer`...).
A row that needs another one makes it too (`CaseNoteFactory()` also makes a case and a user).
tests/test_factories.py checks that every mapped class has a factory here.
"""

from __future__ import annotations

from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from hotline import crypto
from hotline.api.models import ApiKey, IdempotencyRecord, WebhookEndpoint
from hotline.audit.models import AuditEvent
from hotline.auth.models import (
    TWO_STEP_ROLES,
    AccountRequest,
    PasswordToken,
    RecoveryCode,
    User,
    UserSession,
)
from hotline.auth.passwords import hash_password
from hotline.calls.models import Call
from hotline.cases.models import Case, CaseCounter, CaseHistory, CaseNote, Person, SearchKey
from hotline.crypto import blind_index
from hotline.database import utcnow
from hotline.extensions import db
from hotline.notifications.models import OutboxMessage
from hotline.partners.models import Partner
from hotline.partners.services import get_partner_by_code
from hotline.reference.models import ExploitationForm, Province, Region
from hotline.referrals.models import Referral, ReferralCaseNumber, ReferralEvent, RoutingRule
from hotline.reports.models import Release, ReleaseMember
from hotline.subjects.models import SubjectRequest
from hotline.telephony.models import (
    CallRecording,
    Handoff,
    Message,
    MessageMedia,
    OperatorPresence,
    OptOut,
    OutboundCall,
    QueueEntry,
)

DEFAULT_PASSWORD = "correct horse battery staple"
_DEFAULT_HASH = hash_password(DEFAULT_PASSWORD)
# The authenticator secret of every user made with two-step verification on (`two_step=True`, the
# default for the roles that require it): `pyotp.TOTP(TOTP_SECRET).now()` is their current code.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class _Session:
    """Resolve db.session at use time: the `db` fixture swaps it for each test."""

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(db.session, name)


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = _Session()
        sqlalchemy_session_persistence = "flush"


# --- reference, partners, audit ------------------------------------------------------------------


class RegionFactory(_Factory):
    """A made-up department (the 25 real ones are seeded once per run)."""

    class Meta:
        model = Region

    ubigeo = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class ProvinceFactory(_Factory):
    class Meta:
        model = Province

    class Params:
        region = factory.SubFactory(RegionFactory)

    ubigeo = factory.Sequence(lambda n: f"8{n:05d}")
    region_ubigeo = factory.SelfAttribute("region.ubigeo")
    name = factory.Sequence(lambda n: f"Province {n}")


class ExploitationFormFactory(_Factory):
    class Meta:
        model = ExploitationForm

    code = factory.Sequence(lambda n: f"test_form_{n}")
    name_es = factory.Sequence(lambda n: f"Forma {n}")
    name_en = factory.Sequence(lambda n: f"Form {n}")


class PartnerFactory(_Factory):
    """A made-up organisation (the real ones are seeded once per run: `partner("MP-FISTRAP")`)."""

    class Meta:
        model = Partner

    code = factory.Sequence(lambda n: f"TEST-{n}")
    name_es = factory.Sequence(lambda n: f"Organización {n}")
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    kind = "civil_society"


class AuditEventFactory(_Factory):
    class Meta:
        model = AuditEvent

    action = "test.event"
    object_type = "test"


# --- auth ----------------------------------------------------------------------------------------


class UserFactory(_Factory):
    class Meta:
        model = User

    class Params:
        partner_code = None
        # Enrolled like a real user of a role that requires it; `two_step=False` for one who is not yet.
        two_step = factory.LazyAttribute(lambda o: o.role in TWO_STEP_ROLES)

    email = factory.Sequence(lambda n: f"user{n}@hotline.test")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "operator"
    password_hash = _DEFAULT_HASH
    is_active = True

    @factory.lazy_attribute
    def totp_secret(self) -> str | None:
        return crypto.encrypt(TOTP_SECRET) if self.two_step else None

    @factory.lazy_attribute
    def partner_id(self) -> int | None:
        if self.role != "partner":
            return None
        return get_partner_by_code(self.partner_code or "MP-FISTRAP").id


class UserSessionFactory(_Factory):
    """A live server-side session (its token is unknown: sign in with `login` to get a cookie)."""

    class Meta:
        model = UserSession

    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=8))


class RecoveryCodeFactory(_Factory):
    """An unused recovery code (the plain code is unknown: `enable_two_step` returns real ones)."""

    class Meta:
        model = RecoveryCode

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    code_hash = factory.Sequence(lambda n: f"{n:064x}")


class AccountRequestFactory(_Factory):
    """A pending request for a new operator account; `approvals.request_*` make real ones."""

    class Meta:
        model = AccountRequest

    kind = "create"
    email = factory.Sequence(lambda n: f"requested{n}@hotline.test")
    name = factory.Sequence(lambda n: f"Requested {n}")
    role = "operator"
    requested_by = factory.SubFactory(UserFactory, role="admin")


class PasswordTokenFactory(_Factory):
    """A live set-password link (its token is unknown: `issue_password_link` e-mails real ones)."""

    class Meta:
        model = PasswordToken

    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=24))


# --- calls and cases (issue 3) -------------------------------------------------------------------


class CallFactory(_Factory):
    """A contact waiting for its intake."""

    class Meta:
        model = Call

    channel = "phone"
    status = "ended"
    received_at = factory.LazyFunction(utcnow)
    caller_number = None
    caller_number_index = factory.LazyAttribute(lambda o: blind_index(o.caller_number, phone=True))


class CaseCounterFactory(_Factory):
    class Meta:
        model = CaseCounter

    year = factory.Sequence(lambda n: 2900 + n)  # far from the years the services number
    value = 0


class CaseFactory(_Factory):
    """A bare new case; `hotline.cases.services.open_case` numbers, audits and schedules real ones."""

    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"TP-1900-{n:06d}")  # a year no service numbers


class PersonFactory(_Factory):
    class Meta:
        model = Person

    case = factory.SubFactory(CaseFactory)
    role = "victim"


class CaseNoteFactory(_Factory):
    class Meta:
        model = CaseNote

    case = factory.SubFactory(CaseFactory)
    author = factory.SubFactory(UserFactory)
    body = "Nota de prueba"


class CaseHistoryFactory(_Factory):
    class Meta:
        model = CaseHistory

    class Params:
        case = factory.SubFactory(CaseFactory)

    case_id = factory.SelfAttribute("case.id")
    action = "update"
    field = "risk"
    before = "normal"
    after = "high"


# --- referrals -----------------------------------------------------------------------------------


class RoutingRuleFactory(_Factory):
    class Meta:
        model = RoutingRule

    code = factory.Sequence(lambda n: f"test-rule-{n}")
    name_es = factory.Sequence(lambda n: f"Regla {n}")
    name_en = factory.Sequence(lambda n: f"Rule {n}")


class ReferralFactory(_Factory):
    """A pending referral sharing nothing; `hotline.referrals.services` builds and sends real ones."""

    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    partner = factory.LazyFunction(lambda: get_partner_by_code("MP-FISTRAP"))
    case_seq = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: f"{o.case.reference}-R{o.case_seq}")
    kind = "services"
    risk = factory.LazyAttribute(lambda o: o.case.risk or "normal")
    shared_data = "{}"


class ReferralEventFactory(_Factory):
    class Meta:
        model = ReferralEvent

    referral = factory.SubFactory(ReferralFactory)
    action = "created"
    to_status = "pending"


class ReferralCaseNumberFactory(_Factory):
    class Meta:
        model = ReferralCaseNumber

    referral = factory.SubFactory(ReferralFactory)
    kind = "police_complaint"
    number = factory.Sequence(lambda n: f"DEN-{n:05d}-2026")
    normalised = factory.LazyAttribute(lambda o: o.number.replace("-", "").upper())


# --- telephony and notifications -----------------------------------------------------------------


class MessageFactory(_Factory):
    class Meta:
        model = Message

    class Params:
        call = factory.SubFactory(CallFactory, channel="sms")

    call_id = factory.SelfAttribute("call.id")
    sid = factory.Sequence(lambda n: f"SM{n:032x}")
    body = "Necesito ayuda"


class CallRecordingFactory(_Factory):
    class Meta:
        model = CallRecording

    class Params:
        call = factory.SubFactory(CallFactory)

    call_id = factory.SelfAttribute("call.id")
    recording_sid = factory.Sequence(lambda n: f"RE{n:032x}")
    recording_url = factory.LazyAttribute(
        lambda o: f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{o.recording_sid}"
    )
    duration_seconds = 30


class MessageMediaFactory(_Factory):
    """A pending attachment; the worker's `telephony.media` job fetches real ones."""

    class Meta:
        model = MessageMedia

    class Params:
        message = factory.SubFactory(MessageFactory)

    message_id = factory.SelfAttribute("message.id")
    position = 0
    twilio_url = factory.Sequence(
        lambda n: (
            f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Messages/MM{n:032x}/Media/ME{n:032x}"
        )
    )
    declared_type = "image/jpeg"


class OperatorPresenceFactory(_Factory):
    class Meta:
        model = OperatorPresence

    class Params:
        user = factory.SubFactory(UserFactory, role="operator")

    user_id = factory.SelfAttribute("user.id")
    status = "available"


class QueueEntryFactory(_Factory):
    class Meta:
        model = QueueEntry

    class Params:
        call = factory.SubFactory(CallFactory)

    call_id = factory.SelfAttribute("call.id")


class OutboundCallFactory(_Factory):
    class Meta:
        model = OutboundCall

    call_sid = factory.Sequence(lambda n: f"CA{n:032x}")
    direction = "outbound-api"


class HandoffFactory(_Factory):
    class Meta:
        model = Handoff

    class Params:
        call = factory.SubFactory(CallFactory)

    call_id = factory.SelfAttribute("call.id")
    partner_number = "+51914444444"


class OptOutFactory(_Factory):
    class Meta:
        model = OptOut

    number_index = factory.Sequence(lambda n: blind_index(f"+5190{n:07d}", phone=True))


class OutboxMessageFactory(_Factory):
    class Meta:
        model = OutboxMessage

    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    channel = "sms"
    recipient = "+51911111111"
    body = "Linea 1818: prueba"


# --- reports ------------------------------------------------------------------------------------


class ReleaseFactory(_Factory):
    """A register row with placeholder files; `hotline.reports.releases` makes real releases."""

    class Meta:
        model = Release

    period_kind = "quarter"
    period_start = factory.Sequence(lambda n: date(2000 + n // 4, 1 + 3 * (n % 4), 1))
    period_end = factory.LazyAttribute(lambda o: o.period_start + timedelta(days=80))
    sequence = 1
    k = 11
    victims = 11
    minors = 0
    qi_values = 55
    suppressed_values = 0
    generalised_values = 0
    sheet = factory.LazyFunction(dict)
    csv_data = b"x"
    xlsx_data = b"x"
    csv_sha256 = "0" * 64
    xlsx_sha256 = "0" * 64


class ReleaseMemberFactory(_Factory):
    class Meta:
        model = ReleaseMember

    class Params:
        release = factory.SubFactory(ReleaseFactory)

    person_id = factory.Sequence(lambda n: 10_000_000 + n)
    release_id = factory.SelfAttribute("release.id")


# --- data subjects -------------------------------------------------------------------------------


class SubjectRequestFactory(_Factory):
    """A register row; `hotline.subjects.services` carries out and registers real requests."""

    class Meta:
        model = SubjectRequest

    kind = "export"
    reason = "Solicitud de acceso de prueba"


# --- partner API ---------------------------------------------------------------------------------


class SearchKeyFactory(_Factory):
    """A stored search; `hotline.cases.services` makes real ones behind a random key."""

    class Meta:
        model = SearchKey

    class Params:
        user = factory.SubFactory(UserFactory, role="coordinator")

    user_id = factory.SelfAttribute("user.id")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
    query = "Mamani"
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(minutes=15))


class ApiKeyFactory(_Factory):
    """A key row whose token nobody knows; `hotline.api.services.issue_key` makes real ones."""

    class Meta:
        model = ApiKey

    partner = factory.LazyFunction(lambda: get_partner_by_code("MP-FISTRAP"))
    prefix = factory.Sequence(lambda n: f"{n:012x}")
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    scopes = factory.LazyFunction(lambda: ["referrals:read"])
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))


class IdempotencyRecordFactory(_Factory):
    class Meta:
        model = IdempotencyRecord

    api_key = factory.SubFactory(ApiKeyFactory)
    api_key_id = factory.LazyAttribute(lambda o: o.api_key.id)
    key = factory.Sequence(lambda n: f"idem-{n}")
    request_hash = factory.Sequence(lambda n: f"{n:064x}")
    status_code = 200
    response_body = "{}"
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=24))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.pop("api_key", None)
        return super()._create(model_class, *args, **kwargs)


class WebhookEndpointFactory(_Factory):
    class Meta:
        model = WebhookEndpoint

    partner = factory.LazyFunction(lambda: get_partner_by_code("MP-FISTRAP"))
    url = factory.Sequence(lambda n: f"https://h{n}.example.pe/hook")
    secret = factory.Sequence(lambda n: f"whsec_test_{n}")
    events = factory.LazyFunction(lambda: ["referral.sent"])
