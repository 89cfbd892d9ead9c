"""Words for the account requests waiting for a second administrator."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hotline.auth.models import AccountRequestKind, AccountRequestStatus

REQUEST_KIND_LABELS = {
    AccountRequestKind.CREATE: _l("New account"),
    AccountRequestKind.CHANGE_ROLE: _l("Role change"),
    AccountRequestKind.RESET_PASSWORD: _l("Password reset"),
}

REQUEST_STATUS_LABELS = {
    AccountRequestStatus.PENDING: _l("Waiting for approval"),
    AccountRequestStatus.APPROVED: _l("Approved"),
    AccountRequestStatus.REFUSED: _l("Refused"),
}
