"""Words for the codes of the audit trail (actions, outcomes, object types), in the page's language.

Action codes are written by every domain; audit imports none of them, so the codes are listed here as
plain strings. An action without a label is shown as its code.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hotline.audit.models import Outcome

ACTION_LABELS = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in"),
    "auth.login_locked": _l("Sign-in refused: account locked"),
    "auth.login_totp": _l("Signed in with a second-step code"),
    "auth.lockout": _l("Account locked after failed sign-ins"),
    "auth.logout": _l("Signed out"),
    "auth.session_ended": _l("Session ended"),
    "auth.totp_enabled": _l("Two-step sign-in turned on"),
    "auth.totp_disabled": _l("Two-step sign-in turned off"),
    "auth.totp_failed": _l("Wrong second-step code"),
    "user.create": _l("Account created"),
    "user.request": _l("Account change requested (needs a second admin)"),
    "user.approve": _l("Account change approved"),
    "user.refuse": _l("Account change refused"),
    "user.set_password": _l("Password set from a one-time link"),
    "auth.totp_renewed": _l("Second factor moved to a new device"),
    "auth.totp_reset": _l("Second factor reset by an admin"),
    "auth.recovery_code_used": _l("Recovery code used"),
    "auth.recovery_codes_created": _l("New recovery codes made"),
    "user.activate": _l("Account activated"),
    "user.deactivate": _l("Account deactivated"),
    "user.change_role": _l("Role changed"),
    "user.change_password": _l("Password changed"),
    "user.reset_password": _l("Password reset"),
    "call.create": _l("Contact received"),
    "call.claim": _l("Contact taken by an operator"),
    "call.intake": _l("Contact logged"),
    "call.link": _l("Contact linked to a case"),
    "call.ended": _l("Call ended"),
    "call.message": _l("Message received"),
    "call.view": _l("Contact viewed"),
    "call.voicemail": _l("Voicemail left"),
    "call.voicemail_listen": _l("Voicemail listened to"),
    "call.warm_handoff": _l("Call handed over to a partner"),
    "case.create": _l("Case opened"),
    "case.view": _l("Case viewed"),
    "case.update": _l("Case changed"),
    "case.triage": _l("Case triaged"),
    "case.assign": _l("Case assigned"),
    "case.status": _l("Case status changed"),
    "case.note": _l("Note added to a case"),
    "case.search": _l("Cases searched"),
    "person.create": _l("Person added"),
    "person.update": _l("Person changed"),
    "person.view": _l("Person viewed"),
    "partner.create": _l("Partner organisation added"),
    "partner.update": _l("Partner organisation changed"),
    "referral.created": _l("Referral prepared"),
    "referral.sent": _l("Referral sent"),
    "referral.acknowledged": _l("Referral acknowledged"),
    "referral.accepted": _l("Referral accepted"),
    "referral.declined": _l("Referral declined"),
    "referral.update": _l("Referral update"),
    "referral.case_number": _l("Partner case number recorded"),
    "referral.closed": _l("Referral closed with an outcome"),
    "referral.revoked": _l("Referral revoked"),
    "referral.escalated": _l("Referral escalated"),
    "referral.escalate": _l("Overdue referrals escalated"),
    "referral.consent_override": _l("Details shared without recorded consent"),
    "referral.case_close_override": _l("Case closed with open referrals"),
    "referral.view": _l("Referral viewed"),
    "referral.access_denied": _l("Access to a referral refused"),
    "routing_rule.create": _l("Routing rule added"),
    "routing_rule.update": _l("Routing rule changed"),
    "report.export": _l("Report exported"),
    "report.export_identifiable": _l("Identifiable data exported"),
    "report.working_group": _l("Working-group report viewed"),
    "telephony.opt_in": _l("SMS replies turned back on"),
    "telephony.opt_out": _l("SMS replies turned off (STOP)"),
    "telephony.bad_signature": _l("Webhook with a bad signature refused"),
    "telephony.bad_request": _l("Malformed webhook refused"),
    "audit.export": _l("Audit trail exported"),
}
OUTCOME_LABELS = {
    Outcome.SUCCESS: _l("Success"),
    Outcome.FAILURE: _l("Failure"),
    Outcome.DENIED: _l("Denied"),
}
OBJECT_TYPE_LABELS = {
    "user": _l("Account"),
    "case": _l("Case"),
    "person": _l("Person"),
    "call": _l("Contact"),
    "referral": _l("Referral"),
    "partner": _l("Partner"),
    "routing_rule": _l("Routing rule"),
    "report": _l("Report"),
    "opt_out": _l("SMS opt-out"),
    "account_request": _l("Account request"),
    "audit": _l("Audit trail"),
    "webhook": _l("Twilio webhook"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
