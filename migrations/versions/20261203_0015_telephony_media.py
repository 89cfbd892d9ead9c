"""telephony: message media and WhatsApp locations, operator presence, the call queue,
outbound call legs and warm hand-offs by conference

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import hotline.database

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "call_handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("partner_number", hotline.database.EncryptedText(), nullable=False),
        sa.Column("partner_label", sa.String(length=80), nullable=True),
        sa.Column("conference_sid", sa.String(length=64), nullable=True),
        sa.Column("partner_call_sid", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_handoffs_call_id_calls")),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["users.id"], name=op.f("fk_call_handoffs_operator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_handoffs")),
    )
    with op.batch_alter_table("call_handoffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_handoffs_call_id"), ["call_id"], unique=False)

    op.create_table(
        "call_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("enqueued_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("offered_to_id", sa.Integer(), nullable=True),
        sa.Column("offered_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("left_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_queue_call_id_calls")),
        sa.ForeignKeyConstraint(
            ["offered_to_id"], ["users.id"], name=op.f("fk_call_queue_offered_to_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_queue")),
        sa.UniqueConstraint("call_id", name=op.f("uq_call_queue_call_id")),
    )
    with op.batch_alter_table("call_queue", schema=None) as batch_op:
        batch_op.create_index("ix_call_queue_status_enqueued_at", ["status", "enqueued_at"], unique=False)

    op.create_table(
        "operator_presence",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("changed_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idle_since", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_auto_busy", sa.Boolean(), nullable=False),
        sa.Column("current_call_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["current_call_id"], ["calls.id"], name=op.f("fk_operator_presence_current_call_id_calls")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_operator_presence_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_operator_presence")),
    )
    op.create_table(
        "outbound_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("parent_call_sid", sa.String(length=64), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=30), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("to_number", hotline.database.EncryptedText(), nullable=True),
        sa.Column("twilio_status", sa.String(length=20), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_outbound_calls_call_id_calls")),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["users.id"], name=op.f("fk_outbound_calls_operator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_outbound_calls_call_sid")),
    )
    with op.batch_alter_table("outbound_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_calls_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbound_calls_parent_call_sid"), ["parent_call_sid"], unique=False
        )

    op.create_table(
        "message_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("twilio_url", sa.String(length=500), nullable=False),
        sa.Column("declared_type", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.String(length=80), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("storage_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stored_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_media_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_media")),
        sa.UniqueConstraint("message_id", "position", name=op.f("uq_message_media_message_id")),
    )
    with op.batch_alter_table("message_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_media_message_id"), ["message_id"], unique=False)
        batch_op.create_index(
            "ix_message_media_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", hotline.database.EncryptedText(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("location")

    with op.batch_alter_table("message_media", schema=None) as batch_op:
        batch_op.drop_index("ix_message_media_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_message_media_message_id"))

    op.drop_table("message_media")
    with op.batch_alter_table("outbound_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_calls_parent_call_sid"))
        batch_op.drop_index(batch_op.f("ix_outbound_calls_call_id"))

    op.drop_table("outbound_calls")
    op.drop_table("operator_presence")
    with op.batch_alter_table("call_queue", schema=None) as batch_op:
        batch_op.drop_index("ix_call_queue_status_enqueued_at")

    op.drop_table("call_queue")
    with op.batch_alter_table("call_handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_handoffs_call_id"))

    op.drop_table("call_handoffs")
