"""Referral pages: coordinators (`/referrals`), routing rules (`/referrals/rules`) and the partner
portal (`/portal`, partner users only)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
portal_bp = Blueprint("portal", __name__, url_prefix="/portal")

from hotline.referrals.views import portal, rules, staff  # noqa: E402,F401  (routes register on import)
