import pytest


@pytest.fixture(autouse=True)
def english(request):  # type: ignore[no-untyped-def]
    """Pages in English, so assertions read the msgids (a test in Spanish asks for it itself)."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def data(db):  # type: ignore[no-untyped-def]
    from tests.reports.helpers import build

    return build()
