"""No 500 anywhere: every route, for every role, fed hostile values in every parameter it reads.

The routes come from `app.url_map`; the parameters a route reads are found in its view's source (the
`request.args`/`request.form` keys it names, and the fields of the forms it builds), plus the common
ones. Hypothesis sends integers past 2**63, negative ids, dates at both ends of the calendar, NUL
bytes, invalid UTF-8, 100,000-character strings, lists where a scalar is expected and missing fields.
Every answer must be 2xx, 3xx or 4xx, never 5xx.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms.fields.core import UnboundField

from hotline.access import PUBLIC, access_of
from tests import conftest

ROLES = ("operator", "coordinator", "manager", "admin", "partner")
COMMON = ("page", "q", "status", "lang", "next", "draft", "sort", "partner", "since", "until", "start", "end")
HOSTILE = [
    str(2**63),
    str(2**64 + 1),
    "-1",
    "-9223372036854775809",
    "0",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59",
    "2026-02-30",
    "1e309",
    "NaN",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "%00",
    "../../etc/passwd",
    "１２３４５６",
    "٣٤٥",
    "",
    " ",
    "on",
    "yes",
    "TP-2026-000001",
]
PATH_VALUES = {"int": [str(2**63), "999999999", "1"], "default": ["x" * 300, "..", "TP-9999-999999"]}
ARG_RE = re.compile(r"request\.(?:args|form|values|files)\.(?:get|getlist)\(\s*[\"'](\w+)[\"']")
FORM_RE = re.compile(r"\b([A-Z]\w*Form)\b")


def _form_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    todo = [FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found[sub.__name__] = sub
            todo.append(sub)
    return found


def _fields(cls: type) -> list[str]:
    return [name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField)]


@cache
def parameters_of(app: Flask, endpoint: str) -> tuple[str, ...]:
    view = app.view_functions[endpoint]
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        source = ""
    module_source = inspect.getsource(inspect.getmodule(inspect.unwrap(view)))
    names = set(ARG_RE.findall(source)) | set(COMMON)
    forms = _form_classes()
    for form_name in set(FORM_RE.findall(source)):
        if form_name in forms:
            names.update(_fields(forms[form_name]))
    # Helpers of the same module that read the request (e.g. a filter parser) count too.
    names.update(n for n in ARG_RE.findall(module_source))
    return tuple(sorted(names))


def routes(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method))
    return sorted(set(found))


def _roles_for(app: Flask, endpoint: str) -> list[str | None]:
    access = access_of(app.view_functions[endpoint])
    if access == PUBLIC:
        return [None, "coordinator"]
    allowed = [r for r in ROLES if access is None or not isinstance(access, frozenset) or r in access]
    denied = [r for r in ROLES if r not in allowed][:1]
    return allowed + denied + [None]


def _build_path(app: Flask, endpoint: str, choice: int) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    path = rule.rule
    parts = []
    for piece in re.split(r"(<[^>]+>)", path):
        if piece.startswith("<"):
            inner = piece[1:-1]
            kind = inner.split(":", 1)[0] if ":" in inner else "default"
            values = PATH_VALUES.get(kind, PATH_VALUES["default"])
            parts.append(quote(values[choice % len(values)], safe=""))
        else:
            parts.append(piece)
    return "".join(parts)


values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
payloads = st.dictionaries(
    keys=st.integers(min_value=0, max_value=10_000),
    values=st.one_of(values.map(lambda v: [v]), st.lists(values, min_size=2, max_size=3)),
    max_size=8,
)


def _app_routes() -> list[tuple[str, str]]:
    from config import TestConfig
    from hotline import create_app

    app = create_app(type("Collect", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    return routes(app)


@pytest.mark.parametrize(("endpoint", "method"), _app_routes())
def test_no_route_answers_5xx_to_hostile_input(app, client, db, make_user, endpoint, method):
    roles = _roles_for(app, endpoint)
    names = parameters_of(app, endpoint)
    clients: dict[str | None, tuple[Any, str]] = {}

    def client_for(role: str | None) -> tuple[Any, str]:
        """One client per role, signed in once (signing in again for every example cost most of the time)."""
        if role not in clients:
            browser = app.test_client()
            if role is not None:
                conftest.sign_in(browser, make_user(role=role))
            clients[role] = (browser, browser.csrf_token("/app" if role else "/login"))
        return clients[role]

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(role=st.sampled_from(roles), payload=payloads, choice=st.integers(0, 2), bad_utf8=st.booleans())
    def probe(role: str | None, payload: dict[int, list[str]], choice: int, bad_utf8: bool) -> None:
        client, token = client_for(role)
        data = [(names[k % len(names)], v) for k, vs in payload.items() for v in vs]
        path = _build_path(app, endpoint, choice)
        if method == "GET":
            query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in data if len(v) < 5000)
            if bad_utf8:
                query += ("&" if query else "") + f"{names[0]}=%FF%FE%C0%AF"
            response = client.get(f"{path}?{query}" if query else path, buffered=True)
        else:
            form = [("csrf_token", token), *data]
            if bad_utf8:
                form.append((names[0], b"\xff\xfe\xc0\xaf".decode("latin-1")))
            response = client.open(path, method=method, data=MultiDict(form), buffered=True)
        assert response.status_code < 500, (endpoint, method, role, data[:5], response.status_code)

    probe()


SHARP = (str(2**63), "-1", "0001-01-01", "9999-12-31", "a\x00b", "x" * 100_000)


def _most_privileged(app: Flask, endpoint: str) -> str | None:
    roles = [r for r in _roles_for(app, endpoint) if r is not None]
    allowed = [r for r in roles if _allowed(app, endpoint, r)]
    return allowed[0] if allowed else None


def _allowed(app: Flask, endpoint: str, role: str) -> bool:
    access = access_of(app.view_functions[endpoint])
    return access == PUBLIC or not isinstance(access, frozenset) or role in access


@pytest.mark.parametrize(("endpoint", "method"), _app_routes())
def test_every_parameter_alone_with_each_sharp_value(app, client, db, login, endpoint, method):
    """The same, without chance: each parameter the route reads, alone, with each sharp value."""
    role = _most_privileged(app, endpoint)
    if role is not None:
        login(role)
    token = client.csrf_token("/app" if role else "/login")
    path = _build_path(app, endpoint, 2)
    failures = []
    for name in parameters_of(app, endpoint):
        for value in SHARP:
            if method == "GET":
                response = client.get(path, query_string={name: value}, buffered=True)
            else:
                response = client.open(
                    path, method=method, data={"csrf_token": token, name: value}, buffered=True
                )
            if response.status_code >= 500:
                failures.append((name, value[:20], response.status_code))
    assert not failures, (endpoint, method, role, failures)
