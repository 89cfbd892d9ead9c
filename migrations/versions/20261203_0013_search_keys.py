"""cases: short-lived opaque search keys

search_keys: one row per case search by name, phone or document (`POST /cases/search`), so that the
searched value travels in no URL: the list is shown at `/cases/?s=<key>`. A row holds the SHA-256 of
the random key, its owner, the search text encrypted and when it expires (`SEARCH_KEY_TTL`); the
worker deletes expired rows. Only a new table: downgrade drops it (live searches are forgotten, and
their users search again).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import hotline.database

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("query", hotline.database.EncryptedText(), nullable=False),
        sa.Column("created_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hotline.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_search_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_search_keys_key_hash")),
    )
    with op.batch_alter_table("search_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_keys_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_keys_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("search_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_keys_user_id"))
        batch_op.drop_index(batch_op.f("ix_search_keys_expires_at"))
    op.drop_table("search_keys")
