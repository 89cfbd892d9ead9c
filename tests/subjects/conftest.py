import pytest


@pytest.fixture(autouse=True)
def routing_rules(db):  # type: ignore[no-untyped-def]
    from hotline.referrals.services import seed_routing_rules

    seed_routing_rules()
    return db


@pytest.fixture(autouse=True)
def _english(english):  # type: ignore[no-untyped-def]
    """Pages and service messages in English (tests/conftest.py)."""


@pytest.fixture
def admin(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="admin")


@pytest.fixture
def world(coordinator, make_user):  # type: ignore[no-untyped-def]
    from tests.subjects.helpers import build_world

    return build_world(coordinator, partner_user=make_user(role="partner", partner_code="MP-FISTRAP"))
