"""Fixtures of the partner API tests: keys made through the services, referrals sent for real."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.api import services
from tests.referrals.helpers import full_case, partner, refer

ALL_SCOPES = ("referrals:read", "referrals:write", "webhooks:manage")


@pytest.fixture(autouse=True)
def _english(english):  # type: ignore[no-untyped-def]
    """Problems and service messages in English (tests/conftest.py)."""


@pytest.fixture
def _rules(db):  # type: ignore[no-untyped-def]
    from hotline.referrals.services import seed_routing_rules

    seed_routing_rules()


@pytest.fixture
def make_key(db):  # type: ignore[no-untyped-def]
    """`make_key("MP-FISTRAP", scopes=...)` -> (key, token)."""

    def _make(code: str = "MP-FISTRAP", scopes: tuple[str, ...] = ALL_SCOPES, **kwargs: Any) -> Any:
        key, token = services.issue_key(partner(code), scopes=scopes, actor=None, **kwargs)
        db.flush()
        return key, token

    return _make


@pytest.fixture
def token(make_key) -> str:  # type: ignore[no-untyped-def]
    return make_key()[1]


@pytest.fixture
def sent(db, coordinator, _rules):  # type: ignore[no-untyped-def]
    """A referral sent to MP-FISTRAP (and one to MIMP from the same case)."""
    case = full_case(coordinator)
    fistrap, _mimp = refer(case, coordinator, ("MP-FISTRAP", "MIMP"))
    db.flush()
    return fistrap


@pytest.fixture
def other(db, coordinator, _rules):  # type: ignore[no-untyped-def]
    """A referral sent to MIMP only."""
    case = full_case(coordinator)
    (referral,) = refer(case, coordinator, ("MIMP",))
    db.flush()
    return referral


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
