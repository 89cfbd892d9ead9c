"""The case list: filters, sorting, and the search by reference, name or phone (audited)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hotline.access import Role, role_required
from hotline.cases import services
from hotline.cases.forms import CaseFilterForm
from hotline.cases.views.common import LIST_ROLES
from hotline.extensions import db
from hotline.forms import sc
from hotline.i18n import current_language
from hotline.reference.labels import set_case_choices
from hotline.reference.services import list_exploitation_forms


@role_required(*LIST_ROLES)
def index():  # type: ignore[no-untyped-def]
    form = _filter_form()
    personal = current_user.role != Role.MANAGER
    filters = services.CaseFilter(allow_personal_search=personal)
    if form.validate():
        filters = form.case_filter(user_id=current_user.id, allow_personal_search=personal)
    per_page = form.per_page.data if form.per_page.data and not form.per_page.errors else 25
    page = request.args.get("page", "1")
    pagination = services.list_cases(filters, page=int(page) if page.isdigit() else 1, per_page=per_page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    html = render_template("cases/index.html", form=form, pagination=pagination, args=args, can_open=personal)
    if filters.is_personal_search():
        # Committed after rendering: a commit expires the loaded cases and would reload each one.
        services.record_search(filters, current_user, pagination.total or 0)
        db.session.commit()
    return html


def _filter_form() -> CaseFilterForm:
    locale = current_language()
    form = CaseFilterForm(request.args)
    set_case_choices(form, locale)
    form.region.choices = [SelectChoice("", _("Any")), *form.region.choices[1:]]
    form.exploitation_form.choices = sc(
        [("", _("Any"))] + [(f.code, f.name(locale)) for f in list_exploitation_forms()]
    )
    form.assigned.choices = sc(
        [("", _("Anyone")), ("none", _("Nobody")), ("me", _("Me"))]
        + [(str(u.id), u.name or u.email) for u in services.list_assignees()]
    )
    return form
