"""audit: a keyed hash chain over the audit trail (chain_seq, chain_hash), sealed once by the worker

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Every column but the seal: none of them may ever change.
SEALED_COLUMNS = (
    "id", "occurred_at", "actor_id", "actor_role", "actor_partner_id", "action", "object_type",
    "object_id", "outcome", "ip", "summary",
)


def _sqlite_update_trigger(allow_seal: bool) -> str:
    condition = ""
    if allow_seal:
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in SEALED_COLUMNS)
        condition = (
            " WHEN NOT (OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL AND NEW.chain_seq IS NOT NULL"
            f" AND NEW.chain_hash IS NOT NULL AND {same})"
        )
    return (
        f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events{condition} "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_events_chain_seq"), ["chain_seq"], unique=True)

    # Still append-only, with one exception: the seal may be written once on a row that has none,
    # and only if nothing else in the row changes.
    if op.get_bind().dialect.name == "postgresql":
        same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in SEALED_COLUMNS)
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL
                   AND NEW.chain_seq IS NOT NULL AND NEW.chain_hash IS NOT NULL AND {same} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_events is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute(_sqlite_update_trigger(allow_seal=True))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        with op.batch_alter_table("audit_events", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_audit_events_chain_seq"))
            batch_op.drop_column("chain_hash")
            batch_op.drop_column("chain_seq")
        return
    # SQLite rebuilds the table to drop columns, which drops its triggers: put them back afterwards.
    op.execute("DROP TRIGGER audit_events_no_update")
    op.execute("DROP TRIGGER audit_events_no_delete")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_chain_seq"))
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("chain_seq")
    op.execute(_sqlite_update_trigger(allow_seal=False))
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
