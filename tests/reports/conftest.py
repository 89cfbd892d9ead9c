import pytest


@pytest.fixture(autouse=True)
def _english(english):  # type: ignore[no-untyped-def]
    """Pages and service messages in English (tests/conftest.py)."""


@pytest.fixture
def data(db):  # type: ignore[no-untyped-def]
    from tests.reports.helpers import build

    return build()
