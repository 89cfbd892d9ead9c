"""The migrations build an empty database to head, and the models agree with them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from config import TestConfig
from hotline import create_app
from hotline.extensions import db


def _fresh_database_url(tmp_path, session_url: str) -> tuple[str, object]:
    if not session_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migrations.db'}", None
    url = session_url
    name = f"{url.rsplit('/', 1)[1]}_mig"
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + f"/{name}", drop


@pytest.fixture
def fresh_app(tmp_path, database_uri):
    url, drop = _fresh_database_url(tmp_path, database_uri)
    app = create_app(type("Mig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    yield app
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


def test_upgrade_from_empty_has_no_drift_and_downgrades(fresh_app):
    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade()


def test_audit_rows_cannot_be_changed_or_deleted(fresh_app):
    with fresh_app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, action, outcome, summary) "
                    "VALUES (CURRENT_TIMESTAMP, 'test', 'success', '')"
                )
            )
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(statement))


def test_flask_db_check_finds_no_drift(fresh_app):
    with fresh_app.app_context():
        upgrade()
    result = fresh_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_foreign_keys_are_enforced(db):
    from sqlalchemy.exc import IntegrityError

    from hotline.reference.models import Province

    db.add(Province(ubigeo="9999", region_ubigeo="99", name="Nowhere"))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
