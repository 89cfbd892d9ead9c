"""Sign-in and sign-out, the user's own account, and the admin's user pages and approvals.

The blueprint and its URL map live here; the views live in one module per audience and do not
import this package (so there is no circle of imports). `hotline.create_app` uses `load_user`,
`SESSION_KEY` and `end_browser_session`.
"""

from __future__ import annotations

from flask import Blueprint

from hotline.auth.labels import REQUEST_KIND_LABELS, REQUEST_STATUS_LABELS
from hotline.auth.services import SET_PASSWORD_PATH
from hotline.auth.views import account, admin, login
from hotline.auth.views.common import SESSION_KEY, end_browser_session, load_user, safe_next

__all__ = ["SESSION_KEY", "bp", "end_browser_session", "load_user", "safe_next"]

bp = Blueprint("auth", __name__)
bp.context_processor(lambda: {"kind_labels": REQUEST_KIND_LABELS, "status_labels": REQUEST_STATUS_LABELS})

GET, POST, FORM = ["GET"], ["POST"], ["GET", "POST"]
# (rule, view, methods); the endpoint is the view's name: auth.login, auth.user_edit, ...
ROUTES = (
    ("/login", login.login, FORM),
    ("/login/code", login.login_totp, FORM),
    ("/logout", login.logout, POST),
    (SET_PASSWORD_PATH, login.set_password, FORM),
    ("/account", account.account, GET),
    ("/account/password", account.change_password, FORM),
    ("/account/2fa/setup", account.two_step_setup, FORM),
    ("/account/2fa/disable", account.disable_totp, POST),
    ("/account/2fa/recovery-codes", account.recovery_codes, POST),
    ("/admin/users", admin.users, GET),
    ("/admin/users/new", admin.user_new, FORM),
    ("/admin/users/<int:user_id>", admin.user_edit, FORM),
    ("/admin/users/<int:user_id>/<any(activate, deactivate):action>", admin.user_set_active, POST),
    ("/admin/users/<int:user_id>/reset-password", admin.user_reset_password, POST),
    ("/admin/users/<int:user_id>/reset-two-step", admin.user_reset_two_step, POST),
    ("/admin/approvals", admin.approvals, GET),
    ("/admin/approvals/<int:request_id>/approve", admin.approval_approve, POST),
    ("/admin/approvals/<int:request_id>/refuse", admin.approval_refuse, POST),
)
for rule, view, methods in ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=methods)
