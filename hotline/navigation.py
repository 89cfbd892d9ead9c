"""The staff navigation, by role. Each domain adds its entries here when it lands."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hotline.auth.models import Role


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object
    roles: frozenset[Role]


@dataclass(frozen=True)
class NavItem:
    url: str
    label: object
    active: bool


NAVIGATION: list[NavEntry] = [
    NavEntry("core.home", _l("Home"), frozenset(Role)),
    NavEntry("auth.users", _l("Users"), frozenset({Role.ADMIN})),
    NavEntry("audit.index", _l("Audit trail"), frozenset({Role.ADMIN})),
    NavEntry("subjects.index", _l("Data subjects"), frozenset({Role.ADMIN})),
    NavEntry("calls.queue", _l("Calls"), frozenset({Role.OPERATOR, Role.COORDINATOR})),
    NavEntry("cases.index", _l("Cases"), frozenset({Role.OPERATOR, Role.COORDINATOR})),
    NavEntry("telephony_staff.live", _l("Live calls"), frozenset({Role.OPERATOR, Role.COORDINATOR})),
    NavEntry("telephony_staff.settings", _l("Telephony"), frozenset({Role.ADMIN})),
    NavEntry("partners.index", _l("Partners"), frozenset({Role.ADMIN, Role.COORDINATOR})),
    NavEntry("api_admin.index", _l("Partner API"), frozenset({Role.ADMIN})),
    NavEntry("notifications.index", _l("Notifications"), frozenset({Role.ADMIN, Role.COORDINATOR})),
    NavEntry("referrals.index", _l("Referrals"), frozenset({Role.COORDINATOR})),
    NavEntry("referrals.rules", _l("Routing rules"), frozenset({Role.ADMIN})),
    NavEntry("portal.index", _l("My referrals"), frozenset({Role.PARTNER})),
    NavEntry("reports.index", _l("Reports"), frozenset({Role.MANAGER, Role.COORDINATOR})),
]


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    role = Role(current_user.role)
    return [
        NavItem(url_for(e.endpoint), e.label, request.endpoint == e.endpoint)
        for e in NAVIGATION
        if role in e.roles
    ]
