"""What the referral pages share: labels for templates, the 409 page."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from hotline.cases.labels import (
    DOCUMENT_LABELS,
    GENDER_LABELS,
    INDICATOR_LABELS,
    MIGRATION_LABELS,
    RISK_LABELS,
    SUSPECT_ROLE_LABELS,
)
from hotline.extensions import db
from hotline.i18n import current_language
from hotline.reference.labels import LANGUAGE_CHOICES, country_name
from hotline.referrals import services
from hotline.referrals.labels import (
    CASE_NUMBER_LABELS,
    EVENT_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
)


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
    from hotline.reference.services import list_exploitation_forms

    locale = current_language()
    return {f.code: f.name(locale) for f in list_exploitation_forms()}


def conflict(referral_id: int | None, back_url: str):  # type: ignore[no-untyped-def]
    """Someone else changed the referral first: nothing was saved (409)."""
    db.session.rollback()
    return (
        render_template(
            "referrals/conflict.html",
            back_url=back_url,
            message=_(
                "Someone else answered or changed this referral at the same time. Nothing was saved: "
                "look at its current state and try again if still needed."
            ),
        ),
        409,
    )
