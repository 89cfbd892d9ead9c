"""referrals: routing rules, referrals, their timeline and partner case numbers; cases.exploitation_country

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 14:43:52.712145

"""
from alembic import op
import sqlalchemy as sa

import hotline.database


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_es', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('basis', sa.String(length=1000), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('exploitation_forms', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=False),
    sa.Column('risks', sa.JSON(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('minors', sa.Boolean(), nullable=True),
    sa.Column('foreign_victims', sa.Boolean(), nullable=True),
    sa.Column('peruvians_abroad', sa.Boolean(), nullable=True),
    sa.Column('adult_women', sa.Boolean(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
    sa.UniqueConstraint('code', name=op.f('uq_routing_rules_code'))
    )
    op.create_table('routing_rule_partners',
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_routing_rule_partners_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['routing_rules.id'], name=op.f('fk_routing_rule_partners_rule_id_routing_rules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rule_id', 'partner_id', name=op.f('pk_routing_rule_partners'))
    )
    with op.batch_alter_table('routing_rule_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_rule_partners_partner_id'), ['partner_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('case_seq', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('risk', sa.String(length=10), nullable=False),
    sa.Column('matched_rules', sa.JSON(), nullable=False),
    sa.Column('form_token', sa.String(length=64), nullable=True),
    sa.Column('share_place', sa.Boolean(), nullable=False),
    sa.Column('share_identities', sa.Boolean(), nullable=False),
    sa.Column('share_contacts', sa.Boolean(), nullable=False),
    sa.Column('share_suspects', sa.Boolean(), nullable=False),
    sa.Column('shared_person_ids', sa.JSON(), nullable=False),
    sa.Column('is_consent_overridden', sa.Boolean(), nullable=False),
    sa.Column('shared_data', hotline.database.EncryptedText(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_due_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', hotline.database.EncryptedText(), nullable=True),
    sa.Column('closed_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('outcome_note', hotline.database.EncryptedText(), nullable=True),
    sa.Column('revoked_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', hotline.database.EncryptedText(), nullable=True),
    sa.Column('escalated_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_referrals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_referrals_partner_id_partners')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_referrals_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('case_id', 'case_seq', name='uq_referrals_case_id_case_seq'),
    sa.UniqueConstraint('form_token', 'partner_id', name='uq_referrals_form_token_partner_id'),
    sa.UniqueConstraint('reference', name=op.f('uq_referrals_reference'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_referrals_partner_id_status', ['partner_id', 'status'], unique=False)
        batch_op.create_index('ix_referrals_status_ack_due_at', ['status', 'ack_due_at'], unique=False)

    op.create_table('referral_case_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('normalised', sa.String(length=80), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_on_behalf', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_referral_case_numbers_added_by_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_case_numbers_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_case_numbers')),
    sa.UniqueConstraint('referral_id', 'kind', 'normalised', name='uq_referral_case_numbers_referral_id')
    )
    with op.batch_alter_table('referral_case_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_case_numbers_normalised'), ['normalised'], unique=False)

    op.create_table('referral_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('note', hotline.database.EncryptedText(), nullable=True),
    sa.Column('is_on_behalf', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_referral_events_actor_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_events_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_events'))
    )
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_events_referral_id'), ['referral_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        # ISO 3166 country where the exploitation happens (None: Peru or not known), for the
        # "Peruvians exploited abroad" routing rule.
        batch_op.add_column(sa.Column('exploitation_country', sa.String(length=2), nullable=True))



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('exploitation_country')

    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_events_referral_id'))

    op.drop_table('referral_events')
    with op.batch_alter_table('referral_case_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_case_numbers_normalised'))

    op.drop_table('referral_case_numbers')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_status_ack_due_at')
        batch_op.drop_index('ix_referrals_partner_id_status')
        batch_op.drop_index(batch_op.f('ix_referrals_case_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('routing_rule_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_rule_partners_partner_id'))

    op.drop_table('routing_rule_partners')
    op.drop_table('routing_rules')
