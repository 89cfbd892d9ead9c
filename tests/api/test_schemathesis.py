"""Schemathesis against the OpenAPI document, on a live server (werkzeug, 127.0.0.1, a free port).

The server is the real app on its own database (migrated, seeded, with referrals sent to the
key's organisation and to another one, and a valid key with every scope). Every operation is
tried with data the document allows (bounded examples), then the stateful links are followed.
Any 5xx, any answer that does not match the document, and any request the document allows that
the server refuses as malformed (400/422) fails the test.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import create_engine, func, select, text
from werkzeug.serving import make_server

from config import TestConfig, database_url
from hotline import create_app
from hotline.audit.models import AuditEvent
from hotline.extensions import db

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
        return
    base, name = database_url(url).rsplit("/", 1)
    own = f"{name}_live_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{own}"'))
    try:
        yield f"{base}/{own}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        admin.dispose()


def _seed() -> str:
    from hotline.api import services as api
    from hotline.partners.services import seed_partners
    from hotline.reference.services import seed_reference
    from hotline.referrals.services import revoke, seed_routing_rules
    from tests.factories import UserFactory
    from tests.referrals.helpers import full_case, partner, refer

    seed_reference()
    seed_partners()
    seed_routing_rules()
    coordinator = UserFactory(role="coordinator")
    for _ in range(4):
        refer(full_case(coordinator), coordinator, ("MP-FISTRAP", "MIMP"))
    (gone,) = refer(full_case(coordinator), coordinator, ("MP-FISTRAP",))
    revoke(gone, reason="sent by mistake", actor=coordinator, expected_version=gone.version_id)
    _, token = api.issue_key(
        partner("MP-FISTRAP"),
        scopes=("referrals:read", "referrals:write", "webhooks:manage"),
        actor=None,
    )
    db.session.commit()
    return token


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Any]]:
    databases = _database(tmp_path_factory)
    uri = next(databases)
    config = type(
        "LiveConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": uri, "API_RATE_LIMIT": "100000 per minute"},
    )
    app = create_app(config)
    with app.app_context():
        upgrade(revision="heads")
        token = _seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", token, app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        next(databases, None)


@pytest.fixture(scope="module")
def schema(live: tuple[str, str, Any]) -> Any:
    base_url, _, _ = live
    return schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")


def test_every_operation_with_the_data_the_document_allows(live, schema):  # type: ignore[no-untyped-def]
    base_url, token, _ = live
    headers = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [op.label for op in operations]
    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(base_url=f"{base_url}/api/v1", headers=headers)

        check()
    assert time.monotonic() - started < 60


def test_the_stateful_links(live, schema):  # type: ignore[no-untyped-def]
    base_url, token, app = live
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        db.session.remove()
    machine = schema.as_state_machine()

    class Machine(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": f"{base_url}/api/v1", "headers": headers}

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The links carried real ids and versions: some changes went through.
    with app.app_context():
        summaries = db.session.scalars(
            select(AuditEvent.summary).where(AuditEvent.action == "api.request", AuditEvent.id > before)
        )
        done = [s for s in summaries if " POST " in s and s.endswith(("-> 200", "-> 201"))]
        db.session.remove()
    assert done, "no change succeeded through the links"


def test_the_document_is_openapi_3_1_with_links(schema):  # type: ignore[no-untyped-def]
    raw = schema.raw_schema
    assert raw["openapi"].startswith("3.1")
    assert raw["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    links = raw["paths"]["/referrals/{referral_id}"]["get"]["responses"]["200"]["links"]
    assert {"Acknowledge", "Accept", "Decline", "AddCaseNumber"} <= set(links)
