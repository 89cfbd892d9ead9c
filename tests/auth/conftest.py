"""Fixtures of the auth tests: more browsers, each signed in through the real pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.conftest import sign_in


@pytest.fixture
def browser_for(app: Flask, client, make_user) -> Callable[..., object]:  # type: ignore[no-untyped-def]
    """`browser_for(user)` (or `browser_for(role="admin")`): another test client, signed in as them.

    It asks for the same language as `client`.
    """

    def _browser(user: object | None = None, **kwargs: object) -> object:
        other = app.test_client()
        other.environ_base.update(client.environ_base)
        sign_in(other, user if user is not None else make_user(**kwargs))
        return other

    return _browser
