"""revenue_daily: issued documents summed per closed UTC day, and how far each tenant is rolled up

Revision ID: 0023_revenue_daily
Revises: 0022_revenue_indexes
Create Date: 2026-12-08 01:55:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0023_revenue_daily'
down_revision: Union[str, None] = '0022_revenue_indexes'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('revenue_daily',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('tenant_id', ID, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('buyer_country', sa.String(length=2), nullable=False),
    sa.Column('tax_mode', sa.Enum('domestic', 'reverse_charge', 'eu_b2c', 'outside_eu', name='taxmode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('invoiced_net', sa.BigInteger(), nullable=False),
    sa.Column('invoiced_gross', sa.BigInteger(), nullable=False),
    sa.Column('credited_net', sa.BigInteger(), nullable=False),
    sa.Column('credited_gross', sa.BigInteger(), nullable=False),
    sa.Column('invoices', sa.Integer(), nullable=False),
    sa.Column('credit_notes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_revenue_daily_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revenue_daily')),
    sa.UniqueConstraint('tenant_id', 'currency', 'day', 'buyer_country', 'tax_mode', name=op.f('uq_revenue_daily_tenant_id_currency_day_buyer_country_tax_mode'))
    )
    op.create_table('revenue_rollup_marks',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('tenant_id', ID, nullable=False),
    sa.Column('rolled_until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_revenue_rollup_marks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revenue_rollup_marks')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_revenue_rollup_marks_tenant_id'))
    )


def downgrade() -> None:
    op.drop_table('revenue_rollup_marks')
    op.drop_table('revenue_daily')
