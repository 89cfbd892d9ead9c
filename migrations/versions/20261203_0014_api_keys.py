"""api: partner API keys, idempotency records and webhook endpoints

api_keys: one row per key issued to a partner organisation (scopes, expiry, the second admin's
approval, revocation, the key that replaced it on rotation); only the SHA-256 of the token and its random lookup prefix are stored.
api_idempotency_records: the answer to a state change sent with an `Idempotency-Key`, per API key,
kept 24 hours. api_webhook_endpoints: a partner's HTTPS address for events, with its signing secret
encrypted. The partner's own case numbers (a prosecutor's file number...) already have their table
(referral_case_numbers, 0006), so no column is added. Only new tables: downgrade drops them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import hotline.database

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_api_keys_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_api_keys_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_api_keys_partner_id_partners"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"], ["api_keys.id"], name=op.f("fk_api_keys_replaced_by_id_api_keys")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_api_keys_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "api_idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_idempotency_records_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_records")),
        sa.UniqueConstraint("api_key_id", "key", name="uq_api_idempotency_records_api_key_id"),
    )
    with op.batch_alter_table("api_idempotency_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_idempotency_records_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "api_webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", hotline.database.EncryptedText(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_key_id", sa.Integer(), nullable=True),
        sa.Column("disabled_at", hotline.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_api_webhook_endpoints_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_webhook_endpoints_created_by_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_api_webhook_endpoints_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_webhook_endpoints")),
    )
    with op.batch_alter_table("api_webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_webhook_endpoints_partner_id"), ["partner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_webhook_endpoints_partner_id"))
    op.drop_table("api_webhook_endpoints")
    with op.batch_alter_table("api_idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_idempotency_records_expires_at"))
    op.drop_table("api_idempotency_records")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_partner_id"))
    op.drop_table("api_keys")
