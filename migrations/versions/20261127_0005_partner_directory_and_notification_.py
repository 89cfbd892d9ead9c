"""partner directory and notification outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 14:29:17.090780

"""
from alembic import op
import sqlalchemy as sa

import hotline.database


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('sent_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('provider_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_outbox_messages_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('partner_exploitation_forms',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('form_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['form_code'], ['exploitation_forms.code'], name=op.f('fk_partner_exploitation_forms_form_code_exploitation_forms')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_exploitation_forms_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partner_id', 'form_code', name=op.f('pk_partner_exploitation_forms'))
    )
    op.create_table('partner_regions',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('region_ubigeo', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_regions_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_ubigeo'], ['regions.ubigeo'], name=op.f('fk_partner_regions_region_ubigeo_regions')),
    sa.PrimaryKeyConstraint('partner_id', 'region_ubigeo', name=op.f('pk_partner_regions'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handles_minors', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('handles_foreigners', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('handles_abroad', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('is_24_7', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('office_hours', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone')

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('phone')
        batch_op.drop_column('office_hours')
        batch_op.drop_column('is_24_7')
        batch_op.drop_column('handles_abroad')
        batch_op.drop_column('handles_foreigners')
        batch_op.drop_column('handles_minors')

    op.drop_table('partner_regions')
    op.drop_table('partner_exploitation_forms')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_status_next_attempt_at')
        batch_op.drop_index('ix_outbox_messages_object')

    op.drop_table('outbox_messages')
