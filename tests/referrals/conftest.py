"""The default routing rules, seeded inside each test's transaction (rolled back afterwards)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def routing_rules(db):  # type: ignore[no-untyped-def]
    from hotline.referrals.services import seed_routing_rules

    seed_routing_rules()
    return db


@pytest.fixture(autouse=True)
def english(request):  # type: ignore[no-untyped-def]
    """These tests read English messages: services run under an English locale and the test client
    asks for English pages (the Spanish catalogue is checked by tests/core/test_i18n.py)."""
    from flask import g
    from flask_babel import force_locale

    if "client" in request.fixturenames:
        request.getfixturevalue("client").environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")  # its app context is the one the services run in
    g.test_locale = "en"  # Flask-Babel ignores force_locale while `g` is still empty
    with force_locale("en"):
        yield
