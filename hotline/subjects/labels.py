"""Labels of the kinds of data-subject request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hotline.subjects.models import RequestKind

KIND_LABELS = {
    RequestKind.EXPORT: _l("Access (export)"),
    RequestKind.CORRECTION: _l("Correction"),
    RequestKind.ANONYMISATION: _l("Anonymisation"),
    RequestKind.RETENTION: _l("Retention period over"),
}
# What a request changed or exported, by kind (the keys the services count).
CHANGE_LABELS = {
    "persons": _l("Persons anonymised"),
    "person fields": _l("Personal fields cleared"),
    "narratives": _l("Narratives redacted"),
    "places": _l("Places redacted"),
    "notes": _l("Notes redacted"),
    "caller numbers": _l("Caller numbers cleared"),
    "call summaries": _l("Contact summaries redacted"),
    "referral snapshots": _l("Referral snapshots redacted"),
    "referral texts": _l("Referral texts redacted"),
    "request reasons": _l("Request reasons redacted"),
    "fields": _l("Fields corrected"),
    "records": _l("Person records"),
    "cases": _l("Cases"),
    "contacts": _l("Contacts"),
    "referrals": _l("Referrals"),
}
