"""Labels of the coded values of contacts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hotline.calls.models import CallerType, CallKind, CallLanguage, CallStatus, Channel
from hotline.reference.labels import LANGUAGE_CHOICES

CHANNEL_LABELS = {
    Channel.PHONE: _l("Phone call"),
    Channel.SMS: _l("SMS"),
    Channel.WHATSAPP: _l("WhatsApp"),
    Channel.WEB: _l("Web form"),
    Channel.WALK_IN: _l("In person"),
    Channel.EMAIL: _l("E-mail"),
}
CALLER_TYPE_LABELS = {
    CallerType.VICTIM: _l("The person at risk"),
    CallerType.RELATIVE_FRIEND: _l("Relative or friend"),
    CallerType.WITNESS: _l("Witness"),
    CallerType.PROFESSIONAL: _l("Professional (teacher, health worker, official...)"),
    CallerType.ANONYMOUS: _l("Anonymous"),
    CallerType.OTHER: _l("Other"),
}
LANGUAGE_LABELS = {CallLanguage(code): label for code, label in LANGUAGE_CHOICES}
KIND_LABELS = {
    CallKind.TRAFFICKING_REPORT: _l("Possible trafficking report"),
    CallKind.CASE_FOLLOWUP: _l("Follow-up of an existing case"),
    CallKind.INFORMATION: _l("Information request"),
    CallKind.REFERRED_ELSEWHERE: _l("Other issue, referred elsewhere"),
    CallKind.SILENT: _l("Silent or dropped"),
    CallKind.PRANK: _l("Prank or abusive"),
    CallKind.TEST: _l("Test"),
}
CALL_STATUS_LABELS = {
    CallStatus.RINGING: _l("Ringing"),
    CallStatus.IN_PROGRESS: _l("On the line"),
    CallStatus.ENDED: _l("Ended, intake pending"),
    CallStatus.LOGGED: _l("Logged"),
}
