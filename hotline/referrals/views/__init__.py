"""Referral pages: coordinators (`/referrals`), routing rules (`/referrals/rules`) and the partner
portal (`/portal`, partner users only).

The blueprints and their URL maps live here; the views live in one module per audience and do not
import this package (so there is no circle of imports).
"""

from __future__ import annotations

from flask import Blueprint

from hotline.referrals.views import portal, rules, staff
from hotline.referrals.views.common import template_labels

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
portal_bp = Blueprint("portal", __name__, url_prefix="/portal")

GET, POST, FORM = ["GET"], ["POST"], ["GET", "POST"]
# (rule, view, methods); the endpoint is the view's name: referrals.index, portal.detail, ...
ROUTES = (
    ("/", staff.index, GET),
    ("/overdue", staff.overdue, GET),
    ("/cases/<int:case_id>", staff.case_referrals, GET),
    ("/cases/<int:case_id>/new", staff.new, FORM),
    ("/cases/<int:case_id>/close", staff.close_case, FORM),
    ("/<int:referral_id>", staff.detail, GET),
    ("/<int:referral_id>/print", staff.print_view, GET),
    ("/<int:referral_id>/send", staff.send, POST),
    ("/<int:referral_id>/revoke", staff.revoke, POST),
    ("/<int:referral_id>/answer/<action>", staff.answer, POST),
    ("/<int:referral_id>/numbers", staff.add_number, POST),
    ("/rules/", rules.rules, GET),
    ("/rules/new", rules.rule_new, FORM),
    ("/rules/<int:rule_id>", rules.rule_edit, FORM),
)
PORTAL_ROUTES = (
    ("/", portal.home, GET),
    ("/referrals/", portal.index, GET),
    ("/referrals/<int:referral_id>", portal.detail, GET),
    ("/referrals/<int:referral_id>/<action>", portal.answer, POST),
    ("/referrals/<int:referral_id>/numbers", portal.add_number, POST),
)
for blueprint, routes in ((bp, ROUTES), (portal_bp, PORTAL_ROUTES)):
    blueprint.context_processor(template_labels)
    for rule, view, methods in routes:
        blueprint.add_url_rule(rule, view_func=view, methods=methods)
