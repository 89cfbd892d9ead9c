"""calls

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 14:17:03.936040

"""
from alembic import op
import sqlalchemy as sa

import hotline.database


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('received_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('twilio_sid', sa.String(length=64), nullable=True),
    sa.Column('twilio_status', sa.String(length=20), nullable=True),
    sa.Column('caller_number', hotline.database.EncryptedText(), nullable=True),
    sa.Column('caller_number_index', sa.String(length=64), nullable=True),
    sa.Column('caller_type', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=True),
    sa.Column('summary', hotline.database.EncryptedText(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_calls_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('twilio_sid', name=op.f('uq_calls_twilio_sid'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_caller_number_index'), ['caller_number_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_received_at'), ['received_at'], unique=False)
        batch_op.create_index('ix_calls_status_received_at', ['status', 'received_at'], unique=False)



def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_status_received_at')
        batch_op.drop_index(batch_op.f('ix_calls_received_at'))
        batch_op.drop_index(batch_op.f('ix_calls_operator_id'))
        batch_op.drop_index(batch_op.f('ix_calls_caller_number_index'))

    op.drop_table('calls')
