import pytest


@pytest.fixture(autouse=True)
def _english(english):  # type: ignore[no-untyped-def]
    """Pages and service messages in English (tests/conftest.py)."""
