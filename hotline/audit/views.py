"""The admin's view of the audit trail, and its CSV export. No route edits or deletes audit rows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from hotline.access import Role, role_required
from hotline.audit import services
from hotline.audit.forms import AuditExportForm, AuditFilterForm
from hotline.audit.labels import OBJECT_TYPE_LABELS, OUTCOME_LABELS, action_label
from hotline.database import utcnow
from hotline.extensions import db
from hotline.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day_start(day) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, time.min, tzinfo=UTC)


@bp.context_processor
def labels() -> dict[str, Any]:
    return {
        "action_label": action_label,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "OBJECT_TYPE_LABELS": OBJECT_TYPE_LABELS,
    }


def _filters(form: AuditFilterForm, args: Any) -> services.AuditFilter:
    filters = services.AuditFilter()
    if args and form.validate():
        filters = services.AuditFilter(
            action=form.action.data or None,
            actor_id=form.actor_id.data,
            object_type=form.object_type.data or None,
            object_id=form.object_id.data or None,
            outcome=form.outcome.data or None,
            since=_day_start(form.since.data) if form.since.data else None,
            until=_day_start(form.until.data) + timedelta(days=1) if form.until.data else None,
        )
    return filters


@bp.route("/")
@role_required(Role.ADMIN)
def index():  # type: ignore[no-untyped-def]
    form = AuditFilterForm(request.args)
    filters = _filters(form, request.args)
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = paginate(
        services.audit_query(filters), page=page, per_page=current_app.config["AUDIT_PAGE_SIZE"]
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "audit/index.html", form=form, pagination=pagination, args=args, export_form=AuditExportForm()
    )


@bp.route("/export", methods=["POST"])
@role_required(Role.ADMIN)
def export():  # type: ignore[no-untyped-def]
    """The trail as CSV, for the filters shown; streamed, and audited with the admin's reason."""
    filters_form = AuditFilterForm(request.args)
    export_form = AuditExportForm()
    if not export_form.validate():
        filters = _filters(filters_form, request.args)
        pagination = paginate(
            services.audit_query(filters), page=1, per_page=current_app.config["AUDIT_PAGE_SIZE"]
        )
        args = dict(request.args.items())
        html = render_template(
            "audit/index.html", form=filters_form, pagination=pagination, args=args, export_form=export_form
        )
        return html, 400
    filters = _filters(filters_form, request.args)
    services.record_export(filters, reason=export_form.reason.data, actor=current_user)
    db.session.commit()

    response = Response(stream_with_context(services.export_csv(filters)), mimetype="text/csv")
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
