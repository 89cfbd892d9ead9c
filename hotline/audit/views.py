"""The admin's read-only view of the audit trail. No route edits or deletes audit rows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request

from hotline.audit import services
from hotline.audit.forms import AuditFilterForm
from hotline.auth.access import Role, role_required
from hotline.pagination import paginate

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day_start(day) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, time.min, tzinfo=UTC)


@bp.route("/")
@role_required(Role.ADMIN)
def index():  # type: ignore[no-untyped-def]
    form = AuditFilterForm(request.args)
    filters = services.AuditFilter()
    if request.args and form.validate():
        filters = services.AuditFilter(
            action=form.action.data or None,
            actor_id=form.actor_id.data,
            object_type=form.object_type.data or None,
            object_id=form.object_id.data or None,
            outcome=form.outcome.data or None,
            since=_day_start(form.since.data) if form.since.data else None,
            until=_day_start(form.until.data) + timedelta(days=1) if form.until.data else None,
        )
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = paginate(
        services.audit_query(filters), page=page, per_page=current_app.config["AUDIT_PAGE_SIZE"]
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/index.html", form=form, pagination=pagination, args=args)
