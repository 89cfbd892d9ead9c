"""Roles, and one declarative access rule per route (infrastructure: every domain's views use it).

Every view states who may use it: `@public` or `@role_required(...)`. The app refuses (403) any
endpoint that states neither, so a forgotten decorator fails closed; tests list `app.url_map`.

A user whose role requires two-step sign-in and who has not set it up reaches no page but the
set-up page (and the password change, which comes first): no data before the second factor.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

__all__ = ["Role", "login_required", "public", "role_required"]

F = TypeVar("F", bound=Callable[..., Any])


class Role(StrEnum):
    OPERATOR = "operator"
    COORDINATOR = "coordinator"
    MANAGER = "manager"
    ADMIN = "admin"
    PARTNER = "partner"


ACCESS_ATTR = "hotline_access"
PUBLIC = "public"
# What a signed-in user who must still set up two-step verification may open.
ENROLMENT_ENDPOINTS = frozenset({"auth.two_step_setup", "auth.change_password"})


def public(view: F) -> F:
    """Anyone, logged in or not, may use this view."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def login_required(view: F) -> F:
    """Any signed-in user, whatever the role."""
    return role_required(*Role)(view)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Only signed-in users with one of these roles; others get 403, anonymous users the login page."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_roles(allowed)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, allowed)
        return wrapper  # type: ignore[return-value]

    return decorator


def check_roles(allowed: frozenset[Role]) -> None:
    from hotline.extensions import login_manager

    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if (
        current_user.needs_two_step
        and not current_user.has_totp
        and request.endpoint not in ENROLMENT_ENDPOINTS
    ):
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        abort(redirect(url_for("auth.two_step_setup", next=target)))
    if Role(current_user.role) not in allowed:
        abort(403)


def access_of(view: Callable[..., Any]) -> object:
    return getattr(view, ACCESS_ATTR, None)
