"""Reports: the dashboard, the working-group report, exports and the field mapping.

Who may do what:
- managers and coordinators: the dashboard (also its version for publication), the working-group
  report (page and XLSX: coordinators run the working group with the partners) and the field mapping;
- managers only: exports. Anonymised exports need nothing more; an identifiable export needs a
  written reason, kept in the audit trail with the row count. Coordinators already see each case
  in their work, but bulk data leaving the system is a manager's decision. The victims' standard
  form leaves only as recorded releases (`releases`): a manager makes one for a quarter or a year
  that has ended, and every download of it is audited and byte for byte the same;
- operators, admins (no case data by default) and partners: nothing here (403).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict

from hotline.access import role_required
from hotline.auth.models import Role
from hotline.cases.labels import INDICATOR_LABELS
from hotline.database import utcnow
from hotline.errors import ClearBadRequest, HotlineError
from hotline.extensions import db
from hotline.i18n import current_language
from hotline.reports import (
    dashboard,
    exports,
    presenters,
    publication,
    releases,
    sql,
    working_group,
)
from hotline.reports.exports import anonymise
from hotline.reports.exports.service import STANDARD_FORM
from hotline.reports.exports.writers import CSV_MIMETYPE, XLSX_MIMETYPE
from hotline.reports.filters import ReportError, ReportFilter
from hotline.reports.forms import (
    DATASET_LABELS,
    FORMAT_LABELS,
    IdentifiableExportForm,
    ReleaseMakeForm,
    ReportFilterForm,
    WorkingGroupForm,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")

READERS = (Role.MANAGER, Role.COORDINATOR)


def _today() -> date:
    return utcnow().astimezone(sql.time_zone()).date()


def _filter_form(
    formdata: Any = None, *, labels: presenters.Labels | None = None, periods: bool = False
) -> ReportFilterForm:
    """The filter bar, from the query string by default, its lists in the user's language."""
    labels = labels or presenters.load_labels(current_language())
    form = ReportFilterForm(formdata if formdata is not None else request.args)
    if not periods:
        del form.period  # only the dashboard groups by period
    form.set_choices(
        presenters.region_choices(labels), presenters.form_choices(labels), presenters.partner_choices(labels)
    )
    return form


@bp.context_processor
def report_globals() -> dict[str, Any]:
    return {"DATASET_LABELS": DATASET_LABELS, "FORMAT_LABELS": FORMAT_LABELS, "is_manager": _is_manager()}


def _is_manager() -> bool:
    return current_user.is_authenticated and current_user.role == Role.MANAGER


@bp.route("/")
@role_required(*READERS)
def index():  # type: ignore[no-untyped-def]
    labels = presenters.load_labels(current_language())
    form = _filter_form(labels=labels, periods=True)
    today = _today()
    publish = request.args.get("publish") == "1"
    if not form.validate_with_dates(today):
        return render_template(
            "reports/dashboard.html", form=form, page=None, filters=None, publish=publish
        ), 400
    if publish:
        try:
            period = publication.requested(
                form.start.data,
                form.end.data,
                request.args.get("period"),
                narrowed=bool(form.region.data or form.form.data or form.partner.data),
                today=today,
            )
        except ReportError as exc:
            form.end.errors = [*form.end.errors, exc.message]
            return render_template(
                "reports/dashboard.html", form=form, page=None, filters=None, publish=publish
            ), 400
        release = publication.build_release(period, now=utcnow())
        filters = ReportFilter(period.start, period.end, period="month")
        form.start.data, form.end.data = filters.start, filters.end
        page = presenters.build_published_page(release, labels)
        return render_template("reports/dashboard.html", form=form, page=page, filters=filters, publish=True)
    filters = form.to_filter(today)
    form.start.data, form.end.data = filters.start, filters.end
    figures = dashboard.build_dashboard(filters)
    page = presenters.build_page(figures, labels, publish=False)
    return render_template("reports/dashboard.html", form=form, page=page, filters=filters, publish=publish)


@bp.route("/exports")
@role_required(Role.MANAGER)
def exports_page():  # type: ignore[no-untyped-def]
    form = _filter_form()
    today = _today()
    if not form.validate_with_dates(today):
        return _exports_page(form, None, status=400)
    filters = form.to_filter(today)
    form.start.data, form.end.data = filters.start, filters.end
    return _exports_page(form, filters)


def _release_form(formdata: Any = None) -> ReleaseMakeForm:
    """The form to make a release, its periods those that can be released today."""
    form = ReleaseMakeForm(formdata=formdata)
    form.period.choices = [
        (
            offer.value,
            _("%(period)s: %(n)d victims", period=offer.value, n=offer.victims)
            if offer.sequence == 1
            else _(
                "%(period)s, late records no. %(late)d: %(n)d victims",
                period=offer.value,
                late=offer.sequence - 1,
                n=offer.victims,
            ),
        )
        for offer in releases.offers(_today(), anonymise.k_value())
    ]
    return form


def _exports_page(  # type: ignore[no-untyped-def]
    form: ReportFilterForm,
    filters: Any,
    *,
    identifiable: Any = None,
    release_form: ReleaseMakeForm | None = None,
    release_error: object = None,
    status: int = 200,
):
    if identifiable is None:
        identifiable = IdentifiableExportForm(formdata=None)
        if filters is not None:
            for name, value in filters.query_args().items():
                if name in identifiable and name != "period":
                    identifiable[name].data = value
    return (
        render_template(
            "reports/exports.html",
            form=form,
            filters=filters,
            identifiable=identifiable,
            k=anonymise.k_value(),
            datasets=exports.dataset_names(),
            releases=releases.list_releases(),
            release_form=release_form or _release_form(),
            release_error=release_error,
        ),
        status,
    )


def _download(plan: exports.ExportPlan) -> Response:
    response = Response(stream_with_context(exports.stream(plan)), mimetype=plan.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{plan.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _release_refused(message: object, status: int = 400):  # type: ignore[no-untyped-def]
    """The exports page with what went wrong and what is allowed (nothing was written)."""
    db.session.rollback()
    form = _filter_form(ImmutableMultiDict())
    today = _today()
    form.validate_with_dates(today)
    filters = form.to_filter(today)
    form.start.data, form.end.data = filters.start, filters.end
    return _exports_page(form, filters, release_error=message, status=status)


RELEASE_FILTERS = ("start", "end", "region", "form", "partner", "period", "k")


@bp.route("/exports/<name>.<fmt>")
@role_required(Role.MANAGER)
def export(name: str, fmt: str):  # type: ignore[no-untyped-def]
    if name == STANDARD_FORM and fmt in exports.FORMATS:
        # The victims' file is no longer made for any dates and filters: only as releases.
        return _release_refused(
            _(
                "The victims' standard form is published only as recorded releases, each for a whole "
                "calendar quarter or year that has ended, without filters: download one from the "
                "list of releases, or make the release of a period."
            )
        )
    if exports.get_dataset(name) is None or fmt not in exports.FORMATS:
        abort(404)
    form = _filter_form()
    today = _today()
    if not form.validate_with_dates(today):
        return _exports_page(form, None, status=400)
    filters = form.to_filter(today)
    try:
        plan = exports.prepare_export(name, fmt, filters, actor=current_user, today=today)
    except HotlineError as exc:
        db.session.rollback()
        form.end.errors = [*form.end.errors, exc.message]
        return _exports_page(form, filters, status=400)
    db.session.commit()  # the audit row is stored before any data leaves
    return _download(plan)


@bp.route("/exports/identifiable", methods=["POST"])
@role_required(Role.MANAGER)
def export_identifiable():  # type: ignore[no-untyped-def]
    identifiable = IdentifiableExportForm()
    hidden = {name: identifiable[name].data or "" for name in ("start", "end", "region", "form", "partner")}
    form = _filter_form(ImmutableMultiDict({k: v for k, v in hidden.items() if v}))
    today = _today()
    if not form.validate_with_dates(today):
        return _exports_page(form, None, identifiable=identifiable, status=400)
    filters = form.to_filter(today)
    if not identifiable.validate_on_submit():
        return _exports_page(form, filters, identifiable=identifiable, status=400)
    try:
        plan = exports.prepare_export(
            identifiable.dataset.data,
            identifiable.fmt.data,
            filters,
            actor=current_user,
            today=today,
            identifiable=True,
            reason=identifiable.reason.data,
        )
    except HotlineError as exc:
        db.session.rollback()
        identifiable.reason.errors = [*identifiable.reason.errors, exc.message]
        return _exports_page(form, filters, identifiable=identifiable, status=400)
    db.session.commit()
    return _download(plan)


@bp.route("/releases", methods=["POST"])
@role_required(Role.MANAGER)
def make_release():  # type: ignore[no-untyped-def]
    release_form = _release_form(request.form)
    if not release_form.validate_on_submit():
        return _release_refused(releases.ALLOWED)
    today = _today()
    if any(request.form.get(name) for name in RELEASE_FILTERS if name != "period"):
        return _release_refused(_("A release takes no filters.") + " " + str(releases.ALLOWED))
    try:
        period = releases.parse_period(release_form.period.data, today)
        release = releases.make_release(period, actor=current_user, k=anonymise.k_value(), today=today)
    except HotlineError as exc:
        return _release_refused(exc.message)
    db.session.commit()
    flash(
        _(
            "Release %(period)s made: %(n)d victims. It is stored and can be downloaded again.",
            period=period.name,
            n=release.victims,
        ),
        "success",
    )
    return redirect(url_for("reports.release_sheet", release_id=release.id), code=303)


def _release_or_404(release_id: int) -> Any:
    if any(name in request.args for name in RELEASE_FILTERS):
        raise ClearBadRequest(
            _("A release is downloaded whole: it takes no dates or filters.") + " " + str(releases.ALLOWED)
        )
    release = releases.get_release(release_id)
    if release is None:
        abort(404)
    return release


@bp.route("/releases/<int:release_id>")
@role_required(Role.MANAGER)
def release_sheet(release_id: int):  # type: ignore[no-untyped-def]
    release = _release_or_404(release_id)
    return render_template(
        "reports/releases_sheet.html",
        release=release,
        period=releases.period_of(release),
        lines=releases.sheet_lines(release),
    )


@bp.route("/releases/<int:release_id>.<fmt>")
@role_required(Role.MANAGER)
def release_download(release_id: int, fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in releases.FORMATS:
        abort(404)
    release = _release_or_404(release_id)
    try:
        content = releases.download(release, fmt, actor=current_user)
    except HotlineError as exc:
        db.session.rollback()
        raise ClearBadRequest(exc.message) from exc
    db.session.commit()  # the audit row is stored before the file leaves
    response = Response(content, mimetype=CSV_MIMETYPE if fmt == "csv" else XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{releases.filename(release, fmt)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _working_group_form(labels: presenters.Labels) -> WorkingGroupForm:
    form = WorkingGroupForm(request.args)
    form.partner.choices = [("", _("All partners"))] + [
        (str(pid), name) for pid, name in presenters.partner_choices(labels)
    ]
    return form


def _working_group_report() -> tuple[WorkingGroupForm, Any]:
    """The form and the report it asks for (None when the period is not valid)."""
    form = _working_group_form(presenters.load_labels(current_language()))
    today = _today()
    default = working_group.last_month(today)
    if not form.validate():
        return form, None
    try:
        period = working_group.make_period(
            form.kind.data or "month",
            form.year.data or default.year,
            form.number.data or default.number,
            today=today,
        )
    except HotlineError as exc:
        form.number.errors = [*form.number.errors, exc.message]
        return form, None
    if not request.args:
        form.kind.data, form.year.data, form.number.data = period.kind, period.year, period.number
    report = working_group.build_report(
        period,
        locale=current_language(),
        partner_id=int(form.partner.data) if form.partner.data else None,
        include_reasons=form.reasons.data,
        now=utcnow(),
    )
    return form, report


@bp.route("/working-group")
@role_required(*READERS)
def working_group_page():  # type: ignore[no-untyped-def]
    form, report = _working_group_report()
    if report is None:
        return render_template("reports/working_group.html", form=form, report=None), 400
    working_group.record_access(report, "page", actor=current_user)
    db.session.commit()
    return render_template(
        "reports/working_group.html",
        form=form,
        report=report,
        columns=working_group.summary_columns(),
        summary_cells=working_group.summary_cells,
        month_cells=working_group.month_cells,
        outcome_cells=working_group.outcome_cells,
        definitions=working_group.definitions(),
        outcomes=working_group.OUTCOMES,
        outcome_labels=presenters.OUTCOME_NAMES,
    )


@bp.route("/working-group.xlsx")
@role_required(*READERS)
def working_group_xlsx():  # type: ignore[no-untyped-def]
    form, report = _working_group_report()
    if report is None:
        return render_template("reports/working_group.html", form=form, report=None), 400
    period = report.period
    title = _("Referrals to the working group's partners: %(period)s", period=period.label())
    content = working_group.workbook(report, outcome_labels=presenters.OUTCOME_NAMES, title=title)
    working_group.record_access(report, "xlsx", actor=current_user)
    db.session.commit()
    filename = exports.safe_filename("hotline", "working-group", period.slug, extension="xlsx")
    response = Response(content, mimetype=exports.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/field-mapping")
@role_required(*READERS)
def field_mapping():  # type: ignore[no-untyped-def]
    return render_template(
        "reports/field_mapping.html",
        anonymise=anonymise,
        k=anonymise.k_value(),
        exports=exports,
        labels=presenters.load_labels(current_language()),
        indicator_labels=INDICATOR_LABELS,
    )
