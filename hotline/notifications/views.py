"""Delivery status of notifications, for coordinators and admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from hotline.access import Role, role_required
from hotline.notifications import services
from hotline.notifications.labels import STATUS_LABELS
from hotline.notifications.models import OutboxStatus

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@role_required(Role.ADMIN, Role.COORDINATOR)
def index():  # type: ignore[no-untyped-def]
    status = request.args.get("status")
    if status not in {s.value for s in OutboxStatus}:
        status = None
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template(
        "notifications/index.html",
        pagination=services.list_messages(status, page),
        status=status,
        counts=services.status_counts(),
        status_labels=STATUS_LABELS,
        senders=services.sender_states(),
        statuses=list(OutboxStatus),
    )
