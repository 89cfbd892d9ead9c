"""Auth services: login and lockout, two-step verification, server-side sessions, user accounts.

`from hotline.auth import services` then `services.authenticate(...)`. Services never read the
request or commit: callers pass plain values and commit once.
"""

from hotline.auth.services.accounts import (
    change_password,
    change_role,
    create_user,
    list_users,
    reset_password,
    set_active,
    set_locale,
)
from hotline.auth.services.common import AuthError, UserError, get_user_by_email, normalise_email
from hotline.auth.services.login import LoginResult, authenticate
from hotline.auth.services.sessions import (
    TOUCH_INTERVAL,
    check_session,
    count_live_sessions,
    end_session,
    revoke_sessions,
    start_session,
)
from hotline.auth.services.two_step import (
    disable_totp,
    enable_totp,
    new_totp_secret,
    totp_uri,
    verify_totp,
)

__all__ = [
    "TOUCH_INTERVAL",
    "AuthError",
    "LoginResult",
    "UserError",
    "authenticate",
    "change_password",
    "change_role",
    "check_session",
    "count_live_sessions",
    "create_user",
    "disable_totp",
    "enable_totp",
    "end_session",
    "get_user_by_email",
    "list_users",
    "new_totp_secret",
    "normalise_email",
    "reset_password",
    "revoke_sessions",
    "set_active",
    "set_locale",
    "start_session",
    "totp_uri",
    "verify_totp",
]
