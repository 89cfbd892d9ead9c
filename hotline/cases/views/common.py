"""What every case page shares: who may see it, loading a case or person (404), template labels."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hotline.access import Role
from hotline.cases import services
from hotline.cases.labels import (
    CLOSE_REASON_LABELS,
    CONSENT_LABELS,
    DECISION_BODY_LABELS,
    DOCUMENT_LABELS,
    GENDER_LABELS,
    HISTORY_ACTION_LABELS,
    HISTORY_FIELD_LABELS,
    INDICATOR_LABELS,
    MIGRATION_LABELS,
    PERSON_ROLE_LABELS,
    RECRUITER_RELATION_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    SUSPECT_ROLE_LABELS,
    TRAFFICKING_STATUS_LABELS,
    history_value,
)
from hotline.cases.models import Case, Person
from hotline.forms import sc
from hotline.i18n import current_language
from hotline.reference.labels import LANGUAGE_CHOICES, country_name

CASE_STAFF = (Role.OPERATOR, Role.COORDINATOR)
# Managers see the list (no personal data on it, search by reference only), never a case itself.
LIST_ROLES = (Role.OPERATOR, Role.COORDINATOR, Role.MANAGER)
DRAFT_KEY_RE = re.compile(r"^(new|call-\d{1,10})$")


def template_context() -> dict[str, Any]:
    """The labels and helpers of the case templates (the call labels come from the calls domain)."""
    locale = current_language()
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "RISK_LABELS": RISK_LABELS,
        "INDICATOR_LABELS": INDICATOR_LABELS,
        "CLOSE_REASON_LABELS": CLOSE_REASON_LABELS,
        "PERSON_ROLE_LABELS": PERSON_ROLE_LABELS,
        "GENDER_LABELS": GENDER_LABELS,
        "MIGRATION_LABELS": MIGRATION_LABELS,
        "DOCUMENT_LABELS": DOCUMENT_LABELS,
        "TRAFFICKING_STATUS_LABELS": TRAFFICKING_STATUS_LABELS,
        "DECISION_BODY_LABELS": DECISION_BODY_LABELS,
        "RECRUITER_RELATION_LABELS": RECRUITER_RELATION_LABELS,
        "CONSENT_LABELS": CONSENT_LABELS,
        "SUSPECT_ROLE_LABELS": SUSPECT_ROLE_LABELS,
        "LANGUAGE_LABELS": dict(LANGUAGE_CHOICES),
        "HISTORY_FIELD_LABELS": HISTORY_FIELD_LABELS,
        "HISTORY_ACTION_LABELS": HISTORY_ACTION_LABELS,
        "history_value": history_value,
        "country_name": lambda code: country_name(code, locale),
        "is_overdue": services.is_overdue,
        "can_coordinate": current_user.is_authenticated and current_user.role == Role.COORDINATOR,
    }


def load_case(case_id: int) -> Case:
    case = services.get_case(case_id)
    if case is None:
        abort(404)
    return case


def load_person(case: Case, person_id: int) -> Person:
    person = services.get_person(case, person_id)
    if person is None:
        abort(404)
    return person


def saved_draft_key() -> str | None:
    """The intake draft the browser may now forget (`?draft=` after a successful intake)."""
    key = request.args.get("draft", "")
    return key if DRAFT_KEY_RE.match(key) else None


def assignee_choices() -> list[SelectChoice]:
    return sc([("", _("Nobody"))] + [(str(u.id), u.name or u.email) for u in services.list_assignees()])


def status_code() -> int:
    """200 for a form shown, 422 for a form sent back with errors."""
    return 200 if request.method == "GET" else 422
