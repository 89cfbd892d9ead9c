"""cases: cases, persons, notes, history, reference counter; calls.case_id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 14:19:19.056920

"""
from alembic import op
import sqlalchemy as sa

import hotline.database


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_case_counters'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('risk', sa.String(length=10), nullable=False),
    sa.Column('region_ubigeo', sa.String(length=6), nullable=True),
    sa.Column('province_ubigeo', sa.String(length=6), nullable=True),
    sa.Column('location', hotline.database.EncryptedText(), nullable=True),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('victim_count', sa.Integer(), nullable=True),
    sa.Column('has_minors', sa.Boolean(), nullable=True),
    sa.Column('victim_nationalities', sa.JSON(), nullable=False),
    sa.Column('narrative', hotline.database.EncryptedText(), nullable=True),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('triage_due_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('triaged_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=40), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_cases_assigned_to_id_users')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_cases_opened_by_id_users')),
    sa.ForeignKeyConstraint(['province_ubigeo'], ['provinces.ubigeo'], name=op.f('fk_cases_province_ubigeo_provinces')),
    sa.ForeignKeyConstraint(['region_ubigeo'], ['regions.ubigeo'], name=op.f('fk_cases_region_ubigeo_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('reference', name=op.f('uq_cases_reference'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_region_ubigeo'), ['region_ubigeo'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_risk'), ['risk'], unique=False)
        batch_op.create_index('ix_cases_status_due_at', ['status', 'triage_due_at'], unique=False)
        batch_op.create_index('ix_cases_status_opened_at', ['status', 'opened_at'], unique=False)

    op.create_table('case_exploitation_forms',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('form_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_exploitation_forms_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['form_code'], ['exploitation_forms.code'], name=op.f('fk_case_exploitation_forms_form_code_exploitation_forms')),
    sa.PrimaryKeyConstraint('case_id', 'form_code', name=op.f('pk_case_exploitation_forms'))
    )
    with op.batch_alter_table('case_exploitation_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_exploitation_forms_form_code'), ['form_code'], unique=False)

    op.create_table('case_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_history_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_history_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_history'))
    )
    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_history_case_id'), ['case_id'], unique=False)

    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', hotline.database.EncryptedText(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_case_id'), ['case_id'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', hotline.database.EncryptedText(), nullable=True),
    sa.Column('name_index', sa.String(length=64), nullable=True),
    sa.Column('alias', hotline.database.EncryptedText(), nullable=True),
    sa.Column('alias_index', sa.String(length=64), nullable=True),
    sa.Column('gender', sa.String(length=30), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('age_range', sa.String(length=10), nullable=True),
    sa.Column('nationalities', sa.JSON(), nullable=False),
    sa.Column('migration_status', sa.String(length=30), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('is_interpreter_needed', sa.Boolean(), nullable=False),
    sa.Column('document_type', sa.String(length=20), nullable=True),
    sa.Column('document_number', hotline.database.EncryptedText(), nullable=True),
    sa.Column('document_index', sa.String(length=64), nullable=True),
    sa.Column('phone', hotline.database.EncryptedText(), nullable=True),
    sa.Column('phone_index', sa.String(length=64), nullable=True),
    sa.Column('address', hotline.database.EncryptedText(), nullable=True),
    sa.Column('details', hotline.database.EncryptedText(), nullable=True),
    sa.Column('trafficking_status', sa.String(length=20), nullable=True),
    sa.Column('trafficking_status_decided_by', sa.String(length=30), nullable=True),
    sa.Column('recruiter_relation', sa.String(length=20), nullable=True),
    sa.Column('consent', sa.String(length=20), nullable=False),
    sa.Column('consent_recorded_at', hotline.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspect_roles', sa.JSON(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hotline.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_persons_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_alias_index'), ['alias_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_document_index'), ['document_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_name_index'), ['name_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_phone_index'), ['phone_index'], unique=False)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_calls_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_calls_case_id_cases'), 'cases', ['case_id'], ['id'])



def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_calls_case_id_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_calls_case_id'))
        batch_op.drop_column('case_id')

    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_phone_index'))
        batch_op.drop_index(batch_op.f('ix_persons_name_index'))
        batch_op.drop_index(batch_op.f('ix_persons_document_index'))
        batch_op.drop_index(batch_op.f('ix_persons_case_id'))
        batch_op.drop_index(batch_op.f('ix_persons_alias_index'))

    op.drop_table('persons')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_case_id'))

    op.drop_table('case_notes')
    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_history_case_id'))

    op.drop_table('case_history')
    with op.batch_alter_table('case_exploitation_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_exploitation_forms_form_code'))

    op.drop_table('case_exploitation_forms')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_opened_at')
        batch_op.drop_index('ix_cases_status_due_at')
        batch_op.drop_index(batch_op.f('ix_cases_risk'))
        batch_op.drop_index(batch_op.f('ix_cases_region_ubigeo'))
        batch_op.drop_index(batch_op.f('ix_cases_opened_at'))
        batch_op.drop_index(batch_op.f('ix_cases_assigned_to_id'))

    op.drop_table('cases')
    op.drop_table('case_counters')
