"""groups for chosen organisations: a group (a case clinic, say) open to several organisations of the partnership;
and when a clinic's facilitator was reminded of a case still waiting for their decision

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('for_chosen_organisations', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'group_series_organisations',
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_group_series_organisations_organisation_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['series_id'], ['group_series.id'], name=op.f('fk_group_series_organisations_series_id_group_series'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('series_id', 'organisation_id', name=op.f('pk_group_series_organisations')),
    )
    op.create_index('ix_group_series_organisations_organisation', 'group_series_organisations',
                    ['organisation_id', 'series_id'])
    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_reminded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clinic_cases', schema=None) as batch_op:
        batch_op.drop_column('review_reminded_at')
    op.drop_table('group_series_organisations')
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.drop_column('for_chosen_organisations')
