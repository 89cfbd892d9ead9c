"""What the coordinators' pages and the partner portal share: labels for templates, the partner's
answers (forms and the service each one calls), committing one change, and the 409 pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user

from hotline.cases.labels import (
    DOCUMENT_LABELS,
    GENDER_LABELS,
    INDICATOR_LABELS,
    MIGRATION_LABELS,
    RISK_LABELS,
    SUSPECT_ROLE_LABELS,
)
from hotline.changes import apply_change
from hotline.extensions import db
from hotline.forms import VersionedForm
from hotline.i18n import current_language
from hotline.reference.labels import LANGUAGE_CHOICES, country_name
from hotline.reference.services import list_exploitation_forms
from hotline.referrals import services
from hotline.referrals.forms import AcceptForm, AcknowledgeForm, DeclineForm, OutcomeForm, UpdateForm
from hotline.referrals.labels import (
    CASE_NUMBER_LABELS,
    EVENT_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
)
from hotline.referrals.models import Referral

# The partner's answers, on the portal and recorded by coordinators on its behalf alike.
ANSWER_FORMS: dict[str, type[VersionedForm]] = {
    "acknowledge": AcknowledgeForm,
    "accept": AcceptForm,
    "decline": DeclineForm,
    "update": UpdateForm,
    "outcome": OutcomeForm,
}


def template_labels() -> dict[str, Any]:
    locale = current_language()
    return {
        "KIND_LABELS": KIND_LABELS,
        "REFERRAL_STATUS_LABELS": STATUS_LABELS,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "CASE_NUMBER_LABELS": CASE_NUMBER_LABELS,
        "EVENT_LABELS": EVENT_LABELS,
        "RISK_LABELS": RISK_LABELS,
        "INDICATOR_LABELS": INDICATOR_LABELS,
        "GENDER_LABELS": GENDER_LABELS,
        "DOCUMENT_LABELS": DOCUMENT_LABELS,
        "MIGRATION_LABELS": MIGRATION_LABELS,
        "SUSPECT_ROLE_LABELS": SUSPECT_ROLE_LABELS,
        "LANGUAGE_LABELS": dict(LANGUAGE_CHOICES),
        "country_name": lambda code: country_name(code, locale) if code else "",
        "is_referral_overdue": services.is_overdue,
    }


def form_names() -> dict[str, str]:
    """Names of the forms of exploitation in the current language (for the shared facts)."""
    locale = current_language()
    return {f.code: f.name(locale) for f in list_exploitation_forms()}


def blank_answer_forms(referral: Referral) -> dict[str, VersionedForm]:
    """The answer forms of a referral's page, each carrying the version it shows."""
    version = str(referral.version_id)
    return {name: cls(formdata=None, version=version) for name, cls in ANSWER_FORMS.items()}


def apply_answer(referral: Referral, action: str, form: Any, *, on_behalf: bool) -> None:
    """Call the service for one of the partner's answers, based on the form's version."""
    common = {"actor": current_user, "on_behalf": on_behalf, "expected_version": form.version_number()}
    if action == "acknowledge":
        services.acknowledge(referral, **common)
    elif action == "accept":
        services.accept(referral, note=form.note.data, **common)
    elif action == "decline":
        services.decline(referral, reason=form.reason.data, **common)
    elif action == "update":
        services.post_update(referral, note=form.note.data, **common)
    else:
        services.record_outcome(referral, outcome=form.outcome.data, note=form.note.data, **common)


def commit_change(change: Callable[[], object], *, success: str, back_url: str):  # type: ignore[no-untyped-def]
    """Run one service change (hotline/changes.py), answering a version conflict with the 409 page;
    then back to `back_url`."""
    on_conflict = lambda exc: conflict(back_url)  # noqa: E731
    return apply_change(change, success=success, next_url=back_url, on_conflict=on_conflict) or redirect(
        back_url
    )


def conflict(back_url: str, *, message: str | None = None):  # type: ignore[no-untyped-def]
    """Someone else changed the referral (or `message`'s record) first: nothing was saved (409)."""
    db.session.rollback()
    message = message or _(
        "Someone else answered or changed this referral at the same time. Nothing was saved: "
        "look at its current state and try again if still needed."
    )
    return render_template("errors/conflict.html", back_url=back_url, message=message), 409


def incomplete(back_url: str):  # type: ignore[no-untyped-def]
    """The form came without the version it was based on (or a garbled one): nothing was saved (409)."""
    db.session.rollback()
    return (
        render_template(
            "errors/conflict.html",
            back_url=back_url,
            heading=_("Incomplete form"),
            message=_("This form is incomplete. Reload the page and try again."),
        ),
        409,
    )
