"""Every domain's models, imported in one place for Alembic and `flask shell`."""

from hotline.api.models import ApiKey, IdempotencyRecord, WebhookEndpoint
from hotline.audit.models import AuditEvent
from hotline.auth.models import User, UserSession
from hotline.calls.models import Call
from hotline.cases.models import Case, CaseCounter, CaseHistory, CaseNote, Person
from hotline.notifications.models import OutboxMessage
from hotline.partners.models import Partner
from hotline.reference.models import ExploitationForm, Province, Region
from hotline.referrals.models import Referral, ReferralCaseNumber, ReferralEvent, RoutingRule
from hotline.reports import models as _reports_indexes  # noqa: F401  (an index on calls, migration 0007)
from hotline.subjects.models import SubjectRequest
from hotline.telephony.models import CallRecording, Message, OptOut

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Call",
    "CallRecording",
    "Case",
    "CaseCounter",
    "CaseHistory",
    "CaseNote",
    "ExploitationForm",
    "IdempotencyRecord",
    "Message",
    "OptOut",
    "OutboxMessage",
    "Partner",
    "Person",
    "Province",
    "Referral",
    "ReferralCaseNumber",
    "ReferralEvent",
    "Region",
    "RoutingRule",
    "SubjectRequest",
    "User",
    "UserSession",
    "WebhookEndpoint",
]
