"""Exchange rates per tenant: units of a currency per EUR from a date on (OSS threshold in EUR).

The rate is stored as integer millionths (BIGINT), exact on PostgreSQL and SQLite.

Revision ID: 0005_exchange_rates
Revises: 0004_promotion_uses
Create Date: 2026-12-02 07:19:58.604921

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision: str = '0005_exchange_rates'
down_revision: Union[str, None] = '0004_promotion_uses'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('exchange_rates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('rate', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("currency <> 'EUR'", name=op.f('ck_exchange_rates_not_eur')),
    sa.CheckConstraint('rate > 0', name=op.f('ck_exchange_rates_rate_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_exchange_rates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
    sa.UniqueConstraint('tenant_id', 'currency', 'valid_from', name=op.f('uq_exchange_rates_tenant_id_currency_valid_from'))
    )


def downgrade() -> None:
    op.drop_table('exchange_rates')
