"""Labels of the coded values of referrals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from hotline.referrals.models import (
    CaseNumberKind,
    EventAction,
    ReferralKind,
    ReferralOutcome,
    ReferralStatus,
)

KIND_LABELS = {
    ReferralKind.SERVICES: _l("Referral for services"),
    ReferralKind.LAW_ENFORCEMENT: _l("Report to law enforcement"),
    ReferralKind.WARM_HANDOFF: _l("Warm hand-off of a live caller"),
}
# A context of their own: in Spanish a referral (derivación) is feminine, a case masculine.
STATUS_LABELS = {
    ReferralStatus.PENDING: lazy_pgettext("referral status", "Pending (not sent)"),
    ReferralStatus.SENT: lazy_pgettext("referral status", "Sent"),
    ReferralStatus.ACKNOWLEDGED: lazy_pgettext("referral status", "Acknowledged"),
    ReferralStatus.ACCEPTED: lazy_pgettext("referral status", "Accepted"),
    ReferralStatus.DECLINED: lazy_pgettext("referral status", "Declined"),
    ReferralStatus.CLOSED: lazy_pgettext("referral status", "Closed"),
    ReferralStatus.REVOKED: lazy_pgettext("referral status", "Revoked"),
}
OUTCOME_LABELS = {
    ReferralOutcome.VICTIM_ASSISTED: _l("Victim assisted"),
    ReferralOutcome.VICTIM_SHELTERED: _l("Victim sheltered"),
    ReferralOutcome.INVESTIGATION_OPENED: _l("Investigation opened"),
    ReferralOutcome.PROSECUTION: _l("Prosecution under way"),
    ReferralOutcome.NO_ACTION: _l("No action (say why)"),
    ReferralOutcome.OTHER: _l("Other (describe it)"),
}
CASE_NUMBER_LABELS = {
    CaseNumberKind.POLICE_COMPLAINT: _l("Police complaint number"),
    CaseNumberKind.PROSECUTOR_FILE: _l("Prosecutor's case file"),
    CaseNumberKind.COURT_FILE: _l("Court file"),
    CaseNumberKind.SERVICE_FILE: _l("Service case file"),
    CaseNumberKind.OTHER: _l("Other number"),
}
EVENT_LABELS = {
    EventAction.CREATED: _l("Prepared"),
    EventAction.SENT: _l("Sent"),
    EventAction.ACKNOWLEDGED: _l("Acknowledged"),
    EventAction.ACCEPTED: _l("Accepted"),
    EventAction.DECLINED: _l("Declined"),
    EventAction.UPDATE: _l("Update"),
    EventAction.CASE_NUMBER: _l("Case number recorded"),
    EventAction.CLOSED: _l("Closed with an outcome"),
    EventAction.REVOKED: _l("Revoked"),
    EventAction.ESCALATED: _l("Escalated: not acknowledged in time"),
    EventAction.CONSENT_OVERRIDE: _l("Details shared without recorded consent (override)"),
}
