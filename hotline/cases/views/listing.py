"""The case list: filters, sorting, and the search by reference, name or phone (audited).

The search text never travels in a URL (access logs, proxies, browser history): the form POSTs it
to `search`, which stores it behind an opaque key for a few minutes (services.create_search_key) and
redirects (303) to `/cases/?s=<key>&<filters>`. Only filters without personal data (status, risk,
region, form of exploitation, assignee, dates, sort, page) stay in the query string.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from hotline.access import Role, role_required
from hotline.cases import services
from hotline.cases.forms import FILTER_FIELDS, CaseFilterForm
from hotline.cases.views.common import LIST_ROLES
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.forms import sc
from hotline.i18n import current_language
from hotline.reference.labels import set_case_choices
from hotline.reference.services import list_exploitation_forms

SEARCH_KEY_ARG = "s"
LINK_ARGS = frozenset({*FILTER_FIELDS, SEARCH_KEY_ARG})


@role_required(*LIST_ROLES)
def index():  # type: ignore[no-untyped-def]
    if "q" in request.args:  # an old bookmark or a hand-typed address: never read, never echoed
        flash(_("Searches are no longer kept in the address: use the search box."), "info")
        return redirect(
            url_for("cases.index", **_link_args(request.args), page=request.args.get("page")), code=303
        )
    form = _filter_form(_filter_args(request.args))
    query: str | None = None
    if SEARCH_KEY_ARG in request.args:
        try:
            query = services.resolve_search_key(request.args.get("s"), actor=current_user)
        except services.SearchKeyExpired as exc:
            return _without_results(form, exc, 410)
        except services.SearchKeyNotFound as exc:
            return _without_results(form, exc, 404)
    personal = current_user.role != Role.MANAGER
    filters = services.CaseFilter(allow_personal_search=personal)
    if form.validate():
        filters = form.case_filter(user_id=current_user.id, allow_personal_search=personal)
    filters.q = query
    form.q.data = query  # shown in the page's form (the body), never in a link
    per_page = form.per_page.data if form.per_page.data and not form.per_page.errors else 25
    page = request.args.get("page", "1")
    pagination = services.list_cases(filters, page=int(page) if page.isdigit() else 1, per_page=per_page)
    args = _link_args(request.args)
    html = render_template("cases/index.html", form=form, pagination=pagination, args=args, can_open=personal)
    if filters.is_personal_search():
        # Committed after rendering: a commit expires the loaded cases and would reload each one.
        services.record_search(filters, current_user, pagination.total or 0)
        db.session.commit()
    return html


@role_required(*LIST_ROLES)
def search():  # type: ignore[no-untyped-def]
    """POST: the search text in the body, redirected (303) to its key; GET: back to the list."""
    if request.method != "POST":
        return redirect(url_for("cases.index"))
    form = _filter_form(request.form)
    if not form.validate():
        return _without_results(form, None, 422)
    args: dict[str, str] = {}
    if form.q.data:
        args[SEARCH_KEY_ARG] = services.create_search_key(
            form.q.data, actor=current_user, ttl=current_app.config["SEARCH_KEY_TTL"]
        )
        db.session.commit()
    args.update({name: request.form[name] for name in FILTER_FIELDS if request.form.get(name)})
    return redirect(url_for("cases.index", **args), code=303)


def _without_results(form: CaseFilterForm, error: HotlineError | None, status: int) -> Any:
    """The list page with its form (the search box empty after a lost key) and no cases."""
    if error is not None:
        form.q.data = None
    return (
        render_template(
            "cases/index.html",
            form=form,
            pagination=None,
            args={},
            can_open=current_user.role != Role.MANAGER,
            search_error=error.message if error is not None else None,
        ),
        status,
    )


def _filter_args(args: MultiDict[str, str]) -> MultiDict[str, str]:
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k in FILTER_FIELDS])


def _link_args(args: MultiDict[str, str]) -> dict[str, str]:
    """The key and the filters (not the page): nothing else that was in the address is carried."""
    return {k: v for k, v in args.items() if k in LINK_ARGS}


def _filter_form(formdata: MultiDict[str, str]) -> CaseFilterForm:
    locale = current_language()
    form = CaseFilterForm(formdata)
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
