"""Small helpers shared by tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy.exc import OperationalError

from hotline.audit.models import AuditEvent
from hotline.extensions import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def audit_count(action: str, **filters: object) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    for key, value in filters.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return db.session.scalar(query) or 0


def last_audit(action: str) -> AuditEvent | None:
    return db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()).limit(1)
    )


def delete_audit_rows(condition: str, params: dict[str, list[str]]) -> None:
    """Remove audit rows that a test committed (the database refuses it to the app)."""
    statement = text(f"DELETE FROM audit_events WHERE {condition}").bindparams(
        *(bindparam(name, expanding=True) for name in params)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(statement, params)
        return
    db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
    db.session.execute(statement, params)
    db.session.execute(
        text(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
    )


@contextmanager
def database_fails_on(db, statement_prefix: str, *, after: int = 0) -> Iterator[list[str]]:
    """Make the database raise on the (after+1)-th statement that starts with `statement_prefix`."""
    connection = db.connection()
    seen: list[str] = []

    def fail(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(statement_prefix.upper()):
            seen.append(statement)
            if len(seen) > after:
                raise OperationalError(statement, parameters, Exception("server closed the connection"))

    event.listen(connection, "before_cursor_execute", fail)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", fail)
