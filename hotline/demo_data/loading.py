"""Writing the synthetic rows in bulk, and the PostgreSQL index work around a big load."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from hotline.extensions import db


def names(text: str) -> list[str]:
    return text.split()


CALL_COLUMNS = names(
    "id channel status received_at ended_at duration_seconds caller_number caller_number_index "
    "caller_type language kind summary operator_id case_id created_at updated_at"
)
CASE_COLUMNS = names(
    "id reference status risk region_ubigeo province_ubigeo location indicators victim_count "
    "has_minors victim_nationalities narrative assigned_to_id opened_by_id opened_at "
    "triage_due_at triaged_at closed_at close_reason version_id created_at updated_at"
)
PERSON_COLUMNS = names(
    "id case_id role name name_index gender age age_range nationalities is_interpreter_needed "
    "document_type document_number document_index phone phone_index consent suspect_roles "
    "version_id created_at updated_at"
)
NOTE_COLUMNS = ["id", "case_id", "author_id", "body", "created_at"]
FORM_COLUMNS = ["case_id", "form_code"]
REFERRAL_COLUMNS = names(
    "id reference case_id case_seq partner_id kind status risk matched_rules share_place "
    "share_identities share_contacts share_suspects shared_person_ids is_consent_overridden "
    "shared_data created_by_id sent_by_id sent_at ack_due_at acknowledged_at answered_at "
    "decline_reason closed_at outcome outcome_note revoked_at revoke_reason escalated_at "
    "version_id created_at updated_at"
)
EVENT_COLUMNS = names("id referral_id occurred_at actor_id action from_status to_status note is_on_behalf")
AUDIT_COLUMNS = names("id occurred_at actor_id actor_role action object_type object_id outcome ip summary")
TABLES = {  # in the order of their foreign keys
    "cases": CASE_COLUMNS,
    "case_exploitation_forms": FORM_COLUMNS,
    "persons": PERSON_COLUMNS,
    "case_notes": NOTE_COLUMNS,
    "referrals": REFERRAL_COLUMNS,
    "referral_events": EVENT_COLUMNS,
    "calls": CALL_COLUMNS,
    "audit_events": AUDIT_COLUMNS,
}


def _write(raw: Any, postgres: bool, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Rows into one table through the driver: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if postgres:
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    cursor = raw.cursor()
    cursor.executemany(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608  (our own table and columns)
        [tuple(_sqlite(v) for v in row) for row in rows],
    )
    cursor.close()


def _sqlite(value: Any) -> Any:
    # SQLAlchemy's SQLite DateTime format (UTC, no offset), so the app reads and compares these rows.
    if type(value) is datetime:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


class Writer:
    """Writes each batch. A big load on PostgreSQL: on its own connection in a thread, so that the
    next batch is generated while the server takes this one (psycopg lets go of the GIL while it
    waits), one transaction per batch. Otherwise (SQLite has one writer at a time; a small load may
    run inside a test's transaction): in the session's own transaction."""

    def __init__(self, engine: Any, *, background: bool) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.queue: queue.Queue[dict[str, list[tuple]] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        if self.postgres and background:
            self.thread = threading.Thread(target=self._run, name="demo-data-writer", daemon=True)
            self.thread.start()

    def put(self, rows: dict[str, list[tuple]]) -> None:
        self._check()
        if self.thread is None:
            raw = db.session.connection().connection.driver_connection
            for table, columns in TABLES.items():
                _write(raw, self.postgres, table, columns, rows[table])
            return
        self.queue.put(rows)

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
        self._check()

    def _check(self) -> None:
        if self.error is not None:
            raise RuntimeError("demo-data: writing a batch failed") from self.error

    def _run(self) -> None:
        while (rows := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the main thread raises at its next put
            try:
                with self.engine.connect() as connection:
                    raw = connection.connection.driver_connection
                    raw.execute("SET LOCAL synchronous_commit = off")
                    if raw.execute("SELECT current_setting('is_superuser')").fetchone()[0] == "on":
                        # Every reference is built by the loader: skip the foreign-key triggers.
                        raw.execute("SET LOCAL session_replication_role = replica")
                    for table, columns in TABLES.items():
                        _write(raw, True, table, columns, rows[table])
                    raw.commit()  # the driver's own transaction (SQLAlchemy began none here)
            except BaseException as exc:  # noqa: BLE001  (handed to the main thread, which raises it)
                self.error = exc


def drop_indexes() -> list[str]:
    """PostgreSQL: drop the plain indexes of the loaded tables (not those of a primary key or a
    unique constraint) and return their definitions: building them once at the end is much faster
    than keeping them up to date row by row."""
    rows = db.session.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(:tables) AND t.relnamespace = 'public'::regnamespace "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        ),
        {"tables": list(TABLES)},
    ).all()
    for name, _definition in rows:
        db.session.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
    db.session.commit()
    return [definition for _name, definition in rows]


def restore_indexes(definitions: list[str]) -> None:
    if not definitions:
        return
    db.session.rollback()
    db.session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for definition in definitions:
        db.session.execute(text(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)))
    db.session.commit()


def analyze_tables() -> None:
    """Fresh planner statistics for the tables just filled (ANALYZE may run inside a transaction on
    both engines, so it goes through the session: the tests' outer transaction holds SQLite's lock)."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()
