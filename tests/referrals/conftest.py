"""The default routing rules, seeded inside each test's transaction (rolled back afterwards)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def routing_rules(db):  # type: ignore[no-untyped-def]
    from hotline.referrals.services import seed_routing_rules

    seed_routing_rules()
    return db


@pytest.fixture(autouse=True)
def _english(english):  # type: ignore[no-untyped-def]
    """Pages and service messages in English (tests/conftest.py)."""
