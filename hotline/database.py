"""Declarative base, shared column helpers and the encrypted column type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, String, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Tests replace the clock with freezegun."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with the app's field key (see hotline.crypto)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        from hotline import crypto

        return crypto.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        from hotline import crypto

        return crypto.decrypt(value)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Make SQLite enforce foreign keys and use real transactions (SAVEPOINT included)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy emit BEGIN itself so SAVEPOINT and rollback behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes SQLite's single write lock up front (waiting up to busy_timeout), so a
    # transaction that reads and then writes never fails with "database is locked" half-way.
    # SQLite serves small installations; PostgreSQL is the engine for concurrent load.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def advance_sequences(session: Any) -> list[str]:
    """Move every integer-id sequence past the highest id in its table (PostgreSQL).

    Bulk loaders that insert explicit ids (demo and benchmark data) call this before they finish, so
    the next ordinary insert never collides with a loaded row. SQLite needs nothing: it takes the
    highest rowid. Returns the tables whose sequence was set.
    """
    from sqlalchemy import Integer, text

    if session.get_bind().dialect.name != "postgresql":
        return []
    moved = []
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or pk[0].autoincrement is False:
            continue
        column = pk[0].name
        sequence = session.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column}
        ).scalar()
        if sequence is None:
            continue
        highest = f'SELECT COALESCE(MAX("{column}"), 0) + 1 FROM "{table.name}"'  # noqa: S608  (our own names)
        session.execute(text(f"SELECT setval(:sequence, ({highest}), false)"), {"sequence": sequence})
        moved.append(table.name)
    return moved
