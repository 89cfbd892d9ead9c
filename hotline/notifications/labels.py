"""Labels of the delivery states of the outbox."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hotline.notifications.models import OutboxStatus

STATUS_LABELS = {
    OutboxStatus.PENDING: _l("Pending"),
    OutboxStatus.SENDING: _l("Sending"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
}
