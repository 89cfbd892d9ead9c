"""Case pages: list and search, detail (audited), edit, triage, assignment, closing, persons.

The blueprint and its URL map live here; the views live in one module per responsibility and do
not import this package (so there is no circle of imports).
"""

from __future__ import annotations

from flask import Blueprint

from hotline.cases.views import listing, persons, record, workflow
from hotline.cases.views.common import template_context

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.context_processor(template_context)

GET, POST, FORM = ["GET"], ["POST"], ["GET", "POST"]
# (rule, view, methods); the endpoint is the view's name: cases.index, cases.detail, ...
ROUTES = (
    ("/", listing.index, GET),
    ("/search", listing.search, FORM),
    ("/<int:case_id>", record.detail, GET),
    ("/<int:case_id>/notes", record.add_note, POST),
    ("/<int:case_id>/edit", record.edit, FORM),
    ("/<int:case_id>/triage", workflow.triage, FORM),
    ("/<int:case_id>/assign", workflow.assign, POST),
    ("/<int:case_id>/close", workflow.close, FORM),
    ("/<int:case_id>/reopen", workflow.reopen, FORM),
    ("/<int:case_id>/persons/new", persons.person_new, FORM),
    ("/<int:case_id>/persons/<int:person_id>/edit", persons.person_edit, FORM),
)
for rule, view, methods in ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=methods)
